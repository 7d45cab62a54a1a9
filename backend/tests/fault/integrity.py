"""What must hold after any fault: every unique reading stored exactly once, and each local
day's aggregate equal to that day's raw rows. Checked twice, independently: here, straight
from the tables, and by `glucolens db check --json` (the command an operator would run)."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import time
import uuid
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from glucolens.readings.models import GlucoseDaily, GlucoseReading
from tests.fault.procs import BIN


def _day_stats(rows: list[tuple[dt.datetime, float]], tz: str) -> dict[dt.date, tuple]:
    by_day: dict[dt.date, list[float]] = defaultdict(list)
    zone = ZoneInfo(tz)
    for ts, value in rows:
        by_day[ts.astimezone(zone).date()].append(value)
    return {d: (len(v), sum(v), min(v), max(v)) for d, v in by_day.items()}


def table_problems(
    database_url: str, user_id: uuid.UUID, tz: str, sent: list[dict[str, Any]]
) -> list[str]:
    """Everything wrong with this user's readings and aggregates, read from the tables."""
    problems: list[str] = []
    engine = create_engine(database_url)
    try:
        with Session(engine) as db:
            rows = db.execute(
                select(GlucoseReading.ts, GlucoseReading.value_mgdl, GlucoseReading.external_id)
                .where(GlucoseReading.user_id == user_id)
            ).all()  # fmt: skip
            daily = db.execute(
                select(GlucoseDaily.day, GlucoseDaily.n, GlucoseDaily.sum_mgdl,
                       GlucoseDaily.min_mgdl, GlucoseDaily.max_mgdl)
                .where(GlucoseDaily.user_id == user_id)
            ).all()  # fmt: skip
            sum_n = db.scalar(
                select(func.coalesce(func.sum(GlucoseDaily.n), 0)).where(
                    GlucoseDaily.user_id == user_id
                )
            )
    finally:
        engine.dispose()

    want = {dt.datetime.fromisoformat(i["timestamp"]): i["value"] for i in sent}
    have: dict[dt.datetime, int] = defaultdict(int)
    for ts, _value, _ext in rows:
        have[ts] += 1
    dupes = {ts: n for ts, n in have.items() if n > 1}
    missing = want.keys() - have.keys()
    extra = have.keys() - want.keys()
    if len(rows) != len(want):
        problems.append(f"{len(rows)} rows stored for {len(want)} unique readings sent")
    if missing:
        problems.append(f"{len(missing)} readings lost, first {min(missing).isoformat()}")
    if dupes:
        problems.append(f"{len(dupes)} readings stored more than once, e.g. {min(dupes)}")
    if extra:
        problems.append(f"{len(extra)} rows that were never sent")
    wrong_value = [ts for ts, v, _ in rows if ts in want and want[ts] != v]
    if wrong_value:
        problems.append(f"{len(wrong_value)} rows with a value that was not sent")
    if sum_n != len(rows):
        problems.append(
            f"glucose_daily counts {sum_n} readings in all; the table holds {len(rows)}"
        )
    days = _day_problems(
        _day_stats([(ts, v) for ts, v, _ in rows], tz), {d[0]: tuple(d[1:]) for d in daily}
    )
    if days:
        problems.append(f"{len(days)} local days whose aggregate differs from its rows")
    return problems + days[:5]


def _day_problems(want: dict[dt.date, tuple], have: dict[dt.date, tuple]) -> list[str]:
    out = []
    for day in sorted(want.keys() | have.keys()):
        w, h = want.get(day), have.get(day)
        if h is None:
            out.append(f"{day}: {w[0] if w else 0} raw readings and no aggregate")
        elif w is None:
            out.append(f"{day}: aggregate counts {h[0]} readings, no raw rows")
        elif w[0] != h[0] or not math.isclose(w[1], h[1], rel_tol=1e-9, abs_tol=1e-6):
            out.append(f"{day}: aggregate n={h[0]} sum={h[1]:.1f}, rows n={w[0]} sum={w[1]:.1f}")
        elif (w[2], w[3]) != (h[2], h[3]):
            out.append(f"{day}: aggregate min/max {h[2:]} != rows {w[2:]}")
    return out


def wait_rows_visible(
    database_url: str, user_id: uuid.UUID, since: dt.datetime, n: int, timeout_s: float
) -> bool:
    """True once ``n`` of the user's readings at or after ``since`` are visible to another
    connection, that is, committed."""
    engine = create_engine(database_url)
    query = select(func.count()).where(
        GlucoseReading.user_id == user_id, GlucoseReading.ts >= since
    )
    deadline = time.monotonic() + timeout_s
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                if conn.execute(query).scalar_one() >= n:
                    return True
                conn.rollback()  # a fresh snapshot for the next look
                time.sleep(0.01)
    finally:
        engine.dispose()
    return False


def db_check(env: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
    """`glucolens db check --json` against the app's database: (exit code, report)."""
    out = subprocess.run(
        [str(BIN / "glucolens"), "db", "check", "--json"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    try:
        return out.returncode, json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return out.returncode, (out.stdout + out.stderr)[-2000:]
