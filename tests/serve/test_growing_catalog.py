"""A shop's catalog grows while the service runs: events on new products, added items, filtered lists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.data import Dataset
from whyrec.data.loading import DataSource
from whyrec.evaluate import Split, split_dataset
from whyrec.models import create_model
from whyrec.runs import RunMeta, save_run
from whyrec.serve.app import create_app
from whyrec.serve.storage import Storage

from tests.serve.runs import ADMIN_TOKEN, client, ease_run, settings_for  # noqa: F401 (fixtures)

KNOWN_USER = "196"


def recs(client: TestClient, user: str, **params: object) -> dict:
    response = client.get(f"/v1/users/{user}/recommendations", params={"k": 10, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_batch_with_a_new_product_is_stored_per_event(client: TestClient, db_url: str, ease_run: Path,
                                                        tmp_path: Path) -> None:
    before = recs(client, "newcomer")
    response = client.post("/v1/events", json={"events": [
        {"user_id": "newcomer", "item_id": "50", "event_type": "purchase"},
        {"user_id": "newcomer", "item_id": "B0NEW1", "event_type": "view"},
        {"user_id": "newcomer", "item_id": "181", "event_type": "cart"}]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["applied", "stored", "applied"]
    assert (body["accepted"], body["applied"], body["stored"]) == (3, 2, 1)
    assert [r["id"] for r in body["results"]] == body["ids"] and len(set(body["ids"])) == 3
    after = recs(client, "newcomer")
    assert after["history_size"] == 2 and after["model"] == "ease" and before["cold_start"]
    # the stored event is in the database, for the next training
    with Storage.open(db_url) as storage:
        assert [e.item_id for e in storage.events_of("newcomer")] == ["50", "B0NEW1", "181"]
    out = tmp_path / "new.csv"
    result = CliRunner().invoke(app, ["events", "export", "--db", db_url, "--out", str(out),
                                      "--unknown-to", str(ease_run)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert [(r["user_id"], r["item_id"], r["event"]) for r in rows] == [("newcomer", "B0NEW1", "view")]
    assert int(rows[0]["timestamp"]) > 1_700_000_000


def test_events_survive_a_restart_and_apply_once_known(ease_run: Path, tmp_path: Path,
                                                       ml100k_split: Split) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    with TestClient(create_app(settings_for(ease_run, url))) as first:
        body = first.post("/v1/events", json={"events": [{"user_id": "u9", "item_id": "B0NEW2"}]}).json()
        assert body["stored"] == 1
        assert recs(first, "u9")["cold_start"]
    with TestClient(create_app(settings_for(ease_run, url))) as second:
        assert recs(second, "u9")["cold_start"]  # still unknown to this run, still kept
    with Storage.open(url) as storage:
        assert [e.item_id for e in storage.all_events()] == ["B0NEW2"]


def test_recommendations_take_category_filter_exclude_and_candidates(client: TestClient,
                                                                     ml100k_split: Split) -> None:
    fit = ml100k_split.fit
    full = recs(client, KNOWN_USER, k=100)
    comedy = recs(client, KNOWN_USER, category="Comedy")
    expected = [r["item_id"] for r in full["items"]
                if "Comedy" in fit.catalog.attributes.values("category", fit.items.index_of(r["item_id"]))][:10]
    assert [r["item_id"] for r in comedy["items"]] == expected and [r["rank"] for r in comedy["items"]] == list(
        range(1, 11))
    first, second = expected[:2]
    later = recs(client, KNOWN_USER, filter=["category:Comedy", "year:1995"], exclude=[first, "nope"])
    assert first not in {r["item_id"] for r in later["items"]} and later["items"]
    for r in later["items"]:
        index = fit.items.index_of(r["item_id"])
        assert fit.catalog.attributes.numeric["year"][index] == 1995
    chosen = recs(client, KNOWN_USER, candidates=f"{second},{first},B0NEW")
    assert [r["item_id"] for r in chosen["items"]] == [first, second]
    assert [r["item_id"] for r in recs(client, KNOWN_USER, k=100)["items"]] == [r["item_id"] for r in full["items"]]
    missing = client.get(f"/v1/users/{KNOWN_USER}/recommendations", params={"filter": "colour:red"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_column"
    assert "category, year" in missing.json()["error"]["message"]
    bad = client.get(f"/v1/users/{KNOWN_USER}/recommendations", params={"filter": "colour"})
    assert bad.status_code == 422


@pytest.fixture(scope="module")
def hybrid_run(films: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hybrid (EASE + text) run on the 60 titled films (tests/conftest.py), its text weight fixed."""
    split = split_dataset(films)
    model = create_model("hybrid", text_weight=0.4, collaborative_params={"regularization": 5.0}).fit(split.fit)
    meta = RunMeta(model=model.name, params=model.config.model_dump(), data=DataSource(source="films.csv"),
                   dataset_fingerprint=films.fingerprint, n_items=films.n_items, protocol=split.protocol)
    return save_run(tmp_path_factory.mktemp("runs") / "hybrid", model, meta, split=split)


SEQUEL = {"title": "Toy Story 4", "attributes": {"category": "Animation|Children's|Cartoon"}}


def test_a_put_item_is_recommended_by_the_hybrid_model_at_once(hybrid_run: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.sqlite3'}"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with TestClient(create_app(settings_for(hybrid_run, url, auth=True))) as api:
        assert api.put("/v1/items/B0NEW1", json=SEQUEL).status_code == 401
        api.post("/v1/events", headers=admin, json={"events": [
            {"user_id": "kid", "item_id": i, "event_type": "purchase"} for i in ("i30", "i31", "i32")]})
        before = api.get("/v1/users/kid/recommendations", headers=admin, params={"k": 20}).json()
        put = api.put("/v1/items/B0NEW1", headers=admin, json=SEQUEL)
        assert put.status_code == 200, put.text
        assert put.json()["items"] == [{"item_id": "B0NEW1", "status": "added", "recommendable": True}]
        after = api.get("/v1/users/kid/recommendations", headers=admin, params={"k": 20}).json()
        assert "B0NEW1" not in [r["item_id"] for r in before["items"]]
        entry = next(r for r in after["items"] if r["item_id"] == "B0NEW1")
        assert entry["title"] == "Toy Story 4" and after["model"] == "hybrid"
        animation = api.get("/v1/users/kid/recommendations", headers=admin,
                            params={"k": 30, "category": "cartoon"}).json()
        assert "B0NEW1" in [r["item_id"] for r in animation["items"]] and len(animation["items"]) == 28
        event = api.post("/v1/events", headers=admin, json={"events": [{"user_id": "kid", "item_id": "B0NEW1"}]})
        assert event.json()["results"][0]["status"] == "applied"
        bulk = api.put("/v1/items", headers=admin, json={"items": [
            {"item_id": "i30", "title": "A remastered classic"},
            {"item_id": "B0NEW2", "title": "Solar lantern", "attributes": {"category": "Garden"}}]})
        assert [(r["status"], r["recommendable"]) for r in bulk.json()["items"]] == [("updated", True),
                                                                                    ("added", True)]
    with TestClient(create_app(settings_for(hybrid_run, url, auth=True))) as again:  # a restart keeps it
        found = again.get("/v1/users/kid/recommendations", headers=admin, params={"k": 20}).json()
        assert found["history_size"] == 4  # the event on B0NEW1 counts: the restarted service knows the item
        assert again.get("/v1/items/B0NEW1/similar", headers=admin).status_code == 200
        garden = again.get("/v1/users/kid/recommendations", headers=admin, params={"category": "Garden"}).json()
        assert [r["item_id"] for r in garden["items"]] == ["B0NEW2"]


def test_a_collaborative_model_takes_new_items_at_the_next_training(client: TestClient) -> None:
    bulk = client.put("/v1/items", json={"items": [
        {"item_id": "1", "title": "Toy Story (remastered)"}, {"item_id": "B0NEW3", **SEQUEL}]})
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["items"] == [{"item_id": "1", "status": "updated", "recommendable": True},
                                    {"item_id": "B0NEW3", "status": "added", "recommendable": False}]
    listed = recs(client, "fresh", k=100)["items"]
    assert "B0NEW3" not in [r["item_id"] for r in listed]
    assert next(r["title"] for r in listed if r["item_id"] == "1") == "Toy Story (remastered)"
    event = client.post("/v1/events", json={"events": [{"user_id": "fresh", "item_id": "B0NEW3"}]})
    assert event.json()["results"][0]["status"] == "stored"
    wrong = client.put("/v1/items/B0NEW4", json={"title": "Lantern", "attributes": {"year": "soon"}})
    assert wrong.status_code == 422 and "'year' is a numeric column" in wrong.json()["error"]["message"]
