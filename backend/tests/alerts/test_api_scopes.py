"""Who may do what with alerts: an API key (even one that may write readings) can read the
alerts but never change settings, snooze, acknowledge or mark read; only a signed-in user
(scope ``account``) can. An uploader's leaked key must not be able to silence alarms."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from glucolens.main import create_app
from tests.alerts._api_rows import AlertFactory, make_alert_factory
from tests.auth.test_api_keys import create_key

A = "/api/v1/alerts"
WRITES = [
    ("POST", "/config", {"kinds": [{"kind": "high", "threshold": 200}]}),
    ("PUT", "/config", {"settings": {"mute_minutes": 60}}),
    ("POST", "/snoozes", {"kinds": ["high"], "minutes": 30}),
    ("PUT", "/mark-read", {"all": True}),
    ("POST", "/{alert}/acknowledge", None),
    ("DELETE", f"/snoozes/{uuid.UUID(int=7)}", None),
]
READS = ["/config", "/history", "/active", "/unread-count", "/snoozes"]


@pytest.fixture(scope="module")
def app() -> Any:
    """One app per module: building an app and its first request cost ~0.4 s, and these
    tests share nothing through it (the database is cleaned between tests)."""
    return create_app()


@pytest.fixture
def make_alert(db) -> AlertFactory:
    return make_alert_factory(db)


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def write_key(client, user, auth_headers) -> dict[str, str]:
    key = create_key(client, auth_headers(user), ["read", "write:readings"]).json()["key"]
    return {"X-API-Key": key}


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_api_key_cannot_change_alerts(client, user, write_key, make_alert, method, path, body):
    url = A + path.format(alert=make_alert(user).id)
    r = client.request(method, url, json=body, headers=write_key)
    assert r.status_code == 403, r.text
    assert "'account'" in r.json()["error"]["message"]


def test_api_key_refusal_leaves_the_config_unchanged(client, user, write_key, auth_headers):
    client.post(
        f"{A}/config", json={"kinds": [{"kind": "high", "threshold": 200}]}, headers=write_key
    )
    body = client.get(f"{A}/config", headers=auth_headers(user)).json()
    assert next(k for k in body["kinds"] if k["kind"] == "high")["threshold"] == 250.0


@pytest.mark.parametrize("path", READS)
def test_read_only_api_key_can_read_alerts(client, user, auth_headers, path):
    key = create_key(client, auth_headers(user), ["read"]).json()["key"]
    assert client.get(A + path, headers={"X-API-Key": key}).status_code == 200


def test_signed_in_user_can_change_the_config(client, user, auth_headers):
    body = {"kinds": [{"kind": "high", "threshold": 200}]}
    assert client.post(f"{A}/config", json=body, headers=auth_headers(user)).status_code == 200
