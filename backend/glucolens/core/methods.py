"""405, not 404, for an API path that exists under other methods.

The web app's catch-all route takes every GET and HEAD, so a GET to a POST-only API route
lands there instead of in the router's own 405. The catch-all asks this module whether
another route serves the path, and answers 405 with ``Allow`` if one does.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.routing import Match

from glucolens.core.errors import error_json

PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Methods that some route other than the current one takes at this path."""
    current = request.scope.get("route")
    allowed: list[str] = []
    for method in PROBED_METHODS:
        probe = {**request.scope, "method": method}
        for route in request.app.router.routes:
            if route is not current and route.matches(probe)[0] is Match.FULL:
                allowed.append(method)
                break
    return allowed


def method_not_allowed(request: Request) -> JSONResponse | None:
    """The 405 answer for this request, or None if no route takes its path at all."""
    allowed = allowed_methods(request)
    if not allowed:
        return None
    return error_json(
        405,
        "method_not_allowed",
        f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )
