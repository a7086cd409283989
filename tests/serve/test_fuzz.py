"""Schemathesis over the OpenAPI schema, with every built-in check: no 5xx, and every response is one the
schema declares (status, content type, body schema, headers), valid requests are accepted and invalid ones
refused, credentials are enforced, wrong methods get 405 with ``Allow``. Each operation alone (positive and
negative data), then as a state machine that follows the schema's links (a token's user, an event's user, a
list's items). Three ways to call: auth off, auth on with the admin key, auth on without credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from whyrec.serve.app import create_app

from tests.serve.runs import ADMIN_TOKEN, ease_run, settings_for  # noqa: F401 (fixtures)

MAX_EXAMPLES = 12
STATEFUL_EXAMPLES, STATEFUL_STEPS = 12, 6
#: How the fuzzer calls: auth off (the admin key only where needed), auth on with the admin key (every
#: scope), auth on without credentials (everything but health is 401).
AUTH_MODES = ("off", "key", "anonymous")
#: A reload names a folder on the server: a schema-valid name that is not a run is refused with 422 (the
#: folder's content is checked; no schema can say which folders hold runs).
#: An event batch's elements are any objects (an invalid one is rejected on its own, with a 201), but a batch
#: with no valid event, or any invalid one under ``all_or_nothing=true``, is a 422: no schema can tie that to
#: the query or count the valid elements.
CONFIG = {"operations": [{"include-path": path, "checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}}
    for path in ("/v1/admin/reload", "/v1/events")]}


@pytest.fixture(scope="module", params=AUTH_MODES)
def live_app(request: pytest.FixtureRequest, ease_run: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """The app with its lifespan running (schemathesis calls it in-process, without running the lifespan)."""
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    app = create_app(settings_for(ease_run, f"sqlite:///{db}", auth=request.param != "off",
                                  token_secret="t" * 32))
    with TestClient(app):
        yield app, request.param


def load_schema(app: FastAPI, *, positive_only: bool = False) -> schemathesis.BaseSchema:
    config = {**CONFIG, "generation": {"mode": "positive"}} if positive_only else CONFIG
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_dict(config))


def headers_for(auth: str) -> dict[str, str]:
    return {} if auth == "anonymous" else {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def breaks_only_authorization(case: schemathesis.Case) -> bool:
    """A negative case whose one broken part is the Authorization header (which the test replaces)."""
    data = case.meta.phase.data if case.meta is not None else None
    return getattr(data, "parameter", None) == "Authorization"


def failure_text(error: BaseException) -> str:
    return str(getattr(error, "message", "") or error)[:1500]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_check_passes_on_every_operation(live_app: tuple[FastAPI, str], mode: GenerationMode) -> None:
    app, auth = live_app
    headers = headers_for(auth)
    failures: list[str] = []
    statuses: list[int] = []
    found = [result.ok() for result in load_schema(app).get_all_operations()]
    assert len(found) >= 12  # every route is in the schema
    for operation in found:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            if mode == GenerationMode.NEGATIVE and breaks_only_authorization(case):
                return  # `headers` replaces the broken header: the request sent would be valid
            try:  # no `checks=`: every built-in check the schema allows
                response = case.call_and_validate(headers=headers)
            except (AssertionError, BaseExceptionGroup) as error:  # collected, so one run shows them all
                failures.append(f"{case.method} {case.formatted_path}: {failure_text(error)}")
                return
            statuses.append(response.status_code)
            public = case.path in ("/healthz", "/readyz")
            if auth == "anonymous" and not public and response.status_code < 400:
                failures.append(f"{case.method} {case.formatted_path} without credentials: {response.status_code}")

        try:
            call()
        except Unsatisfiable:  # negative mode: an operation without parameters has nothing to break
            assert mode == GenerationMode.NEGATIVE
    assert not failures, "\n\n".join(failures[:5])
    assert len(statuses) >= 4 * len(found)  # the fuzzer really called the app
    assert max(statuses) < 500
    if auth != "anonymous" and mode == GenerationMode.POSITIVE:
        assert sum(200 <= s < 300 for s in statuses) >= 2 * len(found)  # it reached the routes' work


@pytest.mark.slow
def test_every_check_passes_on_linked_calls(live_app: tuple[FastAPI, str]) -> None:
    app, auth = live_app
    headers = headers_for(auth)
    # valid calls chained by links; invalid data is the per-operation negative test's (which links would not reach)
    machine = load_schema(app, positive_only=True).as_state_machine()
    calls: list[tuple[str, str, int]] = []

    class Calls(machine):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, object]:
            return {"headers": headers}

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            calls.append((case.method, case.path, response.status_code))

    Calls.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=STATEFUL_STEPS, deadline=None,
                                database=None, derandomize=True, suppress_health_check=list(HealthCheck)))
    assert len(calls) >= STATEFUL_EXAMPLES
    assert max(status for *_, status in calls) < 500
    if auth != "anonymous":  # links were followed: a call after a call that made the value it uses
        followed = {(m, p) for m, p, s in calls if s < 300}
        # which linked route the derandomized walk reaches first depends on the routes there are
        assert any("{" in p for _, p in followed), sorted(followed)


def test_the_schema_declares_what_the_middleware_and_the_auth_mode_do(ease_run: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    off = create_app(settings_for(ease_run, db)).openapi()["paths"]
    on = create_app(settings_for(ease_run, db, auth=True)).openapi()["paths"]
    recommendations = "/v1/users/{user_id}/recommendations"
    assert off[recommendations]["get"]["security"] == [{}, {"HTTPBearer": []}]  # a credential is optional
    assert on[recommendations]["get"]["security"] == [{"HTTPBearer": []}]
    assert off["/v1/admin/reload"]["post"]["security"] == [{"HTTPBearer": []}]  # admin: always a key
    assert "security" not in on["/healthz"]["get"] and "401" not in on["/healthz"]["get"]["responses"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    events = on["/v1/events"]["post"]["responses"]
    assert events["422"]["content"] == events["413"]["content"] == events["503"]["content"] == error
    assert "text/plain" in on["/metrics"]["get"]["responses"]["200"]["content"]
    assert "links" in on["/v1/tokens"]["post"]["responses"]["201"]
