"""Login throttling per account and per IP, on the memory and the Redis backends."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from glucolens.auth.service import _email_key
from glucolens.core.ratelimit import get_rate_limiter
from tests.auth.conftest import AUTH
from tests.conftest import REDIS_URL, TEST_PASSWORD, clear_caches


@pytest.fixture(params=["memory", "redis"])
def backend(request, monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("GLUCOLENS_LOGIN_MAX_PER_ACCOUNT", "3/minute")
    monkeypatch.setenv("GLUCOLENS_LOGIN_MAX_PER_IP", "5/minute")
    if request.param == "redis":
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError:
            pytest.skip(f"no Redis at {REDIS_URL}")
        monkeypatch.setenv("GLUCOLENS_REDIS_URL", REDIS_URL)
    clear_caches()
    yield request.param


@pytest.fixture
def ip() -> str:
    """A client address of our own, so parallel runs sharing Redis never collide."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@pytest.fixture
def throttled_client(app, backend, ip) -> Iterator[TestClient]:
    markers: list[str] = [ip]
    with TestClient(app, base_url="https://testserver", client=(ip, 50000)) as c:
        c.markers = markers  # type: ignore[attr-defined]
        yield c
    if backend == "redis":
        import redis

        conn = redis.Redis.from_url(REDIS_URL)
        for marker in markers:
            for key in conn.scan_iter(match=f"LIMITS:*{marker}*"):
                conn.delete(key)


def attempt(client, email, password="wrong password here"):  # noqa: S107
    client.markers.append(_email_key(email))
    return client.post(f"{AUTH}/login", json={"email": email, "password": password})


def test_account_is_throttled_after_limit(throttled_client, backend, make_user):
    user = make_user(email=f"{uuid.uuid4().hex[:10]}@example.org")
    for _ in range(3):
        assert attempt(throttled_client, user.email).status_code == 401
    r = attempt(throttled_client, user.email, TEST_PASSWORD)  # even the right password
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_account_throttle_counts_unknown_addresses_too(throttled_client, backend):
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    statuses = [attempt(throttled_client, email).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_ip_is_throttled_across_accounts(throttled_client, backend):
    statuses = [
        attempt(throttled_client, f"{uuid.uuid4().hex[:10]}@example.org").status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    assert "Retry-After" in attempt(throttled_client, "x@example.org").headers


def test_other_accounts_are_not_throttled_by_one(app, backend, make_user, ip):
    victim = make_user(email=f"{uuid.uuid4().hex[:10]}@example.org")
    other = make_user(email=f"{uuid.uuid4().hex[:10]}@example.org")
    with TestClient(app, base_url="https://testserver", client=(ip, 50000)) as c:
        c.markers = [ip]  # type: ignore[attr-defined]
        for _ in range(3):
            attempt(c, victim.email)
        assert attempt(c, victim.email, TEST_PASSWORD).status_code == 429
        assert attempt(c, other.email, TEST_PASSWORD).status_code == 200
    limiter = get_rate_limiter()
    limiter.clear("5/minute", "login-ip", ip)
    for email in (victim.email, other.email):
        limiter.clear("3/minute", "login-account", _email_key(email))


def test_redis_backend_is_really_used(throttled_client, backend):
    if backend != "redis":
        pytest.skip("Redis only")
    import redis

    email = f"{uuid.uuid4().hex[:10]}@example.org"
    attempt(throttled_client, email)
    conn = redis.Redis.from_url(REDIS_URL)
    assert list(conn.scan_iter(match=f"LIMITS:*{_email_key(email)}*"))
    clear_caches()  # a fresh limiter object still sees the shared count
    for _ in range(2):
        attempt(throttled_client, email)
    assert attempt(throttled_client, email).status_code == 429
