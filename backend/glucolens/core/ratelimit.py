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

from limits import parse
from limits.aio.storage import RedisStorage as AsyncRedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from redis import RedisError
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from starlette.concurrency import run_in_threadpool

from glucolens.core.config import get_settings
from glucolens.core.errors import RateLimited
from glucolens.core.redisconn import RedisBreaker, get_redis

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
        item = parse(limit)
        if not self._run(lambda lim: lim.hit(item, *keys)):
            stats = self._run(lambda lim: lim.get_window_stats(item, *keys))
            raise RateLimited(
                message,
                retry_after_s=math.ceil(stats.reset_time - time.time()),
                limit=item.amount,
                window_s=item.get_expiry(),
            )

    async def hit_async(self, limit: str, *keys: str, message: str = "Too many requests.") -> None:
        """``hit`` on the event loop: Redis through its asyncio client (one per loop), no
        worker thread; the same keys and script as the synchronous path, and the same
        fallback to this process's own count while Redis is unreachable."""
        if self._breaker is None or self._url is None:
            self.hit(limit, *keys, message=message)
            return
        item = parse(limit)
        allowed: bool | None = None
        if self._breaker.should_try():
            try:
                allowed = await self._async_limiter().hit(item, *keys)
            except (StorageError, RedisError, OSError) as exc:
                self._breaker.failed(exc)
            else:
                self._breaker.succeeded()
        if allowed is None:
            allowed = self._local.hit(item, *keys)
        if not allowed:
            await run_in_threadpool(self.hit, limit, *keys, message=message)  # raises the 429

    def _async_limiter(self) -> AsyncMovingWindowRateLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._async.get(loop)
        if limiter is None:
            for closed in [lp for lp in self._async if lp.is_closed()]:
                del self._async[closed]
            timeout_s = get_settings().redis_timeout_s
            storage = AsyncRedisStorage(
                f"async+{self._url}",
                implementation="redispy",
                wrap_exceptions=True,
                socket_connect_timeout=timeout_s,
                socket_timeout=timeout_s,
                # As core/redisconn: no retries, which would stall requests on a dead Redis.
                retry=AsyncRetry(NoBackoff(), 0),  # type: ignore[arg-type]
                retry_on_timeout=False,
            )
            limiter = self._async[loop] = AsyncMovingWindowRateLimiter(storage)
        return limiter

    def test(self, limit: str, *keys: str) -> bool:
        item = parse(limit)
        return self._run(lambda lim: lim.test(item, *keys))

    def clear(self, limit: str, *keys: str) -> None:
        item = parse(limit)
        self._run(lambda lim: lim.clear(item, *keys))


@lru_cache
def get_rate_limiter() -> RateLimiter:
    url = get_settings().redis_url
    if not url:
        return RateLimiter(MemoryStorage())
    client, breaker = get_redis(url)
    # The shared client's pool carries the short timeouts and the no-retry policy.
    storage = RedisStorage(url, connection_pool=client.connection_pool, wrap_exceptions=True)
    return RateLimiter(storage, breaker, url)
