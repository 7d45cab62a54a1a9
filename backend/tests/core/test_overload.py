"""Overload sheds fast: no free pooled connection or no SQLite write lock within the
configured wait gives a 503 in the error shape with Retry-After, not a 30-second wait and
a 500; and writers queue instead of failing when they do get their turn."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from glucolens.core import db as core_db
from glucolens.core.config import get_settings
from glucolens.readings.models import GlucoseReading
from tests.conftest import clear_caches

GLUCOSE = "/api/v1/glucose"
FAST_S = 2.0


def reading(minute: int) -> dict[str, object]:
    ts = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
    return {"timestamp": ts.isoformat(), "value": 100 + minute % 50}


def assert_shed(response, started: float) -> None:  # noqa: ANN001
    assert time.monotonic() - started < FAST_S
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def small_engine(monkeypatch) -> Iterator[Engine]:
    """The app's engine rebuilt from settings: a 2-connection pool, short waits."""
    monkeypatch.setenv("GLUCOLENS_THREADS", "2")
    monkeypatch.setenv("GLUCOLENS_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("GLUCOLENS_DB_POOL_TIMEOUT_S", "0.5")
    monkeypatch.setenv("GLUCOLENS_SQLITE_WRITE_WAIT_S", "0.5")
    engine = _rebuild_engine()
    yield engine
    engine.dispose()
    monkeypatch.undo()
    _rebuild_engine()


def _rebuild_engine() -> Engine:
    clear_caches()
    core_db.get_engine.cache_clear()
    core_db.get_sessionmaker.cache_clear()
    return core_db.get_engine()


@pytest.fixture
def http(small_engine) -> Iterator[TestClient]:
    from glucolens.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as c:
        yield c


def test_exhausted_pool_answers_503_fast(http, small_engine, make_user, auth_headers):
    headers = auth_headers(make_user())
    held = [small_engine.connect() for _ in range(2)]
    try:
        for _ in range(3):
            started = time.monotonic()
            assert_shed(http.get(GLUCOSE, headers=headers), started)
    finally:
        for conn in held:
            conn.close()
    assert http.get(GLUCOSE, headers=headers).status_code == 200


@pytest.fixture
def sqlite_only(small_engine) -> None:
    if small_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer")


def test_sqlite_writer_in_this_process_holds_others_for_at_most_the_wait(
    http, small_engine, sqlite_only, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    with small_engine.connect() as writer:  # an open write transaction of this process
        writer.execute(text("UPDATE users SET timezone = timezone"))
        started = time.monotonic()
        assert_shed(http.post(GLUCOSE, json=reading(0), headers=headers), started)
        assert http.get(GLUCOSE, headers=headers).status_code == 200  # readers go on
        writer.rollback()
    assert http.post(GLUCOSE, json=reading(0), headers=headers).status_code == 201


def test_sqlite_writer_in_another_process_holds_others_for_at_most_the_wait(
    http, small_engine, sqlite_only, make_user, auth_headers
):
    headers = auth_headers(make_user())
    other = sqlite3.connect(str(small_engine.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the CLI or a worker writing
    try:
        started = time.monotonic()
        assert_shed(http.post(GLUCOSE, json=reading(0), headers=headers), started)
        assert http.get(GLUCOSE, headers=headers).status_code == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert http.post(GLUCOSE, json=reading(0), headers=headers).status_code == 201


def test_writers_queue_for_the_write_lock_instead_of_failing(client, make_user, auth_headers, db):
    """One slow write transaction; more concurrent uploads than worker threads wait their
    turn and all succeed. Without admission control, every thread would wait for the
    write lock while the next holder waited for a thread, until the lock wait ran out."""
    engine = core_db.get_engine()
    user = make_user()
    headers = auth_headers(user)
    release = threading.Event()
    uploads = get_settings().threads + 20

    def slow_writer() -> None:
        with engine.begin() as conn:
            conn.execute(
                insert(GlucoseReading),
                [{"user_id": user.id, "ts": dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
                  "value_mgdl": 99.0, "source": "api"}],
            )  # fmt: skip
            release.wait(10)

    holder = threading.Thread(target=slow_writer)
    holder.start()
    time.sleep(0.2)

    def upload(i: int) -> int:
        items = [reading(i * 20 + k) for k in range(20)]
        return client.post(f"{GLUCOSE}/bulk", json={"items": items}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=uploads) as pool:
        futures = [pool.submit(upload, i) for i in range(uploads)]
        time.sleep(1.0)
        release.set()  # the line drains once the slow transaction commits
        statuses = [f.result() for f in futures]
    holder.join()
    assert statuses == [200] * uploads
    count = db.execute(
        select(func.count()).select_from(GlucoseReading).where(GlucoseReading.user_id == user.id)
    ).scalar_one()
    assert count == uploads * 20 + 1
