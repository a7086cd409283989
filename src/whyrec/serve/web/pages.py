"""``/`` (the shopper's view), ``/analyst`` (the analyst's view) and their static files under ``/static``.

The pages hold no data: their HTML embeds only the words of both languages, and their scripts call the API
with the visitor's credential (none on loopback with ``auth`` off; else a shopper token or a read key passed in
the URL fragment, ``#token=...``, which the browser never sends to a server). So they need no credential
themselves, like ``/docs``.
"""

from __future__ import annotations

import json
from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from whyrec.serve.web.words import page_words

__all__ = ["STATIC_PATH", "install_web", "render_page"]

STATIC_PATH = "/static"
_STATIC = files("whyrec.serve.web") / "static"
_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                                                                    "style-src 'self' 'unsafe-inline'"}


def render_page(name: str) -> str:
    """The page ``static/<name>.html`` with the words of every language embedded."""
    html = (_STATIC / f"{name}.html").read_text(encoding="utf-8")
    words = json.dumps(page_words(), ensure_ascii=False).replace("</", "<\\/")
    return html.replace("{{WORDS}}", words)


def install_web(app: FastAPI) -> None:
    """Serve the pages and their static files on `app` (outside the API schema)."""
    app.mount(STATIC_PATH, StaticFiles(directory=str(_STATIC)), name="static")
    shopper, analyst = render_page("shopper"), render_page("analyst")

    @app.get("/", include_in_schema=False)
    async def shopper_page() -> HTMLResponse:
        return HTMLResponse(shopper, headers=_HEADERS)

    @app.get("/analyst", include_in_schema=False)
    async def analyst_page() -> HTMLResponse:
        return HTMLResponse(analyst, headers=_HEADERS)
