"""Query parameters a route does not declare are refused (422), as its OpenAPI schema says: a typo such as
``?explian=true`` or ``?all_or_nothng=true`` would otherwise be ignored without a word."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError

__all__ = ["refuse_unknown_query"]


def refuse_unknown_query(request: Request) -> None:
    """A dependency of every API route: a 422 naming the first unknown query parameter and the known ones."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    unknown = [name for name in request.query_params if name not in known]
    if unknown:
        expected = ", ".join(sorted(known)) if known else "none"
        raise RequestValidationError([{"loc": ("query", unknown[0]), "type": "extra_forbidden",
                                       "msg": f"unknown query parameter; this route takes: {expected}"}])


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameter names of a route and of every dependency it has (FastAPI's own flattening is
    private and changes between releases)."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
