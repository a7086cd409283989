"""FastAPI dependencies, as ``Annotated`` aliases: the service, the admin check, shared path and query params.

The dependencies are ``async def``: they do no I/O, and FastAPI would run a plain ``def`` one in the thread
pool, one thread hop per dependency per request.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from whyrec.errors import AdminAuthError
from whyrec.explain.explanation import Lang
from whyrec.serve.metrics import Metrics
from whyrec.serve.schemas import MAX_ID, ExplainMethodParam
from whyrec.serve.service import RecommendationService
from whyrec.serve.settings import ServeSettings

__all__ = ["AdminDep", "ItemIdPath", "KQuery", "LangQuery", "MethodQuery", "MetricsDep", "ServiceDep",
           "SettingsDep", "UserIdPath"]


async def _service(request: Request) -> RecommendationService:
    service: RecommendationService = request.app.state.service
    return service


async def _settings(request: Request) -> ServeSettings:
    settings: ServeSettings = request.app.state.settings
    return settings


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


ServiceDep = Annotated[RecommendationService, Depends(_service)]
SettingsDep = Annotated[ServeSettings, Depends(_settings)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]

_bearer = HTTPBearer(auto_error=False, description="The admin token (WHYREC_ADMIN_TOKEN).")


async def _admin(settings: SettingsDep,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Let the call through only with ``Authorization: Bearer <WHYREC_ADMIN_TOKEN>``.

    Raises:
        AdminAuthError: 401 without a token, 403 with a wrong one or when no token is configured.
    """
    if settings.admin_token is None:
        raise AdminAuthError("Admin routes are off: the service has no admin token. Start it with "
                             "WHYREC_ADMIN_TOKEN set.", status=403)
    if credentials is None:
        raise AdminAuthError("This admin route needs the header 'Authorization: Bearer <WHYREC_ADMIN_TOKEN>'.",
                             status=401)
    expected = settings.admin_token.get_secret_value().encode()
    if not secrets.compare_digest(credentials.credentials.encode(), expected):
        raise AdminAuthError("The admin token is wrong.", status=403)


AdminDep = Annotated[None, Depends(_admin)]

UserIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="The user's id.")]
ItemIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="An item id of the served run.")]
KQuery = Annotated[int, Query(ge=1, le=100, description="List length.")]
LangQuery = Annotated[Lang, Query(description="Language of the reasons.")]
MethodQuery = Annotated[ExplainMethodParam | None, Query(
    description="Explanation method (default: exact when the model supports it, else counterfactual).")]
