"""Writes of any kind need a write scope (issue 9, item 14): a read-only API key could start
an analytics recompute with POST /insights/refresh.

The walk covers every non-GET route of the OpenAPI schema, so a route added later without a
write scope fails here.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.auth.test_api_keys import create_key
from tests.insights.test_insights_api import wait_for_job
from tests.test_every_route_protected import PUBLIC, fill_path, operations

READ_ONLY_METHODS = ("GET", "HEAD")


def takes_only_nightscout_credentials(path: str, op: dict[str, Any]) -> bool:
    """The Nightscout API at the host root (integrations/nightscout/api.py) accepts no
    GlucoLens key at all: any key is refused there with 401, before scopes matter."""
    return "nightscout" in op.get("tags", []) and not path.startswith("/api/v1/integrations/")


def test_every_api_write_route_refuses_a_read_only_key(app, make_user, auth_headers):
    with TestClient(app, base_url="https://testserver") as client:
        key = create_key(client, auth_headers(make_user()), ["read"]).json()["key"]
        failures: list[str] = []
        checked = 0
        for method, path, op in operations(app):
            if method in READ_ONLY_METHODS or not path.startswith("/api/v1/"):
                continue
            if (method, path) in PUBLIC:  # register, login, refresh, password reset
                continue
            client.cookies.clear()
            r = client.request(method, fill_path(path, op), headers={"X-API-Key": key})
            checked += 1
            expected = 401 if takes_only_nightscout_credentials(path, op) else 403
            if r.status_code != expected:
                failures.append(f"{method} {path} -> {r.status_code}")
    assert checked >= 10, "the walk found too few write routes to prove anything"
    assert not failures, "write routes a read-only key was not refused on:\n" + "\n".join(failures)


def test_every_alert_write_route_refuses_a_key_that_may_write_readings(
    app, make_user, auth_headers
):
    """Alert settings, snoozes, acknowledging and read marks need a signed-in user (scope
    ``account``): an uploader's key, which may write readings, must not silence alarms."""
    with TestClient(app, base_url="https://testserver") as client:
        scopes = ["read", "write:readings"]
        key = create_key(client, auth_headers(make_user()), scopes).json()["key"]
        failures: list[str] = []
        checked = 0
        for method, path, op in operations(app):
            if method in READ_ONLY_METHODS or not path.startswith("/api/v1/alerts"):
                continue
            client.cookies.clear()
            r = client.request(method, fill_path(path, op), headers={"X-API-Key": key})
            checked += 1
            if r.status_code != 403 or "'account'" not in r.text:
                failures.append(f"{method} {path} -> {r.status_code}")
    assert checked >= 6, "the walk found too few alert write routes to prove anything"
    assert not failures, "alert writes an uploader key was not refused on:\n" + "\n".join(failures)


def test_read_only_key_cannot_start_a_recompute(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    read_key = create_key(client, headers, ["read"]).json()["key"]
    r = client.post("/api/v1/insights/refresh", headers={"X-API-Key": read_key})
    assert r.status_code == 403
    assert "write:readings" in r.json()["error"]["message"]


def test_write_key_can_start_a_recompute(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    key = create_key(client, headers, ["read", "write:readings"]).json()["key"]
    r = client.post("/api/v1/insights/refresh", headers={"X-API-Key": key})
    assert r.status_code == 202, r.text
    # The job must not outlive the test (it would read a truncated database).
    assert wait_for_job(client, headers, r.json()["job_id"])["status"] == "done"
