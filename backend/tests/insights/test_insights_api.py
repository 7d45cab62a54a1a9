"""Insight reads never block: 202 with a job, progress while it runs, then stored results."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import numpy as np

UTC = dt.UTC


def cgm_days(days: int, seed: int = 3) -> list[dict]:
    rng = np.random.default_rng(seed)
    n = 288 * days
    end = dt.datetime.now(UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    start = end - dt.timedelta(minutes=5 * (n - 1))
    t = np.arange(n)
    v = 130 + 45 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 6, n)
    return [
        {"timestamp": (start + dt.timedelta(minutes=5 * i)).isoformat(), "value": round(float(x))}
        for i, x in enumerate(np.clip(v, 40, 400))
    ]


def wait_for_job(client, headers, job_id: str, timeout_s: float = 240) -> dict:
    deadline = time.monotonic() + timeout_s
    seen_progress = []
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/insights/jobs/{job_id}", headers=headers).json()
        seen_progress.append(job["progress"])
        if job["status"] in ("done", "failed"):
            job["seen_progress"] = seen_progress
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_first_read_is_202_then_results_are_stored(client, make_user, auth_headers):
    user = make_user(timezone="Europe/Berlin")
    headers = auth_headers(user)
    r = client.post("/api/v1/glucose/bulk", json={"items": cgm_days(5)}, headers=headers)
    assert r.json()["inserted"] == 288 * 5

    first = client.get("/api/v1/insights/recurring-patterns", headers=headers)
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "pending" and body["data"] is None and body["job_id"]

    job = wait_for_job(client, headers, body["job_id"])
    assert job["status"] == "done", job
    assert job["progress"] == 1.0

    patterns = client.get("/api/v1/insights/recurring-patterns", headers=headers)
    assert patterns.status_code == 200
    p = patterns.json()
    assert p["status"] == "ok" and p["stale"] is False and p["computed_at"]
    assert p["data"]["motifs"], "a 5-day sinusoid has recurring 3-hour shapes"
    assert {"start"} <= set(p["data"]["motifs"][0]["occurrences"][0])

    corr = client.get("/api/v1/insights/correlations", headers=headers).json()
    assert corr["status"] == "insufficient_data"
    assert "14 days" in corr["data"]["reason"]
    causal = client.get("/api/v1/insights/causal-graph", headers=headers).json()
    assert causal["status"] == "insufficient_data"
    assert client.get("/api/v1/insights/anomalies", headers=headers).json()["status"] == "ok"


def test_new_data_marks_results_stale_and_refresh_dedupes(client, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    client.post("/api/v1/glucose/bulk", json={"items": cgm_days(3)}, headers=headers)
    job_id = client.post("/api/v1/insights/refresh", headers=headers).json()["job_id"]
    assert wait_for_job(client, headers, job_id)["status"] == "done"
    fresh = client.get("/api/v1/insights/anomalies", headers=headers).json()
    assert fresh["stale"] is False

    now = dt.datetime.now(UTC)
    client.post(
        "/api/v1/glucose", json={"timestamp": now.isoformat(), "value": 111}, headers=headers
    )
    stale = client.get("/api/v1/insights/anomalies", headers=headers)
    assert stale.status_code == 200
    assert stale.json()["stale"] is True
    assert stale.json()["job_id"], "a stale read schedules a recomputation"
    again = client.post("/api/v1/insights/refresh", headers=headers).json()
    assert again["job_id"] == stale.json()["job_id"]


def test_jobs_are_private(client, make_user, auth_headers):
    a, b = make_user(), make_user()
    job_id = client.post("/api/v1/insights/refresh", headers=auth_headers(a)).json()["job_id"]
    assert client.get(f"/api/v1/insights/jobs/{job_id}", headers=auth_headers(b)).status_code == 404
    missing = uuid.uuid4()
    assert (
        client.get(f"/api/v1/insights/jobs/{missing}", headers=auth_headers(a)).status_code == 404
    )


def test_predictions_are_made_from_the_latest_reading(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    client.post("/api/v1/glucose/bulk", json={"items": cgm_days(4)}, headers=headers)
    job_id = client.post("/api/v1/insights/refresh", headers=headers).json()["job_id"]
    assert wait_for_job(client, headers, job_id)["status"] == "done"
    body = client.get("/api/v1/insights/predictions", headers=headers).json()
    assert body["status"] == "ok", body
    data = body["data"]
    assert [h["minutes"] for h in data["horizons"]] == [30, 60]
    for h in data["horizons"]:
        assert h["lo95"] <= h["lo80"] <= h["value"] <= h["hi80"] <= h["hi95"]
    assert data["unit"] == "mg/dL" and data["current"] is True
    assert "_model" not in data
    # A new, much lower reading moves the forecast at once, without a recomputation.
    # cgm_days() ends 5 minutes before the current minute: add the next 5-minute reading.
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    drop = [{"timestamp": now.isoformat(), "value": 72, "source": "cgm"}]
    assert (
        client.post("/api/v1/glucose/bulk", json={"items": drop}, headers=headers).json()[
            "inserted"
        ]
        == 1
    )
    after = client.get("/api/v1/insights/predictions", headers=headers).json()
    assert after["stale"] is False
    assert after["data"]["last_value"] == 72
    assert after["data"]["last_reading_at"] != data["last_reading_at"]
    assert after["data"]["horizons"][0]["value"] != data["horizons"][0]["value"]


def test_a_job_whose_process_died_is_failed_and_a_new_refresh_runs(
    client, make_user, auth_headers, db
):
    """Issue 9 fault suite: a job left 'running' by a killed worker or app (its heartbeat
    stopped) must not block the user for half an hour."""
    from glucolens.insights.models import InsightJob

    user = make_user()
    headers = auth_headers(user)
    client.post("/api/v1/glucose/bulk", json={"items": cgm_days(3)}, headers=headers)
    long_ago = dt.datetime.now(UTC) - dt.timedelta(minutes=2)
    dead = InsightJob(user_id=user.id, status="running", started_at=long_ago, heartbeat_at=long_ago)
    db.add(dead)
    db.commit()

    shown = client.get(f"/api/v1/insights/jobs/{dead.id}", headers=headers).json()
    assert shown["status"] == "failed"
    fresh = client.post("/api/v1/insights/refresh", headers=headers).json()
    assert fresh["job_id"] != str(dead.id)
    assert wait_for_job(client, headers, fresh["job_id"])["status"] == "done"


def test_a_running_job_keeps_its_heartbeat(client, make_user, auth_headers, db):
    from glucolens.core import background
    from glucolens.insights.models import InsightJob

    user = make_user()
    job = InsightJob(user_id=user.id, status="running", started_at=dt.datetime.now(UTC))
    db.add(job)
    db.commit()
    with background.Heartbeat(InsightJob, job.id):
        db.expire_all()
        assert db.get(InsightJob, job.id).heartbeat_at is not None
