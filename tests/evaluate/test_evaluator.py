"""Full-ranking evaluation: top_k, a hand-computed run, and an independent re-implementation of PROTOCOL.md."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from whyrec.data import build_dataset
from whyrec.data.builtin.ml100k import ml100k_dir
from whyrec.evaluate import Split, evaluate, rank_split, split_dataset
from whyrec.models import EASE, MostPopular, top_k

# ---- top_k ----------------------------------------------------------------------------------------------


def test_top_k_breaks_ties_by_lower_index_and_never_returns_minus_inf() -> None:
    got = top_k(np.array([[0.1, 0.5, 0.5, -np.inf]], dtype=np.float32), 4)
    assert got.items.tolist() == [[1, 2, 0, -1]]
    assert got.scores.tolist() == [[0.5, 0.5, pytest.approx(0.1), -np.inf]]
    assert got.items.dtype == np.int32 and got.scores.dtype == np.float32


def test_top_k_keeps_the_lowest_indices_of_a_tie_at_the_cut() -> None:
    # k of many equal scores must be the lowest indices (a partial sort may pick any of them: the second
    # case returned item 13 instead of 8 before top_k handled ties at the cut).
    assert top_k(np.ones((3, 6), dtype=np.float32), 2).items.tolist() == [[0, 1]] * 3
    scores = np.array([[1, 2, 2, 1, 1, 2, 1, 1, 2, 2, 2, 2, 0, 2, 0, 2]], dtype=np.float32)
    assert top_k(scores, 4).items.tolist() == [[1, 2, 5, 8]]


def test_top_k_pads_with_empty_slots_when_fewer_candidates_than_k() -> None:
    scores = np.array([[0.3, 0.9, 0.1], [-np.inf, 2.0, -np.inf], [-np.inf] * 3], dtype=np.float32)
    got = top_k(scores, 5)
    assert got.items.tolist() == [[1, 0, 2, -1, -1], [1, -1, -1, -1, -1], [-1] * 5]
    assert np.all(np.isneginf(got.scores[got.items < 0]))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, -np.inf]), min_size=12, max_size=12),
                  min_size=1, max_size=4),
    k=st.integers(1, 15),
)
def test_top_k_equals_a_stable_sort_by_score(rows: list[list[float]], k: int) -> None:
    scores = np.array(rows, dtype=np.float32)
    got = top_k(scores, k)
    assert got.items.shape == (len(rows), k)
    for row, items in zip(rows, got.items.tolist(), strict=True):
        ranked = sorted((j for j in range(len(row)) if row[j] != -np.inf), key=lambda j: (-row[j], j))[:k]
        assert items == ranked + [-1] * (k - len(ranked))


# ---- a run worked out by hand ------------------------------------------------------------------------------


def frame(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    out["timestamp"] = out["timestamp"].astype(np.int64)
    out["event"] = "interaction"
    out["value"] = np.nan
    out["weight"] = np.float32(1.0)
    return out


@pytest.fixture(scope="module")
def tiny_split() -> Split:
    # PROTOCOL.md split: u1 train 1 2 | test 5;  u2 train 1 3 | test 2;  u3 train 2 3 | valid 4 | test 1;
    # u4 train 1 (too short to hold out);  u5 train 1 2 3 | valid 4 | test 5.
    rows = [("u1", "1", 1), ("u1", "2", 2), ("u1", "5", 3),
            ("u2", "1", 1), ("u2", "3", 2), ("u2", "2", 3),
            ("u3", "2", 1), ("u3", "3", 2), ("u3", "4", 3), ("u3", "1", 4),
            ("u4", "1", 1),
            ("u5", "1", 1), ("u5", "2", 2), ("u5", "3", 3), ("u5", "4", 4), ("u5", "5", 5)]
    return split_dataset(build_dataset(frame(rows), name="tiny"))


def test_hand_computed_run_on_test(tiny_split: Split) -> None:
    # Fit data (train + valid) popularity: item 1: 4 users, 2: 3, 3: 3, 4: 2, 5: none (test only, so
    # outside the catalog {1, 2, 3, 4}). Lists of 2 without each user's own fit items:
    #   u1 (has 1 2): [3, 4], truth {5} -> no hit (5 cannot be recommended, yet counts in |T|)
    #   u2 (has 1 3): [2, 4], truth {2} -> hit at 1
    #   u3 (has 2 3 4): [1, -], truth {1} -> hit at 1
    #   u5 (has 1 2 3 4): no list at all, truth {5} -> scores 0 and still counts
    model = MostPopular().fit(tiny_split.fit)
    result = evaluate(model, tiny_split, ks=(1, 2))
    def ids(row: np.ndarray) -> list[str | None]:
        return [tiny_split.dataset.items.id_of(int(i)) if i >= 0 else None for i in row]

    ranking = rank_split(model, tiny_split, k=2)
    assert ranking.user_ids == ("u1", "u2", "u3", "u5")
    assert [ids(r) for r in ranking.recommendations.items] == [["3", "4"], ["2", "4"], ["1", None], [None, None]]
    assert [ids(r) for r in ranking.relevant] == [["5"], ["2"], ["1"], ["5"]]
    assert result.per_user.index.tolist() == ["u1", "u2", "u3", "u5"]
    assert result.per_user["ndcg@2"].tolist() == pytest.approx([0, 1, 1, 0], abs=1e-6)
    s = result.summary
    assert [s["recall@2"], s["ndcg@2"], s["hr@2"], s["mrr@2"]] == pytest.approx([0.5] * 4, abs=1e-6)
    assert s["precision@2"] == pytest.approx((0 + 1 / 2 + 1 / 2 + 0) / 4, abs=1e-6)
    assert s["precision@1"] == pytest.approx(0.5, abs=1e-6)
    # Coverage: K = 1 -> {3, 2, 1} of 4 catalog items; K = 2 -> all 4.
    assert (s["coverage@1"], s["coverage@2"]) == pytest.approx((0.75, 1.0), abs=1e-6)
    # AvgPop: K = 1 -> items 3, 2, 1 = (3 + 3 + 4) / 3; K = 2 -> items 3, 4, 2, 4, 1 = 14 / 5.
    assert (s["avgpop@1"], s["avgpop@2"]) == pytest.approx((10 / 3, 2.8), abs=1e-6)
    assert (result.target, result.protocol, result.model) == ("test", "temporal-user-holdout/v1", model.name)
    out = ranking.to_frame()
    assert out.columns.tolist() == ["user_id", "item_id", "rank", "score"]
    assert out[["user_id", "item_id", "rank"]].values.tolist() == [["u1", "3", 1], ["u1", "4", 2],
                                                                  ["u2", "2", 1], ["u2", "4", 2], ["u3", "1", 1]]


def test_hand_computed_run_on_validation_uses_train_as_history(tiny_split: Split) -> None:
    # Train only: item 4 appears in no train list, so the catalog is {1, 2, 3}; validation users u3 {4}, u5 {4}.
    #   u3 (train 2 3): [1, -];  u5 (train 1 2 3): nothing.  Valid item 4 is outside the train catalog: all 0.
    model = MostPopular().fit(tiny_split.train)
    ranking = rank_split(model, tiny_split, k=2, target="validation")
    assert ranking.history is tiny_split.train
    assert ranking.user_ids == ("u3", "u5")
    items = tiny_split.dataset.items
    assert sorted(items.ids_of(ranking.catalog)) == ["1", "2", "3"]
    assert [items.ids_of(r) for r in ranking.relevant] == [["4"], ["4"]]
    assert ranking.recommendations.items.tolist() == [[items.index_of("1"), -1], [-1, -1]]
    result = evaluate(model, tiny_split, ks=(2,), target="validation")
    assert result.target == "validation"
    assert result.summary["recall@2"] == 0.0 and result.summary["coverage@2"] == pytest.approx(1 / 3, abs=1e-6)


# ---- an independent implementation of PROTOCOL.md on ml-100k ------------------------------------------


def protocol_split_of_raw_ml100k() -> dict[str, dict[str, list[str]]]:
    """user -> {"train", "valid", "test"} -> items, from the raw file, following PROTOCOL.md with plain Python."""
    with open(ml100k_dir() / "ml-100k.inter", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = [c.split(":")[0] for c in next(reader)]
        u, i, t = header.index("user_id"), header.index("item_id"), header.index("timestamp")
        by_user: dict[str, dict[str, int]] = {}
        for row in reader:
            first = by_user.setdefault(row[u], {})
            stamp = int(float(row[t]))
            first[row[i]] = min(stamp, first.get(row[i], stamp))  # a repeated pair counts once, at its earliest
    numeric = all(item.isdigit() for items in by_user.values() for item in items)
    parts: dict[str, dict[str, list[str]]] = {}
    for user, first in by_user.items():
        order = sorted(first, key=lambda item: (first[item], int(item) if numeric else item))
        n = len(order)
        n_test = 0 if n < 2 else max(1, n * 20 // 100)
        r = n - n_test
        n_valid = max(1, r * 10 // 100) if n >= 2 else 0
        if r - n_valid < 2:
            n_valid = 0
        parts[user] = {"train": order[: r - n_valid], "valid": order[r - n_valid: r], "test": order[r:]}
    return parts


def recall_ndcg_from_file(path: Path, truth: dict[str, set[str]], k: int) -> tuple[float, float]:
    """Mean Recall@k and NDCG@k over every user with truth, from a ``user_id,item_id,rank`` file."""
    lists: dict[str, list[tuple[int, str]]] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            lists.setdefault(row["user_id"], []).append((int(row["rank"]), row["item_id"]))
    recall_sum = ndcg_sum = 0.0
    for user, relevant in truth.items():
        top = [item for _, item in sorted(lists.get(user, []))][:k]
        hits = [p for p, item in enumerate(top, start=1) if item in relevant]
        recall_sum += len(hits) / len(relevant)
        dcg = sum(1 / math.log2(p + 1) for p in hits)
        idcg = sum(1 / math.log2(p + 1) for p in range(1, min(len(relevant), k) + 1))
        ndcg_sum += dcg / idcg
    return recall_sum / len(truth), ndcg_sum / len(truth)


@pytest.fixture(scope="module")
def reference_parts() -> dict[str, dict[str, list[str]]]:
    return protocol_split_of_raw_ml100k()


def test_independent_split_reproduces_the_protocol_check(reference_parts: dict[str, dict[str, list[str]]]) -> None:
    counts = [sum(len(p[name]) for p in reference_parts.values()) for name in ("train", "valid", "test")]
    assert counts == [72_755, 7_612, 19_633]
    assert len({i for p in reference_parts.values() for i in p["train"] + p["valid"]}) == 1_612


def test_ease_on_ml100k_matches_an_independent_protocol_implementation(
        ml100k_split: Split, reference_parts: dict[str, dict[str, list[str]]], tmp_path: Path) -> None:
    model = EASE().fit(ml100k_split.fit)
    ranking = rank_split(model, ml100k_split, k=20)
    path = tmp_path / "recommendations.csv"
    ranking.to_frame().to_csv(path, index=False)
    result = evaluate(model, ml100k_split)

    truth = {u: set(p["test"]) for u, p in reference_parts.items() if p["test"]}
    fit_items = {u: set(p["train"]) | set(p["valid"]) for u, p in reference_parts.items()}
    catalog = set().union(*fit_items.values())
    for k in (10, 20):
        recall, ndcg = recall_ndcg_from_file(path, truth, k)
        assert result.summary[f"recall@{k}"] == pytest.approx(recall, abs=1e-6)
        assert result.summary[f"ndcg@{k}"] == pytest.approx(ndcg, abs=1e-6)
    assert len(result.per_user) == len(truth) == 943
    assert set(result.per_user.index) == set(truth)

    # The file is well formed (PROTOCOL.md "Recommendation files").
    recs = pd.read_csv(path, dtype={"user_id": str, "item_id": str})
    assert recs.columns.tolist()[:3] == ["user_id", "item_id", "rank"]
    assert set(recs["user_id"]) == set(truth)
    assert recs.groupby("user_id").size().min() >= 20
    assert not recs.duplicated(["user_id", "item_id"]).any()
    assert set(recs["item_id"]) <= catalog
    own = [item in fit_items[user] for user, item in zip(recs["user_id"], recs["item_id"], strict=True)]
    assert not any(own)
    ranks = recs.groupby("user_id")["rank"].apply(list)
    assert all(r == list(range(1, len(r) + 1)) for r in ranks)


def test_validation_target_on_ml100k_ranks_from_train_and_scores_valid(
        ml100k_split: Split, reference_parts: dict[str, dict[str, list[str]]], tmp_path: Path) -> None:
    model = EASE().fit(ml100k_split.train)
    ranking = rank_split(model, ml100k_split, k=10, target="validation")
    assert ranking.history is ml100k_split.train
    items = ml100k_split.dataset.items
    train_catalog = {i for p in reference_parts.values() for i in p["train"]}
    assert set(items.ids_of(ranking.catalog)) == train_catalog
    truth = {u: set(p["valid"]) for u, p in reference_parts.items() if p["valid"]}
    assert dict(zip(ranking.user_ids, (set(items.ids_of(r)) for r in ranking.relevant), strict=True)) == truth

    path = tmp_path / "valid.csv"
    recs = ranking.to_frame()
    recs.to_csv(path, index=False)
    train_items = {u: set(p["train"]) for u, p in reference_parts.items()}
    # Only train items are excluded: a user's validation items are fair (and the point) to recommend.
    assert not any(i in train_items[u] for u, i in zip(recs["user_id"], recs["item_id"], strict=True))
    assert any(i in truth[u] for u, i in zip(recs["user_id"], recs["item_id"], strict=True))
    assert set(recs["item_id"]) <= train_catalog

    result = evaluate(model, ml100k_split, ks=(10,), target="validation")
    recall, ndcg = recall_ndcg_from_file(path, truth, 10)
    assert result.target == "validation"
    assert (result.summary["recall@10"], result.summary["ndcg@10"]) == pytest.approx((recall, ndcg), abs=1e-6)
