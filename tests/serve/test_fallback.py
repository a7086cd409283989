"""The API on a sparse shop: a list the model cannot order is ranked by popularity and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from whyrec.data.builtin.synthetic import SyntheticConfig, write_synthetic
from whyrec.data.history import HistoryBatch
from whyrec.data.loading import DataSource
from whyrec.evaluate import split_dataset
from whyrec.explain.base import ScoredHistory
from whyrec.explain.signal import has_signal, ordered
from whyrec.models import EASE
from whyrec.runs import RunMeta, load_run, save_run
from whyrec.serve.app import create_app

from tests.serve.runs import settings_for

K = 10


@pytest.fixture(scope="module")
def sparse_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """EASE on a sparse shop (600 shoppers, about two events each, 1,200 products), saved as a run."""
    root = tmp_path_factory.mktemp("sparse")
    paths = write_synthetic(SyntheticConfig(n_events=1_200, n_users=600, n_items=1_200, seed=2), root / "data")
    source = DataSource(source=str(paths["events"]), catalog=str(paths["catalog"]))
    dataset, _ = source.load()
    split = split_dataset(dataset)
    model = EASE().fit(split.fit)
    meta = RunMeta(model=model.name, params=model.config.model_dump(), data=source,
                   dataset_fingerprint=dataset.fingerprint, n_items=dataset.n_items, protocol=split.protocol)
    return save_run(root / "ease", model, meta)


def test_no_served_list_is_all_zero_without_the_fallback_flag(sparse_run: Path, tmp_path: Path) -> None:
    run = load_run(sparse_run)
    fit = run.fit_data
    popularity = fit.item_user_counts
    fallbacks = 0
    with TestClient(create_app(settings_for(sparse_run, f"sqlite:///{tmp_path / 'whyrec.sqlite3'}"))) as client:
        for user in fit.users.ids_of(fit.active_users):
            response = client.get(f"/v1/users/{user}/recommendations", params={"k": K, "explain": "true"})
            assert response.status_code == 200, response.text
            body = response.json()
            shown = fit.items.indices_of([r["item_id"] for r in body["items"]])
            scores = run.model.score(HistoryBatch.from_histories([fit.history(user)], fit.n_items))[0][shown]
            if not ordered(scores):  # the model's scores of the list are all equal
                assert body["fallback"] == "popularity" and "all equal" in body["fallback_reason"]
            if body["fallback"] is None:
                assert body["fallback_reason"] is None and body["model"] == "ease"
                continue
            fallbacks += 1
            assert body["model"] == "pop" and len(body["items"]) == K
            counts = popularity[shown]
            assert list(counts) == sorted(counts, reverse=True)
            assert [r["score"] for r in body["items"]] == [float(c) for c in counts]
            for r in body["items"]:
                assert r["explanation"]["method"] == "popularity" and r["explanation"]["counterfactual"] is None
    assert fallbacks > 0.2 * len(fit.active_users)


def test_a_list_with_signal_has_no_fallback(sparse_run: Path, tmp_path: Path) -> None:
    run = load_run(sparse_run)
    fit = run.fit_data
    users = fit.users.ids_of(fit.active_users)
    scored = [ScoredHistory(run.model, fit.history(u), fit.n_items, fit.active_items) for u in users]
    with_signal = [u for u, s in zip(users, scored, strict=True) if has_signal(s.scores[~s.excluded], K)][:5]
    assert with_signal
    with TestClient(create_app(settings_for(sparse_run, f"sqlite:///{tmp_path / 'whyrec.sqlite3'}"))) as client:
        for user in with_signal:
            body = client.get(f"/v1/users/{user}/recommendations", params={"k": K}).json()
            assert body["fallback"] is None and body["model"] == "ease"
