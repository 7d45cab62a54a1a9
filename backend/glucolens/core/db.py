"""Engine, sessions and the declarative base."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from glucolens.core.config import get_settings
from glucolens.core.sqlite_file import secure_sqlite_file
from glucolens.core.sqlite_writes import SqliteWriteLock

# BIGINT ids on PostgreSQL, INTEGER (rowid alias, autoincrementing) on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str) -> Engine:
    """The engine for ``url``, sized and bounded so that overload and outages fail fast.

    One pooled connection per worker thread (``threads``; core/admission admits no more API
    requests than that), plus ``db_max_overflow`` for work beside requests: after-commit
    subscribers that open a second session, background jobs. A connection is waited for at
    most ``db_pool_timeout_s`` (then 503, see core/errors.py), and PostgreSQL connects within
    ``db_connect_timeout_s``. Bound parameters never appear in error messages: they carry
    emails, hashes and health data.
    """
    settings = get_settings()
    kwargs: dict[str, Any] = {"hide_parameters": True}
    pool = {
        "pool_size": settings.threads,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_s,
    }
    sqlite = url.startswith("sqlite")
    if sqlite:
        wait_s = settings.sqlite_write_wait_s
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": wait_s}
        if make_url(url).database not in (None, "", ":memory:"):
            kwargs.update(pool)  # a file database uses a QueuePool; memory ones have no size
    else:
        kwargs.update(pool, pool_pre_ping=True)
        kwargs["connect_args"] = {"connect_timeout": settings.db_connect_timeout_s}
    secure_sqlite_file(url)  # before SQLite creates it with the umask's mode
    engine = create_engine(url, **kwargs)
    if sqlite:

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
            cur.close()

        SqliteWriteLock(wait_s).install(engine)
    return engine


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.resolved_database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


SESSIONS_KEY = "glucolens.db_sessions"


async def get_session(request: Request) -> AsyncIterator[Session]:
    """FastAPI dependency: the request's session. ``TransactionalRoute`` commits it after the
    handler returns and before the response is sent; an error rolls it back.

    Made on the event loop, where creating it costs no I/O: it connects on first use (on a
    worker thread, in a sync handler). Closing one that never connected costs no I/O either;
    one that did is rolled back and closed on a worker thread."""
    session = get_sessionmaker()()
    request.scope.setdefault(SESSIONS_KEY, []).append(session)
    try:
        yield session
    except Exception:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()
