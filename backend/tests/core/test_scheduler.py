"""The scheduler's claims (core/scheduler.py) with a controlled clock, in this process.
Real processes racing for slots are in test_scheduler_processes.py."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.core import scheduler
from glucolens.core.config import Settings
from glucolens.core.scheduler import (
    SchedulerRunner,
    register_periodic,
    slot_at_or_before,
    start_scheduler,
    unregister_periodic,
)
from glucolens.core.scheduler_models import ScheduledJob

T0 = dt.datetime(2026, 3, 29, 0, 59, 30, tzinfo=dt.UTC)  # a DST night in Europe: UTC is flat


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only this test's jobs: an app built by an earlier test wired the alert jobs."""
    monkeypatch.setattr(scheduler, "_registry", {})


@pytest.fixture
def runs() -> list[tuple[str, dt.datetime]]:
    calls: list[tuple[str, dt.datetime]] = []
    register_periodic("test.minute", 60, lambda slot: calls.append(("test.minute", slot)))
    yield calls
    unregister_periodic("test.minute")
    unregister_periodic("test.broken")


def _runner(clock: Clock, owner: str = "a") -> SchedulerRunner:
    return SchedulerRunner(owner=owner, clock=clock)


def test_slots_are_multiples_of_the_period_since_the_epoch():
    assert slot_at_or_before(T0, dt.timedelta(minutes=1)) == T0.replace(second=0)
    assert slot_at_or_before(T0, dt.timedelta(seconds=0.25)) == T0


def test_a_new_job_gets_its_row_and_runs_the_current_slot_on_the_next_pass(runs, db: Session):
    clock = Clock(T0)
    runner = _runner(clock)
    assert runner.tick() == []
    row = db.execute(select(ScheduledJob)).scalar_one()
    assert row.next_run_at == T0.replace(second=0)
    assert runner.tick() == [("test.minute", T0.replace(second=0))]
    assert runs == [("test.minute", T0.replace(second=0))]


def test_a_slot_runs_once_when_two_runners_claim_it(runs):
    clock = Clock(T0)
    one, two = _runner(clock, "one"), _runner(clock, "two")
    one.tick()
    ran = one.tick() + two.tick() + one.tick() + two.tick()
    assert len(ran) == 1 and len(runs) == 1


def test_the_next_slot_runs_when_its_time_comes(runs):
    clock = Clock(T0)
    runner = _runner(clock)
    runner.tick()
    runner.tick()
    clock.now = T0.replace(second=59)  # the next slot is 01:00:00
    assert runner.tick() == []
    clock.now = T0 + dt.timedelta(seconds=31)
    assert runner.tick() == [("test.minute", T0.replace(second=0) + dt.timedelta(minutes=1))]


def test_missed_slots_run_once_at_the_latest_due_slot(runs, db: Session):
    clock = Clock(T0)
    runner = _runner(clock)
    runner.tick()
    runner.tick()
    clock.now = T0 + dt.timedelta(minutes=10)  # every process was down for ten slots
    restarted = _runner(clock, "b")
    latest = slot_at_or_before(clock.now, dt.timedelta(minutes=1))
    assert restarted.tick() == [("test.minute", latest)]
    assert restarted.tick() == []
    assert len(runs) == 2
    row = db.execute(select(ScheduledJob)).scalar_one()
    assert row.runs == 2 and row.last_owner == "b"


def test_a_failing_job_is_recorded_without_its_message_and_others_still_run(
    runs, db: Session, caplog: pytest.LogCaptureFixture
):
    def broken(_slot: dt.datetime) -> None:
        raise ValueError("glucose 42 mg/dL")  # a message that must not be logged or stored

    register_periodic("test.broken", 60, broken)
    clock = Clock(T0)
    runner = _runner(clock)
    runner.tick()
    with caplog.at_level(logging.ERROR, logger="glucolens.scheduler"):
        ran = runner.tick()
    assert {name for name, _ in ran} == {"test.minute", "test.broken"}
    row = db.get(ScheduledJob, "test.broken")
    assert row is not None and row.last_error is not None
    assert row.last_error.startswith("ValueError at test_scheduler.py:")
    assert "42" not in caplog.text and "42" not in row.last_error.split(":")[0]
    assert runs  # the healthy job ran in the same pass


def test_register_periodic_refuses_a_period_of_zero():
    with pytest.raises(ValueError, match="positive"):
        register_periodic("test.zero", 0, lambda slot: None)


def test_scheduler_off_starts_no_runner():
    assert start_scheduler(Settings(scheduler="off")) is None


def test_the_runner_thread_runs_a_due_slot_and_stops(db: Session):
    done: list[dt.datetime] = []
    register_periodic("test.fast", 0.2, done.append)
    runner = start_scheduler(Settings(scheduler="on", scheduler_tick_s=0.02))
    try:
        assert runner is not None
        deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
        while not done and dt.datetime.now(dt.UTC) < deadline:
            runner._stop.wait(0.02)
    finally:
        if runner is not None:
            runner.stop()
        unregister_periodic("test.fast")
    assert done
