"""The whole insight pipeline for the 90-day demo user, end to end through a real server:
load the demo data over HTTP, ask for a refresh, poll the job, then read every insight.

Run: .venv/bin/python bench/insights_e2e.py [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import bench_env, database, make_user_token, pct, server  # noqa: E402

KINDS = ["correlations", "causal-graph", "recurring-patterns", "anomalies", "predictions"]


def step_durations(url: str, data_dir: Path) -> str:
    code = (
        "from sqlalchemy import select\n"
        "from glucolens.core.db import get_sessionmaker\n"
        "from glucolens.insights.models import InsightResult\n"
        "db = get_sessionmaker()()\n"
        "for r in db.execute(select(InsightResult).order_by(InsightResult.id)).scalars():\n"
        "    print(f'{r.kind:<20} {r.status:<18} {r.duration_s:8.2f} s')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=bench_env(url, data_dir), capture_output=True, text=True
    )
    return out.stdout


def main() -> None:
    import httpx2

    ap = argparse.ArgumentParser()
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    with database(args.db) as (url, data_dir):
        _, token = make_user_token(url, data_dir)
        headers = {"Authorization": f"Bearer {token}"}
        with (
            server(url, data_dir) as base,
            httpx2.Client(base_url=base, headers=headers, timeout=600) as c,
        ):
            t0 = time.perf_counter()
            counts = c.post("/api/v1/demo/load").raise_for_status().json()
            load_s = time.perf_counter() - t0
            print(f"insights_e2e on {args.db}: demo data {counts} loaded in {load_s:.2f} s")
            t0 = time.perf_counter()
            job_id = c.post("/api/v1/insights/refresh").raise_for_status().json()["job_id"]
            steps_seen = []
            while True:
                job = c.get(f"/api/v1/insights/jobs/{job_id}").json()
                if job["step"] and (not steps_seen or steps_seen[-1] != job["step"]):
                    steps_seen.append(job["step"])
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.25)
            total = time.perf_counter() - t0
            print(f"job {job['status']} in {total:.1f} s; progress steps seen: {steps_seen}")
            print(step_durations(url, data_dir), end="")
            print(f"{'endpoint':<20} {'status':<18} {'p50 ms':>8} {'p95 ms':>8}")
            for kind in KINDS:
                samples, status = [], ""
                for _ in range(50):
                    s = time.perf_counter()
                    r = c.get(f"/api/v1/insights/{kind}")
                    samples.append((time.perf_counter() - s) * 1000)
                    status = r.json()["status"]
                print(f"{kind:<20} {status:<18} {pct(samples, 50):8.1f} {pct(samples, 95):8.1f}")
            graph = c.get("/api/v1/insights/causal-graph").json()["data"]
            for e in graph.get("edges", []):
                print(f"  edge: {e.get('effect_text') or e.get('explanation')}")


if __name__ == "__main__":
    main()
