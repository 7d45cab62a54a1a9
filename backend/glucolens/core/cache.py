"""A small JSON cache: Redis when configured, an in-process dict otherwise.

The in-process cache is bounded (LRU by entry count and by bytes of JSON) and purges
expired entries as it goes: dashboard keys change with every write, so an unbounded dict
grows for as long as the user keeps writing.

With Redis configured but unreachable, the cache is simply off (reads miss, writes are
dropped): other processes may still hold or invalidate entries, so a private in-process
copy could serve stale answers after the outage. Deletes that could not reach Redis are
remembered and replayed when it answers again, so an invalidation is not lost.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

import redis

from glucolens.core.config import get_settings
from glucolens.core.redisconn import RedisBreaker, get_async_redis, get_redis

# Invalidations remembered during a Redis outage; past this, the oldest are dropped
# (their entries still expire by TTL).
MAX_PENDING_DELETES = 10_000
PURGE_EVERY_S = 1.0


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any, ttl_s: int = 3600) -> None: ...
    def add(self, key: str, value: Any, ttl_s: int) -> bool: ...
    def delete(self, key: str) -> None: ...
    async def get_json_text(self, key: str) -> str | None: ...


class MemoryCache:
    def __init__(
        self,
        max_entries: int = 10_000,
        max_bytes: int = 64 * 2**20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        # key -> (expires_at, json); order is least recently used first.
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._bytes = 0
        self._next_purge = 0.0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._data)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> Any | None:
        text = self.get_text(key)
        return None if text is None else json.loads(text)

    def get_text(self, key: str) -> str | None:
        """The stored JSON text, undecoded."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if item[0] <= self._clock():
                self._drop(key)
                return None
            self._data.move_to_end(key)
        return item[1]

    def set_text(self, key: str, text: str, ttl_s: int) -> None:
        """Store JSON text as it is (the caller vouches that it is JSON)."""
        with self._lock:
            self._store(key, text, ttl_s)

    async def get_json_text(self, key: str) -> str | None:
        """The stored JSON as text, for a response that sends it as it is."""
        return self.get_text(key)

    def set(self, key: str, value: Any, ttl_s: int = 3600) -> None:
        raw = json.dumps(value)
        with self._lock:
            self._store(key, raw, ttl_s)

    def add(self, key: str, value: Any, ttl_s: int) -> bool:
        """Store only if absent (or expired); True when stored."""
        raw = json.dumps(value)
        with self._lock:
            item = self._data.get(key)
            if item is not None and item[0] > self._clock():
                return False
            self._store(key, raw, ttl_s)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            if key in self._data:
                self._drop(key)

    def _store(self, key: str, raw: str, ttl_s: int) -> None:
        now = self._clock()
        if key in self._data:
            self._drop(key)
        self._purge_expired(now)
        size = _entry_bytes(key, raw)
        if size > self.max_bytes or self.max_entries <= 0:
            return
        while self._data and (
            len(self._data) >= self.max_entries or self._bytes + size > self.max_bytes
        ):
            self._drop(next(iter(self._data)))
        self._data[key] = (now + ttl_s, raw)
        self._bytes += size

    def _purge_expired(self, now: float) -> None:
        # A full sweep at most once a second keeps sets O(1) amortised.
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_S
        for key in [k for k, (expires, _) in self._data.items() if expires <= now]:
            self._drop(key)

    def _drop(self, key: str) -> None:
        _, raw = self._data.pop(key)
        self._bytes -= _entry_bytes(key, raw)


def _entry_bytes(key: str, raw: str) -> int:
    return len(key) + len(raw)


class RedisCache:
    def __init__(self, client: redis.Redis, breaker: RedisBreaker, url: str) -> None:
        self._client = client
        self._url = url
        self._breaker = breaker
        # Debounce claims still work per process while Redis is down.
        self._local_claims = MemoryCache(max_entries=10_000)
        self._pending_deletes: OrderedDict[str, None] = OrderedDict()
        self._pending_lock = threading.Lock()
        breaker.on_recover(self._replay_deletes)

    def get(self, key: str) -> Any | None:
        raw = self._call(lambda: self._client.get(key))
        return None if raw is None else json.loads(raw)

    async def get_json_text(self, key: str) -> str | None:
        """The stored JSON as text, read on the event loop through the loop's asyncio client
        (the same short timeouts, and this cache's breaker): no worker thread, no decode."""
        if not self._breaker.should_try():
            return None
        try:
            raw = await get_async_redis(self._url).get(key)
        except (redis.RedisError, OSError) as exc:
            self._breaker.failed(exc)
            return None
        self._breaker.succeeded()
        return None if raw is None else raw.decode() if isinstance(raw, bytes) else str(raw)

    def set(self, key: str, value: Any, ttl_s: int = 3600) -> None:
        self._call(lambda: self._client.set(key, json.dumps(value), ex=ttl_s))

    def add(self, key: str, value: Any, ttl_s: int) -> bool:
        down = object()
        raw = json.dumps(value)
        stored = self._call(lambda: self._client.set(key, raw, nx=True, ex=ttl_s), down)
        if stored is down:
            return self._local_claims.add(key, value, ttl_s)
        return bool(stored)

    def delete(self, key: str) -> None:
        missed = object()
        if self._call(lambda: self._client.delete(key), missed) is missed:
            with self._pending_lock:
                self._pending_deletes[key] = None
                while len(self._pending_deletes) > MAX_PENDING_DELETES:
                    self._pending_deletes.popitem(last=False)

    def _call(self, op: Callable[[], Any], unavailable: Any = None) -> Any:
        if not self._breaker.should_try():
            return unavailable
        try:
            result = op()
        except redis.RedisError as exc:
            self._breaker.failed(exc)
            return unavailable
        self._breaker.succeeded()
        return result

    def _replay_deletes(self) -> None:
        with self._pending_lock:
            keys = list(self._pending_deletes)
            self._pending_deletes.clear()
        try:
            for start in range(0, len(keys), 500):
                self._client.delete(*keys[start : start + 500])
        except redis.RedisError:
            with self._pending_lock:  # keep them for the next recovery
                for key in keys:
                    self._pending_deletes[key] = None
            raise


@lru_cache
def get_cache() -> Cache:
    settings = get_settings()
    if settings.redis_url:
        return RedisCache(*get_redis(settings.redis_url), url=settings.redis_url)
    return MemoryCache(settings.memory_cache_max_entries, settings.memory_cache_max_mb * 2**20)
