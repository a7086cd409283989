"""The OpenAPI schema says every answer the service gives: the responses the middleware and the error handlers
add (FastAPI sees only the routes), and the credentials each route needs under the running settings.

- Every error is an ``ErrorBody`` (FastAPI documents its own 422 shape, which the service never sends).
- Every route may answer 422 (a path that is not UTF-8 is refused before routing), every route with a body
  413 (:mod:`whyrec.serve.request_rules`), every route that reads the store or the run 503.
- Links say which response values are another operation's parameters (a token's or an event's user, a list's
  items, a profile's tags): documentation, and the paths schemathesis's state machine follows.
- Credentials: public routes declare none (and no 401/403/429); admin routes always need a key; the others
  need one when ``auth`` is on, and take one optionally when it is off (a credential sent is still checked).

schemathesis checks the service against this schema (``tests/serve/test_fuzz.py``), so a response the schema
does not declare fails a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from whyrec.serve.auth import Scope
from whyrec.serve.deps import Access, ServiceDep

__all__ = ["install_openapi"]

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_AUTH_STATUSES = ("401", "403", "429")
_USER = "/v1/users/{user_id}"
#: (from method, from path, its status) -> [(to method, to path, {parameter: runtime expression})]
_LINKS: dict[tuple[str, str, str], list[tuple[str, str, dict[str, str]]]] = {
    ("post", "/v1/tokens", "201"): [(m, f"{_USER}{p}", {"user_id": "$response.body#/user_id"})
                                    for m, p in (("get", "/recommendations"), ("get", "/profile"),
                                                 ("get", "/settings"), ("put", "/settings"))],
    ("post", "/v1/events", "201"): [(m, f"{_USER}{p}", {"user_id": "$request.body#/events/0/user_id"})
                                    for m, p in (("get", "/recommendations"), ("get", "/profile"))],
    ("get", f"{_USER}/recommendations", "200"): [
        ("get", f"{_USER}/items/{{item_id}}/explanation", {"user_id": "$response.body#/user_id",
                                                           "item_id": "$response.body#/items/0/item_id"}),
        ("get", "/v1/items/{item_id}/similar", {"item_id": "$response.body#/items/0/item_id"})],
    ("get", f"{_USER}/profile", "200"): [
        (m, f"{_USER}/profile/tags/{{tag}}", {"user_id": "$response.body#/user_id",
                                              "tag": "$response.body#/tags/0/tag"}) for m in ("delete", "put")],
}
_SERVICE = get_args(ServiceDep)[1].dependency  # the dependency of every route that reads the store or the run
_ADDED = {
    "422": "The request breaks the schema or an input rule; ``error.loc`` names the part at fault.",
    "413": "The body is over the service's ``max_body_bytes`` (whether it gave its length or was chunked).",
    "404": "Not found: an id in the path is unknown, or one holding an encoded '/' does not match the route.",
    "503": "The store cannot take the request durably, or no run is loaded; retry later (``/readyz`` says "
           "when the service is ready).",
}


def install_openapi(app: FastAPI, routes: Sequence[APIRoute], *, auth: bool) -> None:
    """Make ``app.openapi()`` build the corrected schema once.

    Args:
        app: the app.
        routes: every API route the app includes.
        auth: whether the service requires credentials on every non-public route.
    """
    by_key = {(m.lower(), r.path): r for r in routes for m in (r.methods or ())}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            paths = schema.get("paths", {})
            for path, operations in paths.items():
                for method, operation in operations.items():
                    _document(operation, by_key[(method, path)], auth=auth)
            for (method, path, status), targets in _LINKS.items():
                paths[path][method]["responses"][status]["links"] = {
                    paths[to_path][to_method]["operationId"]: {
                        "operationId": paths[to_path][to_method]["operationId"], "parameters": parameters}
                    for to_method, to_path, parameters in targets}
            schemas = schema.get("components", {}).get("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(operation: dict[str, Any], route: APIRoute, *, auth: bool) -> None:
    responses: dict[str, Any] = operation["responses"]
    access = _access(route.dependant)
    for response in responses.values():
        if "HTTPValidationError" in str(response.get("content")):
            response.update(description=_ADDED["422"], content=_ERROR)
    for status, description in _ADDED.items():
        needed = (status == "422" or (status == "413" and "requestBody" in operation)
                  or (status == "404" and "{" in route.path)
                  or (status == "503" and _uses(route.dependant, _SERVICE)))
        if needed and status not in responses:
            responses[status] = {"description": description, "content": _ERROR}
    if access is None or access.scope is None:  # public
        operation.pop("security", None)
        for status in _AUTH_STATUSES:
            responses.pop(status, None)
    elif access.scope is not Scope.ADMIN and not auth:
        operation["security"] = [{}, *operation.get("security", [])]  # {}: no credential is one way in
    for status in ("200", "201"):
        if status in responses and not responses[status].get("content"):  # a plain Response (/metrics)
            responses[status]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    operation["responses"] = dict(sorted(responses.items()))


def _access(dependant: Dependant) -> Access | None:
    return next((d.call for d in dependant.dependencies if isinstance(d.call, Access)), None)


def _uses(dependant: Dependant, call: object) -> bool:
    return any(d.call is call or _uses(d, call) for d in dependant.dependencies)
