"""The in-process cache stays within its bounds and forgets expired entries."""

from __future__ import annotations

import time

from glucolens.core.cache import MemoryCache, get_cache

ANSWER = {"windows": [{"days": d, "mean": 140.5, "tir": 0.71} for d in (7, 30, 90)]}


def test_many_distinct_keys_stay_under_the_entry_bound():
    cache = MemoryCache(max_entries=100, max_bytes=2**30)
    for i in range(5_000):  # dashboard keys change with every write
        cache.set(f"dash:user:summary:{i}", ANSWER, ttl_s=3600)
    assert len(cache) == 100
    assert cache.get("dash:user:summary:4999") == ANSWER  # the newest are kept
    assert cache.get("dash:user:summary:0") is None


def test_many_distinct_keys_stay_under_the_byte_bound():
    cache = MemoryCache(max_entries=10**9, max_bytes=64 * 1024)
    for i in range(5_000):
        cache.set(f"dash:{i}", ANSWER, ttl_s=3600)
        assert cache.size_bytes <= 64 * 1024
    assert 0 < len(cache) < 5_000


def test_recently_read_entries_are_evicted_last():
    cache = MemoryCache(max_entries=3, max_bytes=2**30)
    for key in ("a", "b", "c"):
        cache.set(key, 1)
    assert cache.get("a") == 1
    cache.set("d", 1)
    assert [cache.get(k) for k in ("a", "b", "c", "d")] == [1, None, 1, 1]


def test_an_entry_larger_than_the_cache_is_not_stored():
    cache = MemoryCache(max_entries=10, max_bytes=100)
    cache.set("small", 1)
    cache.set("huge", "x" * 1000)
    assert cache.get("huge") is None
    assert cache.get("small") == 1


def test_expired_entries_are_purged_by_later_sets_of_other_keys():
    cache = MemoryCache()
    for i in range(1_000):
        cache.set(f"old:{i}", ANSWER, ttl_s=1)
    time.sleep(1.1)
    cache.set("new", ANSWER, ttl_s=60)  # never reads the old keys
    assert len(cache) == 1
    assert cache.size_bytes < 1_000


def test_add_stores_only_when_absent_or_expired():
    cache = MemoryCache()
    assert cache.add("claim", 1, ttl_s=1) is True
    assert cache.add("claim", 1, ttl_s=1) is False
    time.sleep(1.1)
    assert cache.add("claim", 1, ttl_s=1) is True


def test_app_cache_takes_its_bounds_from_settings(monkeypatch):
    from tests.conftest import clear_caches

    monkeypatch.setenv("GLUCOLENS_MEMORY_CACHE_MAX_ENTRIES", "7")
    monkeypatch.setenv("GLUCOLENS_MEMORY_CACHE_MAX_MB", "1")
    clear_caches()
    cache = get_cache()
    assert isinstance(cache, MemoryCache)
    assert (cache.max_entries, cache.max_bytes) == (7, 2**20)
