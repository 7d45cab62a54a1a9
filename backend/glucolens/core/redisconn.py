"""One Redis client per URL, with short timeouts and a breaker that tracks outages.

Redis holds only caches and rate-limit counters, so when it is unreachable the callers
degrade (no cache, in-process limits) instead of failing the request. The breaker makes
that cheap: after a failure, Redis is skipped for ``redis_retry_s``; then one call probes it
again. Each outage is logged once when it starts and once when it ends, not per request.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

from glucolens.core.config import get_settings

log = logging.getLogger("glucolens.redis")


class RedisBreaker:
    """Says whether to try Redis now; remembers an outage until a call succeeds again."""

    def __init__(self, retry_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.retry_s = retry_s
        self._clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._next_probe = 0.0
        self._on_recover: list[Callable[[], None]] = []

    @property
    def degraded(self) -> bool:
        return self._down

    def on_recover(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` (outside the lock) once Redis answers again after an outage."""
        self._on_recover.append(callback)

    def should_try(self) -> bool:
        """True when up, and for one caller per ``retry_s`` while down (the probe)."""
        if not self._down:
            return True
        with self._lock:
            now = self._clock()
            if now < self._next_probe:
                return False
            self._next_probe = now + self.retry_s
            return True

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._next_probe = self._clock() + self.retry_s
            if self._down:
                return
            self._down = True
        # The type only: Redis error messages can carry keys, and keys can carry user ids.
        log.warning(
            "redis unavailable; using in-process rate limits and no cache",
            extra={"fields": {"error": type(exc).__name__}},
        )

    def succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            if not self._down:
                return
            self._down = False
        log.warning("redis available again; using it for cache and rate limits")
        for callback in self._on_recover:
            try:
                callback()
            except redis.RedisError as exc:
                self.failed(exc)
                return


def make_client(url: str, timeout_s: float) -> redis.Redis:
    # No retries: redis-py's default (3 retries, exponential backoff up to 10 s) would turn a
    # dead Redis into a multi-second stall of every request.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout_s,
        socket_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        health_check_interval=0,
    )


T = TypeVar("T")


def for_running_loop(registry: dict[asyncio.AbstractEventLoop, T], make: Callable[[], T]) -> T:
    """The running event loop's entry of ``registry``, made by ``make`` on first use. asyncio
    clients and tasks belong to the loop that made them (a process may run several: the
    server's, a test client's); entries of closed loops are dropped as new ones are made."""
    loop = asyncio.get_running_loop()
    entry = registry.get(loop)
    if entry is None:
        for closed in [lp for lp in registry if lp.is_closed()]:
            del registry[closed]
        entry = registry[loop] = make()
    return entry


_async_clients: dict[asyncio.AbstractEventLoop, dict[str, aioredis.Redis]] = {}


def get_async_redis(url: str) -> aioredis.Redis:
    """This event loop's asyncio client for ``url``, with ``make_client``'s short timeouts and
    no retries."""
    clients = for_running_loop(_async_clients, dict)
    client = clients.get(url)
    if client is None:
        timeout_s = get_settings().redis_timeout_s
        client = clients[url] = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            retry=AsyncRetry(NoBackoff(), 0),
            retry_on_timeout=False,
        )
    return client


@lru_cache
def get_redis(url: str) -> tuple[redis.Redis, RedisBreaker]:
    """The process's client and breaker for ``url``, shared by the cache and the limiter."""
    settings = get_settings()
    return make_client(url, settings.redis_timeout_s), RedisBreaker(settings.redis_retry_s)


def redis_status() -> str:
    """``not_configured``, ``ok`` or ``degraded``; pings Redis (bounded by the timeouts)."""
    url = get_settings().redis_url
    if not url:
        return "not_configured"
    client, breaker = get_redis(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        breaker.failed(exc)
        return "degraded"
    breaker.succeeded()
    return "ok"
