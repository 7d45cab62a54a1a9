"""Check (and repair) that each user's copy links follow the canonical-stream rule and that
the day aggregates equal what the canonical stream of raw readings says.

Writes keep rows and aggregates in one transaction, so a mismatch means damage from outside
that rule: data written by an older version that committed them apart, a restore of one table
without the other, or a hand edit. ``glucolens db check --repair`` finds and rewrites such days.
Each user is checked under that user's write lock, so an ingest running at the same time is
never mistaken for damage.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.sql import lock_user_writes
from glucolens.core.timeutil import local_day_bounds, zone
from glucolens.readings import aggregates, canonical
from glucolens.readings.models import GlucoseDaily

# Aggregates use nanosecond time (pandas), which spans 1677-2262; ingest accepts far less.
_FAR_PAST = dt.datetime(1678, 1, 1, tzinfo=dt.UTC)
_FAR_FUTURE = dt.datetime(2262, 1, 1, tzinfo=dt.UTC)


@dataclass
class DayMismatch:
    user_id: str
    day: str
    reason: str


@dataclass
class CheckReport:
    users_checked: int = 0
    days_checked: int = 0
    mismatched_days: list[DayMismatch] = field(default_factory=list)
    repaired: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def _expected(db: Session, user: User) -> dict[dt.date, aggregates.DayStats]:
    secs, values = aggregates.fetch_values(db, user.id, _FAR_PAST, _FAR_FUTURE)
    if not len(secs):
        return {}
    ts = pd.DatetimeIndex(np.rint(secs * 1e6).astype("datetime64[us]"), tz="UTC")
    return {s.day: s for s in aggregates.compute_day_stats(ts, values, user.timezone)}


def _difference(want: aggregates.DayStats, have: GlucoseDaily) -> str | None:
    if have.n != want.n:
        return f"aggregate counts {have.n} readings, raw rows {want.n}"
    if not np.isclose(have.sum_mgdl, want.sum_mgdl, rtol=1e-9, atol=1e-6):
        return "sum of values differs"
    if have.min_mgdl != want.min_mgdl or have.max_mgdl != want.max_mgdl:
        return "minimum or maximum differs"
    if json.loads(have.hist) != want.hist.tolist():
        return "histogram differs"
    return None


def _check_links(db: Session, user: User, repair: bool, report: CheckReport) -> None:
    """Copy links that differ from the rule (readings/canonical.py) mean a wrong canonical
    stream; repairing rewrites them first, so the aggregates are then checked against the
    repaired stream (and the days it changed are repaired with them)."""
    stale = canonical.stale_links(db, user)
    if not stale:
        return
    tz = zone(user.timezone)
    per_day: dict[dt.date, int] = {}
    for t in stale:
        day = t.astimezone(tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    for day, n in sorted(per_day.items()):
        report.mismatched_days.append(
            DayMismatch(
                str(user.id), day.isoformat(), f"{n} readings link to the wrong canonical copy"
            )
        )
    if repair:
        canonical.recanonicalize_all(db, user)
        report.repaired += len(per_day)


def check_user(db: Session, user: User, repair: bool, report: CheckReport) -> None:
    """Compare one user's copy links and aggregates with the raw rows; with ``repair``,
    rewrite bad links and days. Runs in the caller's transaction, which it leaves holding
    the user's write lock."""
    lock_user_writes(db, user.id)
    _check_links(db, user, repair, report)
    want = _expected(db, user)
    have = {
        row.day: row
        for row in db.execute(select(GlucoseDaily).where(GlucoseDaily.user_id == user.id))
        .scalars()
        .all()
    }
    bad: list[dt.date] = []
    for day in sorted(want.keys() | have.keys()):
        if day not in have:
            reason: str | None = f"no aggregate for {want[day].n} raw readings"
        elif day not in want:
            reason = f"aggregate counts {have[day].n} readings, no raw rows"
        else:
            reason = _difference(want[day], have[day])
        if reason is not None:
            bad.append(day)
            report.mismatched_days.append(DayMismatch(str(user.id), day.isoformat(), reason))
    report.users_checked += 1
    report.days_checked += len(want.keys() | have.keys())
    if repair and bad:
        aggregates.refresh_days(db, user, [local_day_bounds(d, user.timezone)[0] for d in bad])
        report.repaired += len(bad)


def check_all(db: Session, repair: bool = False) -> CheckReport:
    """Every user, each in a transaction of its own (committed when repairing)."""
    report = CheckReport()
    user_ids = db.execute(select(User.id).order_by(User.id)).scalars().all()
    for user_id in user_ids:
        user = db.get(User, user_id)
        if user is None:
            continue
        check_user(db, user, repair, report)
        if repair:
            db.commit()
        else:
            db.rollback()
    return report
