"""Who an access token belongs to, without a database round trip on every request.

An access token is signed, so its user and session ids need no lookup; what does is whether
the session was revoked, whether the account still exists, and the profile the handlers read
(time zone, unit, targets, when the data last changed). ``SessionCache`` keeps that snapshot
per session for ``TTL_S`` seconds, in this process, and drops it the moment anything could
have changed it:

- Every commit that touched a ``users`` or ``user_sessions`` row (ORM objects, or bulk
  ``UPDATE``/``DELETE`` statements, whose user ids are read from their ``WHERE`` clause; a
  statement without one drops every entry) invalidates those users here, after the commit,
  and publishes their ids on Redis so every other process drops them too (``listen``).
- A process that cannot hear those messages does not cache: with Redis configured, only while
  its subscription is up (a reconnect starts from an empty cache); without Redis, only when it
  is the only API process (``glucolens serve`` says how many run in ``GLUCOLENS_SERVE_WORKERS``).
- A snapshot read from the database while an invalidation for that user arrived is not
  stored (the read may predate the change).

Revoking a session, changing the profile, deleting the account and every data write (which
moves ``data_changed_at``, part of the dashboard's cache key) therefore take effect on the
next request, in every process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ColumnElement

from glucolens.auth.models import User, UserSession
from glucolens.core.config import get_settings
from glucolens.core.redisconn import for_running_loop, get_redis

log = logging.getLogger(__name__)

TTL_S = 60.0
MAX_ENTRIES = 50_000
CHANNEL = "glucolens:auth:invalidate"
_ALL = "*"
_TOUCHED = "glucolens.auth_touched"


@dataclass(frozen=True)
class AuthSnapshot:
    """The columns of ``users`` that requests read, as of the last load."""

    id: uuid.UUID
    email: str
    display_name: str | None
    timezone: str
    unit: str
    target_low_mgdl: float
    target_high_mgdl: float
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    data_changed_at: dt.datetime | None

    @classmethod
    def of(cls, user: User) -> AuthSnapshot:
        return cls(**{f: getattr(user, f) for f in cls.__dataclass_fields__})


class SessionCache:
    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[uuid.UUID, tuple[AuthSnapshot, float]] = {}
        self._by_user: dict[uuid.UUID, set[uuid.UUID]] = {}
        self._clears = 0  # full clears so far; a fill that saw another count is dropped
        self._user_epochs: dict[uuid.UUID, int] = {}  # invalidations per user, likewise
        self.listening = False  # set while the Redis subscription is up (``listen``)

    def enabled(self) -> bool:
        if self.listening:
            return True
        if get_settings().redis_url:
            return False
        return int(os.environ.get("GLUCOLENS_SERVE_WORKERS", "1")) <= 1

    def get(self, session_id: uuid.UUID) -> AuthSnapshot | None:
        entry = self._entries.get(session_id)
        if entry is None or entry[1] < time.monotonic() or not self.enabled():
            return None
        return entry[0]

    def fill_token(self, user_id: uuid.UUID) -> tuple[int, int]:
        """Taken before reading the database; ``put`` stores the read only if nothing about
        the user was invalidated in between."""
        with self._lock:
            return self._clears, self._user_epochs.get(user_id, 0)

    def put(self, session_id: uuid.UUID, snapshot: AuthSnapshot, token: tuple[int, int]) -> None:
        with self._lock:
            if token != (self._clears, self._user_epochs.get(snapshot.id, 0)):
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
                self._by_user.clear()
            self._entries[session_id] = (snapshot, time.monotonic() + self.ttl_s)
            self._by_user.setdefault(snapshot.id, set()).add(session_id)

    def invalidate(self, user_ids: set[uuid.UUID] | None) -> None:
        """Drop ``user_ids`` (``None``: everyone)."""
        with self._lock:
            if user_ids is None:
                self._clears += 1
                self._entries.clear()
                self._by_user.clear()
                self._user_epochs.clear()
                return
            for user_id in user_ids:
                self._user_epochs[user_id] = self._user_epochs.get(user_id, 0) + 1
                for session_id in self._by_user.pop(user_id, ()):
                    self._entries.pop(session_id, None)


session_cache = SessionCache()


# --- what a commit touched ------------------------------------------------------------


def _touched(session: Session) -> set[Any]:
    touched: set[Any] = session.info.setdefault(_TOUCHED, set())
    return touched


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User):
            _touched(session).add(obj.id)
        elif isinstance(obj, UserSession):
            _touched(session).add(obj.user_id)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in (User.__tablename__, UserSession.__tablename__):
        return
    key = (
        User.__table__.c.id if table.name == User.__tablename__ else UserSession.__table__.c.user_id
    )
    ids = _ids_in_where(getattr(state.statement, "whereclause", None), key)
    _touched(state.session).update(ids if ids else {_ALL})


def _ids_in_where(clause: ColumnElement[Any] | None, key: Any) -> set[uuid.UUID]:
    """The values ``key == value`` pins in an AND of conditions (empty: it pins none)."""
    if clause is None:
        return set()
    found: set[uuid.UUID] = set()
    parts = getattr(clause, "clauses", None) if clause.operator is operators.and_ else None  # type: ignore[attr-defined]
    for part in parts if parts is not None else [clause]:
        if (
            isinstance(part, BinaryExpression)
            and part.operator is operators.eq
            and getattr(part.left, "table", None) is key.table
            and getattr(part.left, "name", None) == key.name
            and isinstance(part.right, BindParameter)
            and isinstance(part.right.value, uuid.UUID)
        ):
            found.add(part.right.value)
    return found


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        user_ids = None if _ALL in touched else set(touched)
        session_cache.invalidate(user_ids)
        _publish(user_ids)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def _publish(user_ids: set[uuid.UUID] | None) -> None:
    url = get_settings().redis_url
    if not url:
        return
    message = json.dumps(_ALL if user_ids is None else sorted(str(u) for u in user_ids))
    client, breaker = get_redis(url)
    try:
        client.publish(CHANNEL, message)
    except Exception as exc:  # noqa: BLE001 - every listener drops its cache when Redis fails
        breaker.failed(exc)
        log.warning(
            "auth cache invalidation not published", extra={"fields": {"error": type(exc).__name__}}
        )


# --- hearing other processes ------------------------------------------------------------

_listeners: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}


def ensure_listener() -> None:
    """Start this event loop's subscription to other processes' invalidations (once)."""
    url = get_settings().redis_url
    if not url:
        return
    loop = asyncio.get_running_loop()
    if (task := _listeners.get(loop)) is not None and task.done():  # cancelled: start again
        del _listeners[loop]
    for_running_loop(
        _listeners, lambda: loop.create_task(_listen(url), name="auth-cache-invalidations")
    )


async def _listen(url: str) -> None:
    while True:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=1, health_check_interval=10)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                session_cache.invalidate(None)  # whatever happened while deaf
                session_cache.listening = True
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    ids = json.loads(message["data"])
                    session_cache.invalidate(None if ids == _ALL else {uuid.UUID(i) for i in ids})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - deaf: stop caching, retry shortly
            log.warning("auth cache listener down", extra={"fields": {"error": type(exc).__name__}})
        finally:
            session_cache.listening = False
            session_cache.invalidate(None)
            await client.aclose()  # type: ignore[attr-defined]
        await asyncio.sleep(1.0)
