"""Cold start: from a fresh data dir to each insight on screen, with numba's cache for
STUMPY empty (a first start) and filled (every later start, and a release with the same
STUMPY), side by side in one run.

1. First STUMPY call in a fresh process (``analytics.patterns.warm_up``: every STUMPY
   function the insight job calls), numba cache dir ``<data_dir>/numba-cache`` empty,
   then again in a second process with the cache the first one wrote.
2. ``glucolens db upgrade`` and ``glucolens demo`` (90 days) into a fresh SQLite data dir,
   ``glucolens serve`` without a broker (in-process jobs), then the first insight read:
   seconds from that read to each insight part stored (``GET /insights/jobs/{id}``'s
   ``parts``). Once with an empty numba cache ("make run to first insight on a fresh
   machine", install time not counted) and once with the cache of step 1 copied into
   the new data dir (a restart or release). The "all parts" line is what every page
   waited for before the job stored its quick part first (one commit at the end).

Run: nice -n 10 .venv/bin/python bench/cold_start.py [--days 90]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import BIN, bench_env, free_port  # noqa: E402

PARTS = ["correlations", "predictions", "causal_graph", "recurring_patterns", "anomalies"]
EMAIL = "demo@glucolens.local"


def _env(data_dir: Path) -> dict[str, str]:
    env = bench_env(f"sqlite:///{data_dir / 'glucolens.db'}", data_dir)
    env.pop("NUMBA_CACHE_DIR", None)  # the data dir's cache, as a deployment gets it
    return env


def first_stumpy_call(data_dir: Path) -> float:
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from glucolens.insights.warmup import use_persistent_cache\n"
        "use_persistent_cache(Path(__import__('os').environ['GLUCOLENS_DATA_DIR']))\n"
        "from glucolens.analytics.patterns import warm_up\n"
        "warm_up(); print(time.perf_counter() - t0)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(data_dir), check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def _token(env: dict[str, str]) -> str:
    code = (
        "from sqlalchemy import select\n"
        "from glucolens.auth.models import User, UserSession\n"
        "from glucolens.auth.tokens import issue_access_token\n"
        "from glucolens.core.db import get_sessionmaker\n"
        "db = get_sessionmaker()()\n"
        f"u = db.execute(select(User).where(User.email == {EMAIL!r})).scalar_one()\n"
        "s = UserSession(user_id=u.id, device='bench'); db.add(s); db.commit()\n"
        "print(issue_access_token(u.id, s.id)[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.split()[-1]


def demo_to_insights(data_dir: Path, days: int) -> dict[str, float]:
    import httpx2

    env = _env(data_dir)
    glucolens = str(BIN / "glucolens")
    t0 = time.perf_counter()
    subprocess.run([glucolens, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [glucolens, "demo", "--days", str(days)], env=env, check=True, capture_output=True
    )
    out = {"db upgrade + glucolens demo": time.perf_counter() - t0}
    token = _token(env)
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [glucolens, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx2.get(base + "/livez", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        out["serve until /livez answers"] = time.perf_counter() - t0
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=base, headers=headers, timeout=60) as c:
            t0 = time.perf_counter()
            first = c.get("/api/v1/insights/correlations")
            assert first.status_code == 202, first.text
            job_id = first.json()["job_id"]
            ready: dict[str, float] = {}
            while True:
                job = c.get(f"/api/v1/insights/jobs/{job_id}").raise_for_status().json()
                now = time.perf_counter() - t0
                for part, state in job["parts"].items():
                    if state == "ready" and part not in ready:
                        ready[part] = now
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.25)
            assert job["status"] == "done", job
            # The page's own read returns the stored result once its part is ready.
            body = c.get("/api/v1/insights/correlations").json()
            assert body["status"] in ("ok", "insufficient_data"), body
    finally:
        proc.terminate()
        proc.wait(10)
    for part in PARTS:
        out[f"first read -> {part}"] = ready.get(part, float("nan"))
    out["first read -> all parts (before: one commit)"] = max(ready.values())
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=90)
    a = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="glucolens-cold-start-"))
    try:
        probe = root / "probe"
        probe.mkdir()
        cold_call = first_stumpy_call(probe)
        warm_call = first_stumpy_call(probe)
        cache = probe / "numba-cache"
        n_files = sum(1 for _ in cache.rglob("*.nbi"))
        print(f"cold start on {os.cpu_count()} CPUs, loadavg {os.getloadavg()[0]:.1f}")
        print(f"{'':<46} {'cold cache':>11} {'warm cache':>11}")
        print(f"{'first STUMPY call, fresh process (s)':<46} {cold_call:11.1f} {warm_call:11.1f}")
        print(f"  ({n_files} cached functions, {_size_mb(cache):.1f} MB in <data_dir>/numba-cache)")

        cold_dir, warm_dir = root / "cold", root / "warm"
        cold_dir.mkdir()
        warm_dir.mkdir()
        shutil.copytree(cache, warm_dir / "numba-cache")
        cold = demo_to_insights(cold_dir, a.days)
        warm = demo_to_insights(warm_dir, a.days)
        print(f"glucolens demo ({a.days} days, SQLite, no broker) to each insight, seconds:")
        for key in cold:
            print(f"{key:<46} {cold[key]:11.1f} {warm[key]:11.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


if __name__ == "__main__":
    main()
