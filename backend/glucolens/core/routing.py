"""Cheaper route matching for an app of many routers.

FastAPI (0.116 and later) keeps each ``include_router`` as one entry of the app's routes
and, for every request, asks each entry in turn whether the path is one of its routes; an
entry answers by trying every route it holds. With some twenty routers and two hundred
routes, a request for the last of them (``/livez``, the web app's pages) ran two hundred
regular expressions before its own, and that was a quarter of its cost.

``guard_included_routers`` gives each included router a first, cheap question: does the
path start with the fixed part (up to the first ``{``) of any of its routes? Only when it
does is the router's own matching asked. The answer is the same as before, since a path
a route matches always starts with that route's fixed part; partial matches (right path,
wrong method, for the 405) and the trailing-slash redirect go through the same check with
their own path. ``backend/tests/core/test_routing.py`` checks that every route of the app
is still reached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def fixed_prefix(path_format: str) -> str:
    """``/api/v1/meals/{id}/photo`` -> ``/api/v1/meals/``."""
    return path_format.split("{", 1)[0]


def _included_paths(included: Any, prefix: str) -> list[str] | None:
    """The full paths of every route under an included router, read from the routers as
    declared: FastAPI builds each route's request handling (its pydantic adapters) lazily
    on the first request the router sees, and asking for its effective routes here would
    build all of them at start-up (0.3-0.7 s an app, paid by every test that makes one).
    None when a route's path cannot be told this way; that router is then not guarded."""
    router = getattr(included, "original_router", None)
    if router is None:
        return None
    paths: list[str] = []
    for child in [*router.routes, *getattr(router, "_low_priority_routes", [])]:
        context = getattr(child, "include_context", None)
        if context is not None and hasattr(child, "original_router"):
            nested = _included_paths(child, prefix + context.prefix)
            if nested is None:
                return None
            paths += nested
        elif isinstance(getattr(child, "path", None), str):
            paths.append(prefix + child.path)
        else:
            return None
    return paths


def guard_included_routers(routes: list[BaseRoute]) -> int:
    """Guard every included router in ``routes``; returns how many were guarded."""
    guarded = 0
    for route in routes:
        context = getattr(route, "include_context", None)
        paths = _included_paths(route, context.prefix) if context is not None else None
        if not paths:
            continue
        prefixes = tuple(sorted({fixed_prefix(path) for path in paths}))
        if "" in prefixes:
            continue
        route.matches = _guarded(route.matches, prefixes)  # type: ignore[method-assign,assignment]
        guarded += 1
    return guarded


def _guarded(
    matches: Callable[[Scope], tuple[Match, Scope]], prefixes: tuple[str, ...]
) -> Callable[[Scope], tuple[Match, Scope]]:
    def guarded_matches(scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] in ("http", "websocket") and not _route_path(scope).startswith(prefixes):
            return Match.NONE, {}
        return matches(scope)

    guarded_matches.prefixes = prefixes  # type: ignore[attr-defined]
    return guarded_matches


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
