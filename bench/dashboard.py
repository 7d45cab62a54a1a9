"""Dashboard latency with one year of 5-minute data: p50 and p95 of summary, daily, series,
AGP and variability over 200 requests each, through a real `glucolens serve`, on SQLite and
PostgreSQL.

Run: .venv/bin/python bench/dashboard.py [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import database, make_user_token, pct, server, year_of_readings

ENDPOINTS = {
    "summary 7/30/90": "/api/v1/dashboard/summary?days=7&days=30&days=90",
    "daily 90 d": "/api/v1/dashboard/daily?days=90",
    "series 7 d": "/api/v1/glucose/series?points=500&start={week_ago}",
    "series 90 d": "/api/v1/glucose/series?points=1000&start={quarter_ago}",
    "agp 14 d": "/api/v1/dashboard/agp?days=14",
    "agp 90 d": "/api/v1/dashboard/agp?days=90",
    "variability 14 d": "/api/v1/dashboard/variability?days=14",
    "variability 90 d": "/api/v1/dashboard/variability?days=90",
}


def main() -> None:
    import datetime as dt
    from urllib.parse import quote

    import httpx2

    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    args = ap.parse_args()
    items = year_of_readings()
    now = dt.datetime.now(dt.UTC)
    fill = {
        "week_ago": quote((now - dt.timedelta(days=7)).isoformat()),
        "quarter_ago": quote((now - dt.timedelta(days=90)).isoformat()),
    }
    print(f"dashboard: {len(items)} readings (one year), {args.requests} requests per endpoint")
    print(f"{'database':<10} {'mode':<9} {'endpoint':<17} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in ("sqlite", "postgres"):
        if args.only and kind != args.only:
            continue
        with database(kind) as (url, data_dir):
            _, token = make_user_token(url, data_dir)
            headers = {"Authorization": f"Bearer {token}"}
            with (
                server(url, data_dir) as base,
                httpx2.Client(base_url=base, headers=headers) as c,
            ):
                for i in range(0, len(items), 52_560):
                    body = json.dumps({"items": items[i : i + 52_560]})
                    c.post(
                        "/api/v1/glucose/bulk",
                        content=body,
                        headers={"Content-Type": "application/json"},
                        timeout=600,
                    ).raise_for_status()
            # "uncached": every request computes; "cached": repeated reads within 60 s.
            for mode, ttl in (("uncached", "0"), ("cached", "60")):
                with (
                    server(url, data_dir, GLUCOLENS_DASHBOARD_CACHE_S=ttl) as base,
                    httpx2.Client(base_url=base, headers=headers, timeout=120) as client,
                ):
                    for name, path in ENDPOINTS.items():
                        path = path.format(**fill)
                        for _ in range(5):  # warm-up
                            client.get(path).raise_for_status()
                        samples = []
                        for _ in range(args.requests):
                            t0 = time.perf_counter()
                            r = client.get(path)
                            samples.append((time.perf_counter() - t0) * 1000)
                            r.raise_for_status()
                        print(
                            f"{kind:<10} {mode:<9} {name:<17} "
                            f"{pct(samples, 50):8.1f} {pct(samples, 95):8.1f}"
                        )


if __name__ == "__main__":
    main()
