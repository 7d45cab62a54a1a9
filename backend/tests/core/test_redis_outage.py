"""Redis is a cache and a limiter: while it is down (killed or hung) sign-in and every
authenticated route keep answering, limits are counted in-process, readiness says
"degraded", the outage is logged once, and Redis is used again when it returns."""

from __future__ import annotations

import logging
import signal
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from glucolens.core.cache import get_cache
from tests.conftest import TEST_PASSWORD, clear_caches
from tests.core.services import RedisServer, redis_server, wait_until

AUTH = "/api/v1/auth"
# Well under a second even when the first request of an outage pays the timeouts.
MAX_DEGRADED_REQUEST_S = 1.0


@pytest.fixture
def redis_srv(tmp_path, monkeypatch) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        monkeypatch.setenv("GLUCOLENS_REDIS_URL", server.url)
        monkeypatch.setenv("GLUCOLENS_REDIS_RETRY_S", "0.2")
        monkeypatch.setenv("GLUCOLENS_LOGIN_MAX_PER_ACCOUNT", "3/minute")
        clear_caches()
        yield server
    clear_caches()


@pytest.fixture
def http(redis_srv) -> Iterator[TestClient]:
    from glucolens.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as c:
        yield c


def login(http: TestClient, email: str, password: str = TEST_PASSWORD):  # noqa: ANN201
    return http.post(f"{AUTH}/login", json={"email": email, "password": password})


def timed_get(http: TestClient, path: str, headers: dict[str, str]) -> int:
    start = time.monotonic()
    status = http.get(path, headers=headers).status_code
    assert time.monotonic() - start < MAX_DEGRADED_REQUEST_S, path
    return status


def bearer(response) -> dict[str, str]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def redis_log(caplog, words: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "glucolens.redis" and words in r.getMessage()]


def test_killed_redis_degrades_then_recovers(http, redis_srv, make_user, caplog):
    caplog.set_level(logging.INFO)
    user = make_user(email=f"{uuid.uuid4().hex[:10]}@example.org")
    headers = bearer(login(http, user.email))
    assert http.get("/readyz").json()["redis"] == "ok"
    assert timed_get(http, "/api/v1/dashboard/summary", headers) == 200

    redis_srv.kill()
    for path in ("/api/v1/dashboard/summary", "/api/v1/glucose", "/api/v1/auth/me") * 3:
        assert timed_get(http, path, headers) == 200
    assert bearer(login(http, user.email))  # sign-in works without Redis
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "degraded",
        "database": "ok",
        "migrations": "ok",
        "redis": "degraded",
        "broker": "not_configured",
        "failed": ["redis"],
        "error": None,
    }
    assert len(redis_log(caplog, "unavailable")) == 1  # once per outage, not per request

    redis_srv.start()  # same port, empty
    wait_until(lambda: http.get("/readyz").json()["redis"] == "ok", 5, "readiness to see Redis")
    assert bearer(login(http, user.email))
    assert timed_get(http, "/api/v1/dashboard/summary", headers) == 200
    fresh = redis.Redis.from_url(redis_srv.url)
    assert fresh.keys("LIMITS*"), "rate limits are counted in Redis again"
    assert fresh.keys("dash:*"), "dashboard answers are cached in Redis again"
    assert len(redis_log(caplog, "available again")) == 1


def test_login_throttle_holds_while_redis_is_down(http, redis_srv):
    redis_srv.kill()
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    statuses = [login(http, email, "wrong password here").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    r = login(http, email, "wrong password here")
    assert r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_hung_redis_costs_at_most_its_timeout(http, redis_srv, make_user):
    user = make_user(email=f"{uuid.uuid4().hex[:10]}@example.org")
    headers = bearer(login(http, user.email))
    redis_srv.signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        for _ in range(6):
            assert timed_get(http, "/api/v1/dashboard/summary", headers) == 200
        assert http.get("/readyz").json()["redis"] == "degraded"
    finally:
        redis_srv.signal(signal.SIGCONT)
    wait_until(lambda: http.get("/readyz").json()["redis"] == "ok", 5, "Redis to answer again")


def test_invalidation_during_outage_is_applied_when_redis_returns(redis_srv):
    cache = get_cache()
    cache.set("insights:stale", {"v": 1}, ttl_s=600)
    redis_srv.signal(signal.SIGSTOP)
    try:
        cache.delete("insights:stale")  # cannot reach Redis
        assert cache.get("insights:stale") is None  # no cache while down
    finally:
        redis_srv.signal(signal.SIGCONT)
    time.sleep(0.3)  # past GLUCOLENS_REDIS_RETRY_S
    wait_until(lambda: cache.get("probe") is None and not _degraded(), 5, "recovery")
    assert redis.Redis.from_url(redis_srv.url).get("insights:stale") is None


def test_debounce_claims_still_work_while_redis_is_down(redis_srv):
    cache = get_cache()
    redis_srv.kill()
    assert cache.add("insights:debounce:x", 1, ttl_s=60) is True
    assert cache.add("insights:debounce:x", 1, ttl_s=60) is False


def _degraded() -> bool:
    from glucolens.core.config import get_settings
    from glucolens.core.redisconn import get_redis

    url = get_settings().redis_url
    assert url
    return get_redis(url)[1].degraded
