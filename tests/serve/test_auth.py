"""Authentication and authorization: every route refuses without credentials, shoppers act only as
themselves, keys have scopes and rotate, rate limits answer 429, CORS is closed unless configured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from whyrec.errors import AdminAuthError, ConfigError
from whyrec.serve import auth
from whyrec.serve.app import create_app
from whyrec.serve.auth import Scope, ShopperTokens, hash_key, new_key
from whyrec.serve.deps import Access
from whyrec.serve.guard import Guard
from whyrec.serve.settings import ServeSettings

from tests.serve.runs import ease_run, settings_for  # noqa: F401 (fixtures)

KEYS = {scope: new_key() for scope in Scope}
SECRET = "s" * 40
ALICE, BOB = "alice", "bob"
#: A value for each path parameter, so that every route can be called.
PATH_VALUES = {"user_id": ALICE, "item_id": "50", "tag": "category=Comedy"}


def key_entries() -> str:
    return ";".join(f"{scope}-key {scope} {hash_key(key)}" for scope, key in KEYS.items())


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


@pytest.fixture
def secured(ease_run: Path, db_url: str) -> Iterator[TestClient]:
    settings = settings_for(ease_run, db_url, auth=True, admin_token=None, api_keys=key_entries(),
                            token_secret=SECRET)
    with TestClient(create_app(settings)) as c:
        yield c


def token_for(client: TestClient, user: str) -> str:
    response = client.post("/v1/tokens", json={"user_id": user, "ttl_s": 600}, headers=bearer(KEYS[Scope.SERVICE]))
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == user and response.json()["expires_at"] > time.time()
    return str(response.json()["token"])


def routes() -> list[APIRoute]:
    """The API routes of every router the app includes."""
    from whyrec.serve.routes import ROUTERS

    return [r for module in ROUTERS for r in module.router.routes if isinstance(r, APIRoute)]


def api_calls(client: TestClient, user: str = ALICE) -> list[tuple[str, str, dict | None, APIRoute]]:
    """One call per (route, method) of the OpenAPI schema, with valid path values and a body where needed."""
    bodies = {"/v1/events": {"events": [{"user_id": user, "item_id": "50", "event_type": "click"}]},
              "/v1/tokens": {"user_id": user}, "/v1/users/{user_id}/settings": {"personalization": True}}
    schema = client.get("/openapi.json").json()["paths"]
    by_key = {(m, r.path): r for r in routes() for m in r.methods}
    assert set(by_key) == {(m.upper(), p) for p, ops in schema.items() for m in ops}  # the schema is every route
    calls = []
    for (method, template), route in sorted(by_key.items(), key=lambda kv: kv[0][1]):
        path = template.format(**{**PATH_VALUES, "user_id": user})
        body = bodies.get(template) if method in ("POST", "PUT") else None
        calls.append((method, path, body, route))
    return calls


def access_of(route: APIRoute) -> list[Access]:
    return [d.call for d in route.dependant.dependencies if isinstance(d.call, Access)]


def test_every_route_declares_exactly_one_access_rule(secured: TestClient) -> None:
    calls = api_calls(secured)
    assert len(calls) >= 14
    for method, path, _, route in calls:
        assert len(access_of(route)) == 1, f"{method} {path} declares {len(access_of(route))} access rules"


def test_every_route_refuses_without_credentials(secured: TestClient) -> None:
    public = set()
    for method, path, body, route in api_calls(secured):
        (rule,) = access_of(route)
        response = secured.request(method, path, json=body)
        if rule.scope is None:
            public.add(path)
            assert response.status_code in (200, 503), (method, path, response.text)
            continue
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    assert public == {"/healthz", "/readyz"}


def test_a_shopper_token_acts_only_as_its_user(secured: TestClient) -> None:
    alice = bearer(token_for(secured, ALICE))
    for method, path, body, route in api_calls(secured, user=BOB):
        (rule,) = access_of(route)
        if rule.scope is None:
            continue
        response = secured.request(method, path, json=body, headers=alice)
        if "{user_id}" in route.path or rule.scope is Scope.ADMIN or not rule.shopper or path == "/v1/events":
            assert response.status_code == 403, (method, path, response.status_code, response.text)
            assert response.json()["error"]["code"] == "forbidden"
        else:  # similar items: any shopper may ask
            assert response.status_code == 200, (method, path, response.text)
    own = {(m, p): secured.request(m, p, json=b, headers=alice).status_code
           for m, p, b, route in api_calls(secured, user=ALICE) if access_of(route)[0].own_user}
    assert set(own.values()) <= {200, 201}, own
    assert secured.post("/v1/events", json={"events": [{"user_id": ALICE, "item_id": "50"}]},
                        headers=alice).status_code == 201


def test_keys_have_scopes(secured: TestClient) -> None:
    read, service, admin = (bearer(KEYS[s]) for s in (Scope.READ, Scope.SERVICE, Scope.ADMIN))
    assert secured.get(f"/v1/users/{ALICE}/recommendations", headers=read).status_code == 200
    assert secured.get("/metrics", headers=read).status_code == 200
    assert secured.put(f"/v1/users/{ALICE}/settings", json={"personalization": False}, headers=read).status_code == 403
    assert secured.post("/v1/tokens", json={"user_id": ALICE}, headers=read).status_code == 403
    assert secured.delete(f"/v1/users/{ALICE}", headers=service).status_code == 200
    assert secured.post("/v1/admin/reload", headers=service).status_code == 403
    assert secured.post("/v1/admin/reload", headers=admin).status_code == 200
    wrong = secured.get(f"/v1/users/{ALICE}/recommendations", headers=bearer("wk_not-a-key"))
    assert wrong.status_code == 403 and "wrong" in wrong.json()["error"]["message"]


def test_shopper_tokens_expire_and_cannot_be_forged() -> None:
    tokens = ShopperTokens(SECRET)
    token, expires = tokens.issue(ALICE, 60, now=1000.0)
    assert expires == 1060 and tokens.verify(token, now=1059.0).user_id == ALICE
    with pytest.raises(AdminAuthError) as expired:
        tokens.verify(token, now=1060.0)
    assert expired.value.status == 401
    forged_payload = ShopperTokens("x" * 40).issue(BOB, 60, now=1000.0)[0].split(".")[1]
    parts = token.split(".")
    with pytest.raises(AdminAuthError) as forged:
        tokens.verify(".".join([parts[0], forged_payload, parts[2]]), now=1001.0)
    assert forged.value.status == 403
    with pytest.raises(AdminAuthError):
        ShopperTokens("y" * 40).verify(token, now=1001.0)


def test_keys_rotate_through_the_keys_file(ease_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_RELOAD_CHECK_S", 0.0)
    old, new = new_key(), new_key()
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"shop service {hash_key(old)}  # the shop's backend\n")
    settings = settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}", auth=True, admin_token=None,
                            api_keys_file=keys_file)
    with TestClient(create_app(settings)) as c:
        path = f"/v1/users/{ALICE}/profile"
        assert c.get(path, headers=bearer(old)).status_code == 200
        keys_file.write_text(f"shop service {hash_key(new)}\n")
        os.utime(keys_file, (time.time() + 5, time.time() + 5))
        assert c.get(path, headers=bearer(old)).status_code == 403
        assert c.get(path, headers=bearer(new)).status_code == 200


def test_rate_limits_answer_429_with_retry_after(ease_run: Path, tmp_path: Path) -> None:
    settings = settings_for(ease_run, f"sqlite:///{tmp_path / 'db.sqlite3'}", auth=True, admin_token=None,
                            api_keys=key_entries(), token_secret=SECRET, rate_shopper_per_s=1.0,
                            rate_key_per_s=1000.0)
    with TestClient(create_app(settings)) as c:
        alice = bearer(token_for(c, ALICE))
        statuses = [c.get(f"/v1/users/{ALICE}/profile", headers=alice) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        limited = statuses[-1]
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        # another shopper, and the shop's key, have their own buckets
        assert c.get(f"/v1/users/{BOB}/profile", headers=bearer(token_for(c, BOB))).status_code == 200
        assert c.get(f"/v1/users/{ALICE}/profile", headers=bearer(KEYS[Scope.SERVICE])).status_code == 200


def test_cors_is_closed_unless_configured(ease_run: Path, tmp_path: Path) -> None:
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with TestClient(create_app(settings_for(ease_run, db))) as closed:
        response = closed.options(f"/v1/users/{ALICE}/recommendations", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    with TestClient(create_app(settings_for(ease_run, db, cors_origins="https://shop.example"))) as opened:
        response = opened.options(f"/v1/users/{ALICE}/recommendations", headers=preflight)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://shop.example"
        other = opened.options(f"/v1/users/{ALICE}/recommendations", headers={**preflight, "Origin": "https://evil"})
        assert "access-control-allow-origin" not in other.headers


def test_auth_on_without_keys_refuses_to_start(ease_run: Path) -> None:
    with pytest.raises(ConfigError, match="no API key is configured"):
        Guard(ServeSettings(run_dir=ease_run, auth=True))
    with pytest.raises(ConfigError, match="entry 1"):
        Guard(ServeSettings(run_dir=ease_run, api_keys="shop owner sha256:00"))


def test_serving_a_public_interface_without_keys_refuses(ease_run: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WHYREC_")}
    done = subprocess.run([sys.executable, "-m", "whyrec.cli.main", "serve", str(ease_run), "--host", "0.0.0.0",
                           "--db", str(tmp_path / "db.sqlite3")], capture_output=True, text=True, timeout=120,
                          env={**env, "OPENBLAS_NUM_THREADS": "1"}, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no API key is configured" in done.stderr and "traceback" not in done.stderr.lower()
