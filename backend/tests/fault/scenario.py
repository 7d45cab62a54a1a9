"""One fault scenario: uploaders and a prober running, an insights job running, one process
killed with SIGKILL and started again, then everything the issue promises checked at once
(so a failing run reports every broken promise, not just the first)."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx2

from tests.fault.conftest import Stack
from tests.fault.integrity import db_check, table_problems, wait_rows_visible
from tests.fault.traffic import (
    Journal,
    Prober,
    Progress,
    Uploader,
    overlapping_batches,
    readings,
)

UNIQUE_READINGS = 20_000
SOLO_READINGS = 5_000
BATCH = 1_000
UPLOADERS = 4
DOWN_S = 3.0  # how long the killed process stays dead before it is started again
INGEST_BUDGET_S = 240.0
JOB_SETTLE_S = 60.0  # an interrupted job must be done or failed this long after recovery
TZ = "Europe/Berlin"
PASSWORD = "fault tolerance is a feature"


@dataclass
class Outcome:
    target: str
    journal: Journal = field(default_factory=Journal)
    kill_at: float = 0.0
    recovered_at: float = 0.0
    job_at_kill: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(self.journal.counts().items()))
        lines = [f"kill -9 {self.target}: answers {counts}; job at kill: {self.job_at_kill}"]
        return "\n".join(lines + self.notes + [f"PROBLEM: {p}" for p in self.problems])


def _request(client: httpx2.Client, method: str, path: str, **kw: Any) -> httpx2.Response:
    """Retried like a client would, while the app or its database is coming back."""
    deadline = time.monotonic() + 90
    while True:
        try:
            r = client.request(method, path, **kw)
            if r.status_code not in (429, 503) or time.monotonic() > deadline:
                return r
        except httpx2.TransportError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def _sign_up(base: str) -> tuple[uuid.UUID, str, str]:
    email = f"fault-{uuid.uuid4().hex[:8]}@example.org"
    with httpx2.Client(base_url=base, timeout=30) as c:
        body = {"email": email, "password": PASSWORD, "timezone": TZ, "unit": "mg/dL"}
        r = _request(c, "POST", "/api/v1/auth/register", json=body)
        assert r.status_code == 201, r.text
        r = _request(c, "POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        me = _request(c, "GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        return uuid.UUID(me.json()["id"]), token, email


def _start_job(base: str, token: str, outcome: Outcome) -> str:
    """POST /insights/refresh and wait (briefly) until the job runs, so the kill lands in it."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.Client(base_url=base, timeout=30, headers=headers) as c:
        r = _request(c, "POST", "/api/v1/insights/refresh")
        assert r.status_code == 202, r.text
        job_id = str(r.json()["job_id"])
        deadline = time.monotonic() + 30
        status = "queued"
        while time.monotonic() < deadline and status == "queued":
            status = _request(c, "GET", f"/api/v1/insights/jobs/{job_id}").json()["status"]
            time.sleep(0.05)
        outcome.job_at_kill = status
        return job_id


def _wait_job(c: httpx2.Client, job_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = _request(c, "GET", f"/api/v1/insights/jobs/{job_id}").json()
        if job.get("status") in ("done", "failed"):
            break
        time.sleep(0.5)
    return job


def _check_jobs(base: str, token: str, job_id: str, outcome: Outcome) -> None:
    """The interrupted job ends (done, or failed for a retry), and a new refresh works."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.Client(base_url=base, timeout=30, headers=headers) as c:
        job = _wait_job(c, job_id, JOB_SETTLE_S)
        outcome.notes.append(f"interrupted job: {job.get('status')} ({job.get('step')})")
        if job.get("status") not in ("done", "failed"):
            outcome.problems.append(
                f"insights job {job_id} still '{job.get('status')}' {JOB_SETTLE_S:.0f} s after "
                "recovery: neither re-run nor marked failed"
            )
        r = _request(c, "POST", "/api/v1/insights/refresh")
        if r.status_code != 202:
            outcome.problems.append(f"refresh after recovery answered {r.status_code}: {r.text}")
            return
        new_id = str(r.json()["job_id"])
        if new_id == job_id and job.get("status") not in ("done", "failed"):
            outcome.problems.append("refresh after recovery returns the stuck job: user blocked")
            return
        new = _wait_job(c, new_id, 180)
        if new.get("status") != "done":
            outcome.problems.append(f"new insights job after recovery ended as {new}")


def _check_answers(outcome: Outcome, allowed_outage: tuple[float, float] | None) -> None:
    bad = outcome.journal.bad_answers()
    if bad:
        shown = "; ".join(f"{e.who}: {e.what} {e.detail[:160]}" for e in bad[:5])
        outcome.problems.append(f"{len(bad)} answers other than 2xx/429/503: {shown}")
    refused = [
        e
        for e in outcome.journal.transport_errors()
        if allowed_outage is None or not allowed_outage[0] <= e.t <= allowed_outage[1]
    ]
    if refused:
        e = refused[0]
        outcome.problems.append(
            f"{len(refused)} connection errors outside the app's own restart, first "
            f"{e.t - outcome.kill_at:+.1f} s from the kill: {e.who}: {e.what} {e.detail[:120]}"
        )


def run(stack: Stack, target: str) -> Outcome:
    outcome = Outcome(target)
    user_id, token, email = _sign_up(stack.app.base)
    items = readings(UNIQUE_READINGS)
    # Most readings go in overlapping batches from several clients at once (the deadlock
    # and duplicate risk); the newest days go in one big batch that is in flight when the
    # kill lands, and that no other request touches, so a batch whose rows were committed
    # without their aggregates cannot be healed by a later overlapping batch.
    shared, solo = items[:-SOLO_READINGS], items[-SOLO_READINGS:]
    batches = overlapping_batches(shared, BATCH)
    progress = Progress(len(batches) * UPLOADERS)
    deadline = time.monotonic() + INGEST_BUDGET_S
    base, journal = stack.app.base, outcome.journal
    go = threading.Event()
    uploaders = [
        Uploader(f"uploader{i}", base, token, batches, journal, deadline, progress)
        for i in range(UPLOADERS)
    ]
    big = Uploader("big-batch", base, token, [json.dumps({"items": solo})], journal, deadline,
                   progress, gate=go)  # fmt: skip
    prober = Prober(base, token, email, PASSWORD, journal)
    for t in (*uploaders, big, prober):
        t.start()
    assert progress.half.wait(INGEST_BUDGET_S / 2), "ingest made no progress before the kill"
    job_id = _start_job(base, token, outcome)
    go.set()
    # The kill lands the moment the big batch's readings are committed: if their day
    # aggregates were committed separately (after), that is exactly when they get lost.
    since = dt.datetime.fromisoformat(solo[0]["timestamp"])
    committed = wait_rows_visible(stack.database_url, user_id, since, len(solo), 30)
    outcome.notes.append(f"big batch committed before the kill: {committed}")
    uploaders.append(big)

    victim = stack.target(target)
    outcome.kill_at = time.monotonic()
    victim.kill9()
    time.sleep(DOWN_S)
    victim.start_ready()
    outcome.recovered_at = time.monotonic()

    for t in uploaders:
        t.join(max(1.0, deadline - time.monotonic()))
    prober.stop.set()
    prober.join(30)
    undelivered = sum(u.undelivered for u in uploaders) + sum(u.is_alive() for u in uploaders)
    if undelivered:
        outcome.problems.append(f"{undelivered} batches never accepted within the time budget")
    # Only the app's own restart may refuse connections (plus a second for in-flight ones).
    window = (outcome.kill_at, outcome.recovered_at + 1.0) if target == "app" else None
    _check_answers(outcome, window)
    _check_jobs(stack.app.base, token, job_id, outcome)
    outcome.problems += table_problems(stack.database_url, user_id, TZ, items)
    code, report = db_check(stack.env)
    outcome.notes.append(f"glucolens db check: exit {code}, {report}")
    if code != 0 or not isinstance(report, dict) or report.get("mismatched_days"):
        outcome.problems.append(f"glucolens db check found inconsistencies (exit {code})")
    return outcome
