"""Rate limiting with the ``limits`` package: Redis when configured, memory otherwise.

When Redis is configured but unreachable, limits are counted in this process instead
(fresh windows from the start of the outage, per process): a dead cache must not turn
sign-in and every authenticated request into a 500. Redis is used again as soon as the
breaker in ``core/redisconn`` sees it answer.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from redis import RedisError

from glucolens.core.config import get_settings
from glucolens.core.errors import RateLimited
from glucolens.core.redisconn import RedisBreaker, for_running_loop, get_async_redis, get_redis

T = TypeVar("T")


class RateLimiter:
    def __init__(
        self, storage: Storage, breaker: RedisBreaker | None = None, url: str | None = None
    ) -> None:
        self.storage = storage
        self._url = url
        self._async: dict[asyncio.AbstractEventLoop, AsyncMovingWindowRateLimiter] = {}
        self.limiter = MovingWindowRateLimiter(storage)
        # Only for a shared (Redis) storage: where to count while it is unreachable.
        self._breaker = breaker
        self._local = MovingWindowRateLimiter(MemoryStorage()) if breaker else self.limiter

    def _run(self, op: Callable[[MovingWindowRateLimiter], T]) -> T:
        if self._breaker is None:
            return op(self.limiter)
        if self._breaker.should_try():
            try:
                result = op(self.limiter)
            except (StorageError, RedisError) as exc:
                self._breaker.failed(exc)
            else:
                self._breaker.succeeded()
                return result
        return op(self._local)

    def hit(self, limit: str, *keys: str, message: str = "Too many requests.") -> None:
        item = _item(limit)
        if not self._run(lambda lim: lim.hit(item, *keys)):
            stats = self._run(lambda lim: lim.get_window_stats(item, *keys))
            raise _limited(item, stats.reset_time, message)

    async def hit_async(self, limit: str, *keys: str, message: str = "Too many requests.") -> None:
        """``hit`` on the event loop: Redis through the loop's asyncio client, no worker
        thread; the same keys and script as the synchronous path, and the same fallback to
        this process's own count while Redis is unreachable."""
        if self._breaker is None or self._url is None:
            self.hit(limit, *keys, message=message)
            return
        item = _item(limit)
        if self._breaker.should_try():
            limiter = for_running_loop(self._async, self._new_async_limiter)
            try:
                if await limiter.hit(item, *keys):
                    self._breaker.succeeded()
                    return
                stats = await limiter.get_window_stats(item, *keys)
            except (StorageError, RedisError, OSError) as exc:
                self._breaker.failed(exc)
            else:
                self._breaker.succeeded()
                raise _limited(item, stats.reset_time, message)
        if not self._local.hit(item, *keys):
            raise _limited(item, self._local.get_window_stats(item, *keys).reset_time, message)

    def _new_async_limiter(self) -> AsyncMovingWindowRateLimiter:
        client = get_async_redis(self._url or "")
        storage = AsyncRedisStorage(
            f"async+{self._url}",
            implementation="redispy",
            wrap_exceptions=True,
            connection_pool=client.connection_pool,  # its short timeouts and no retries
        )
        return AsyncMovingWindowRateLimiter(storage)

    def test(self, limit: str, *keys: str) -> bool:
        item = _item(limit)
        return self._run(lambda lim: lim.test(item, *keys))

    def clear(self, limit: str, *keys: str) -> None:
        item = _item(limit)
        self._run(lambda lim: lim.clear(item, *keys))


@lru_cache(maxsize=64)
def _item(limit: str) -> RateLimitItem:
    """``limits.parse``, once per limit string: parsing it on every request took 3% of a
    worker's time under load (py-spy, docs/performance.md)."""
    return parse(limit)


def _limited(item: RateLimitItem, reset_time: float, message: str) -> RateLimited:
    return RateLimited(
        message,
        retry_after_s=math.ceil(reset_time - time.time()),
        limit=item.amount,
        window_s=item.get_expiry(),
    )


@lru_cache
def get_rate_limiter() -> RateLimiter:
    url = get_settings().redis_url
    if not url:
        return RateLimiter(MemoryStorage())
    client, breaker = get_redis(url)
    # The shared client's pool carries the short timeouts and the no-retry policy.
    storage = RedisStorage(url, connection_pool=client.connection_pool, wrap_exceptions=True)
    return RateLimiter(storage, breaker, url)
