"""A shop's catalog grows while the service runs: events on new products, added items, filtered lists."""

from __future__ import annotations

import csv
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.evaluate import Split
from whyrec.serve.app import create_app
from whyrec.serve.storage import Storage

from tests.serve.runs import client, ease_run, settings_for  # noqa: F401 (fixtures)

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
