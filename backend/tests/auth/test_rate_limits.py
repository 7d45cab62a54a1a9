"""Per-user rate limits (issue 15, item 7): API keys and Nightscout uploaders share the
seed's 100/min budget per account; web sessions have their own; every 429 carries
Retry-After and the RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from tests.conftest import clear_caches


@pytest.fixture
def small_limits(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("GLUCOLENS_UPLOADER_RATE_LIMIT", "3/minute")
    monkeypatch.setenv("GLUCOLENS_API_RATE_LIMIT", "5/minute")
    clear_caches()
    yield
    monkeypatch.delenv("GLUCOLENS_UPLOADER_RATE_LIMIT")
    monkeypatch.delenv("GLUCOLENS_API_RATE_LIMIT")
    clear_caches()


def _api_key(client, headers) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/api-keys", json={"name": "uploader", "scopes": ["read"]}, headers=headers
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['key']}"}


def _secret(client, headers) -> dict[str, str]:
    r = client.post(
        "/api/v1/integrations/nightscout/credentials", json={"kind": "secret"}, headers=headers
    )
    assert r.status_code == 201, r.text
    return {"api-secret": hashlib.sha1(r.json()["value"].encode()).hexdigest()}  # noqa: S324


def test_api_keys_get_the_uploader_limit_with_ratelimit_headers(
    client, make_user, auth_headers, small_limits
):
    key = _api_key(client, auth_headers(make_user()))
    statuses = [client.get("/api/v1/glucose", headers=key).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    r = client.get("/api/v1/glucose", headers=key)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert r.headers["RateLimit-Limit"] == "3"
    assert r.headers["RateLimit-Remaining"] == "0"
    assert r.headers["RateLimit-Reset"] == r.headers["Retry-After"]
    assert r.headers["RateLimit-Policy"] == "3;w=60"


def test_a_nightscout_uploader_shares_the_budget_of_the_accounts_api_keys(
    client, make_user, auth_headers, small_limits
):
    headers = auth_headers(make_user())
    key, secret = _api_key(client, headers), _secret(client, headers)
    assert client.get("/api/v1/glucose", headers=key).status_code == 200
    assert client.get("/api/v1/entries.json", headers=secret).status_code == 200
    assert client.get("/api/v1/entries.json", headers=secret).status_code == 200
    assert client.get("/api/v1/entries.json", headers=secret).status_code == 429


def test_web_sessions_count_apart_from_uploaders(client, make_user, auth_headers, small_limits):
    headers = auth_headers(make_user())
    key = _api_key(client, headers)  # the session's 1st request
    for _ in range(3):
        assert client.get("/api/v1/glucose", headers=key).status_code == 200
    assert client.get("/api/v1/glucose", headers=key).status_code == 429
    # The uploader's budget is spent; the person's own session still works...
    statuses = [client.get("/api/v1/glucose", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 200]
    # ...until its own, larger budget is spent too.
    assert client.get("/api/v1/glucose", headers=headers).status_code == 429


def test_one_users_uploader_does_not_spend_another_users_budget(
    client, make_user, auth_headers, small_limits
):
    a = _api_key(client, auth_headers(make_user()))
    b = _api_key(client, auth_headers(make_user()))
    for _ in range(4):
        client.get("/api/v1/glucose", headers=a)
    assert client.get("/api/v1/glucose", headers=b).status_code == 200
