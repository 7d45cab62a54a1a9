"""bench/sync.py part 3: 100 simulated uploaders in steady state, each with its own
credential, each posting one reading every 5 s, against ``POST /api/v1/entries``
(xDrip+-shaped one-entry arrays, NightscoutFoundation/xDrip UtilityModels/
NightscoutUploader.java populateV1APIBGEntry, as in backend/tests/integrations/nightscout/
test_entries_uploaders.py) and, as the baseline, ``POST /api/v1/glucose`` (one reading)
with each user's API key. See bench/sync.py for what is measured and checked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _harness import pct

CET = dt.timezone(dt.timedelta(hours=1))
INTERVAL_S = 5.0
TIMEOUT_S = 30.0
CountRows = Callable[[str, list[str], dt.datetime, dt.datetime], int]


@dataclass
class Steady:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    stored: int = 0


def xdrip_entry(when: dt.datetime, sgv: int) -> dict:
    local = when.astimezone(CET).strftime("%Y-%m-%dT%H:%M:%S.000%z")  # +0100: no colon
    return {
        "device": "xDrip-LibreReceiver",
        "date": int(when.timestamp() * 1000),
        "dateString": local,
        "sgv": sgv,
        "delta": -1.5,
        "direction": "Flat",
        "type": "sgv",
        "filtered": sgv * 1000,
        "unfiltered": sgv * 1000,
        "rssi": 100,
        "noise": 1,
        "sysTime": local,
    }


def steady_request(arm: str, a: Any, when: dt.datetime, sgv: int) -> tuple[str, bytes, dict]:
    if arm == "nightscout":
        body = json.dumps([xdrip_entry(when, sgv)]).encode()
        headers = {"api-secret": a.api_secret_sha1, "Content-Type": "application/json"}
        return "/api/v1/entries", body, headers
    reading = {
        "timestamp": when.astimezone(CET).isoformat(),
        "value": float(sgv),
        "trend": "flat",
        "device": "xDrip-LibreReceiver",
        "source": "xdrip",
    }
    headers = {"Authorization": f"Bearer {a.api_key}", "Content-Type": "application/json"}
    return "/api/v1/glucose", json.dumps(reading).encode(), headers


def answer_ok(arm: str, status: int, body: bytes) -> bool:
    if arm != "nightscout":
        return status == 201
    if status != 200:
        return False
    answer = json.loads(body)
    return (
        isinstance(answer, list)
        and len(answer) == 1
        and isinstance(answer[0].get("_id"), str)
        and "glucolensSkipped" not in answer[0]
    )


async def steady_round(
    base: str, accounts: list[Any], arm: str, seconds: float, window_end: dt.datetime, seed: int
) -> Steady:
    """Reading k of every uploader is stamped window_end - (n - 1 - k) * 5 min: a block of
    past instants of its own for each round, so every reading sent is new."""
    import httpx2

    n = max(1, math.floor(seconds / INTERVAL_S))
    rng = random.Random(seed)
    offsets = [rng.uniform(0, INTERVAL_S) for _ in accounts]
    result = Steady()
    limits = httpx2.Limits(max_connections=len(accounts), max_keepalive_connections=len(accounts))
    async with httpx2.AsyncClient(base_url=base, timeout=TIMEOUT_S, limits=limits) as c:
        t_start = time.perf_counter() + 0.5

        async def uploader(i: int, a: Any) -> None:
            for k in range(n):
                delay = t_start + offsets[i] + k * INTERVAL_S - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                when = window_end - dt.timedelta(minutes=5 * (n - 1 - k))
                path, body, headers = steady_request(arm, a, when, 80 + (i * 7 + k * 13) % 160)
                result.sent += 1
                t0 = time.perf_counter()
                try:
                    r = await c.post(path, content=body, headers=headers)
                    outcome = "" if answer_ok(arm, r.status_code, r.content) else str(r.status_code)
                except httpx2.HTTPError as exc:
                    outcome = type(exc).__name__
                if outcome:
                    result.errors[outcome] += 1
                else:
                    result.latencies_ms.append((time.perf_counter() - t0) * 1000)

        await asyncio.gather(*(uploader(i, a) for i, a in enumerate(accounts)))
    return result


def steady_state(
    base: str, url: str, accounts: list[Any], seconds: float, rounds: int, count_rows: CountRows
) -> dict[str, list[Steady]]:
    """Rounds alternate ABBA... so drift in the machine's load falls on both arms."""
    n = max(1, math.floor(seconds / INTERVAL_S))
    anchor = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    order = ["nightscout", "native"]
    plan = [order[(0, 1, 1, 0)[r % 4]] for r in range(2 * rounds)]
    results: dict[str, list[Steady]] = {"nightscout": [], "native": []}
    # Not measured: 10 s of each arm first, so that neither pays alone for a fresh server's
    # connection pool, first credential look-ups and caches.
    warm_end = anchor - dt.timedelta(minutes=5 * n * len(plan))
    for j, arm in enumerate(order):
        end = warm_end - dt.timedelta(minutes=5 * 2 * (j + 1) * n)
        asyncio.run(steady_round(base, accounts, arm, 2 * INTERVAL_S, end, seed=100 + j))
    for block, arm in enumerate(plan):
        window_end = anchor - dt.timedelta(minutes=5 * n * block)
        window_start = window_end - dt.timedelta(minutes=5 * (n - 1))
        res = asyncio.run(steady_round(base, accounts, arm, seconds, window_end, seed=block))
        res.stored = count_rows(url, [a.user_id for a in accounts], window_start, window_end)
        results[arm].append(res)
        load = os.getloadavg()[0]
        print(
            f"  round {block + 1}/{len(plan)} {arm:<10} {steady_row(res)}  (load {load:.1f})",
            flush=True,
        )
    return results


def steady_row(res: Steady) -> str:
    lat = res.latencies_ms or [math.nan]
    errors = ", ".join(f"{k}×{v}" for k, v in sorted(res.errors.items())) or "0"
    return (
        f"p50 {pct(lat, 50):7.1f} ms  p95 {pct(lat, 95):7.1f} ms  max {max(lat):7.1f} ms  "
        f"errors {errors}  sent {res.sent}  stored {res.stored}"
    )


def section(
    kind: str,
    base: str,
    url: str,
    accounts: list[Any],
    seconds: float,
    rounds: int,
    count_rows: CountRows,
) -> list[str]:
    print(
        f"== {kind}: steady state, {len(accounts)} uploaders, one reading every "
        f"{INTERVAL_S:.0f} s for {seconds:.0f} s, {rounds} rounds of each (ABBA)"
    )
    lines = []
    labels = {"nightscout": "POST /api/v1/entries", "native": "baseline POST /api/v1/glucose"}
    for arm, runs in steady_state(base, url, accounts, seconds, rounds, count_rows).items():
        p50 = statistics.median(pct(r.latencies_ms or [math.nan], 50) for r in runs)
        p95 = statistics.median(pct(r.latencies_ms or [math.nan], 95) for r in runs)
        top = max(max(r.latencies_ms or [math.nan]) for r in runs)
        errors = sum(sum(r.errors.values()) for r in runs)
        sent, stored = sum(r.sent for r in runs), sum(r.stored for r in runs)
        flag = "" if errors == 0 and stored == sent else "  <-- FAILED"
        lines.append(
            f"{kind:<9} steady        {labels[arm]:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
            f"max {top:7.1f} ms  errors {errors}  sent {sent:,}  stored {stored:,}{flag}"
        )
    return lines
