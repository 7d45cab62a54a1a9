"""Retries: exponential backoff, the last attempt, claims that hold with several senders at
once, and leases of senders that died (real webhook receiver, real database)."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from glucolens.alerts.delivery import (
    deliver,
    notify,
    on_deliveries_queued,
    run_due_deliveries,
    submit_due,
    wait_for,
)
from glucolens.alerts.models import Alert, AlertDelivery, AlertSettings
from glucolens.core import metrics, scheduler
from glucolens.core.config import get_settings
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.events import DeliveriesQueued, subscribe, unsubscribe
from glucolens.subscribers import wire_subscribers
from tests.alerts._delivery_servers import (
    start_receiver,
)

SECOND = dt.timedelta(seconds=1)
BACKEND = Path(__file__).resolve().parents[2]


def run_due(now: dt.datetime) -> None:
    """What the periodic job does at ``now``, waiting for the attempts to finish."""
    concurrent.futures.wait(submit_due(now), timeout=30)


pytestmark = pytest.mark.usefixtures("short_delivery_timeout")


@pytest.fixture
def wired() -> None:
    wire_subscribers()


@pytest.fixture
def no_after_commit_send() -> Iterator[None]:
    """As if the process died between commit and send: only the periodic job sends."""
    wire_subscribers()
    unsubscribe(DeliveriesQueued, on_deliveries_queued)
    yield
    subscribe(DeliveriesQueued, on_deliveries_queued)


def webhook_alert(db, user, url: str) -> Alert:
    db.add(
        AlertSettings(user_id=user.id, channels={"webhook": True, "push": False}, webhook_url=url)
    )
    alert = Alert(user_id=user.id, kind="low", severity="warning", trigger_value_mgdl=61.0)
    db.add(alert)
    db.flush()
    return alert


def webhook_row(db, alert: Alert) -> AlertDelivery:
    rows = notify(db, alert, "raise")
    ids = [r.id for r in rows]
    db.commit()
    wait_for(ids, 10)
    (row,) = [r for r in rows if r.channel == "webhook"]
    return fresh(db, row)


def fresh(db, row: AlertDelivery) -> AlertDelivery:
    db.expire_all()
    got = db.get(AlertDelivery, row.id)
    assert got is not None
    return got


def test_a_retryable_failure_backs_off_exponentially_then_succeeds(db, make_user, receivers, wired):
    hook = start_receiver([503, 503, 200])
    receivers.append(hook)
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    base = get_settings().alert_delivery_backoff_s
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "webhook_503")
    assert abs((row.next_attempt_at - utcnow()).total_seconds() - base) < 3

    run_due(row.next_attempt_at - SECOND)  # not due yet
    assert len(hook.requests) == 1
    run_due(row.next_attempt_at)
    row = fresh(db, row)
    assert (row.status, row.attempts) == ("pending", 2)
    assert abs((row.next_attempt_at - utcnow()).total_seconds() - 2 * base) < 3

    run_due(row.next_attempt_at)
    row = fresh(db, row)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (
        "sent",
        3,
        None,
        None,
    )
    assert row.sent_at is not None and len(hook.requests) == 3


def test_the_last_attempt_marks_the_delivery_failed(db, make_user, receivers, wired, monkeypatch):
    monkeypatch.setenv("GLUCOLENS_ALERT_DELIVERY_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    hook = start_receiver([500])
    receivers.append(hook)
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    for _ in range(4):
        if row.next_attempt_at is not None:
            run_due(row.next_attempt_at)
        row = fresh(db, row)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (
        "failed",
        3,
        "webhook_500",
        None,
    )
    assert len(hook.requests) == 3


def test_a_permanent_failure_is_not_retried(db, make_user, receivers, wired):
    hook = start_receiver([404])
    receivers.append(hook)
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    run_due(utcnow() + dt.timedelta(hours=1))
    assert len(hook.requests) == 1


def test_no_retry_once_the_alert_has_resolved(db, make_user, receivers, wired):
    hook = start_receiver([503, 200])
    receivers.append(hook)
    alert = webhook_alert(db, make_user(), f"{hook.base}/h")
    row = webhook_row(db, alert)
    alert = db.get(Alert, alert.id)
    alert.status, alert.resolved_at = "resolved", utcnow()
    db.commit()
    run_due(row.next_attempt_at)
    row = fresh(db, row)
    assert (row.status, row.last_error) == ("failed", "alert_resolved_before_retry")
    assert len(hook.requests) == 1


def test_rows_not_sent_after_commit_go_out_with_the_periodic_job(
    db, make_user, receivers, no_after_commit_send
):
    hook = start_receiver([200])
    receivers.append(hook)
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    assert (row.status, row.attempts, len(hook.requests)) == ("pending", 0, 0)
    run_due(utcnow())
    assert (fresh(db, row).status, len(hook.requests)) == ("sent", 1)


def test_concurrent_senders_send_each_delivery_exactly_once(
    db, make_user, receivers, no_after_commit_send
):
    """Eight senders (own threads, own database connections, as eight processes would have)
    attempt every row at the same moment: the conditional UPDATE gives each row to one."""
    hook = start_receiver([200])
    receivers.append(hook)
    rows = [webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h{i}")) for i in range(5)]
    barrier = threading.Barrier(8)
    now = utcnow()
    won: list[bool] = []

    def sender() -> None:
        barrier.wait()
        for row in rows:
            won.append(deliver(row.id, now=now))

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert won.count(True) == 5 and len(won) == 40
    assert sorted(r.path for r in hook.requests) == [f"/h{i}" for i in range(5)]
    assert {(fresh(db, r).status, fresh(db, r).attempts) for r in rows} == {("sent", 1)}


def test_senders_in_separate_processes_send_each_delivery_once(
    db, make_user, receivers, no_after_commit_send
):
    """Four real processes (as four app or worker processes would) run the periodic job's
    sends at the same instant against the same database."""
    hook = start_receiver([200])
    receivers.append(hook)
    rows = [webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h{i}")) for i in range(4)]
    code = (
        "import sys, time, datetime as dt\n"
        "from glucolens.alerts.delivery import deliver\n"
        "now = dt.datetime.fromisoformat(sys.argv[2])\n"
        "time.sleep(max(0.0, float(sys.argv[1]) - time.time()))\n"
        "print(sum(deliver(int(i), now=now) for i in sys.argv[3:]))\n"
    )
    start, now = str(time.time() + 2.0), utcnow().isoformat()
    ids = [str(r.id) for r in rows]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, start, now, *ids],
            cwd=BACKEND,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    won = [int(p.communicate(timeout=60)[0].strip()) for p in procs]
    assert sum(won) == 4
    assert sorted(r.path for r in hook.requests) == [f"/h{i}" for i in range(4)]
    assert {(fresh(db, r).status, fresh(db, r).attempts) for r in rows} == {("sent", 1)}


def test_the_periodic_job_returns_without_waiting_for_slow_receivers(
    db, make_user, receivers, no_after_commit_send
):
    """It runs on the scheduler's thread, which the stale-data tick shares."""
    hook = start_receiver([200])
    hook.delay_s = 1.0
    receivers.append(hook)
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    started = time.monotonic()
    run_due_deliveries(utcnow())
    assert time.monotonic() - started < 0.5
    assert wait_for([row.id], 10)
    assert fresh(db, row).status == "sent"


def test_a_dead_senders_claim_expires_and_the_row_is_retried(
    db, make_user, receivers, no_after_commit_send
):
    hook = start_receiver([200])
    receivers.append(hook)
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    lease_end = utcnow() + dt.timedelta(minutes=1)
    with get_sessionmaker()() as other:  # a sender that claimed the row, then died
        claimed = other.get(AlertDelivery, row.id)
        claimed.attempts, claimed.next_attempt_at = 1, lease_end
        other.commit()
    run_due(utcnow())
    assert hook.requests == []
    run_due(lease_end)
    row = fresh(db, row)
    assert (row.status, row.attempts, len(hook.requests)) == ("sent", 2, 1)


def test_the_periodic_job_is_registered_every_15_seconds(wired):
    (job,) = [j for j in scheduler.registered() if j.name == "alerts.deliveries"]
    assert job.every == dt.timedelta(seconds=15) and job.fn is run_due_deliveries


def test_websocket_rows_are_never_picked_by_the_periodic_job(db, make_user, no_after_commit_send):
    user = make_user()
    alert = Alert(user_id=user.id, kind="low", severity="warning", trigger_value_mgdl=61.0)
    db.add(alert)
    db.flush()
    (ws,) = notify(db, alert, "raise")
    db.commit()
    run_due(utcnow() + dt.timedelta(days=1))
    assert db.scalar(select(AlertDelivery.attempts).where(AlertDelivery.id == ws.id)) == 0


def _sample(name: str, **labels: str) -> float:
    """The value /metrics would show (core.metrics.registry(): this process, or the sum of
    every process's in multiprocess mode)."""
    return metrics.registry().get_sample_value(name, labels) or 0.0


def test_attempts_are_counted_by_channel_and_outcome(db, make_user, receivers, wired, client):
    hook = start_receiver([503, 200])
    receivers.append(hook)
    keys = [("webhook", "retry"), ("webhook", "sent"), ("websocket", "sent")]
    name = "glucolens_alert_deliveries_total"
    latency = "glucolens_alert_delivery_latency_seconds_count"
    before = [_sample(name, channel=c, outcome=o) for c, o in keys]
    observed = _sample(latency, channel="webhook")
    row = webhook_row(db, webhook_alert(db, make_user(), f"{hook.base}/h"))
    run_due(row.next_attempt_at)
    after = [_sample(name, channel=c, outcome=o) for c, o in keys]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    assert _sample(latency, channel="webhook") == observed + 1
