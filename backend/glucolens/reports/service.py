"""Report jobs and the numbers a report shows.

Every number comes from the dashboard's own services (``dashboard.service.summary``,
``agp`` and ``daily``, and ``dashboard.variability.compute``) for the same local days, so
the PDF and the dashboard never disagree; only the per-day traces are read here, from the
canonical CGM stream (``kind = 'cgm' AND dup_of IS NULL``), which is what the aggregates are
built from.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core import background
from glucolens.core.db import utcnow
from glucolens.core.errors import Conflict, NotFound, ValidationFailed
from glucolens.core.sql import epoch_seconds
from glucolens.core.timeutil import local_day_bounds, local_today, zone
from glucolens.core.units import MGDL_PER_MMOL, MMOL
from glucolens.dashboard import schemas as dash
from glucolens.dashboard import service as dashboard
from glucolens.dashboard import variability as dashboard_variability
from glucolens.readings.canonical import is_canonical_cgm
from glucolens.readings.models import GlucoseReading
from glucolens.reports.models import ReportJob
from glucolens.reports.patterns import notable_patterns

# The dashboard's longest window: the report's metrics are the dashboard summary's.
MAX_DAYS = 90
# Reports a user may have waiting or running at once (each is a few seconds of a core).
MAX_ACTIVE = 3
# Finished reports kept per user; older ones are dropped when a new one is requested.
KEEP_REPORTS = 20
ACTIVE = ("queued", "running")

Progress = Callable[[float, str], None]


def resolve_period(
    user: User,
    start: dt.date | None,
    end: dt.date | None,
    days: int | None,
    now: dt.datetime | None = None,
) -> tuple[dt.date, dt.date]:
    """The first and last local date of the report. ``days`` counts back from today
    (included, as the dashboard's windows); ``start`` and ``end`` name the days."""
    today = local_today(user.timezone, now)
    if days is not None and (start is not None or end is not None):
        raise ValidationFailed(
            "Give either 'days' or 'start' and 'end', not both.",
            details=[{"field": "days", "reason": "together with start/end"}],
        )
    if days is not None:
        if not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(
                f"'days' must be between 1 and {MAX_DAYS}; got {days}.",
                details=[{"field": "days", "reason": "out of range"}],
            )
        return today - dt.timedelta(days=days - 1), today
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise ValidationFailed(
            "Give 'start' and 'end' (local dates, YYYY-MM-DD) or 'days'.",
            details=[{"field": missing, "reason": "missing"}],
        )
    if start > end:
        raise ValidationFailed(
            "'start' is after 'end'.", details=[{"field": "start", "reason": "after end"}]
        )
    if end > today:
        raise ValidationFailed(
            f"'end' ({end.isoformat()}) is after today ({today.isoformat()}) in {user.timezone}.",
            details=[{"field": "end", "reason": "in the future"}],
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            f"A report covers at most {MAX_DAYS} days; this period has {(end - start).days + 1}.",
            details=[{"field": "start", "reason": "period too long"}],
        )
    return start, end


def _canonical(user_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> tuple:  # type: ignore[type-arg]
    return (
        GlucoseReading.user_id == user_id,
        GlucoseReading.ts >= start,
        GlucoseReading.ts < end,
        is_canonical_cgm,  # a literal 'cgm', so SQLite uses the partial index
    )


def has_readings(db: Session, user: User, first: dt.date, last: dt.date) -> bool:
    start, _ = local_day_bounds(first, user.timezone)
    _, end = local_day_bounds(last, user.timezone)
    found = db.execute(
        select(GlucoseReading.id).where(*_canonical(user.id, start, end)).limit(1)
    ).first()
    return found is not None


def reap_dead_jobs(db: Session, user_id: uuid.UUID) -> None:
    background.reap_dead(db, ReportJob, user_id, error="The report was interrupted; ask again.")


def request_report(db: Session, user: User, first: dt.date, last: dt.date) -> ReportJob:
    """A new queued job (the route commits, then starts it)."""
    if not has_readings(db, user, first, last):
        raise ValidationFailed(
            f"There are no glucose readings from {first.isoformat()} to {last.isoformat()} "
            f"({user.timezone}); there is nothing to report.",
            details=[{"field": "start", "reason": "no readings in the period"}],
        )
    reap_dead_jobs(db, user.id)
    active = db.execute(
        select(func.count())
        .select_from(ReportJob)
        .where(ReportJob.user_id == user.id, ReportJob.status.in_(ACTIVE))
    ).scalar_one()
    if active >= MAX_ACTIVE:
        raise Conflict(
            f"{active} reports are already being made; wait for one to finish.",
            details=[{"field": None, "reason": "too many reports in progress"}],
        )
    _drop_old(db, user.id)
    job = ReportJob(user_id=user.id, status="queued", start_day=first, end_day=last)
    db.add(job)
    db.flush()
    return job


def _drop_old(db: Session, user_id: uuid.UUID) -> None:
    """Keep the newest finished reports only: each holds a PDF in the database."""
    old = (
        select(ReportJob.id)
        .where(ReportJob.user_id == user_id, ReportJob.status.not_in(ACTIVE))
        .order_by(ReportJob.created_at.desc())
        .offset(KEEP_REPORTS - 1)
    )
    ids = list(db.execute(old).scalars())
    if ids:
        db.execute(delete(ReportJob).where(ReportJob.id.in_(ids)))


def get_job(db: Session, user: User, job_id: uuid.UUID) -> ReportJob:
    reap_dead_jobs(db, user.id)
    job = db.get(ReportJob, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound(f"No report {job_id}.")
    return job


def list_jobs(db: Session, user: User) -> list[ReportJob]:
    reap_dead_jobs(db, user.id)
    return list(
        db.execute(
            select(ReportJob)
            .where(ReportJob.user_id == user.id)
            .order_by(ReportJob.created_at.desc())
            .limit(KEEP_REPORTS + MAX_ACTIVE)
        ).scalars()
    )


@dataclass
class DayTrace:
    """One local day: its readings as minutes since local midnight (elapsed time, so a
    25-hour autumn day runs to minute 1500 and a spring day stops at 1380)."""

    day: dt.date
    length_min: float
    minutes: np.ndarray
    values: np.ndarray  # in the user's unit
    stats: dash.Day | None
    # Elapsed minute of each local clock hour 0..24 that exists on this day.
    hour_marks: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class ReportData:
    name: str
    unit: str
    timezone: str
    first: dt.date
    last: dt.date
    generated_at: dt.datetime  # UTC
    window: dash.Window
    target_low: float
    target_high: float
    agp: dash.Agp
    days: list[DayTrace]
    patterns: list[str]
    patterns_note: str
    variability: dash.Variability

    @property
    def n_days(self) -> int:
        return (self.last - self.first).days + 1


def _hour_marks(day: dt.date, tz: str, start: dt.datetime) -> list[tuple[int, float]]:
    """Where the wall-clock hours 0, 3, ..., 24 fall on the day's elapsed-time axis: built
    from the local date and hour, so on a DST day the mark moves, not the label."""
    z = zone(tz)
    marks = []
    for hour in range(0, 25, 3):
        wall = dt.datetime.combine(day + dt.timedelta(days=hour // 24), dt.time(hour % 24), z)
        marks.append((hour, (wall.astimezone(dt.UTC) - start).total_seconds() / 60))
    return marks


def day_traces(
    db: Session, user: User, first: dt.date, last: dt.date, daily: dash.Daily
) -> list[DayTrace]:
    start, _ = local_day_bounds(first, user.timezone)
    _, end = local_day_bounds(last, user.timezone)
    rows = (
        db.connection()
        .execute(
            select(epoch_seconds(db, GlucoseReading.ts), GlucoseReading.value_mgdl)
            .where(*_canonical(user.id, start, end))
            .order_by(GlucoseReading.ts)
        )
        .fetchall()
    )
    secs = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows))
    mgdl = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    values = mgdl / MGDL_PER_MMOL if user.unit == MMOL else mgdl
    by_day = {d.date: d for d in daily.days}
    out = []
    day = first
    while day <= last:
        lo, hi = local_day_bounds(day, user.timezone)
        a, b = np.searchsorted(secs, [lo.timestamp(), hi.timestamp()], side="left")
        out.append(
            DayTrace(
                day=day,
                length_min=(hi - lo).total_seconds() / 60,
                minutes=(secs[a:b] - lo.timestamp()) / 60,
                values=values[a:b],
                stats=by_day.get(day),
                hour_marks=_hour_marks(day, user.timezone, lo),
            )
        )
        day += dt.timedelta(days=1)
    return out


def collect(
    db: Session,
    user: User,
    first: dt.date,
    last: dt.date,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> ReportData:
    """Everything the PDF shows, in the user's unit and local days."""
    now = now or utcnow()
    step = progress or (lambda _f, _s: None)
    n_days = (last - first).days + 1
    step(0.05, "metrics")
    summary = dashboard.summary(db, user, [n_days], now=now, end=last)
    step(0.15, "profile")
    agp = dashboard.agp(db, user, n_days, now=now, end=last)
    step(0.3, "days")
    daily = dashboard.daily(db, user, first, last, now=now)
    traces = day_traces(db, user, first, last, daily)
    step(0.45, "patterns")
    start, _ = local_day_bounds(first, user.timezone)
    _, end = local_day_bounds(last, user.timezone)
    patterns, note = notable_patterns(db, user, start, end)
    step(0.5, "variability")
    variability = dashboard_variability.compute(db, user, n_days, end=last, now=now)
    return ReportData(
        name=user.display_name or user.email,
        unit=user.unit,
        timezone=user.timezone,
        first=first,
        last=last,
        generated_at=now,
        window=summary.windows[0],
        target_low=summary.target_low,
        target_high=summary.target_high,
        agp=agp,
        days=traces,
        patterns=patterns,
        patterns_note=note,
        variability=variability,
    )
