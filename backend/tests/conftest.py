"""Test fixtures: a real database per run (SQLite by default, PostgreSQL when
GLUCOLENS_TEST_DATABASE_URL is set), migrated with Alembic, cleaned between tests."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_TMP = Path(tempfile.mkdtemp(prefix="glucolens-test-"))
os.environ["GLUCOLENS_DATA_DIR"] = str(_TMP)
os.environ["GLUCOLENS_DATABASE_URL"] = os.environ.get(
    "GLUCOLENS_TEST_DATABASE_URL", f"sqlite:///{_TMP / 'test.db'}"
)
# Cheaper argon2 in tests only: hashing speed is measured in bench/auth.py, not here.
os.environ.setdefault("GLUCOLENS_ARGON2_TIME_COST", "1")
os.environ.setdefault("GLUCOLENS_ARGON2_MEMORY_COST_KIB", "8192")
os.environ.setdefault("GLUCOLENS_API_RATE_LIMIT", "100000/minute")
os.environ.setdefault("GLUCOLENS_UPLOADER_RATE_LIMIT", "100000/minute")
# Debounced background recomputation would outlive each test; insight tests trigger jobs explicitly.
os.environ.setdefault("GLUCOLENS_INSIGHTS_DEBOUNCE_S", "3600")
os.environ.setdefault("GLUCOLENS_DASHBOARD_CACHE_S", "60")
# STUMPY's compiled code (insights/warmup.py keeps it under the data dir, a fresh temporary
# one here): one stable directory, so a test run does not recompile it for a minute.
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "glucolens-test-numba"))
# The periodic-job runner (core/scheduler) would tick in every app a test starts; scheduler
# tests start their own runners.
os.environ.setdefault("GLUCOLENS_SCHEDULER", "off")
os.environ.pop("GLUCOLENS_REDIS_URL", None)
os.environ.pop("GLUCOLENS_CELERY_BROKER_URL", None)
os.environ.pop("GLUCOLENS_SMTP_HOST", None)

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import glucolens.models_registry  # noqa: E402,F401
from glucolens.auth.models import User, UserSession  # noqa: E402
from glucolens.auth.passwords import hash_password  # noqa: E402
from glucolens.auth.tokens import issue_access_token  # noqa: E402
from glucolens.core.db import Base, get_engine, get_sessionmaker  # noqa: E402

REDIS_URL = os.environ.get("GLUCOLENS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_PASSWORD = "correct horse battery staple"


def clear_caches() -> None:
    from glucolens.auth import session_cache, tokens
    from glucolens.core import cache, config, hub, ratelimit, redisconn

    session_cache.session_cache.invalidate(None)
    tokens._VERIFIED.clear()
    hub.forget_unpublished()
    config.get_settings.cache_clear()
    ratelimit.get_rate_limiter.cache_clear()
    cache.get_cache.cache_clear()
    redisconn.get_redis.cache_clear()


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(Path(__file__).resolve().parents[1] / "alembic.ini"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[None]:
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate(os.environ["GLUCOLENS_DATABASE_URL"])
    yield
    engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    clear_caches()
    yield
    engine = get_engine()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    # A job a test left running in the background (an insight recompute it dispatched last)
    # can still hold row locks in the other order: PostgreSQL then picks one side as a
    # deadlock victim. If that is the truncation, take it again once the job has moved on.
    for attempt in range(5):
        try:
            # DELETE, not TRUNCATE, on PostgreSQL too: a test leaves a few rows, and
            # TRUNCATE of every table costs ~110 ms (new files for each) against ~5 ms.
            with engine.begin() as conn:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - fixed names
            break
        except OperationalError as exc:
            if attempt == 4 or "deadlock" not in str(exc).lower():
                raise
            time.sleep(0.2 * (attempt + 1))
    clear_caches()


@pytest.fixture
def db() -> Iterator[Session]:
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def app() -> Any:
    from glucolens.main import create_app

    return create_app()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    # https so that Secure cookies (__Host- refresh cookie) are sent back.
    with TestClient(app, base_url="https://testserver") as c:
        yield c


UserFactory = Callable[..., User]


@pytest.fixture
def make_user(db: Session) -> UserFactory:
    def factory(**kw: Any) -> User:
        user = User(
            email=kw.pop("email", f"user-{uuid.uuid4().hex[:8]}@example.org"),
            password_hash=hash_password(kw.pop("password", TEST_PASSWORD)),
            timezone=kw.pop("timezone", "UTC"),
            unit=kw.pop("unit", "mg/dL"),
            **kw,
        )
        db.add(user)
        db.commit()
        return user

    return factory


@pytest.fixture
def auth_headers(db: Session) -> Callable[[User], dict[str, str]]:
    """Headers for a fresh signed-in session of ``user`` (no login round-trip)."""

    def headers(user: User) -> dict[str, str]:
        session = UserSession(user_id=user.id, device="pytest", ip="127.0.0.1")
        db.add(session)
        db.commit()
        token, _ = issue_access_token(user.id, session.id)
        return {"Authorization": f"Bearer {token}"}

    return headers
