"""Cold-start evaluation (PROTOCOL.md "Cold-start items" and "New users")."""

from __future__ import annotations

import hashlib
import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.data import Dataset
from whyrec.evaluate import split_dataset
from whyrec.evaluate.coldstart import evaluate_cold_items, evaluate_new_users, held_out, random_expected
from whyrec.evaluate.metrics import ndcg, recall
from whyrec.models import create_model
from whyrec.testing import block_events
from whyrec.training import fit_on_split


def test_hash_rule_on_known_ids() -> None:
    ids = [str(i) for i in range(40)] + [f"u{i}" for i in range(40)] + ["B00ÄÖ", ""]
    # independently: the first 4 bytes of the digest, big-endian, are the first 8 hex digits
    expected = [int.from_bytes(hashlib.sha256(i.encode("utf-8")).digest()[:4], "big") % 5 == 0 for i in ids]
    assert held_out(ids).tolist() == expected
    assert [i for i in ids[:40] if held_out([i])[0]] == ["11", "13", "14", "20", "33", "37", "39"]
    assert [i for i in ids[40:80] if held_out([i])[0]] == ["u5", "u12", "u14", "u24", "u25", "u37", "u39"]


@pytest.mark.parametrize(("n_candidates", "n_relevant", "k"), [(5, 2, 3), (6, 1, 2), (4, 3, 5)])
def test_random_expectation_is_exact(n_candidates: int, n_relevant: int, k: int) -> None:
    hits = np.array([[p in range(n_relevant) for p in perm[:k]] + [False] * max(0, k - n_candidates)
                     for perm in itertools.permutations(range(n_candidates))])
    size = np.full(len(hits), n_relevant)
    exact = random_expected(np.array([n_relevant]), n_candidates, k)
    assert exact[f"recall@{k}"] == pytest.approx(recall(hits, size, k).mean(), abs=1e-12)
    assert exact[f"ndcg@{k}"] == pytest.approx(ndcg(hits, size, k).mean(), abs=1e-12)


def test_cold_items_text_beats_random(films: Dataset) -> None:
    split = split_dataset(films)
    result = evaluate_cold_items(lambda part: fit_on_split(create_model("text"), part), split, k=5,
                                 baselines={"hybrid": lambda part: fit_on_split(create_model(
                                     "hybrid", text_weight=0.3, collaborative_params={"regularization": 5.0}), part)})
    assert result.model == "text" and result.n_cold_items == 12 and result.users > 0
    values = [*result.metrics.values(), *result.random.values(), *result.baselines["hybrid"].values()]
    assert np.isfinite(values).all() and all(0 <= v <= 1 for v in values)
    assert result.random["recall@5"] == pytest.approx(5 / 12)
    assert result.metrics["recall@5"] > result.random["recall@5"] + 0.2
    assert result.metrics["ndcg@5"] > result.random["ndcg@5"] + 0.2
    assert result.baselines["hybrid"] == result.metrics  # cold candidates: the hybrid ranks by its text part


def test_cold_items_are_never_seen_in_fitting(films: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Dataset] = []
    model = create_model("ease", regularization=5.0)
    original = type(model).fit

    def spy(self, dataset, **kw):  # type: ignore[no-untyped-def]
        seen.append(dataset)
        return original(self, dataset, **kw)

    monkeypatch.setattr(type(model), "fit", spy)
    evaluate_cold_items(lambda part: fit_on_split(model, part), split_dataset(films), k=5)
    cold = held_out(films.items.ids)
    assert seen and not any(cold[d.events.item].any() for d in seen)


def test_new_users(blocks: Dataset) -> None:
    result = evaluate_new_users(lambda part: fit_on_split(create_model("ease", regularization=5.0), part),
                                split_dataset(blocks), k=5)
    assert result.model == "ease" and result.users == 7  # u5 u12 u14 u24 u25 u37 u39
    assert set(result.metrics) == set(result.popularity) == {"1", "3", "5", "all"}
    for per_n in (result.metrics, result.popularity):
        assert all(np.isfinite(v) and 0 <= v <= 1 for m in per_n.values() for v in m.values())
    assert result.metrics["all"]["recall@5"] > result.popularity["all"]["recall@5"]  # the taste groups
    assert len({tuple(m.values()) for m in result.popularity.values()}) == 1  # same exclusions for every N


def test_cli_cold_items_and_new_users(tmp_path) -> None:
    data = tmp_path / "blocks.csv"
    block_events()[["user_id", "item_id", "timestamp"]].to_csv(data, index=False)
    runner = CliRunner()
    done = runner.invoke(app, ["train", "--data", str(data), "--model", "ease", "--param", "lambda=5",
                               "--out", str(tmp_path / "run"), "--json"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["evaluate", str(tmp_path / "run"), "--cold-items", "--new-users", "--json"],
                         catch_exceptions=False)
    assert done.exit_code == 0, done.output
    payload = json.loads(done.stdout)
    assert payload["cold_items"]["cold_items"] == 3  # items 11, 13 and 14 of 0..19
    assert set(payload["cold_items"]["metrics"]) == {"recall@20", "ndcg@20"}
    assert payload["cold_items"]["random_expected"]["recall@20"] == 1.0  # 3 candidates: all fit in 20
    assert "text" in payload["cold_items"]["baselines"]
    assert set(payload["new_users"]["metrics"]) == {"1", "3", "5", "all"}
    meta = json.loads((tmp_path / "run" / "meta.json").read_text())
    assert "cold_items/ndcg@20" in meta["metrics"] and "new_users/all/ndcg@10" in meta["metrics"]
