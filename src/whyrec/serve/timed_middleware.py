"""`TimedMiddleware`: a plain ASGI middleware that reports each HTTP request's status and duration."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TimedMiddleware"]


class TimedMiddleware:
    """Calls `finished(scope, status, elapsed_s)` after every HTTP request (500 when the app raised).

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware would add a task per request. Subclasses (the
    metrics and the access log) say what to do with each request in `finished`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.finished(scope, status, time.perf_counter() - started)

    def finished(self, scope: Scope, status: int, elapsed_s: float) -> None:
        """One request is done (override)."""
