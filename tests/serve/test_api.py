"""The REST API against a real EASE run on ml-100k, on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from whyrec.data import Dataset
from whyrec.evaluate import Split
from whyrec.serve.app import create_app
from whyrec.serve.storage import Storage

from tests.serve.runs import ADMIN_TOKEN, client, ease_run, pop_run, settings_for  # noqa: F401 (fixtures)

KNOWN_USER = "196"


def recs(client: TestClient, user: str, **params: object) -> dict:
    response = client.get(f"/v1/users/{user}/recommendations", params={"k": 10, **params})
    assert response.status_code == 200, response.text
    return response.json()


def ids(body: dict) -> list[str]:
    return [r["item_id"] for r in body["items"]]


def post(client: TestClient, *events: dict) -> dict:
    response = client.post("/v1/events", json={"events": list(events)})
    assert response.status_code == 201, response.text
    return response.json()


def popular_unseen(split: Split, seen: set[str], k: int) -> list[str]:
    """The k most popular fit items not in `seen`, ties by item order (the service's popularity list)."""
    fit = split.fit
    counts = fit.item_user_counts
    order = sorted(fit.active_items.tolist(), key=lambda i: (-counts[i], i))
    return [fit.items.id_of(i) for i in order if fit.items.id_of(i) not in seen][:k]


# --- recommendations and explanations ---------------------------------------------------------------------


def test_known_user_gets_the_models_list_with_exact_explanations(client: TestClient, ml100k_split: Split) -> None:
    body = recs(client, KNOWN_USER, k=5, explain="true", lang="en")
    assert body["model"] == "ease" and body["personalized"] and not body["cold_start"]
    assert body["history_size"] == len(ml100k_split.fit.history(KNOWN_USER))
    assert [r["rank"] for r in body["items"]] == [1, 2, 3, 4, 5]
    scores = [r["score"] for r in body["items"]]
    assert scores == sorted(scores, reverse=True)
    seen = set(ml100k_split.fit.items.ids_of(ml100k_split.fit.history(KNOWN_USER).items))
    assert not seen & set(ids(body))
    for entry in body["items"]:
        e = entry["explanation"]
        assert e["method"] == "exact" and e["item_id"] == entry["item_id"] and e["rank"] == entry["rank"]
        assert e["score"] == pytest.approx(entry["score"], rel=1e-4)
        assert 0 < len(e["evidence"]) <= 5 and all(x["kind"] == "history_item" for x in e["evidence"])
        assert {x["ref"] for x in e["evidence"]} <= seen


def test_explanations_carry_a_reason_in_the_asked_language(client: TestClient) -> None:
    pytest.importorskip("whyrec.explain.text")
    en = recs(client, KNOWN_USER, k=2, explain="true", lang="en")["items"][0]["explanation"]["reason"]
    zh = recs(client, KNOWN_USER, k=2, explain="true", lang="zh")["items"][0]["explanation"]["reason"]
    assert en["lang"] == "en" and zh["lang"] == "zh" and en["text"] != zh["text"]


@pytest.mark.parametrize("method", ["counterfactual", "attribute"])
def test_other_methods(client: TestClient, method: str) -> None:
    body = recs(client, KNOWN_USER, k=3, explain="true", method=method)
    assert {r["explanation"]["method"] for r in body["items"]} == {method}
    if method == "counterfactual":
        for r in body["items"]:
            cf = r["explanation"]["counterfactual"]
            assert cf is not None and (not cf["verified"] or cf["new_rank"] is None or cf["new_rank"] > 3)


def test_item_explanation(client: TestClient) -> None:
    top = recs(client, KNOWN_USER, k=1)["items"][0]
    response = client.get(f"/v1/users/{KNOWN_USER}/items/{top['item_id']}/explanation")
    assert response.status_code == 200
    body = response.json()
    assert body["rank"] == 1 and body["score"] == pytest.approx(top["score"], rel=1e-4)
    missing = client.get(f"/v1/users/{KNOWN_USER}/items/no-such-item/explanation")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_item" and "'no-such-item'" in missing.json()["error"]["message"]


def test_similar_items_give_the_reason(client: TestClient) -> None:
    response = client.get("/v1/items/50/similar", params={"k": 5})  # Star Wars
    assert response.status_code == 200
    body = response.json()
    assert body["title"].startswith("Star Wars") and len(body["items"]) == 5
    first = body["items"][0]
    assert first["item_id"] == "181"  # Return of the Jedi
    assert "category=Sci-Fi" in first["shared_attributes"] and first["co_interactions"] > 100
    assert all(r["item_id"] != "50" for r in body["items"])
    assert client.get("/v1/items/nope/similar").status_code == 404


# --- the live loop ---------------------------------------------------------------------------------------------


def test_a_new_user_starts_with_popular_items_and_adapts_at_once(client: TestClient, ml100k_split: Split) -> None:
    cold = recs(client, "new-shopper")
    assert cold["cold_start"] and cold["model"] == "pop"
    assert ids(cold) == popular_unseen(ml100k_split, set(), 10)
    post(client, {"user_id": "new-shopper", "item_id": "1", "event_type": "purchase"})  # Toy Story
    warm = recs(client, "new-shopper", explain="true")
    assert not warm["cold_start"] and warm["model"] == "ease" and warm["history_size"] == 1
    assert ids(warm) != ids(cold) and "1" not in ids(warm)
    assert all(r["explanation"]["evidence"][0]["ref"] == "1" for r in warm["items"])


def test_an_event_changes_a_known_users_next_list(client: TestClient) -> None:
    before = ids(recs(client, KNOWN_USER))
    # five purchases of horror films move the list
    post(client, *({"user_id": KNOWN_USER, "item_id": i, "event_type": "purchase"} for i in
                   ("184", "200", "217", "219", "234")))
    after = recs(client, KNOWN_USER)
    assert ids(after) != before
    assert not {"184", "200", "217", "219", "234"} & set(ids(after))


def test_not_interested_hides_the_item(client: TestClient) -> None:
    top = ids(recs(client, KNOWN_USER))[0]
    post(client, {"user_id": KNOWN_USER, "item_id": top, "event_type": "not_interested"})
    assert top not in ids(recs(client, KNOWN_USER, k=100))
    assert top in client.get(f"/v1/users/{KNOWN_USER}/profile").json()["hidden_items"]
    other = recs(client, "someone-else", k=100)
    assert top in ids(other)  # only that user


def test_personalization_off_gives_the_popularity_list(client: TestClient, ml100k_split: Split) -> None:
    personal = recs(client, KNOWN_USER)
    response = client.put(f"/v1/users/{KNOWN_USER}/settings", json={"personalization": False})
    assert response.status_code == 200 and response.json() == {"personalization": False}
    off = recs(client, KNOWN_USER, explain="true")
    seen = set(ml100k_split.fit.items.ids_of(ml100k_split.fit.history(KNOWN_USER).items))
    assert not off["personalized"] and off["model"] == "pop"
    assert ids(off) == popular_unseen(ml100k_split, seen, 10) != ids(personal)
    assert {r["explanation"]["method"] for r in off["items"]} == {"popularity"}
    client.put(f"/v1/users/{KNOWN_USER}/settings", json={"personalization": True})
    assert ids(recs(client, KNOWN_USER)) == ids(personal)
    assert client.get(f"/v1/users/{KNOWN_USER}/settings").json() == {"personalization": True}


def test_removing_a_tag_removes_its_influence(client: TestClient, ml100k: Dataset) -> None:
    profile = client.get(f"/v1/users/{KNOWN_USER}/profile").json()
    tags = {t["tag"]: t for t in profile["tags"]}
    assert profile["tags"][0]["tag"] == "category=Comedy" and tags["category=Comedy"]["items"] > 10
    assert sum(t["weight"] for t in profile["tags"]) == pytest.approx(1.0)
    before = recs(client, KNOWN_USER, k=10, explain="true")
    response = client.delete(f"/v1/users/{KNOWN_USER}/profile/tags/category=Comedy")
    assert response.status_code == 200
    after_profile = response.json()
    assert after_profile["removed_tags"] == ["category=Comedy"]
    assert "category=Comedy" not in {t["tag"] for t in after_profile["tags"]}
    assert after_profile["history_size"] < profile["history_size"]
    after = recs(client, KNOWN_USER, k=10, explain="true")
    assert ids(after) != ids(before)
    comedies = {ml100k.items.id_of(i) for i, values in enumerate(ml100k.catalog.attributes.categorical["category"])
                if "Comedy" in values}
    for r in after["items"]:  # no comedy of the history is evidence any more
        assert not {x["ref"] for x in r["explanation"]["evidence"]} & comedies
    restored = client.put(f"/v1/users/{KNOWN_USER}/profile/tags/category=Comedy")
    assert restored.status_code == 200 and restored.json()["removed_tags"] == []
    assert ids(recs(client, KNOWN_USER, k=10)) == ids(before)
    unknown = client.delete(f"/v1/users/{KNOWN_USER}/profile/tags/category=Opera")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_tag"


def test_erasure_deletes_stored_events_and_settings(client: TestClient, db_url: str) -> None:
    before = ids(recs(client, KNOWN_USER))
    post(client, *({"user_id": KNOWN_USER, "item_id": i, "event_type": "rating", "value": 5} for i in ("2", "3")))
    client.put(f"/v1/users/{KNOWN_USER}/settings", json={"personalization": False})
    client.delete(f"/v1/users/{KNOWN_USER}/profile/tags/category=Drama")
    assert ids(recs(client, KNOWN_USER)) != before
    response = client.delete(f"/v1/users/{KNOWN_USER}")
    assert response.status_code == 200  # issue 15: the answer says what was removed (was 204, no body)
    erased = response.json()
    assert (erased["events"], erased["settings"], erased["removed_tags"]) == (2, 1, 1)
    assert any("training data" in line for line in erased["not_removed"])
    with Storage.open(db_url) as storage:
        assert storage.events_of(KNOWN_USER) == [] and storage.removed_tags(KNOWN_USER) == frozenset()
        assert storage.settings(KNOWN_USER).personalization
    assert ids(recs(client, KNOWN_USER)) == before  # back to the training history alone


def test_two_workers_share_events_through_the_store(ease_run: Path, db_url: str) -> None:
    """Two apps on one database stand for two worker processes: the per-user caches follow user_version."""
    with TestClient(create_app(settings_for(ease_run, db_url))) as a, \
            TestClient(create_app(settings_for(ease_run, db_url, publish_run=False))) as b:
        cached = ids(recs(b, "shared-user"))
        post(a, {"user_id": "shared-user", "item_id": "50", "event_type": "purchase"})
        assert ids(recs(b, "shared-user")) != cached


# --- admin -----------------------------------------------------------------------------------------------------


def test_admin_routes_need_the_token(client: TestClient, ease_run: Path, db_url: str) -> None:
    assert client.post("/v1/admin/reload").status_code == 401
    assert client.post("/v1/admin/reload").headers["www-authenticate"] == "Bearer"
    wrong = client.post("/v1/admin/reload", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
    with TestClient(create_app(settings_for(ease_run, db_url, admin_token=None))) as off:
        refused = off.post("/v1/admin/reload", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert refused.status_code == 403 and "WHYREC_ADMIN_TOKEN" in refused.json()["error"]["message"]


def test_reload_swaps_the_run_in_every_worker(ease_run: Path, pop_run: Path, db_url: str) -> None:
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with TestClient(create_app(settings_for(ease_run, db_url))) as a, \
            TestClient(create_app(settings_for(ease_run, db_url, publish_run=False))) as b:
        assert recs(b, KNOWN_USER)["model"] == "ease"
        response = a.post("/v1/admin/reload", json={"run_dir": str(pop_run)}, headers=auth)
        assert response.status_code == 200, response.text
        version = response.json()["version"]
        assert response.json()["model"] == "pop" and version == 2
        assert recs(a, KNOWN_USER)["run_version"] == version
        assert b.app.state.service.runs.wait_for_version(version, timeout_s=30)
        body = recs(b, KNOWN_USER)
        assert body["run_version"] == version and body["model"] == "pop"
        bad = a.post("/v1/admin/reload", json={"run_dir": "/no/such/run"}, headers=auth)
        assert bad.status_code == 422 and bad.json()["error"]["loc"] == ["body", "run_dir"]
        assert recs(a, KNOWN_USER)["run_version"] == version  # a failed reload keeps the old run


def test_requests_keep_working_during_a_reload(client: TestClient) -> None:
    import threading

    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    statuses: list[int] = []
    done = threading.Event()

    def hammer() -> None:
        while not done.is_set():
            statuses.append(client.get(f"/v1/users/{KNOWN_USER}/recommendations", params={"k": 5}).status_code)

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        for _ in range(2):
            assert client.post("/v1/admin/reload", headers=auth).status_code == 200
    finally:
        done.set()
        worker.join()
    assert statuses and set(statuses) == {200}


# --- health and metrics --------------------------------------------------------------------------------------


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["model"] == "ease"
    recs(client, KNOWN_USER)
    recs(client, KNOWN_USER)
    post(client, {"user_id": "m", "item_id": "1"})
    client.get("/v1/items/nope/similar")
    text = client.get("/metrics").text
    route = 'route="/v1/users/{user_id}/recommendations"'
    assert f'whyrec_http_requests_total{{method="GET",{route},status="200"}} 2.0' in text
    assert 'route="/v1/items/{item_id}/similar",status="404"' in text
    assert f'whyrec_http_request_duration_seconds_bucket{{le="0.05",method="GET",{route}}}' in text
    assert "whyrec_events_ingested_total 1.0" in text
    assert 'whyrec_model_info{model="ease"' in text and "whyrec_model_version 1.0" in text
    assert 'whyrec_user_cache_lookups_total{result="hit"}' in text


# --- bad input ------------------------------------------------------------------------------------------------


def event_count(db_url: str) -> int:
    with Storage.open(db_url) as storage:
        return storage.count_events()


def test_all_or_nothing_refuses_a_batch_with_an_unknown_item(client: TestClient, db_url: str) -> None:
    response = client.post("/v1/events", params={"all_or_nothing": "true"}, json={"events": [
        {"user_id": "u1", "item_id": "1", "event_type": "view"},
        {"user_id": "u1", "item_id": "B0099", "event_type": "view"}]})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "unknown_item" and "'B0099'" in error["message"]
    assert error["loc"] == ["body", "events", 1, "item_id"]
    assert event_count(db_url) == 0


@pytest.mark.parametrize(("body", "loc"), [
    ({"events": [{"item_id": "1"}]}, ["body", "events", 0, "user_id"]),
    ({"events": [{"user_id": "u", "item_id": "1", "value": "high"}]}, ["body", "events", 0, "value"]),
    ({"events": [{"user_id": "u", "item_id": "1", "timestamp": "yesterday"}]}, ["body", "events", 0, "timestamp"]),
    ({"events": [{"user_id": "u", "item_id": "1", "event_type": "rating"}]}, ["body", "events", 0, "value"]),
    ({"events": [{"user_id": "   ", "item_id": "1"}]}, ["body", "events", 0, "user_id"]),
    ({"events": [{"user_id": "a\u0000b", "item_id": "1"}]}, ["body", "events", 0, "user_id"]),
    ({"events": [{"user_id": "u", "item_id": "1", "colour": "red"}]}, ["body", "events", 0, "colour"]),
    ({"events": []}, ["body", "events"]),
    ({"evnts": []}, ["body", "events"]),
])
def test_a_malformed_batch_is_422_naming_the_field(client: TestClient, db_url: str, body: dict, loc: list) -> None:
    response = client.post("/v1/events", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["loc"] == loc
    assert ".".join(str(p) for p in loc) in error["message"]
    assert event_count(db_url) == 0


def test_not_json_is_422(client: TestClient) -> None:
    response = client.post("/v1/events", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_a_batch_over_the_limit_is_413(ease_run: Path, db_url: str) -> None:
    with TestClient(create_app(settings_for(ease_run, db_url, max_batch=3, max_body_bytes=2048))) as small:
        events = [{"user_id": "u", "item_id": "1"}] * 4
        response = small.post("/v1/events", json={"events": events})
        assert response.status_code == 413 and response.json()["error"]["code"] == "batch_too_large"
        assert "at most 3" in response.json()["error"]["message"]
        huge = small.post("/v1/events", json={"events": [{"user_id": "u" * 200, "item_id": "1"}] * 20})
        assert huge.status_code == 413
        assert event_count(db_url) == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"k": 0}, "k"), ({"k": 101}, "k"), ({"k": "ten"}, "k"), ({"lang": "fr"}, "lang"), ({"method": "magic"}, "method"),
    ({"explain": "perhaps"}, "explain"),
])
def test_bad_query_parameters_are_422(client: TestClient, params: dict, field: str) -> None:
    response = client.get(f"/v1/users/{KNOWN_USER}/recommendations", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["loc"] == ["query", field]


def test_unknown_routes_and_methods_keep_the_error_shape(client: TestClient) -> None:
    missing = client.get("/v1/nothing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = client.patch("/v1/events")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_the_exact_sum_identity_holds_in_the_api(client: TestClient, ml100k_split: Split, ease_run: Path) -> None:
    from whyrec.runs import load_run

    model = load_run(ease_run).model
    body = recs(client, KNOWN_USER, k=3)
    history = ml100k_split.fit.history(KNOWN_USER)
    from whyrec.data.history import HistoryBatch

    scores = model.score(HistoryBatch.from_histories([history], ml100k_split.fit.n_items))[0]
    for r in body["items"]:
        assert r["score"] == pytest.approx(float(scores[ml100k_split.fit.items.index_of(r["item_id"])]), rel=1e-5)
    assert np.isfinite([r["score"] for r in body["items"]]).all()


def test_a_database_outage_is_503_not_500(ease_run: Path, pg_url: str, pg_server: str) -> None:
    import psycopg

    with TestClient(create_app(settings_for(ease_run, pg_url))) as c:
        assert recs(c, KNOWN_USER)["model"] == "ease"
        admin = pg_server.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{pg_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        for response in (c.get(f"/v1/users/{KNOWN_USER}/recommendations"),
                         c.post("/v1/events", json={"events": [{"user_id": "u", "item_id": "1"}]})):
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "unavailable"
            assert "database" in response.json()["error"]["message"]
        assert c.get("/readyz").status_code == 503
        assert c.get("/healthz").status_code == 200
