"""The service on a 5,000-item catalog with the threshold lowered: lists from the index, and saying so."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from whyrec.data.history import HistoryBatch
from whyrec.retrieval.index import INDEX_DIR
from whyrec.runs import load_run
from whyrec.serve.app import create_app

from tests.retrieval.conftest import THRESHOLD
from tests.serve.runs import settings_for

K = 10


def test_the_list_endpoint_reports_approximate_retrieval(shop_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "als"
    shutil.copytree(shop_run, run_dir)
    run = load_run(run_dir)
    fit = run.fit_data
    users = fit.users.ids_of(fit.active_users[:15])
    settings = settings_for(run_dir, f"sqlite:///{tmp_path / 'db.sqlite3'}", ann_threshold=THRESHOLD)
    overlap = []
    with TestClient(create_app(settings)) as client:
        assert (run_dir / INDEX_DIR / "hnsw.faiss").is_file()  # built when the run was loaded
        for user in users:
            body = client.get(f"/v1/users/{user}/recommendations", params={"k": K}).json()
            assert body["retrieval"] == "approximate" and body["model"] == "als"
            shown = fit.items.indices_of([r["item_id"] for r in body["items"]])
            history = fit.history(user)
            assert len(shown) == K and not np.isin(shown, history.items).any()
            scores = run.model.score(HistoryBatch.from_histories([history], fit.n_items))[0]
            np.testing.assert_allclose([r["score"] for r in body["items"]], scores[shown], atol=1e-4)
            exact = np.argsort(-np.where(np.isin(np.arange(fit.n_items), history.items), -np.inf, scores))[:K]
            overlap.append(np.isin(shown, exact).mean())
        assert np.mean(overlap) >= 0.9
        # explanations are computed for the retrieved items, as for an exact list
        explained = client.get(f"/v1/users/{users[0]}/recommendations", params={"k": 3, "explain": "true"}).json()
        assert explained["retrieval"] == "approximate"
        assert all(r["explanation"]["item_id"] == r["item_id"] for r in explained["items"])
        # a filter that leaves fewer than k of the retrieved items: the list is ranked exactly, and full
        top = fit.items.indices_of([r["item_id"] for r in client.get(
            f"/v1/users/{users[1]}/recommendations", params={"k": 100}).json()["items"]])
        others = np.setdiff1d(fit.active_items, np.union1d(top, fit.history(users[1]).items))[:20]
        chosen = fit.items.ids_of(np.concatenate([top[:3], others]))
        body = client.get(f"/v1/users/{users[1]}/recommendations",
                          params={"k": K, "candidates": ",".join(chosen)}).json()
        assert body["retrieval"] == "exact" and len(body["items"]) == K
        assert {r["item_id"] for r in body["items"]} <= set(chosen)


def test_ann_off_keeps_every_list_exact(shop_run: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "als"
    shutil.copytree(shop_run, run_dir)
    fit = load_run(run_dir).fit_data
    settings = settings_for(run_dir, f"sqlite:///{tmp_path / 'db.sqlite3'}", ann="off", ann_threshold=THRESHOLD)
    with TestClient(create_app(settings)) as client:
        user = fit.users.id_of(int(fit.active_users[0]))
        assert client.get(f"/v1/users/{user}/recommendations", params={"k": K}).json()["retrieval"] == "exact"
    assert not (run_dir / INDEX_DIR).exists()
