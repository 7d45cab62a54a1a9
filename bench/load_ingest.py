"""Concurrent clients against a real `glucolens serve` on loopback, on SQLite and PostgreSQL:
50 and 100 clients, each its own user, each sending its next request as soon as the last
one is answered (a closed loop), for a fixed time per endpoint. Endpoints: GET /healthz
(the baseline: the same server and client with no database work), GET
/api/v1/dashboard/summary (each user holds 7 days of readings; default 60 s read cache) and
POST /api/v1/glucose/bulk (288 readings, one day, new and distinct for every request).
Prints p50/p95/p99 latency, throughput and errors by status for each.

Run: .venv/bin/python bench/load_ingest.py [--clients 50 100] [--seconds 15] [--only sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import database, make_users, pct, server

WARMUP_S = 2.0
SEED_DAYS = 7
# Requests still unanswered after this count as errors (the pool waits were 30 s).
TIMEOUT_S = 30.0


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    def row(self, label: str) -> str:
        n = len(self.latencies_ms)
        lat = self.latencies_ms or [float("nan")]
        errors = ", ".join(f"{k}×{v}" for k, v in sorted(self.errors.items())) or "0"
        return (
            f"{label:<40} {pct(lat, 50):8.1f} {pct(lat, 95):8.1f} {pct(lat, 99):8.1f} "
            f"{n / self.elapsed_s:9.1f}  {errors}"
        )


def day_of_readings(client: int, days_back: int) -> str:
    """288 five-minute readings of one local day, ``days_back`` days ago, as a bulk body."""
    midnight = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight - dt.timedelta(days=days_back)
    items = [
        {
            "timestamp": (start + dt.timedelta(minutes=5 * i)).isoformat(),
            "value": float(80 + (client * 7 + i * 13 + days_back) % 160),
            "source": "load",
        }
        for i in range(288)
    ]
    return json.dumps({"items": items})


async def seed(base: str, tokens: list[str]) -> None:
    """SEED_DAYS days for every user, eight uploads at a time (not measured)."""
    import httpx2

    gate = asyncio.Semaphore(8)
    async with httpx2.AsyncClient(base_url=base, timeout=120) as c:

        async def one(i: int, token: str, day: int) -> None:
            async with gate:
                r = await c.post(
                    "/api/v1/glucose/bulk",
                    content=day_of_readings(i, day),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                r.raise_for_status()

        await asyncio.gather(
            *(one(i, t, d) for i, t in enumerate(tokens) for d in range(1, SEED_DAYS + 1))
        )


Request = Callable[[int, int], tuple[str, str, str | None]]  # (client, n) -> method, path, body


async def closed_loop(base: str, tokens: list[str], request: Request, seconds: float) -> Result:
    """Every client sends, waits for the answer, sends again, until the window ends. Every
    request that ends after the warm-up counts, however late (a stalled server shows up
    as timeouts, not as silence); throughput is answers per second from the window's start
    until the last of them arrived."""
    import httpx2

    result = Result()
    limits = httpx2.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    t_start = time.perf_counter() + WARMUP_S
    t_end = t_start + seconds
    last = t_end
    async with httpx2.AsyncClient(base_url=base, timeout=TIMEOUT_S, limits=limits) as c:

        async def client(i: int) -> None:
            nonlocal last
            headers = {"Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"}
            n = 0
            while (t0 := time.perf_counter()) < t_end:
                method, path, body = request(i, n)
                n += 1
                try:
                    r = await c.request(method, path, content=body, headers=headers)
                    outcome = "" if r.status_code < 400 else str(r.status_code)
                except httpx2.HTTPError as exc:
                    outcome = type(exc).__name__
                t1 = time.perf_counter()
                if t1 < t_start:
                    continue
                last = max(last, t1)
                if outcome:
                    result.errors[outcome] += 1
                else:
                    result.latencies_ms.append((t1 - t0) * 1000)

        await asyncio.gather(*(client(i) for i in range(len(tokens))))
    result.elapsed_s = last - t_start
    return result


def healthz(_i: int, _n: int) -> tuple[str, str, str | None]:
    return "GET", "/healthz", None


def summary(_i: int, _n: int) -> tuple[str, str, str | None]:
    return "GET", "/api/v1/dashboard/summary", None


def bulk(i: int, n: int) -> tuple[str, str, str | None]:
    # A new day per request, older than the seeded week: every reading is new.
    return "POST", "/api/v1/glucose/bulk", day_of_readings(i, SEED_DAYS + 1 + n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 100])
    ap.add_argument("--seconds", type=float, default=15.0, help="measured time per endpoint")
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    args = ap.parse_args()
    print(
        f"load: closed loop, {args.seconds:.0f} s per endpoint after {WARMUP_S:.0f} s warm-up, "
        f"one user per client, client timeout {TIMEOUT_S:.0f} s"
    )
    header = f"{'database / clients / endpoint':<40} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(f"{header} {'ok req/s':>9}  errors")
    endpoints = {"GET /healthz (baseline)": healthz, "GET summary": summary, "POST bulk 288": bulk}
    for kind in ("sqlite", "postgres"):
        if args.only and kind != args.only:
            continue
        with database(kind) as (url, data_dir):
            emails = [f"load{i}@example.org" for i in range(max(args.clients))]
            tokens = [token for _, token in make_users(url, data_dir, emails)]
            with server(url, data_dir) as base:
                asyncio.run(seed(base, tokens))
                for clients in args.clients:
                    for name, request in endpoints.items():
                        res = asyncio.run(
                            closed_loop(base, tokens[:clients], request, args.seconds)
                        )
                        print(res.row(f"{kind} / {clients} / {name}"), flush=True)


if __name__ == "__main__":
    main()
