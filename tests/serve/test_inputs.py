"""Input rules: ids, encodings, body sizes, strict types, timestamps, methods."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from whyrec.serve.app import create_app
from whyrec.serve.storage import Storage

from tests.serve.runs import client, ease_run, settings_for  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def small(ease_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('inputs') / 'db.sqlite3'}"
    with TestClient(create_app(settings_for(ease_run, db, max_body_bytes=2048))) as c:
        yield c, db


@pytest.mark.parametrize("raw", ["a%01b", "a%0Ab", "a%7Fb", "a%C2%85b", "%E2%80%8B", "%20%20"])
def test_path_ids_with_control_or_blank_characters_are_422(small: tuple[TestClient, str], raw: str) -> None:
    c, _ = small
    response = c.get(f"/v1/users/{raw}/recommendations")
    assert response.status_code == 422, response.text
    assert response.json()["error"]["loc"] == ["path", "user_id"]


@pytest.mark.parametrize("user_id", ["a\x01b", "a\nb", "a\x7fb", "a\x85b"])
def test_body_ids_with_control_characters_are_422(small: tuple[TestClient, str], user_id: str) -> None:
    c, _ = small
    response = c.post("/v1/events", json={"events": [{"user_id": user_id, "item_id": "50"}]})
    assert response.status_code == 422 and response.json()["error"]["loc"] == ["body", "events", 0, "user_id"]


def test_invalid_utf8_in_a_path_is_422_not_a_replacement_character(small: tuple[TestClient, str]) -> None:
    c, _ = small
    for raw in ("%FF", "%C3", "x%80y"):
        response = c.get(f"/v1/users/{raw}/profile")
        assert response.status_code == 422 and response.json()["error"]["loc"] == ["path"], raw


def test_ids_are_nfc_normalised(small: tuple[TestClient, str]) -> None:
    c, _ = small
    decomposed, composed = "jose\u0301", "jos\u00e9"
    assert c.post("/v1/events", json={"events": [{"user_id": decomposed, "item_id": "50"}]}).status_code == 201
    profile = c.get(f"/v1/users/{composed}/profile").json()
    assert profile["user_id"] == composed and profile["history_size"] == 1


def test_a_chunked_body_over_the_limit_is_413(small: tuple[TestClient, str]) -> None:
    c, _ = small

    def chunks() -> Iterator[bytes]:
        yield b'{"events": ['
        for _ in range(100):
            yield b'{"user_id": "u", "item_id": "50"},'
        yield b'{"user_id": "u", "item_id": "50"}]}'

    response = c.post("/v1/events", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "batch_too_large"


def test_a_body_that_is_not_utf8_is_422(small: tuple[TestClient, str]) -> None:
    c, _ = small
    body = '{"events": [{"user_id": "caf\u00e9", "item_id": "50"}]}'.encode("latin-1")
    response = c.post("/v1/events", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("value", [0, 1, "false", "no", None])
def test_booleans_are_strict(small: tuple[TestClient, str], value: object) -> None:
    c, _ = small
    response = c.put("/v1/users/strict/settings", json={"personalization": value})
    assert response.status_code == 422 and response.json()["error"]["loc"] == ["body", "personalization"]


def test_numbers_are_strict(small: tuple[TestClient, str]) -> None:
    c, _ = small
    for value in ("5", True):
        event = {"user_id": "n", "item_id": "50", "event_type": "rating", "value": value}
        assert c.post("/v1/events", json={"events": [event]}).status_code == 422, value
    assert c.post("/v1/events", json={"events": [{"user_id": "n", "item_id": "50", "event_type": "rating",
                                                  "value": 4}]}).status_code == 201


def test_numeric_timestamps_are_always_epoch_seconds(small: tuple[TestClient, str]) -> None:
    c, db = small
    for stamp in (1e11, 1714557600000, -1e10):
        response = c.post("/v1/events", json={"events": [{"user_id": "t", "item_id": "50", "timestamp": stamp}]})
        assert response.status_code == 422, stamp
        assert response.json()["error"]["loc"] == ["body", "events", 0, "timestamp"]
    assert "milliseconds" in c.post("/v1/events", json={"events": [
        {"user_id": "t", "item_id": "50", "timestamp": 1714557600000}]}).json()["error"]["message"]
    for stamp in (1714557600, 1714557600.5, "1714557600", "2024-05-01T10:00:00Z"):
        assert c.post("/v1/events", json={"events": [{"user_id": "t", "item_id": "50",
                                                      "timestamp": stamp}]}).status_code == 201
    with Storage.open(db) as storage:
        stamps = {e.timestamp.replace(microsecond=0) for e in storage.events_of("t")}
    assert stamps == {datetime(2024, 5, 1, 10, 0, tzinfo=UTC)}


def test_options_and_405_list_every_method_of_the_path(small: tuple[TestClient, str]) -> None:
    c, _ = small
    options = c.options("/v1/users/u/settings")
    assert options.status_code == 204 and options.headers["allow"] == "GET, OPTIONS, PUT"
    wrong = c.patch("/v1/users/u/settings")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, OPTIONS, PUT"
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert c.post("/v1/users/u").headers["allow"] == "DELETE, OPTIONS"


def test_a_query_parameter_the_route_does_not_take_is_a_422_naming_it(client: TestClient) -> None:
    typo = client.get("/v1/users/196/recommendations", params={"explian": "true"})
    assert typo.status_code == 422, typo.text
    error = typo.json()["error"]
    assert error["loc"] == ["query", "explian"] and "explain" in error["message"]
    before = client.get("/v1/users/typo-shopper/profile")
    batch = {"events": [{"user_id": "typo-shopper", "item_id": "50", "event_type": "purchase"}]}
    refused = client.post("/v1/events", params={"all_or_nothng": "true"}, json=batch)
    assert refused.status_code == 422 and refused.json()["error"]["loc"] == ["query", "all_or_nothng"]
    assert client.get("/v1/users/typo-shopper/profile").json() == before.json()  # nothing was written
    assert client.post("/v1/events", params={"all_or_nothing": "true"}, json=batch).status_code == 201


def test_the_query_names_are_walked_once_per_route_and_unknown_ones_stay_refused(small: tuple[TestClient, str]
                                                                                 ) -> None:
    c, _ = small
    path = "/v1/users/cached/recommendations"
    for typo in ("explian", "kk", "explian"):  # the second and third calls read the cached names
        refused = c.get(path, params={typo: "1"})
        assert refused.status_code == 422 and refused.json()["error"]["loc"] == ["query", typo]
    assert c.get(path, params={"k": 3}).status_code == 200
    cache = c.app.state.query_names  # type: ignore[attr-defined]
    assert {"k", "explain"} <= cache[("/v1/users/{user_id}/recommendations", frozenset({"GET"}))]
    # another method on a path has its own names: settings take no query parameter
    wrong = c.put("/v1/users/cached/settings", params={"k": 3}, json={"personalization": True})
    assert wrong.status_code == 422 and wrong.json()["error"]["loc"] == ["query", "k"]
    assert cache[("/v1/users/{user_id}/settings", frozenset({"PUT"}))] == frozenset()
