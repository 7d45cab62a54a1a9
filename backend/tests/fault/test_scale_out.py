"""Scale-out (issue 15, item 2): two API processes, a Celery worker with beat, one PostgreSQL
and one Redis of the test's own. What one process writes the other serves, the per-user rate
limit is one budget across both, and a job asked for through both at once runs once."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine, text

from tests.fault.conftest import _migrate
from tests.fault.procs import AppServer, PgCluster, RedisServer, Worker, app_env, wait_until

PASSWORD = "correct horse battery staple"
UPLOADER_LIMIT = 8


class Pair:
    def __init__(self, a: AppServer, b: AppServer, worker: Worker, url: str) -> None:
        self.a, self.b, self.worker, self.url = a, b, worker, url


@pytest.fixture(scope="module")
def pair(pg_cluster: PgCluster) -> Iterator[Pair]:
    workdir = Path(tempfile.mkdtemp(prefix="glucolens-scale-"))
    url = pg_cluster.create_db("scale_out")
    redis = RedisServer(workdir)
    redis.start_ready()
    env = app_env(workdir, url, redis) | {
        "GLUCOLENS_UPLOADER_RATE_LIMIT": f"{UPLOADER_LIMIT}/minute",
        "GLUCOLENS_DASHBOARD_CACHE_S": "60",
    }
    _migrate(env)
    (workdir / "a").mkdir()
    (workdir / "b").mkdir()
    a, b = AppServer(env, workdir / "a"), AppServer(env, workdir / "b")
    worker = Worker(env, workdir)
    worker.argv.append("--beat")
    try:
        for proc in (a, b, worker):
            proc.start_ready()
        yield Pair(a, b, worker, url)
    finally:
        for proc in (a, b, worker, redis):
            proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _signed_up(pair: Pair) -> tuple[dict[str, str], dict[str, str]]:
    """Register on A, sign in on B: session headers (from B) and an API key (made on A)."""
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    r = httpx2.post(
        pair.a.base + "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    r = httpx2.post(pair.b.base + "/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    session = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = httpx2.post(
        pair.a.base + "/api/v1/auth/api-keys",
        json={"name": "uploader", "scopes": ["read", "write:readings"]},
        headers=session,
    )
    assert r.status_code == 201, r.text
    return session, {"Authorization": f"Bearer {r.json()['key']}"}


@pytest.mark.timeout(180)
def test_a_write_through_one_process_is_served_by_the_other(pair: Pair) -> None:
    session, _key = _signed_up(pair)
    # B caches the (empty) summary first; the write on A must still show on B.
    assert httpx2.get(pair.b.base + "/api/v1/dashboard/summary", headers=session).is_success
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    items = [
        {"timestamp": (now - dt.timedelta(minutes=5 * i)).isoformat(), "value": 140}
        for i in range(12)
    ]
    r = httpx2.post(pair.a.base + "/api/v1/glucose/bulk", json={"items": items}, headers=session)
    assert r.status_code == 200 and r.json()["inserted"] == 12, r.text
    listed = httpx2.get(pair.b.base + "/api/v1/glucose", headers=session).json()
    assert len(listed["items"]) == 12
    summary = httpx2.get(pair.b.base + "/api/v1/dashboard/summary", headers=session).json()
    assert summary["windows"][0]["reading_count"] == 12  # not B's cached empty answer


@pytest.mark.timeout(180)
def test_signing_out_through_one_process_ends_the_session_on_the_other(pair: Pair) -> None:
    session, _key = _signed_up(pair)
    # B now holds the session in its cache (auth/session_cache); A's sign-out must reach it
    # through Redis before the client can ask again.
    for _ in range(3):
        assert httpx2.get(pair.b.base + "/api/v1/auth/me", headers=session).status_code == 200
    r = httpx2.post(pair.a.base + "/api/v1/auth/logout", headers=session)
    assert r.status_code == 204, r.text
    codes = [
        httpx2.get(pair.b.base + "/api/v1/auth/me", headers=session).status_code for _ in range(3)
    ]
    assert codes == [401, 401, 401]


@pytest.mark.timeout(180)
def test_the_uploader_limit_is_one_budget_across_processes(pair: Pair) -> None:
    _session, key = _signed_up(pair)
    statuses = [
        httpx2.get((pair.a if i % 2 else pair.b).base + "/api/v1/glucose", headers=key).status_code
        for i in range(UPLOADER_LIMIT)
    ]
    assert statuses == [200] * UPLOADER_LIMIT
    for server in (pair.a, pair.b):
        r = httpx2.get(server.base + "/api/v1/glucose", headers=key)
        assert r.status_code == 429
        assert r.headers["RateLimit-Limit"] == str(UPLOADER_LIMIT)


@pytest.mark.timeout(180)
def test_a_refresh_asked_through_both_processes_at_once_is_one_job_run_once(pair: Pair) -> None:
    session, _key = _signed_up(pair)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    items = [
        {"timestamp": (now - dt.timedelta(minutes=5 * i)).isoformat(), "value": 100 + i % 50}
        for i in range(288)
    ]
    assert httpx2.post(
        pair.a.base + "/api/v1/glucose/bulk", json={"items": items}, headers=session
    ).is_success

    def refresh(server: AppServer) -> str:
        r = httpx2.post(server.base + "/api/v1/insights/refresh", headers=session, timeout=30)
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"])

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(refresh, [pair.a, pair.b, pair.a, pair.b]))
    assert len(ids) == 1
    job_id = ids.pop()

    def done() -> bool:
        r = httpx2.get(pair.b.base + f"/api/v1/insights/jobs/{job_id}", headers=session)
        return r.json()["status"] in ("done", "failed")

    wait_until(done, 120, "the insight job", pair.worker.log)
    engine = create_engine(pair.url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status FROM insight_jobs WHERE id = :id"), {"id": uuid.UUID(job_id)}
        ).all()
    engine.dispose()
    assert [r[0] for r in rows] == ["done"]
    assert "beat: Starting" in pair.worker.log.read_text(errors="replace")
