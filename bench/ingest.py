"""Bulk ingest of one year of 5-minute readings (105,120) through the HTTP API, on SQLite and
PostgreSQL, against the same rows written by the fastest raw path (executemany / COPY).

Run: .venv/bin/python bench/ingest.py [--batch 52560]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import database, make_user_token, server, year_of_readings


def api_ingest(
    base: str, token: str, items: list[dict], batch: int, concurrency: int = 1
) -> tuple[float, int]:
    from concurrent.futures import ThreadPoolExecutor

    import httpx2

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps({"items": items[i : i + batch]}) for i in range(0, len(items), batch)]
    with httpx2.Client(base_url=base, timeout=600) as client:

        def send(body: str) -> int:
            r = client.post("/api/v1/glucose/bulk", content=body, headers=headers)
            r.raise_for_status()
            return int(r.json()["inserted"])

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            inserted = sum(pool.map(send, bodies))
        elapsed = time.perf_counter() - t0
        # Sending the same batch again must add nothing.
        again = client.post("/api/v1/glucose/bulk", content=bodies[0], headers=headers).json()
        assert again["inserted"] == 0, again
    return elapsed, inserted


def raw_insert(url: str, items: list[dict]) -> float:
    """The same rows with the driver's fastest path and no validation or aggregates."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    uid = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    rows = [
        (
            uid,
            dt.datetime.fromisoformat(i["timestamp"]),
            i["value"],
            "raw",
            i["external_id"],
            now,
        )
        for i in items
    ]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO users (id, email, password_hash, timezone, unit, target_low_mgdl, "
            "target_high_mgdl, is_active, created_at, updated_at, password_changed_at) VALUES "
            + (
                "(%s,%s,'x','UTC','mg/dL',70,180,true,%s,%s,%s)"
                if "postgresql" in url
                else "(?,?,'x','UTC','mg/dL',70,180,1,?,?,?)"
            ),
            (uid if "postgresql" in url else uid.hex, f"raw-{uid}@x", now, now, now),
        )
    raw = engine.raw_connection()
    t0 = time.perf_counter()
    cur = raw.cursor()
    if "postgresql" in url:
        with cur.copy(
            "COPY glucose_readings (user_id, ts, value_mgdl, source, external_id, created_at, "
            "utc_offset_min) FROM STDIN"
        ) as copy:
            for r in rows:
                copy.write_row((*r, 0))
    else:
        cur.executemany(
            "INSERT INTO glucose_readings (user_id, ts, value_mgdl, source, external_id, "
            "created_at, utc_offset_min) VALUES (?,?,?,?,?,?,0)",
            [
                (
                    uid.hex,
                    r[1].strftime("%Y-%m-%d %H:%M:%S.%f"),
                    r[2],
                    r[3],
                    r[4],
                    now.strftime("%Y-%m-%d %H:%M:%S.%f"),
                )
                for r in rows
            ],
        )
    raw.commit()
    elapsed = time.perf_counter() - t0
    raw.close()
    engine.dispose()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=52_560, help="readings per request")
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    ap.add_argument(
        "--concurrency", type=int, default=1, help="requests in flight (1 = one after another)"
    )
    args = ap.parse_args()
    items = year_of_readings()
    n = len(items)
    print(
        f"ingest: {n} readings (one year at 5 min), {args.batch} per request, "
        f"{args.concurrency} in flight"
    )
    print(
        f"{'database':<10} {'API s':>7} {'API r/s':>10} {'raw s':>7} {'raw r/s':>10} {'API/raw':>8}"
    )
    for kind in ("sqlite", "postgres"):
        if args.only and kind != args.only:
            continue
        with database(kind) as (url, data_dir):
            _, token = make_user_token(url, data_dir)
            with server(url, data_dir) as base:
                api_s, inserted = api_ingest(base, token, items, args.batch, args.concurrency)
            assert inserted == n, (inserted, n)
            raw_s = raw_insert(url, items)
        print(
            f"{kind:<10} {api_s:7.2f} {n / api_s:10,.0f} {raw_s:7.2f} {n / raw_s:10,.0f} "
            f"{(n / api_s) / (n / raw_s):8.2f}"
        )


if __name__ == "__main__":
    main()
