"""PDF report cost: a 14-day and a 90-day report of 5-minute demo data, on SQLite and
PostgreSQL, with the dashboard summary of the same period beside it as the baseline.

Columns (median of --runs, milliseconds):
  summary  the dashboard summary for the period (what the metrics cost on their own)
  collect  every number the report shows (summary, percentile profile, daily statistics,
           the raw day traces, stored patterns)
  render   drawing the PDF from those numbers (fpdf2)
  job      the whole background job: claim, collect, render, store the PDF in the row

Run: .venv/bin/python bench/report.py [--runs 5] [--only sqlite|postgres]
Each database runs in a child process of its own (settings and engines are per process).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import bench_env, database

PERIODS = (14, 90)


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: imports, query plans, font metrics
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def child(kind: str, runs: int) -> None:
    """Runs with GLUCOLENS_DATABASE_URL already pointing at a fresh, migrated database."""
    import datetime as dt

    import glucolens.models_registry  # noqa: F401
    from glucolens.auth.models import User
    from glucolens.core.db import get_sessionmaker
    from glucolens.core.timeutil import local_today
    from glucolens.dashboard import service as dashboard
    from glucolens.demo.service import load_demo
    from glucolens.reports import jobs, pdf, service
    from glucolens.reports.models import ReportJob

    db = get_sessionmaker()()
    user = User(email="bench@example.org", password_hash="x", timezone="Europe/London")
    db.add(user)
    db.commit()
    load_demo(db, user, days=max(PERIODS) + 1)
    db.commit()
    last = local_today(user.timezone) - dt.timedelta(days=1)
    for n_days in PERIODS:
        first = last - dt.timedelta(days=n_days - 1)
        summary = _median_ms(lambda: dashboard.summary(db, user, [n_days], end=last), runs)  # noqa: B023
        collect = _median_ms(lambda: service.collect(db, user, first, last), runs)  # noqa: B023
        data = service.collect(db, user, first, last)
        render = _median_ms(lambda: pdf.render(data), runs)  # noqa: B023
        content, pages = pdf.render(data)

        def job() -> None:
            row = ReportJob(user_id=user.id, status="queued", start_day=first, end_day=last)  # noqa: B023
            db.add(row)
            db.commit()
            assert jobs.run_job(row.id) == "done"

        whole = _median_ms(job, runs)
        readings = data.window.reading_count
        print(
            f"{kind:<9} {n_days:>4} {readings:>9,} {summary:>9.1f} {collect:>9.1f} "
            f"{render:>9.1f} {whole:>9.1f} {pages:>6} {len(content) / 1024:>8.0f}",
            flush=True,
        )
    db.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    ap.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.runs)
        return
    print(f"PDF report vs dashboard summary, 5-minute demo data, median of {args.runs} runs (ms)")
    print(
        f"{'database':<9} {'days':>4} {'readings':>9} {'summary':>9} {'collect':>9} "
        f"{'render':>9} {'job':>9} {'pages':>6} {'PDF KiB':>8}"
    )
    for kind in ("sqlite", "postgres"):
        if args.only and kind != args.only:
            continue
        with database(kind) as (url, data_dir):
            env = {**os.environ, **bench_env(url, data_dir)}
            subprocess.run(
                [sys.executable, __file__, "--child", kind, "--runs", str(args.runs)],
                env=env,
                check=True,
            )


if __name__ == "__main__":
    main()
