"""Schemathesis over the OpenAPI schema: no generated request, valid or not, gets a 5xx."""

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

from whyrec.serve.app import create_app

from tests.serve.runs import ADMIN_TOKEN, ease_run, settings_for  # noqa: F401 (fixtures)

MAX_EXAMPLES = 25


#: How the fuzzer calls: auth off (the admin key only where needed), auth on with the admin key (every
#: scope), auth on without credentials (everything but health is 401).
AUTH_MODES = ("off", "key", "anonymous")


@pytest.fixture(scope="module", params=AUTH_MODES)
def live_app(request: pytest.FixtureRequest, ease_run: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """The app with its lifespan running (schemathesis calls it in-process, without running the lifespan)."""
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite3"
    app = create_app(settings_for(ease_run, f"sqlite:///{db}", auth=request.param != "off",
                                  token_secret="t" * 32))
    with TestClient(app):
        yield app, request.param


def operations(app: FastAPI) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_gets_a_server_error(live_app: tuple[FastAPI, str], mode: GenerationMode) -> None:
    app, auth = live_app
    headers = {} if auth == "anonymous" else {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    failures: list[str] = []
    calls: list[int] = []
    found = operations(app)
    assert len(found) >= 12  # every route is in the schema
    for operation in found:
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            calls.append(response.status_code)
            public = case.path in ("/healthz", "/readyz")
            # schemathesis may send a made-up bearer credential of its own: refused too (403)
            if auth == "anonymous" and not public and response.status_code < 400:
                failures.append(f"{case.method} {case.formatted_path} without credentials: {response.status_code}")
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}: "
                                f"{response.status_code} {response.text[:300]}")

        try:
            call()
        except Unsatisfiable:  # negative mode: an operation without parameters has nothing to break
            assert mode == GenerationMode.NEGATIVE
    assert not failures, "\n".join(failures[:10])
    assert len(calls) >= 5 * len(found)  # the fuzzer really called the app
