"""Per-request cost under load (issue 15): wrk against a real `glucolens serve` on
PostgreSQL and Redis, with the framework's own ceiling measured side by side in the same
run: a bare FastAPI app (one sync ``def`` handler returning a dict, bench/_bare_app.py)
served by the same uvicorn with the same number of workers.

Endpoints: GET /livez (no I/O), GET /healthz, GET /api/v1/auth/me, GET
/api/v1/dashboard/summary (each user holds 7 days of readings; one warm-up request per user
just before the row, so every measured one is a hit although GLUCOLENS_DASHBOARD_CACHE_S is
60 s and a run takes minutes), and the static /login/ page. Every request comes from the next of
100 users (bench/wrk/users.lua rotates their tokens), so caches are per user as in life.
The bare app is measured before and after the GlucoLens endpoints; the ratio column is
throughput over the mean of those two bare runs at the same client count. After the
load, /metrics is scraped 20 times and its time and size printed.

Run: .venv/bin/python bench/load.py [--seconds 10] [--clients 50 100] [--workers 1 2]
     [--code /path/to/another/checkout/backend]   (measure another version of the code,
     e.g. a `git worktree` of the previous commit, against the same bare baseline)
Needs `wrk` (Debian: apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import BIN, bench_env, database, free_port, make_users
from load_ingest import seed

HERE = Path(__file__).resolve().parent
LUA = HERE / "wrk" / "users.lua"
USERS = 100
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
METRICS_TOKEN = "bench-metrics-token"
SUMMARY = "/api/v1/dashboard/summary"
ENDPOINTS = {
    "GET /livez": ("/livez", False),
    "GET /healthz": ("/healthz", False),
    "GET /api/v1/auth/me": ("/api/v1/auth/me", True),
    "GET summary (cached)": (SUMMARY, True),
    "GET /login/ (static)": ("/login/", False),
}


def wait_up(base: str, path: str) -> None:
    import httpx2

    for _ in range(300):
        try:
            if httpx2.get(base + path, timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


@contextlib.contextmanager
def process(cmd: list[str], env: dict[str, str], probe: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, probe)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def wrk(base: str, path: str, tokens_file: str, clients: int, seconds: float) -> dict:
    env = {**os.environ, "WRK_PATH": path, "WRK_TOKENS": tokens_file}
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    r = json.loads(line.removeprefix("WRKJSON "))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def row(label: str, r: dict, bare_rps: float | None) -> str:
    ratio = f"{r['rps'] / bare_rps:6.2f}×" if bare_rps else "       "
    errors = r["non2xx"] + r["socket_errors"] + r["timeouts"]
    return (
        f"{label:<44} {r['rps']:9.0f} {ratio} {r['p50'] / 1000:8.1f} {r['p95'] / 1000:8.1f} "
        f"{r['p99'] / 1000:8.1f} {errors:7d}"
    )


def scrape(base: str, n: int = 20) -> tuple[float, float, int]:
    import httpx2

    times, size = [], 0
    with httpx2.Client(base_url=base, timeout=30) as c:
        for _ in range(n):
            t0 = time.perf_counter()
            r = c.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            times.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            size = len(r.content)
    times.sort()
    return statistics.median(times), times[int(0.95 * (n - 1))], size


def warm(base: str, tokens: list[str]) -> None:
    """One summary request per user, so the measured ones are served from the cache."""
    import httpx2

    with httpx2.Client(base_url=base, timeout=60) as c:
        for t in tokens:
            c.get(SUMMARY, headers={"Authorization": f"Bearer {t}"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 100])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--code", help="backend dir of another checkout to measure instead")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    extra = {"PYTHONPATH": str(Path(args.code).resolve())} if args.code else {}
    print(
        f"load: wrk -t2, {args.seconds:.0f} s per row, {USERS} users, PostgreSQL + Redis, "
        f"{os.cpu_count()} cores shared by wrk and the servers"
        + (f"; code from {args.code}" if args.code else "")
    )
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with database("postgres", os.environ.get("BENCH_PG_NAME")) as (url, data_dir):
        emails = [f"load{i}@example.org" for i in range(USERS)]
        tokens = [t for _, t in make_users(url, data_dir, emails)]
        tokens_path = Path(tempfile.mkstemp(suffix=".txt")[1])
        tokens_path.write_text("\n".join(tokens) + "\n")
        static = HERE.parent / "frontend" / "out"
        endpoints = dict(ENDPOINTS)
        if not (static / "login" / "index.html").exists():
            del endpoints["GET /login/ (static)"]
            print(f"no web app build in {static} (make frontend): the static row is left out")
        env = {
            **bench_env(url, data_dir),
            "GLUCOLENS_REDIS_URL": REDIS_URL,
            "GLUCOLENS_METRICS_TOKEN": METRICS_TOKEN,
            "GLUCOLENS_STATIC_DIR": str(static),
            **extra,
        }
        seeded = False
        for workers in args.workers:
            print(f"\n--- {workers} worker(s) per server ---")
            head = f"{'clients / endpoint':<44} {'req/s':>9} {'×bare':>7} {'p50 ms':>8}"
            print(f"{head} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
            bare_cmd = [
                str(BIN / "uvicorn"),
                "_bare_app:app",
                "--app-dir",
                str(HERE),
                "--no-access-log",
                "--log-level",
                "warning",
                "--workers",
                str(workers),
            ]
            app_cmd = [str(BIN / "glucolens"), "serve", "--workers", str(workers)]
            with (
                process(bare_cmd, dict(os.environ), "/hello") as bare,
                process(app_cmd, env, "/livez") as app,
            ):
                if not seeded:
                    asyncio.run(seed(app, tokens))
                    seeded = True
                for clients in args.clients:
                    before = wrk(bare, "/hello", "", clients, args.seconds)
                    rows = []
                    for name, (path, auth) in endpoints.items():
                        if path == SUMMARY:
                            warm(app, tokens)  # the cache's TTL may have run out since
                        r = wrk(app, path, str(tokens_path) if auth else "", clients, args.seconds)
                        rows.append((f"{clients} / {name}", r))
                    after = wrk(bare, "/hello", "", clients, args.seconds)
                    bare_rps = (before["rps"] + after["rps"]) / 2
                    print(row(f"{clients} / bare FastAPI (before)", before, None))
                    for label, r in rows:
                        print(row(label, r, bare_rps))
                    print(row(f"{clients} / bare FastAPI (after)", after, None), flush=True)
                p50, p95, size = scrape(app)
                print(f"/metrics scrape: p50 {p50:.1f} ms, p95 {p95:.1f} ms, {size / 1024:.0f} KiB")
        tokens_path.unlink()


if __name__ == "__main__":
    main()
