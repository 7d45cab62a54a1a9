"""Rate limiting with the ``limits`` package: Redis when configured, memory otherwise."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from glucolens.core.config import get_settings
from glucolens.core.errors import RateLimited


class RateLimiter:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)

    def hit(self, limit: str, *keys: str, message: str = "Too many requests.") -> None:
        item = parse(limit)
        if not self.limiter.hit(item, *keys):
            stats = self.limiter.get_window_stats(item, *keys)
            raise RateLimited(message, retry_after_s=math.ceil(stats.reset_time - time.time()))

    def test(self, limit: str, *keys: str) -> bool:
        return self.limiter.test(parse(limit), *keys)

    def clear(self, limit: str, *keys: str) -> None:
        self.limiter.clear(parse(limit), *keys)


@lru_cache
def get_rate_limiter() -> RateLimiter:
    url = get_settings().redis_url
    storage: Storage = RedisStorage(url) if url else MemoryStorage()
    return RateLimiter(storage)
