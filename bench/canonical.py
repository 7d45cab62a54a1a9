"""Cost of the canonical glucose stream (readings/canonical.py) on a 525,600-reading history,
on SQLite and PostgreSQL:

- two sources: 2.5 years of 5-minute Dexcom Clarity readings and their Apple Health copies
  (±60 s, ±0.5 mg/dL): 525,600 rows, every second one a copy;
  * linking the copies after they arrived (recanonicalize over the whole history),
  * swapping the priority (every link changes), and recomputing with nothing to change;
- one source: 525,600 one-minute readings, where every chunk takes the fast path.

Run: .venv/bin/python bench/canonical.py [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import database, make_user_token

N = 525_600


def rows_of(user_id: uuid.UUID, source: str, secs: np.ndarray, values: np.ndarray) -> list[dict]:
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "user_id": user_id,
            "ts": dt.datetime.fromtimestamp(float(s), dt.UTC),
            "utc_offset_min": 0,
            "value_mgdl": float(v),
            "flag": None,
            "trend": None,
            "device": None,
            "source": source,
            "external_id": None,
            "kind": "cgm",
            "period_min": None,
            "created_at": now,
        }
        for s, v in zip(secs, values, strict=True)
    ]


def run(kind: str) -> None:
    with database(kind) as (url, data_dir):
        user_id, _ = make_user_token(url, data_dir)
        os.environ["GLUCOLENS_DATABASE_URL"] = url
        os.environ["GLUCOLENS_DATA_DIR"] = str(data_dir)
        from glucolens.auth.models import User
        from glucolens.core import config
        from glucolens.core.db import get_engine, get_sessionmaker
        from glucolens.readings import aggregates, canonical
        from glucolens.readings.repository import insert_glucose

        config.get_settings.cache_clear()
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()
        db = get_sessionmaker()()
        user = db.get(User, uuid.UUID(user_id))
        assert user is not None

        rng = np.random.default_rng(7)
        half = N // 2
        end = time.time() - 3600
        secs = end - 300.0 * np.arange(half)[::-1]
        values = np.clip(np.round(140 + 50 * np.sin(secs / 7200) + rng.normal(0, 8, half)), 40, 400)
        copies_t = secs + rng.integers(-60, 61, half)
        copies_v = values + rng.choice([-0.5, 0.0, 0.5], half)
        for part in range(0, half, 50_000):
            sl = slice(part, part + 50_000)
            insert_glucose(db, rows_of(user.id, "dexcom_clarity", secs[sl], values[sl]))
            insert_glucose(db, rows_of(user.id, "apple_health", copies_t[sl], copies_v[sl]))
        db.commit()

        def timed(label: str, fn) -> list:  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            out = fn()
            db.commit()
            took = time.perf_counter() - t0
            # Instants, not rows: a copy at the second of its original counts once.
            print(f"{kind:<10} {label:<52} {took:7.2f} s  {len(out):>8,} instants moved")
            return out

        moved = timed(
            "link 262,800 copies (whole history)", lambda: canonical.recanonicalize_all(db, user)
        )
        assert len(moved) == half, len(moved)
        timed("recompute, nothing to change", lambda: canonical.recanonicalize_all(db, user))
        user.source_priority = json.dumps(["apple_health", "dexcom_clarity"])
        db.flush()
        timed(
            "swap the priority (every link changes)", lambda: canonical.recanonicalize_all(db, user)
        )
        t0 = time.perf_counter()
        aggregates.rebuild_all(db, user)
        db.commit()
        label = "(for scale) rebuild every day aggregate"
        print(f"{kind:<10} {label:<52} {time.perf_counter() - t0:7.2f} s")
        start = dt.datetime.fromtimestamp(float(secs[half // 2]), dt.UTC)
        timed(
            "one day around an upload (2 sources)",
            lambda: canonical.recanonicalize(db, user, start, start + dt.timedelta(days=1)),
        )

        # One source, one-minute readings: every chunk takes the fast path.
        other, _ = make_user_token(url, data_dir, "single@example.org")
        single = db.get(User, uuid.UUID(other))
        assert single is not None
        one = end - 60.0 * np.arange(N)[::-1]
        vals = np.clip(np.round(140 + 50 * np.sin(one / 7200)), 40, 400)
        for part in range(0, N, 100_000):
            insert_glucose(
                db,
                rows_of(
                    single.id, "xdrip", one[part : part + 100_000], vals[part : part + 100_000]
                ),
            )
        db.commit()
        timed(
            "one source, 525,600 rows (fast path per chunk)",
            lambda: canonical.recanonicalize_all(db, single),
        )
        # What a bulk upload of 52,560 readings (bench/ingest.py's batch) adds on one source.
        last = dt.datetime.fromtimestamp(float(one[-1]), dt.UTC)
        timed(
            "one source, after a 52,560-reading upload (36 days)",
            lambda: canonical.recanonicalize(db, single, last - dt.timedelta(minutes=52_560), last),
        )
        db.close()
        get_engine().dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    args = ap.parse_args()
    for kind in ("sqlite", "postgres"):
        if not args.only or args.only == kind:
            run(kind)


if __name__ == "__main__":
    main()
