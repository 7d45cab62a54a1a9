"""The worker path for real: a Redis broker and a separate `celery worker` process."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import redis

from tests.conftest import REDIS_URL, clear_caches
from tests.insights.test_insights_api import cgm_days, wait_for_job

# Its own Redis database: the worker test flushes it. make test runs the SQLite and the
# PostgreSQL suites at once, each with its own pair of databases (see the Makefile).
BROKER = os.environ.get("GLUCOLENS_TEST_BROKER_URL", REDIS_URL.rsplit("/", 1)[0] + "/14")


@pytest.fixture
def celery_worker(monkeypatch):
    try:
        redis.Redis.from_url(BROKER).flushdb()
    except redis.ConnectionError:
        pytest.fail(f"Redis is needed at {BROKER} (make services starts it)")
    env = {**os.environ, "GLUCOLENS_CELERY_BROKER_URL": BROKER}
    procs: list[subprocess.Popen] = []
    monkeypatch.setenv("GLUCOLENS_CELERY_BROKER_URL", BROKER)
    clear_caches()

    def start() -> subprocess.Popen:
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "glucolens.worker:celery_app",
                    "worker",
                    "--pool=solo",
                    "--loglevel=WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        return procs[-1]

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    redis.Redis.from_url(BROKER).flushdb()


def test_refresh_runs_on_a_celery_worker(client, make_user, auth_headers, celery_worker):
    headers = auth_headers(make_user())
    client.post("/api/v1/glucose/bulk", json={"items": cgm_days(4)}, headers=headers)
    queued = client.post("/api/v1/insights/refresh", headers=headers)
    assert queued.status_code == 202
    job_id = queued.json()["job_id"]
    # The web process only enqueued it: with no worker running, nothing happens.
    assert redis.Redis.from_url(BROKER).llen("celery") >= 1  # the message waits in Redis
    time.sleep(2)
    waiting = client.get(f"/api/v1/insights/jobs/{job_id}", headers=headers).json()
    assert waiting["status"] == "queued" and waiting["started_at"] is None
    worker = celery_worker()
    job = wait_for_job(client, headers, job_id, timeout_s=240)
    assert job["status"] == "done", job
    assert worker.poll() is None, "worker still running"
    anomalies = client.get("/api/v1/insights/anomalies", headers=headers)
    assert anomalies.status_code == 200
    assert anomalies.json()["data"]["anomalies"]
