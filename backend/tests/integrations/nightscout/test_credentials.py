"""Managing Nightscout credentials: shown once, stored as digests only, revocable, scoped."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.integrations.nightscout.models import NightscoutCredential
from tests.integrations.nightscout.conftest import create_credential

URL = "/api/v1/integrations/nightscout/credentials"


def test_secret_is_shown_once_and_stored_only_as_digests(client: TestClient, ns_user, db):
    owner = ns_user()
    listed = client.get(URL, headers=owner.headers).json()
    assert listed["nightscout_url"] == "https://testserver"
    assert [c["kind"] for c in listed["items"]] == ["secret"]
    assert owner.secret not in str(listed)
    row = db.scalar(
        select(NightscoutCredential).where(NightscoutCredential.user_id == owner.user.id)
    )
    assert row.sha1_hex == hashlib.sha1(owner.secret.encode()).hexdigest()  # noqa: S324
    assert row.sha512_hex == hashlib.sha512(owner.secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in vars(row).values())
    assert owner.secret not in stored


def test_new_secret_replaces_the_old_one(client: TestClient, ns_user):
    owner = ns_user()
    old = owner.sha1
    new = create_credential(client, owner.headers, kind="secret")
    assert client.get("/api/v1/status.json", headers=old).status_code == 401
    fresh = {"api-secret": new["api_secret_sha1"]}
    assert client.get("/api/v1/status.json", headers=fresh).status_code == 200
    kinds = [c["kind"] for c in client.get(URL, headers=owner.headers).json()["items"]]
    assert kinds == ["secret"]


def test_token_named_with_role_and_revoked(client: TestClient, ns_user):
    owner = ns_user()
    made = create_credential(client, owner.headers, kind="token", name="LibreLinkUp", role="read")
    assert made["value"].startswith("librelinkup-")
    assert made["credential"]["role"] == "read"
    assert made["credential"]["shown_prefix"] == made["value"][: len("librelinkup-") + 4]
    token = {"token": made["value"]}
    assert client.get("/api/v1/entries.json", params=token).status_code == 200
    r = client.delete(f"{URL}/{made['credential']['id']}", headers=owner.headers)
    assert r.status_code == 204
    assert client.get("/api/v1/entries.json", params=token).status_code == 401


def test_another_user_cannot_revoke_or_see(client: TestClient, ns_user):
    alice, bob = ns_user(), ns_user()
    alice_items = client.get(URL, headers=alice.headers).json()["items"]
    r = client.delete(f"{URL}/{alice_items[0]['id']}", headers=bob.headers)
    assert r.status_code == 404
    assert alice_items[0]["id"] not in client.get(URL, headers=bob.headers).text
    assert client.get("/api/v1/status.json", headers=alice.sha1).status_code == 200


def test_an_api_key_cannot_manage_credentials(client: TestClient, ns_user):
    owner = ns_user()
    r = client.post(
        "/api/v1/auth/api-keys",
        json={"name": "k", "scopes": ["read", "write:readings"]},
        headers=owner.headers,
    )
    key = {"X-API-Key": r.json()["key"]}
    assert client.post(URL, json={"kind": "token"}, headers=key).status_code == 403
    assert client.get(URL, headers=key).status_code == 403


def test_bad_kind_or_role_is_422_naming_the_field(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    r = client.post(URL, json={"kind": "token", "role": "admin"}, headers=owner.headers)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "role"
