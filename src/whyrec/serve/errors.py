"""whyrec errors -> HTTP responses with one body shape: ``{"error": {"code", "message", "loc"}}``.

A `WhyrecError` carries its own ``http_status``, ``code`` and ``loc`` (the table is in :mod:`whyrec.errors`);
a 5xx one is logged. The rest:

=============================  ======  =====================
error                          status  code
=============================  ======  =====================
request validation             422     invalid_request
no route, wrong method         404/405 not_found / method_not_allowed
anything else                  500     internal_error (a bug: logged with its traceback)
=============================  ======  =====================
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from whyrec.errors import WhyrecError

__all__ = ["error_response", "install_error_handlers"]

logger = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, loc: Sequence[str | int] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error body."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, "loc": list(loc) if loc else None}}
    return JSONResponse(body, status_code=status, headers=headers)


def _location(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = _location(first["loc"])
    more = f" ({len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    message = f"{where}: {first['msg']}{more}. See the OpenAPI schema at /openapi.json."
    return error_response(422, "invalid_request", message, [p if isinstance(p, int) else str(p) for p in first["loc"]])


async def _whyrec(request: Request, exc: WhyrecError) -> JSONResponse:
    message = str(exc)
    if exc.http_status >= 500:
        logger.error("request %s %s failed: %s", request.method, request.url.path, exc)
        message = f"{type(exc).__name__}: {exc}"
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None  # RFC 7235: a 401 names its scheme
    return error_response(exc.http_status, exc.code, message, exc.loc, headers=headers)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 413: "batch_too_large"}
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route {request.method} {request.url.path}. See /docs for the routes."
    return error_response(exc.status_code, codes.get(exc.status_code, "http_error"), message,
                          headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error in %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "The service failed unexpectedly; the error is logged.")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(WhyrecError, _whyrec)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
