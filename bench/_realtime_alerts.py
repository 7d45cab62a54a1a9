"""bench/realtime.py part: the alert engine's cost (issue 14, "Measured").

(a) Evaluation cost per batch: the engine's whole work for one live reading
    (``alerts.engine.on_data_changed``: its own session, the user's AlertState lock, the last
    hour of canonical readings, the rules, the episode/decision/delivery rows, commit), on
    SQLite and PostgreSQL, for 300 users with an hour of 5-minute history each, one live reading
    per user: 9 in 10 in range with nothing open (the usual case), 1 in 10 low or high (an
    episode opens, a notification is written). Wall time, and this thread's CPU time (the
    machine may be shared). Baseline in the same run: the ingest of that reading itself
    (``ingest_glucose_batch`` + commit), with no subscriber wired. Goal: under 2 ms.
(b) The stale-data tick (``alerts.tick.tick``) for 10,000 users on PostgreSQL: a steady mix
    (9,000 with fresh data, 800 stale with an open stale alert not yet due, 150 newly stale,
    50 open urgent lows due a repeat) ticked twice (the second tick has nothing to do), and an
    outage where all 10,000 go stale at once. Baseline in the same run: the bare indexed
    SELECT of the stale users. Goal: under 5 s.

Each part runs in its own process (the database URL is fixed at import).
Run alone: .venv/bin/python bench/_realtime_alerts.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import bench_env, database, pct

EVAL_USERS = 300
TICK_USERS = 10_000


def _worker(part: str, url: str, data_dir: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", part],
        env={**bench_env(url, data_dir), "GLUCOLENS_SCHEDULER": "off"},
        check=True,
        capture_output=True,
        text=True,
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def run() -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    for kind in ("sqlite", "postgres"):
        with database(kind, pg_name="glucolens_bench_alerts") as (url, data_dir):
            figures += _worker("eval", url, data_dir)
    with database("postgres", pg_name="glucolens_bench_alerts") as (url, data_dir):
        figures += _worker("tick", url, data_dir)
    return figures


# ------------------------------------------------------------------ in the worker process


def _users(db: Any, n: int) -> list[uuid.UUID]:
    from sqlalchemy import insert

    from glucolens.auth.models import User

    ids = [uuid.uuid4() for _ in range(n)]
    rows = [{"id": i, "email": f"{i.hex}@example.org", "password_hash": "x"} for i in ids]
    for k in range(0, n, 2000):
        db.execute(insert(User), rows[k : k + 2000])
    db.commit()
    return ids


def _eval_part() -> list[dict[str, Any]]:
    from glucolens.alerts import engine
    from glucolens.auth.models import User
    from glucolens.core.db import get_engine, get_sessionmaker, utcnow
    from glucolens.core.events import DataChanged
    from glucolens.readings.service import ingest_glucose_batch

    dialect = get_engine().dialect.name
    make = get_sessionmaker()
    with make() as db:
        ids = _users(db, EVAL_USERS)
        start = utcnow() - dt.timedelta(minutes=61)
        for uid in ids:  # one hour of history, so the engine reads what it would live
            user = db.get(User, uid)
            items = [
                {"timestamp": (start + dt.timedelta(minutes=5 * k)).isoformat(), "value": 120.0}
                for k in range(12)
            ]
            ingest_glucose_batch(db, user, items)
            db.commit()
    ingest_ms: list[float] = []
    quiet_ms: list[float] = []
    deciding_ms: list[float] = []
    cpu_ms: list[float] = []
    for n, uid in enumerate(ids):
        # Every 10th user's reading decides something (a low opens, a high opens); the rest
        # are in range with nothing open, the usual live reading.
        deciding = n % 10 == 0
        value = (62.0 if n % 20 == 0 else 262.0) if deciding else 110.0 + (n % 30)
        with make() as db:
            user = db.get(User, uid)
            t0 = time.perf_counter()
            ingest_glucose_batch(db, user, [{"timestamp": utcnow().isoformat(), "value": value}])
            db.commit()  # nothing subscribed: the ingest alone
            ingest_ms.append((time.perf_counter() - t0) * 1000)
        now = utcnow()
        evt = DataChanged(uid, frozenset({"glucose"}), now, now, now, "bench")
        t0, c0 = time.perf_counter(), time.thread_time()
        engine.on_data_changed(evt)
        elapsed = (time.perf_counter() - t0) * 1000
        cpu_ms.append((time.thread_time() - c0) * 1000)
        (deciding_ms if deciding else quiet_ms).append(elapsed)
    with make() as db:
        from sqlalchemy import func, select

        from glucolens.alerts.models import Alert, AlertDecision

        alerts = db.scalar(select(func.count()).select_from(Alert))
        decisions = db.scalar(select(func.count()).select_from(AlertDecision))
    all_ms = quiet_ms + deciding_ms
    return [
        {
            "figure": f"alert evaluation per batch ({dialect})",
            "n": len(all_ms),
            "p50_ms": round(pct(all_ms, 50), 3),
            "p95_ms": round(pct(all_ms, 95), 3),
            "cpu_p50_ms": round(pct(cpu_ms, 50), 3),
            "nothing_to_decide_p50_ms": round(pct(quiet_ms, 50), 3),
            "deciding_p50_ms": round(pct(deciding_ms, 50), 3),
            "deciding_p95_ms": round(pct(deciding_ms, 95), 3),
            "baseline": "ingest of that one reading, no subscribers",
            "baseline_p50_ms": round(pct(ingest_ms, 50), 3),
            "baseline_p95_ms": round(pct(ingest_ms, 95), 3),
            "goal": "< 2 ms",
            "alerts_opened": alerts,
            "decisions": decisions,
        }
    ]


def _tick_part() -> list[dict[str, Any]]:
    from sqlalchemy import insert, select, text

    from glucolens.alerts import tick
    from glucolens.alerts.models import Alert, AlertState
    from glucolens.core.db import get_sessionmaker, utcnow

    make = get_sessionmaker()
    now = utcnow()
    with make() as db:
        ids = _users(db, TICK_USERS)
        fresh, quiet, newly, ul = ids[:9000], ids[9000:9800], ids[9800:9950], ids[9950:]
        m = dt.timedelta(minutes=1)
        states = [
            {"user_id": u, "last_reading_at": now - 2 * m, "last_value_mgdl": 120.0} for u in fresh
        ]
        states += [
            {"user_id": u, "last_reading_at": now - 30 * m, "last_value_mgdl": 120.0} for u in quiet
        ]
        states += [
            {"user_id": u, "last_reading_at": now - 21 * m, "last_value_mgdl": 120.0} for u in newly
        ]
        states += [
            {"user_id": u, "last_reading_at": now - 2 * m, "last_value_mgdl": 50.0} for u in ul
        ]
        for u in states:
            u["pending"] = {}
        db.execute(insert(AlertState), states)

        def alert(u: uuid.UUID, kind: str, severity: str, notified_min: float) -> dict[str, Any]:
            return {
                "id": uuid.uuid4(),
                "user_id": u,
                "kind": kind,
                "severity": severity,
                "status": "open",
                "opened_at": now - 8 * m,
                "notify_count": 1,
                "last_notified_at": now - notified_min * m,
                "last_value_mgdl": 50.0,
                "details": {},
            }

        rows = [alert(u, "stale_data", "warning", 5) for u in quiet]
        rows += [alert(u, "urgent_low", "urgent", 5) for u in ul]
        db.execute(insert(Alert), rows)
        db.commit()
        db.execute(text("ANALYZE"))
        db.commit()

    def bare_select(at: dt.datetime) -> float:
        with make() as db:
            t0 = time.perf_counter()
            db.scalars(
                select(AlertState.user_id).where(
                    AlertState.last_reading_at < at - tick.STALE_GUARD,
                    AlertState.last_reading_at >= at - tick.STALE_GIVE_UP,
                )
            ).all()
            return (time.perf_counter() - t0) * 1000

    # How much of a tick is the delivery rows (alerts.delivery.notify_many, one call per
    # chunk of users): measured by wrapping the function the tick calls.
    notify_s = [0.0]
    real_notify = tick.notify_many

    def counted_notify(*args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return real_notify(*args, **kw)
        finally:
            notify_s[0] += time.perf_counter() - t0

    tick.notify_many = counted_notify  # type: ignore[assignment]

    def timed(at: dt.datetime) -> tuple[float, tick.TickReport]:
        notify_s[0] = 0.0
        t0 = time.perf_counter()
        report = tick.tick(at)
        return (time.perf_counter() - t0) * 1000, report

    base_ms = bare_select(now)
    first_ms, first = timed(now)
    second_ms, second = timed(now + dt.timedelta(seconds=1))
    outage = now + dt.timedelta(minutes=25)  # every user's data is now 23+ min old
    base_outage_ms = bare_select(outage)
    outage_ms, out = timed(outage)
    outage_notify_ms = notify_s[0] * 1000
    fig = "stale tick, 10,000 users (postgresql)"
    return [
        {
            "figure": f"{fig}: steady mix, first tick",
            "ms": round(first_ms, 1),
            "baseline": "bare indexed SELECT of stale users",
            "baseline_ms": round(base_ms, 1),
            "candidates": first.candidates,
            "users_acted": first.acted,
            "decisions": first.decisions,
            "goal": "< 5000 ms",
        },
        {
            "figure": f"{fig}: steady mix, next tick (nothing due)",
            "ms": round(second_ms, 1),
            "baseline_ms": round(base_ms, 1),
            "candidates": second.candidates,
            "users_acted": second.acted,
            "decisions": second.decisions,
            "goal": "< 5000 ms",
        },
        {
            "figure": f"{fig}: outage, all stale at once",
            "ms": round(outage_ms, 1),
            "baseline": "bare indexed SELECT of stale users",
            "baseline_ms": round(base_outage_ms, 1),
            "candidates": out.candidates,
            "users_acted": out.acted,
            "decisions": out.decisions,
            "of_which_notify_ms": round(outage_notify_ms, 1),
            "goal": "< 5000 ms",
        },
    ]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        part = {"eval": _eval_part, "tick": _tick_part}[sys.argv[2]]
        print(json.dumps(part()))
        return
    for fig in run():
        print(json.dumps(fig))


if __name__ == "__main__":
    os.environ.setdefault("GLUCOLENS_LOG_LEVEL", "WARNING")
    main()
