"""Issue 12: the source priority setting (GET/PUT/DELETE /api/v1/data/source-priority).

Fixture shapes: bulk API items (docs/api.md) from the importers' source names
(docs/import-formats.md): "dexcom_clarity", "apple_health", plus a source of the user's own.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

PRIORITY = "/api/v1/data/source-priority"
T = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)


def reading(source: str, seconds: int = 0, value: float = 120.0) -> dict:
    at = T + dt.timedelta(seconds=seconds)
    return {"timestamp": at.isoformat(), "value": value, "source": source}


@pytest.fixture
def alice(make_user, auth_headers):
    user = make_user()
    return user, auth_headers(user)


def test_default_order_lists_the_users_sources_and_the_known_ones(client, alice):
    _user, headers = alice
    items = [reading("my_pump"), reading("apple_health", 30), reading("demo", 3600)]
    client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    got = client.get(PRIORITY, headers=headers).json()
    assert got["default"] is True
    order = got["order"]
    assert order[:5] == ["dexcom_clarity", "libreview", "nightscout", "xdrip", "csv"]
    assert order[5:] == ["my_pump", "apple_health", "healthkit", "manual", "demo"]


def test_a_users_order_comes_first_and_the_rest_follow_in_the_default_order(client, alice):
    _user, headers = alice
    r = client.put(PRIORITY, json={"order": ["apple_health", "manual"]}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["default"] is False
    assert r.json()["order"][:3] == ["apple_health", "manual", "dexcom_clarity"]
    assert client.get(PRIORITY, headers=headers).json() == r.json()
    reset = client.delete(PRIORITY, headers=headers).json()
    assert reset["default"] is True and reset["order"][0] == "dexcom_clarity"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order": ["apple_health", "apple_health"]}, "order"),
        ({"order": []}, "order"),
        ({"order": ["bad name"]}, "order[0]"),
        ({"order": ["a\x00b"]}, "order[0]"),
        ({"order": ["\ud800"]}, "order[0]"),
        ({"order": ["x" * 33]}, "order[0]"),
        ({"order": "apple_health"}, "order"),
        ({"order": ["manual"], "extra": 1}, "extra"),
        ({}, "order"),
    ],
)
def test_bad_orders_are_422_naming_the_field(client, alice, body, field):
    _user, headers = alice
    raw = json.dumps(body).encode()  # escapes a lone surrogate as \\ud800, like any client
    r = client.put(PRIORITY, content=raw, headers={**headers, "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["error"]["details"]]
    assert client.get(PRIORITY, headers=headers).json()["default"] is True


def test_api_keys_read_the_order_but_cannot_change_it(client, alice):
    _user, headers = alice
    key = client.post(
        "/api/v1/auth/api-keys",
        json={"name": "k", "scopes": ["read", "write:readings"]},
        headers=headers,
    ).json()["key"]
    with_key = {"Authorization": f"Bearer {key}"}
    assert client.get(PRIORITY, headers=with_key).status_code == 200
    assert client.put(PRIORITY, json={"order": ["manual"]}, headers=with_key).status_code == 403
    assert client.delete(PRIORITY, headers=with_key).status_code == 403


def test_one_users_order_never_touches_anothers_stream(client, make_user, auth_headers):
    users = [make_user(), make_user()]
    headers = [auth_headers(u) for u in users]
    for h in headers:
        items = [reading("dexcom_clarity", 0, 120.0), reading("apple_health", 40, 120.5)]
        client.post("/api/v1/glucose/bulk", json={"items": items}, headers=h)
    client.put(PRIORITY, json={"order": ["apple_health"]}, headers=headers[0])

    def canonical_sources(h: dict) -> list[str]:
        page = client.get("/api/v1/glucose", params={"canonical": "true"}, headers=h).json()
        return [r["source"] for r in page["items"]]

    assert canonical_sources(headers[0]) == ["apple_health"]
    assert canonical_sources(headers[1]) == ["dexcom_clarity"]
    assert client.get(PRIORITY, headers=headers[1]).json()["default"] is True
