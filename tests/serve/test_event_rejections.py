"""A batch with invalid events: the valid ones are stored and applied, each invalid one is rejected with the
field and what was expected; ``all_or_nothing=true`` refuses the whole batch. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from whyrec.serve.storage import Storage

from tests.serve.runs import client, ease_run  # noqa: F401 (fixtures)

GOOD = {"user_id": "mixed", "item_id": "50", "event_type": "purchase"}
#: One invalid event per kind of mistake, and the field its result must name.
INVALID: list[tuple[dict[str, Any], str, str]] = [
    ({"user_id": "mixed", "item_id": "181", "event_type": "rating", "value": 0}, "value", "above 0"),
    ({"user_id": "mixed", "item_id": "181", "event_type": "rating"}, "value", "positive value"),
    ({"user_id": "mixed", "item_id": "181", "timestamp": "yesterday"}, "timestamp", "ISO 8601"),
    ({"user_id": "mixed", "item_id": "181", "timestamp": 1714557600000}, "timestamp", "milliseconds"),
    ({"user_id": "mixed", "item_id": ""}, "item_id", "at least 1 character"),
    ({"user_id": "mixed", "item_id": "181", "event_type": "add to cart!"}, "event_type", "letters, digits"),
    ({"user_id": "mixed", "item_id": "181", "colour": "red"}, "colour", "an event takes user_id"),
    ({"item_id": "181"}, "user_id", "Field required"),
]


def stored_items(db_url: str, user: str) -> list[str]:
    with Storage.open(db_url) as storage:
        return [e.item_id for e in storage.events_of(user)]


def test_each_invalid_event_is_rejected_and_the_valid_ones_stored(client: TestClient, db_url: str) -> None:
    before = client.get("/v1/users/mixed/recommendations").json()
    batch = [GOOD, *[event for event, _, _ in INVALID], {"user_id": "mixed", "item_id": "B0NEW9"},
             {"user_id": "mixed", "item_id": "172", "event_type": "rating", "value": 4}]
    response = client.post("/v1/events", json={"events": batch})
    assert response.status_code == 201, response.text
    body = response.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["applied", *["rejected"] * len(INVALID), "stored", "applied"]
    assert (body["accepted"], body["applied"], body["stored"], body["rejected"]) == (3, 2, 1, len(INVALID))
    for result, (_, field, words) in zip(body["results"][1:], INVALID, strict=False):
        assert result["id"] is None and result["field"] == field, result
        assert result["reason"].startswith(f"{field}: ") and words in result["reason"], result
    # what the response acknowledges is exactly what the store holds, in order
    stored = [r["id"] for r in body["results"] if r["status"] != "rejected"]
    assert body["ids"] == stored and len(set(stored)) == 3
    assert stored_items(db_url, "mixed") == ["50", "B0NEW9", "172"]
    after = client.get("/v1/users/mixed/recommendations").json()
    assert before["cold_start"] and after["history_size"] == 2  # the two applied events are in use at once


def test_all_or_nothing_refuses_a_batch_with_an_invalid_event(client: TestClient, db_url: str) -> None:
    batch = {"events": [GOOD, {"user_id": "mixed", "item_id": "181", "timestamp": "yesterday"}]}
    response = client.post("/v1/events", params={"all_or_nothing": "true"}, json=batch)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["loc"] == ["body", "events", 1, "timestamp"]
    assert "ISO 8601" in error["message"]
    assert stored_items(db_url, "mixed") == []
    assert client.post("/v1/events", params={"all_or_nothing": "true"}, json={"events": [GOOD]}).status_code == 201


def test_a_batch_with_no_valid_event_is_422_naming_each(client: TestClient, db_url: str) -> None:
    response = client.post("/v1/events", json={"events": [{"item_id": "1"}, {"user_id": "u", "item_id": "1",
                                                                              "value": "high"}]})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["loc"] == ["body", "events", 0, "user_id"] and "1 more problem" in error["message"]
    assert stored_items(db_url, "u") == []


@pytest.mark.parametrize("body", [{"events": [GOOD, 5]}, {"events": [GOOD, None]}, {"events": GOOD},
                                  {"events": [GOOD], "extra": 1}, [GOOD]])
def test_a_body_that_is_not_a_batch_of_objects_is_422(client: TestClient, db_url: str, body: Any) -> None:
    response = client.post("/v1/events", json=body)
    assert response.status_code == 422, response.text
    assert stored_items(db_url, "mixed") == []


def test_the_schema_says_an_element_is_an_event_or_a_rejected_object(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    items = schema["components"]["schemas"]["EventsIn"]["properties"]["events"]["items"]
    assert items["anyOf"][0] == {"$ref": "#/components/schemas/EventIn"} and items["anyOf"][1]["type"] == "object"
    result = schema["components"]["schemas"]["EventOutcome"]
    assert result["enum"] == ["applied", "stored", "rejected"]
