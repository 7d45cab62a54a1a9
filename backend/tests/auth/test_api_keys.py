"""API keys: shown once, stored hashed, scoped, revocable."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.deps import ReadAuth, ReadingsWrite
from glucolens.auth.models import ApiKey
from glucolens.auth.tokens import hash_token
from tests.auth.conftest import AUTH

KEYS = f"{AUTH}/api-keys"


@pytest.fixture
def scoped_routes(app):
    """Two test-only routes, one per scope, independent of the data routes."""

    @app.get("/test-only/read")
    def read_route(auth: ReadAuth) -> dict[str, str]:
        return {"user": str(auth.user_id)}

    @app.post("/test-only/write")
    def write_route(auth: ReadingsWrite) -> dict[str, str]:
        return {"user": str(auth.user_id)}

    # Ahead of the web app's catch-all GET route.
    routes = app.router.routes
    routes[:0] = [routes.pop(), routes.pop()]
    return app


def create_key(client, headers, scopes, name="uploader"):
    return client.post(KEYS, json={"name": name, "scopes": scopes}, headers=headers)


def test_create_key_shows_it_once_and_stores_a_hash(client, make_user, auth_headers, db: Session):
    headers = auth_headers(make_user())
    r = create_key(client, headers, ["read", "write:readings"])
    assert r.status_code == 201
    body = r.json()
    key = body["key"]
    assert key.startswith("glk_") and len(key) >= 4 + 43
    assert body["prefix"] == key[:12]
    assert sorted(body["scopes"]) == ["read", "write:readings"]
    stored = db.scalars(select(ApiKey)).one()
    assert stored.key_hash == hash_token(key) and key not in (stored.key_hash, stored.prefix)
    listed = client.get(KEYS, headers=headers).json()
    assert [k["prefix"] for k in listed] == [key[:12]]
    assert "key" not in listed[0]
    assert key not in client.get(KEYS, headers=headers).text


def test_read_only_key_gets_403_on_write_route(client, make_user, auth_headers, scoped_routes):
    user = make_user()
    key = create_key(client, auth_headers(user), ["read"]).json()["key"]
    assert client.get("/test-only/read", headers={"X-API-Key": key}).json() == {
        "user": str(user.id)
    }
    r = client.post("/test-only/write", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


def test_write_only_key_cannot_read(client, make_user, auth_headers, scoped_routes):
    key = create_key(client, auth_headers(make_user()), ["write:readings"]).json()["key"]
    assert client.post("/test-only/write", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/test-only/read", headers={"X-API-Key": key}).status_code == 403


def test_read_only_key_gets_403_on_real_data_writes(client, make_user, auth_headers, app):
    if "/api/v1/glucose" not in app.openapi()["paths"]:
        pytest.skip("glucose routes not present")
    key = create_key(client, auth_headers(make_user()), ["read"]).json()["key"]
    reading = {"timestamp": "2026-01-01T08:00:00Z", "value": 110}
    assert (
        client.post("/api/v1/glucose", json=reading, headers={"X-API-Key": key}).status_code == 403
    )
    assert client.get("/api/v1/glucose", headers={"X-API-Key": key}).status_code == 200


def test_keys_never_reach_account_routes(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    key = create_key(client, headers, ["read", "write:readings"]).json()["key"]
    as_key = {"X-API-Key": key}
    assert client.get(KEYS, headers=as_key).status_code == 403
    assert create_key(client, as_key, ["read"]).status_code == 403
    assert client.get(f"{AUTH}/sessions", headers=as_key).status_code == 403
    assert client.post(f"{AUTH}/logout-all", headers=as_key).status_code == 403


def test_revoked_key_stops_working(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    created = create_key(client, headers, ["read"]).json()
    assert client.get(f"{AUTH}/me", headers={"X-API-Key": created["key"]}).status_code == 200
    assert client.delete(f"{KEYS}/{created['id']}", headers=headers).status_code == 204
    assert client.get(f"{AUTH}/me", headers={"X-API-Key": created["key"]}).status_code == 401
    assert client.get(KEYS, headers=headers).json() == []
    assert client.delete(f"{KEYS}/{created['id']}", headers=headers).status_code == 404


def test_other_users_key_is_not_found(client, make_user, auth_headers):
    alice = auth_headers(make_user())
    created = create_key(client, alice, ["read"]).json()
    bob = auth_headers(make_user())
    assert client.delete(f"{KEYS}/{created['id']}", headers=bob).status_code == 404
    assert client.get(KEYS, headers=bob).json() == []
    assert client.get(f"{AUTH}/me", headers={"X-API-Key": created["key"]}).status_code == 200
    assert client.delete(f"{KEYS}/{uuid.uuid4()}", headers=alice).status_code == 404


def test_unknown_or_empty_scopes_are_rejected(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert create_key(client, headers, ["admin"]).status_code == 422
    assert create_key(client, headers, ["account"]).status_code == 422
    assert create_key(client, headers, []).status_code == 422


def test_unknown_key_is_401(client):
    assert client.get(f"{AUTH}/me", headers={"X-API-Key": "glk_" + "x" * 43}).status_code == 401
