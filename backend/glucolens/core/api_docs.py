"""Interactive API docs (Swagger UI at ``/docs``, ReDoc at ``/redoc``), off unless
``GLUCOLENS_API_DOCS=true``.

Their scripts come from cdn.jsdelivr.net (no installed package ships the Swagger UI or
ReDoc bundles, and vendoring them is not worth a megabyte of someone else's JavaScript),
and they would run on the app's origin, next to the refresh cookie. So they are not
served by default; ``/openapi.json`` always is, for clients and code generators. When
enabled, each page carries its own Content-Security-Policy: scripts from that CDN and the
page's one inline script (by hash) only, and requests to this origin only.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from glucolens.core.http_headers import csp_hash, inline_scripts

CDN = "https://cdn.jsdelivr.net"


def docs_csp(html: str) -> str:
    scripts = " ".join([CDN, *sorted({csp_hash(s) for s in inline_scripts(html)})])
    return (
        f"default-src 'none'; script-src {scripts}; "
        f"style-src {CDN} https://fonts.googleapis.com 'unsafe-inline'; "
        "font-src https://fonts.gstatic.com; img-src 'self' data: https:; "
        "connect-src 'self'; worker-src blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    html = bytes(page.body).decode()
    return HTMLResponse(html, headers={"Content-Security-Policy": docs_csp(html)})


def mount_api_docs(app: FastAPI) -> None:
    """Routes for the docs pages; create the app with ``docs_url=None, redoc_url=None``."""
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(_request: Request) -> HTMLResponse:
        return _with_csp(get_swagger_ui_html(openapi_url=app.openapi_url or "", title=title))

    @app.get("/redoc", include_in_schema=False)
    async def redoc(_request: Request) -> HTMLResponse:
        return _with_csp(get_redoc_html(openapi_url=app.openapi_url or "", title=title))
