"""A small JSON cache: Redis when configured, an in-process dict otherwise."""

from __future__ import annotations

import json
import threading
import time
from functools import lru_cache
from typing import Any, Protocol

from glucolens.core.config import get_settings


class Cache(Protocol):
    def get(self, key: str) -> Any | None: ...
    def set(self, key: str, value: Any, ttl_s: int = 3600) -> None: ...
    def delete(self, key: str) -> None: ...


class MemoryCache:
    def __init__(self) -> None:
        self._data: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            expires, raw = item
            if expires < time.monotonic():
                del self._data[key]
                return None
        return json.loads(raw)

    def set(self, key: str, value: Any, ttl_s: int = 3600) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl_s, json.dumps(value))

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)


class RedisCache:
    def __init__(self, url: str) -> None:
        import redis

        self._r = redis.Redis.from_url(url)

    def get(self, key: str) -> Any | None:
        raw = self._r.get(key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, ttl_s: int = 3600) -> None:
        self._r.set(key, json.dumps(value), ex=ttl_s)

    def delete(self, key: str) -> None:
        self._r.delete(key)


@lru_cache
def get_cache() -> Cache:
    url = get_settings().redis_url
    return RedisCache(url) if url else MemoryCache()
