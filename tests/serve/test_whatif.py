"""``POST /v1/users/{u}/whatif``: the edited history's list matches the explanation's counterfactual, and
nothing is written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.serve.runs import client, ease_run  # noqa: F401 (fixtures)

USER = "196"


def whatif(client: TestClient, user: str, **body: object) -> dict:
    response = client.post(f"/v1/users/{user}/whatif", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_switching_off_the_counterfactual_gives_its_rank(client: TestClient) -> None:
    listed = client.get(f"/v1/users/{USER}/recommendations",
                        params={"k": 10, "explain": True, "method": "counterfactual"}).json()
    checked = 0
    for entry in listed["items"][:3]:
        cf = entry["explanation"]["counterfactual"]
        assert cf["verified"] == "retrained", cf  # EASE refits exactly: the what-if scores the same way
        found = whatif(client, USER, without=list(cf["removed"]), item_id=entry["item_id"], k=10)
        assert found["rank_before"] == entry["rank"]
        assert found["rank"] == cf["new_rank"] and found["rank"] > 10
        assert abs(found["score"] - cf["new_score"]) < 1e-4
        assert found["verified"] == "retrained"
        assert sorted(found["removed"]) == sorted(cf["removed"])
        assert entry["item_id"] not in [i["item_id"] for i in found["items"]]
        checked += 1
    assert checked == 3
    # nothing was written: the list is as before, and an empty edit is the list itself
    again = client.get(f"/v1/users/{USER}/recommendations", params={"k": 10}).json()
    assert [i["item_id"] for i in again["items"]] == [i["item_id"] for i in listed["items"]]
    same = whatif(client, USER, k=10)
    assert [(i["item_id"], i["rank"]) for i in same["items"]] == [(i["item_id"], i["rank"]) for i in again["items"]]
    assert all(i["rank_before"] == i["rank"] for i in same["items"]) and same["scored_by"] == "model"
    assert same["verified"] is None


def test_a_switched_off_history_item_may_come_back_and_unknown_items_are_404(client: TestClient) -> None:
    profile_items = client.post(f"/v1/users/{USER}/whatif", json={"k": 100}).json()
    assert profile_items["history_size"] > 0
    # a new shopper with one click: switching it off leaves an empty history, so the list is popularity's
    assert client.post("/v1/events", json={"events": [{"user_id": "wi-new", "item_id": "50"}]}).status_code == 201
    found = whatif(client, "wi-new", without=["50"], item_id="50", k=5)
    assert found["scored_by"] == "popularity" and found["history_size"] == 0
    assert found["rank_before"] == 0 and found["rank"] == 1  # item 50 is the most popular; rankable again
    missing = client.post(f"/v1/users/{USER}/whatif", json={"without": ["no-such-item"]})
    assert missing.status_code == 404 and missing.json()["error"]["loc"] == ["body", "without", 0]
