"""core/routing's prefix guard skips whole routers by path; it must never hide a route."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from glucolens.core.routing import fixed_prefix, guard_included_routers
from glucolens.main import create_app

SAMPLE = {"id": "1", "identifier": "0123456789abcdef01234567"}


def _routes(app):
    for top in app.router.routes:
        contexts = getattr(top, "effective_route_contexts", None)
        if callable(contexts):
            for ctx in contexts():
                if isinstance(ctx.original_route, APIRoute):
                    yield top, ctx


def test_every_router_of_the_app_is_guarded():
    app = create_app()
    tops = {id(top) for top, _ in _routes(app)}
    guarded = {id(top) for top, _ in _routes(app) if hasattr(top.matches, "prefixes")}
    assert tops == guarded and len(tops) > 10


def test_every_api_route_is_still_reached_through_the_guard():
    app = create_app()
    client = TestClient(app)
    checked = 0
    for _, ctx in _routes(app):
        path = re.sub(r"{(\w+)[^}]*}", lambda m: SAMPLE.get(m.group(1), "x1"), ctx.path_format)
        method = sorted(ctx.original_route.methods)[0]
        r = client.request(method, path)
        # Unauthenticated, so 401 (or 400/405/415/422 from the route's own checks), never
        # the web app's "No route" 404 that answers a path no router claimed.
        assert not (r.status_code == 404 and "No route" in r.text), (method, path)
        checked += 1
    assert checked > 100


def test_a_guarded_router_still_answers_405_for_a_wrong_method():
    client = TestClient(create_app())
    r = client.request("DELETE", "/api/v1/auth/me")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]


def test_fixed_prefix_stops_at_the_first_parameter():
    assert fixed_prefix("/api/v1/meals/{id}/photo") == "/api/v1/meals/"
    assert fixed_prefix("/livez") == "/livez"
    assert guard_included_routers([]) == 0
