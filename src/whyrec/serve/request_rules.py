"""Rules every request meets before a route sees it: its size, its encoding, and its method.

- A body over `max_bytes` gets 413, whether it says its length (Content-Length) or is chunked: the body is
  read here, up to the limit, before anything parses it.
- A path or a JSON body that is not valid UTF-8 gets 422 (a server that replaced bad bytes with U+FFFD would
  make different raw ids the same user).
- A method the path does not have gets 405 with an ``Allow`` header that lists every method of that path;
  ``OPTIONS`` answers 204 with the same header (a CORS preflight is answered by the CORS middleware).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import unquote_to_bytes

from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from whyrec.serve.errors import error_response

__all__ = ["RequestRulesMiddleware"]


class RequestRulesMiddleware:
    """A plain ASGI middleware (Starlette's BaseHTTPMiddleware would add a task per request).

    Args:
        app: the app.
        max_bytes: the largest body accepted.
        routes: every API route (for the ``Allow`` header).
    """

    def __init__(self, app: ASGIApp, max_bytes: int, routes: Sequence[APIRoute]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.routes = list(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            unquote_to_bytes(scope.get("raw_path") or scope["path"].encode()).decode("utf-8")
        except UnicodeDecodeError:
            await _reply(scope, receive, send, 422, "invalid_request", "The path is not valid UTF-8 once "
                         "percent-decoded; ids are UTF-8 text.", ["path"])
            return
        allowed = self._allowed(scope["path"])
        method = scope["method"]
        if allowed and method == "OPTIONS":
            await _reply(scope, receive, send, 204, "", "", None, allow=allowed)
            return
        if allowed and method not in allowed:
            await _reply(scope, receive, send, 405, "method_not_allowed", f"{scope['path']} answers "
                         f"{', '.join(allowed)}, not {method}.", None, allow=allowed)
            return
        if _declared_length(scope) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as e:
                await _reply(scope, receive, send, 422, "invalid_request", f"The body is not valid UTF-8 (byte "
                             f"{e.start}); JSON bodies are UTF-8.", ["body"])
                return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)

    def _allowed(self, path: str) -> tuple[str, ...]:
        methods = {m for r in self.routes if r.path_regex.match(path) for m in r.methods or ()}
        return tuple(sorted(methods | {"OPTIONS"})) if methods else ()

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _reply(scope, receive, send, 413, "batch_too_large", f"The request body is over {self.max_bytes:,} "
                     "bytes; send fewer events per request.", None)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive


async def _reply(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str,
                 loc: list[str | int] | None, *, allow: tuple[str, ...] = ()) -> None:
    headers = {"Allow": ", ".join(allow)} if allow else None
    if status == 204:
        from starlette.responses import Response

        await Response(status_code=204, headers=headers)(scope, receive, send)
        return
    await error_response(status, code, message, loc, headers=headers)(scope, receive, send)
