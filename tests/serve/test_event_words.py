"""The service words reasons from what each shopper did, logged and live: a purchase posted to the API is
"bought", a rating posted is "rated ... N stars", for users of the run and for new shoppers alike."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.serve.runs import client, ease_run  # noqa: F401 (fixtures)

USER = "196"


def _explained(client: TestClient, user: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/users/{user}/recommendations", params={"explain": "true", "k": 10})
    assert response.status_code == 200, response.text
    return [entry["explanation"] for entry in response.json()["items"]]


def _post(client: TestClient, *events: dict[str, Any]) -> None:
    response = client.post("/v1/events", json={"events": list(events)})
    assert response.status_code in (200, 201, 202), response.text


def _history_evidence(explained: list[dict[str, Any]], item: str) -> list[dict[str, Any]]:
    return [x for e in explained for x in e["evidence"] if x["kind"] == "history_item" and x["ref"] == item]


def test_a_live_purchase_of_a_rated_item_is_worded_as_bought(client: TestClient) -> None:
    before = _explained(client, USER)
    lead = next(x for x in before[0]["evidence"] if x["kind"] == "history_item" and x["weight"] > 0)
    assert lead["event"] == "rating" and lead["rating"] in (1, 2, 3, 4, 5)  # ml-100k logs ratings
    first = before[0]["reason"]["text"].split(". ")[0]
    assert first.startswith(f"Because you rated {lead['label']}") and f"{lead['rating']:g} star" in first
    _post(client, {"user_id": USER, "item_id": lead["ref"], "event_type": "purchase"})
    explained = _explained(client, USER)
    after = _history_evidence(explained, lead["ref"])
    assert after and all(x["event"] == "purchase" and x["rating"] is None for x in after)
    led = [e for e in explained if next(x for x in e["evidence"] if x["weight"] > 0)["ref"] == lead["ref"]]
    assert led and all(e["reason"]["text"].startswith(f"Because you bought {lead['label']}") for e in led)


def test_a_new_shoppers_live_rating_and_view_give_their_verbs(client: TestClient) -> None:
    shopper = "new-shopper-1"
    _post(client, {"user_id": shopper, "item_id": "50", "event_type": "rating", "value": 4},
          {"user_id": shopper, "item_id": "181", "event_type": "view"},
          {"user_id": shopper, "item_id": "172", "event_type": "rating", "value": 5})
    explained = _explained(client, shopper)
    seen = {x["ref"]: x for e in explained for x in e["evidence"] if x["kind"] == "history_item"}
    assert seen, "a three-item history explains by its items"
    expected = {"50": ("rating", 4.0), "181": ("view", None), "172": ("rating", 5.0)}
    for item, x in seen.items():
        assert (x["event"], x["rating"]) == expected[item]
    texts = " ".join(e["reason"]["text"] for e in explained)
    assert "showed interest in" not in texts and "watched" not in texts  # every verb is known
    assert any(w in texts for w in ("4 stars", "5 stars", "viewed"))
