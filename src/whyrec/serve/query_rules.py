"""Query parameters a route does not declare are refused (422), as its OpenAPI schema says: a typo such as
``?explian=true`` or ``?all_or_nothng=true`` would otherwise be ignored without a word."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError

__all__ = ["refuse_unknown_query"]

#: The key of a route's allowed names: its path template and methods (an ``APIRoute`` is not hashable).
RouteKey = tuple[str, frozenset[str]]


def refuse_unknown_query(request: Request) -> None:
    """A dependency of every API route: a 422 naming the first unknown query parameter and the known ones."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _known_names(request, (str(getattr(route, "path", "")), frozenset(getattr(route, "methods", ()) or ())),
                         dependant)
    unknown = [name for name in request.query_params if name not in known]
    if unknown:
        expected = ", ".join(sorted(known)) if known else "none"
        raise RequestValidationError([{"loc": ("query", unknown[0]), "type": "extra_forbidden",
                                       "msg": f"unknown query parameter; this route takes: {expected}"}])


def _known_names(request: Request, key: RouteKey, dependant: Dependant) -> frozenset[str]:
    """The route's query names, walked once per app and route (routes do not change after start-up)."""
    cache: dict[RouteKey, frozenset[str]] | None = getattr(request.app.state, "query_names", None)
    if cache is None:
        cache = request.app.state.query_names = {}
    names = cache.get(key)
    if names is None:
        names = cache[key] = frozenset(_query_names(dependant))
    return names


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameter names of a route and of every dependency it has (FastAPI's own flattening is
    private and changes between releases)."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
