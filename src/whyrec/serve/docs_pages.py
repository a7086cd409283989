"""``/docs`` (Swagger UI) and ``/redoc`` from assets shipped in a Python package, not from a CDN.

The assets come from the wheel of ``fastapi-offline`` (Swagger UI and ReDoc bundles), so the pages work
offline and load no third-party script (ReDoc's bundle is served with its CDN logo replaced, see
`REDOC_JS`). They and ``/openapi.json`` need no credentials: they describe the API and hold no data.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_PATH", "REDOC_JS", "install_docs"]

ASSETS_PATH = "/docs-assets"
#: ReDoc's bundle, served with the one address it would fetch from another host replaced (below).
REDOC_JS = "/docs-redoc.standalone.js"
#: ReDoc's side menu shows Redocly's logo from their CDN (no option turns it off); an empty image stands in.
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
_EMPTY_IMAGE = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E"


@cache
def _redoc_bundle() -> str:
    """The vendored ReDoc bundle without its CDN logo (read once, on the first request)."""
    bundle = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_text(encoding="utf-8")
    return bundle.replace(_REDOC_LOGO, _EMPTY_IMAGE)


def install_docs(app: FastAPI) -> None:
    """Serve the vendored assets under :data:`ASSETS_PATH` and the two pages (call with the app's own
    ``docs_url`` and ``redoc_url`` set to None)."""
    assets = files("fastapi_offline") / "static"
    app.mount(ASSETS_PATH, StaticFiles(directory=str(assets)), name="docs-assets")
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=title,
                                   swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_PATH}/favicon.png")

    @app.get(REDOC_JS, include_in_schema=False)
    async def redoc_js() -> Response:
        return Response(_redoc_bundle(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=title,
                              redoc_js_url=REDOC_JS,
                              redoc_favicon_url=f"{ASSETS_PATH}/favicon.png", with_google_fonts=False)
