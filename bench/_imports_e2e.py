"""End-to-end import timings for bench/imports.py: a file uploaded to POST /api/v1/imports
of a real `glucolens serve`, polled as the web page polls it, until the job is done.

Baseline, side by side in the same run and on the same database kind: the same readings
sent as JSON to POST /api/v1/glucose/bulk in 100,000-row batches (the fastest path an
uploader has), so the figure separates what parsing a file costs from what storing costs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import database, make_users, server


def _poll(client, headers: dict[str, str], job_id: str) -> tuple[dict, list[float]]:
    fractions: list[float] = []
    while True:
        job = client.get(f"/api/v1/imports/{job_id}", headers=headers).json()
        fractions.append(job["progress"]["fraction"])
        if job["status"] in ("done", "failed", "cancelled"):
            return job, fractions
        time.sleep(0.25)


def import_file(
    base: str, token: str, path: Path, timezone: str
) -> tuple[float, dict, list[float]]:
    """Seconds from the first upload byte to the job's end, the job, and progress seen.
    ``timezone``: the zone the file's wall times were written in (as the person confirms it)."""
    import httpx2

    headers = {"Authorization": f"Bearer {token}"}
    with httpx2.Client(base_url=base, timeout=600) as client, path.open("rb") as fh:
        t0 = time.perf_counter()
        r = client.post(
            "/api/v1/imports",
            files={"file": (path.name, fh)},
            params={"timezone": timezone},
            headers=headers,
        )
        r.raise_for_status()
        job, fractions = _poll(client, headers, r.json()["id"])
        return time.perf_counter() - t0, job, fractions


def bulk_baseline(base: str, token: str, items: list[dict]) -> float:
    import httpx2

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps({"items": items[i : i + 100_000]}) for i in range(0, len(items), 100_000)]
    with httpx2.Client(base_url=base, timeout=600) as client:
        t0 = time.perf_counter()
        for body in bodies:
            client.post("/api/v1/glucose/bulk", content=body, headers=headers).raise_for_status()
        return time.perf_counter() - t0


def readings_like(n: int, start: dt.datetime) -> list[dict]:
    return [
        {
            "timestamp": (start + dt.timedelta(minutes=5 * i)).isoformat(),
            "value": 100 + (i * 7) % 120,
            "source": "baseline",
        }
        for i in range(n)
    ]


def run(files: list[tuple[str, Path, int, str]], kinds: tuple[str, ...]) -> list[dict]:
    """``files``: (label, path, glucose rows in it, its time zone). A fresh database per kind."""
    rows = []
    for kind in kinds:
        with database(kind) as (url, data_dir):
            users = make_users(
                url, data_dir, [f"imp{i}@example.org" for i in range(len(files) + 1)]
            )
            with server(url, data_dir) as base:
                for (label, path, n, tz), (_, token) in zip(files, users, strict=False):
                    seconds, job, fractions = import_file(base, token, path, tz)
                    counts = job["progress"]["counts"].get("glucose", {})
                    rows.append(
                        {
                            "db": kind,
                            "file": label,
                            "mb": path.stat().st_size / 1e6,
                            "status": job["status"],
                            "glucose": counts.get("inserted", 0),
                            "rejected": job["rejected_total"],
                            "s": seconds,
                            "progress_updates": len(set(fractions)),
                            "expected": n,
                        }
                    )
                biggest = max(f[2] for f in files)
                base_s = bulk_baseline(
                    base,
                    users[-1][1],
                    readings_like(biggest, dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
                )
                rows.append(
                    {
                        "db": kind,
                        "file": f"baseline: {biggest:,} readings as JSON bulk",
                        "mb": 0.0,
                        "status": "done",
                        "glucose": biggest,
                        "rejected": 0,
                        "s": base_s,
                        "progress_updates": 0,
                        "expected": biggest,
                    }
                )
    return rows


def print_rows(rows: list[dict]) -> None:
    print(f"{'db':9} {'file':44} {'MB':>7} {'readings':>9} {'s':>7} {'rows/s':>9} {'progress':>8}")
    for r in rows:
        rate = r["glucose"] / r["s"] if r["s"] else 0.0
        flag = "" if r["glucose"] == r["expected"] and r["status"] == "done" else "  <-- INCOMPLETE"
        print(
            f"{r['db']:9} {r['file']:44} {r['mb']:7.1f} {r['glucose']:9,} {r['s']:7.2f} "
            f"{rate:9,.0f} {r['progress_updates']:8}{flag}"
        )


def tmpdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="glucolens-import-bench-"))
