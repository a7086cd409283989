"""The FastAPI app: ``create_app(settings)`` builds one; nothing is created at import time.

The lifespan opens the store and loads the run; ``create_app_from_env`` is the factory uvicorn calls in each
worker process when ``whyrec serve --workers N`` runs several.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from whyrec import __version__
from whyrec.serve.access_log import AccessLogMiddleware
from whyrec.serve.docs_pages import install_docs
from whyrec.serve.errors import install_error_handlers
from whyrec.serve.guard import Guard
from whyrec.serve.metrics import Metrics, MetricsMiddleware
from whyrec.serve.openapi import install_openapi
from whyrec.serve.query_rules import refuse_unknown_query
from whyrec.serve.request_rules import RequestRulesMiddleware
from whyrec.serve.routes import ROUTERS
from whyrec.serve.schemas import ErrorBody
from whyrec.serve.service import RecommendationService
from whyrec.serve.settings import ServeSettings
from whyrec.serve.storage import Storage
from whyrec.serve.web import install_web

__all__ = ["create_app", "create_app_from_env"]

logger = logging.getLogger(__name__)

#: The answers every route may give for its credentials (public routes drop them: whyrec.serve.openapi).
_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No credential, or an expired shopper token."},
    403: {"model": ErrorBody, "description": "A wrong key, too small a scope, or another user's token."},
    429: {"model": ErrorBody, "description": "Over the rate of the key or shopper (see Retry-After)."},
}


def create_app(settings: ServeSettings) -> FastAPI:
    """A new app serving ``settings.run_dir`` with the store at ``settings.db_url``.

    The run is loaded and the store opened when the app starts (its lifespan), so use
    ``with TestClient(create_app(settings)) as client:`` in tests.

    Raises:
        ConfigError: ``settings.auth`` is on without any API key, or a key entry is malformed.

    Example:
        >>> app = create_app(ServeSettings(run_dir="runs/ease"))  # doctest: +SKIP
    """
    guard = Guard(settings)  # a missing key or a bad key entry fails here, before anything starts
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = await run_in_threadpool(Storage.open, settings.db_url)
        try:
            service = RecommendationService(settings, storage)
            await run_in_threadpool(service.runs.start)
            app.state.service = service
            yield
        finally:
            app.state.service = None
            storage.close()

    app = FastAPI(title="whyrec", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Explainable recommendations with a live feedback loop. Errors read "
                              '`{"error": {"code", "message", "loc"}}`.')
    app.state.settings = settings
    app.state.guard = guard
    app.state.metrics = metrics
    app.state.service = None
    metrics.watch(lambda: app.state.service)
    install_error_handlers(app)
    install_docs(app)
    install_web(app)
    for module in ROUTERS:
        app.include_router(module.router, responses=_AUTH_RESPONSES, dependencies=[Depends(refuse_unknown_query)])
    routes = [r for m in ROUTERS for r in m.router.routes if isinstance(r, APIRoute)]
    install_openapi(app, routes, auth=settings.auth)
    app.add_middleware(RequestRulesMiddleware, max_bytes=settings.max_body_bytes, routes=routes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if settings.access_log:
        salt = settings.log_salt.get_secret_value().encode() if settings.log_salt else None
        app.add_middleware(AccessLogMiddleware, salt=salt)
    return app


def create_app_from_env() -> FastAPI:
    """The app described by the ``WHYREC_*`` environment (uvicorn's factory for worker processes)."""
    return create_app(ServeSettings.from_env())
