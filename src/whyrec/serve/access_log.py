"""The access log: one line per request, with the user id replaced by a keyed hash.

Erasing a user cannot reach into log files already written, so the ids never go there: a line reads
``GET /v1/users/u:3f9a0c1d2b4e5f60/recommendations 200 1.2ms``. The hash is HMAC-SHA256 under the
``log_salt`` setting (or a random salt per process), so lines of one user can be correlated by the operator,
and nobody can tell whose they are without the salt. Uvicorn's own access log is off under ``whyrec serve``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sys

from starlette.types import ASGIApp, Scope

from whyrec.serve.timed_middleware import TimedMiddleware

__all__ = ["ACCESS_LOGGER", "AccessLogMiddleware", "pseudonym"]

ACCESS_LOGGER = "whyrec.access"
logger = logging.getLogger(ACCESS_LOGGER)


def pseudonym(user_id: str, salt: bytes) -> str:
    """The logged form of a user id: ``u:`` and 16 hex digits of HMAC-SHA256(salt, id)."""
    return "u:" + hmac.new(salt, user_id.encode(), hashlib.sha256).hexdigest()[:16]


class AccessLogMiddleware(TimedMiddleware):
    """Logs each HTTP request to the ``whyrec.access`` logger (INFO), by route template, user ids hashed.

    Args:
        app: the app.
        salt: the HMAC key of :func:`pseudonym` (None: a random one for this process).
    """

    def __init__(self, app: ASGIApp, salt: bytes | None = None) -> None:
        super().__init__(app)
        self.salt = salt or secrets.token_bytes(32)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        if not logger.handlers:  # an application that configured logging keeps its own handlers
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            logger.addHandler(handler)
            logger.propagate = False

    def finished(self, scope: Scope, status: int, elapsed_s: float) -> None:
        logger.info("%s %s %d %.1fms", scope.get("method", ""), self.logged_path(scope), status, elapsed_s * 1000)

    def logged_path(self, scope: Scope) -> str:
        """The request's route with its ``user_id`` replaced by its pseudonym (``unmatched`` for no route)."""
        template = getattr(scope.get("route"), "path", None)
        if template is None:
            return "unmatched"
        params = dict(scope.get("path_params", {}))
        if "user_id" in params:
            params["user_id"] = pseudonym(str(params["user_id"]), self.salt)
        try:
            return str(template).format(**params)
        except (KeyError, IndexError, ValueError):
            return str(template)
