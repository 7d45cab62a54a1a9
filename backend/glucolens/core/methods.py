"""405, not 404, for an API path that exists under other methods, with an ``Allow`` that
lists every method of the path.

Two places need it. The web app's catch-all route takes every GET and HEAD, so a GET to a
POST-only API route lands there instead of in the router's own 405; the catch-all asks
``method_not_allowed``. And the router's own 405 names the methods of the one route it
matched, while a path is often served by several (``GET`` lists and ``POST`` creates);
``install_method_not_allowed`` answers those with the whole set.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Match

from glucolens.core.errors import error_json

API_PREFIX = "/api/"
PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Methods that some API route takes at this path (the web app's catch-all aside)."""
    allowed: list[str] = []
    for method in PROBED_METHODS:
        probe = {**request.scope, "method": method}
        for route in request.app.router.routes:
            path = getattr(route, "path", None)  # included routers have none: probe them
            if path is not None and not path.startswith(API_PREFIX):
                continue
            if route.matches(probe)[0] is Match.FULL:
                allowed.append(method)
                break
    return allowed


def method_not_allowed(request: Request) -> JSONResponse | None:
    """The 405 answer for this request, or None if no API route takes its path at all."""
    allowed = allowed_methods(request)
    if not allowed:
        return None
    return error_json(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )


def install_method_not_allowed(app: FastAPI) -> None:
    """The router's 405s: on API paths, every method of the path in ``Allow`` (or 404 when
    only the web app's catch-all matched); elsewhere, the router's own ``Allow``."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        path = request.url.path
        if path.startswith(API_PREFIX):
            return method_not_allowed(request) or error_json(404, "not_found", f"No route {path}.")
        headers = dict(getattr(exc, "headers", None) or {})
        message = f"{request.method} is not allowed on {path}."
        return error_json(405, "method_not_allowed", message, headers=headers)

    app.add_exception_handler(405, handle)
