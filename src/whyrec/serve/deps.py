"""FastAPI dependencies, as ``Annotated`` aliases: the service, who may call, shared path and query params.

The dependencies are ``async def``: they do no I/O, and FastAPI would run a plain ``def`` one in the thread
pool, one thread hop per dependency per request.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator

from whyrec.errors import AdminAuthError
from whyrec.explain.explanation import Lang
from whyrec.serve.auth import ANONYMOUS, Principal, Scope
from whyrec.serve.guard import Guard
from whyrec.serve.metrics import Metrics
from whyrec.serve.schemas import (
    ID_PATTERN,
    MAX_ID,
    ExplainMethodParam,
    check_identifier,
)
from whyrec.serve.service import RecommendationService
from whyrec.serve.settings import ServeSettings

__all__ = ["Access", "AdminAccess", "AdminDep", "EventsAccess", "ItemIdPath", "KQuery", "LangQuery", "MethodQuery",
           "MetricsAccess", "MetricsDep", "PublicAccess", "ReadAccess", "ServiceAccess", "ServiceDep", "SettingsDep",
           "UserAccess", "UserIdPath", "UserReadAccess"]


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

_bearer = HTTPBearer(auto_error=False, description="An API key (scope read, service or admin), or a shopper "
                                                   "token for one user.")


class Access:
    """The dependency that lets a call through only with the credentials its route needs.

    Every route takes exactly one (:data:`PublicAccess`, :data:`ReadAccess`, ...); a test walks the routes
    and checks it. Credentials, when sent, are always checked; without any, a call passes only when the
    service runs with ``auth`` off and the route is not an admin route. Each caller spends a token of its
    rate-limit bucket (429 with ``Retry-After`` when empty).

    Args:
        scope: the API key scope the route needs; None: public.
        shopper: whether a shopper token may call the route.
        own_user: the route has a ``{user_id}`` path parameter, and a shopper may only use its own.
    """

    def __init__(self, scope: Scope | None, *, shopper: bool = False, own_user: bool = False) -> None:
        self.scope = scope
        self.shopper = shopper
        self.own_user = own_user

    async def __call__(self, request: Request,
                       credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
        if self.scope is None:
            return ANONYMOUS
        guard: Guard = request.app.state.guard
        settings = guard.settings
        if credentials is None:
            if self.scope is Scope.ADMIN:
                guard.require_admin_keys()
                raise AdminAuthError("This admin route needs the header 'Authorization: Bearer <admin key>' "
                                     "(WHYREC_ADMIN_TOKEN, or a key with the admin scope).", status=401)
            if settings.auth:
                raise AdminAuthError("This route needs the header 'Authorization: Bearer <API key or shopper "
                                     "token>'. See docs/concepts/security.md.", status=401)
            return ANONYMOUS
        principal = guard.identify(credentials.credentials, admin=self.scope is Scope.ADMIN)
        if principal.is_shopper:
            if not self.shopper:
                raise AdminAuthError("A shopper token cannot call this route; it needs an API key with the "
                                     f"{self.scope} scope.", status=403)
            path_user = unicodedata.normalize("NFC", request.path_params.get("user_id", ""))
            if self.own_user and path_user != principal.user_id:
                raise AdminAuthError("This shopper token speaks for another user.", status=403)
        elif principal.scope is None or not principal.scope.includes(self.scope):
            raise AdminAuthError(f"This route needs an API key with the {self.scope} scope; the key "
                                 f"{principal.name!r} has the {principal.scope} scope.", status=403)
        guard.spend(principal)
        return principal


class _Public(Access):
    """No credentials: the route takes none (so the OpenAPI schema declares no security for it)."""

    def __init__(self) -> None:
        super().__init__(None)

    async def __call__(self) -> Principal:  # type: ignore[override]
        return ANONYMOUS


PublicAccess = Annotated[Principal, Depends(_Public())]
"""No credentials needed (liveness, readiness)."""
ReadAccess = Annotated[Principal, Depends(Access(Scope.READ, shopper=True))]
"""A read key, or any shopper (similar items)."""
MetricsAccess = Annotated[Principal, Depends(Access(Scope.READ))]
"""A read key (Prometheus scrapers)."""
UserReadAccess = Annotated[Principal, Depends(Access(Scope.READ, shopper=True, own_user=True))]
"""A read key, or the shopper of the path's user (recommendations, explanations)."""
UserAccess = Annotated[Principal, Depends(Access(Scope.SERVICE, shopper=True, own_user=True))]
"""A service key, or the shopper of the path's user (profile, settings, erasure)."""
EventsAccess = Annotated[Principal, Depends(Access(Scope.SERVICE, shopper=True))]
"""A service key, or a shopper (whose events must all be their own: the route checks)."""
ServiceAccess = Annotated[Principal, Depends(Access(Scope.SERVICE))]
"""A service key (issuing shopper tokens)."""
AdminAccess = Annotated[Principal, Depends(Access(Scope.ADMIN))]
"""An admin key (reload, run switching)."""
AdminDep = AdminAccess

UserIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="The user's id (NFC-normalised, "
                                                                            "printable).",
                                 json_schema_extra={"pattern": ID_PATTERN}),
                      AfterValidator(check_identifier)]
ItemIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID, description="An item id of the served run.",
                                 json_schema_extra={"pattern": ID_PATTERN}),
                      AfterValidator(check_identifier)]
KQuery = Annotated[int, Query(ge=1, le=100, description="List length.")]
LangQuery = Annotated[Lang, Query(description="Language of the reasons.")]
MethodQuery = Annotated[ExplainMethodParam | None, Query(
    description="Explanation method (default: exact when the model supports it, else counterfactual).")]
