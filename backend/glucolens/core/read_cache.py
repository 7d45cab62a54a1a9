"""Answers of read endpoints (dashboard, meal insights) cached under the data's version.

A key holds the user's id, the endpoint's name and parameters, and the user's last data
write and profile change (``data_changed_at``, ``updated_at``): any new reading or meal, or a
unit, time-zone or target change, makes a new key, so nothing cached under a key is ever
stale and nothing needs deleting. The shared cache (Redis, or memory) holds the answers for
``GLUCOLENS_DASHBOARD_CACHE_S``; each process also keeps what it read from it, so the next
identical request skips the round trip.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Protocol, TypeVar

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from glucolens.core.cache import MemoryCache, get_cache
from glucolens.core.config import get_settings

T = TypeVar("T", bound=BaseModel)

_recent = MemoryCache(max_entries=2_000, max_bytes=16 * 2**20)


class DataVersion(Protocol):
    """What a key is made of: a user row or its snapshot (``auth/session_cache``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def data_changed_at(self) -> dt.datetime | None: ...
    @property
    def updated_at(self) -> dt.datetime: ...


def read_cache_key(prefix: str, user: DataVersion, name: str, params: object) -> str:
    return f"{prefix}:{user.id}:{name}:{params}:{user.data_changed_at}:{user.updated_at}"


def cached(
    prefix: str, user: DataVersion, name: str, params: object, compute: Callable[[], T]
) -> T | Response:
    """A recent identical answer, or ``compute()`` stored for the next one."""
    ttl = get_settings().dashboard_cache_s
    if ttl <= 0:
        return compute()
    key = read_cache_key(prefix, user, name, params)
    hit = get_cache().get(key)
    if hit is not None:
        return JSONResponse(hit)
    return _compute_and_store(key, ttl, compute)


def _compute_and_store(key: str, ttl: int, compute: Callable[[], T]) -> T:
    result = compute()
    get_cache().set(key, result.model_dump(mode="json"), ttl_s=ttl)
    return result


async def cached_async(
    prefix: str, user: DataVersion, name: str, params: object, compute: Callable[[], T]
) -> T | Response:
    """``cached`` for an async route: a hit is read on the event loop and sent as the stored
    JSON text (no worker thread, no query, no decode and encode); a miss computes on a
    worker thread. ``user`` may be a session snapshot: an answer is never older than the
    data version in its key, since it is computed after the key was read."""
    ttl = get_settings().dashboard_cache_s
    if ttl <= 0:
        return await run_in_threadpool(compute)
    key = read_cache_key(prefix, user, name, params)
    text = _recent.get_text(key)
    if text is None:
        text = await get_cache().get_json_text(key)
        if text is not None:
            _recent.set_text(key, text, ttl)
    if text is not None:
        return Response(text, media_type="application/json")
    return await run_in_threadpool(_compute_and_store, key, ttl, compute)
