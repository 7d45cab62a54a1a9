"""Live device sync (issue 13, "Measured"), against a real `glucolens serve` on SQLite and
PostgreSQL, each figure beside a baseline taken in the same run, interleaved with it:

1. first upload: Juggluco's first upload, 30 days of Libre readings (10,440 entries, the
   most its uploader puts in one POST) to ``POST /api/v1/entries`` with ``api-secret``,
   plain (as Juggluco sends it) and gzip; baseline: the same readings through
   ``POST /api/v1/glucose/bulk`` with an API key. Each upload is a new user's first, so
   every reading is new. Time from the first byte sent to the whole answer read; every
   answer is checked (one ``_id`` per entry, none skipped) and the user's rows counted.
2. HealthKit initial sync: one year of 5-minute glucose through
   ``POST /api/v1/integrations/healthkit/sync`` (bench/_sync_healthkit.py).
3. steady state (bench/_sync_steady.py): ``--uploaders`` users (default 100), each with
   its own API secret, each posting one xDrip+-shaped reading (a one-entry array) every 5 s
   for ``--seconds`` (default 60, or ``BENCH_SYNC_SECONDS``) to ``POST /api/v1/entries``,
   starts spread over the first 5 s; baseline: the same load to ``POST /api/v1/glucose``
   (one reading) with each user's API key. An open loop (each uploader sends on its
   schedule, or at once when its previous answer came late), so latency is what an uploader
   waits. Errors are any other status, a wrong answer, or no answer within 30 s; afterwards
   the rows in the window are counted in the database and must equal the readings sent.

Bodies are shaped like the uploaders' own:
- Juggluco: j-kaltes/Juggluco Common/src/main/cpp/net/watchserver/uploader.cpp
  (``mkuploaditem``: type, device = the sensor's short name, dateString from
  datestring.h ``Tdatestring`` "...T..:..:...000+01:00", date = seconds * 1000, sgv int,
  delta "%.3f", direction, noise 1, filtered/unfiltered sgv * 1000, rssi 100; ``uploadCGM``:
  at most 10,440 items, no whitespace) and Common/src/main/java/tk/glucodata/NightPost.java
  (POST with ``api-secret`` = SHA-1 hex, ``Content-Type: application/json``, no gzip).
- xDrip+: NightscoutFoundation/xDrip UtilityModels/NightscoutUploader.java
  (populateV1APIBGEntry), as in backend/tests/integrations/nightscout/
  test_entries_uploaders.py.
- HealthKit: docs/healthkit-sync.md's request example.

Run: .venv/bin/python bench/sync.py [first healthkit steady] [--db sqlite,postgres]
     [--seconds 60] [--uploaders 100] [--rounds 5] [--steady-rounds 2] [--hk-rounds 3]
     [--hk-batch 10000] [--pg-db NAME] [--redis-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _sync_healthkit
import _sync_steady
from _harness import database, make_users, server
from _sync_steady import CET, steady_request

JUGGLUCO_ITEMS = 10_440  # uploader.cpp uploadCGM: maxitems
JUGGLUCO_DAYS = 30  # uploader.cpp: nighttimeback = 30 days
# Juggluco's direction labels (getdeltaname) -> GlucoLens's trend names, for the baseline.
DIRECTIONS = {
    "DoubleDown": "doubleDown",
    "SingleDown": "singleDown",
    "FortyFiveDown": "fortyFiveDown",
    "Flat": "flat",
    "FortyFiveUp": "fortyFiveUp",
    "SingleUp": "singleUp",
    "DoubleUp": "doubleUp",
}


@dataclass
class Account:
    user_id: str
    token: str  # a signed-in session (only to make the credentials below)
    api_secret_sha1: str = ""
    api_key: str = ""


# -- set-up ------------------------------------------------------------------------------


async def make_credentials(base: str, accounts: list[Account]) -> None:
    """Each user makes an API secret and an API key through the API, as a person would."""
    import httpx2

    gate = asyncio.Semaphore(8)
    async with httpx2.AsyncClient(base_url=base, timeout=60) as c:

        async def one(a: Account) -> None:
            async with gate:
                h = {"Authorization": f"Bearer {a.token}"}
                r = await c.post(
                    "/api/v1/integrations/nightscout/credentials",
                    json={"kind": "secret"},
                    headers=h,
                )
                r.raise_for_status()
                a.api_secret_sha1 = r.json()["api_secret_sha1"]
                r = await c.post(
                    "/api/v1/auth/api-keys",
                    json={"name": "bench uploader", "scopes": ["read", "write:readings"]},
                    headers=h,
                )
                r.raise_for_status()
                a.api_key = r.json()["key"]

        await asyncio.gather(*(one(a) for a in accounts))


def sources(url: str, user_id: str) -> list[str]:
    from sqlalchemy import create_engine, select

    from glucolens.readings.models import GlucoseReading as G

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stmt = select(G.source).where(G.user_id == uuid.UUID(user_id)).distinct()
            return sorted(conn.execute(stmt).scalars())
    finally:
        engine.dispose()


def count_rows(url: str, user_ids: list[str], start: dt.datetime, end: dt.datetime) -> int:
    """Glucose rows of these users with start <= ts <= end, read from the database itself."""
    from sqlalchemy import create_engine, func, select

    from glucolens.readings.models import GlucoseReading as G

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stmt = select(func.count()).where(
                G.user_id.in_([uuid.UUID(u) for u in user_ids]), G.ts >= start, G.ts <= end
            )
            return int(conn.execute(stmt).scalar_one())
    finally:
        engine.dispose()


def warm_up(base: str, a: Account) -> None:
    """One small request to each route (not measured): the first answers of a fresh server
    pay for imports and caches."""
    import httpx2

    entries = juggluco_month(seed=0)[-50:]
    with httpx2.Client(base_url=base, timeout=60) as c:
        c.post(
            "/api/v1/entries", json=entries[:25], headers={"api-secret": a.api_secret_sha1}
        ).raise_for_status()
        c.post(
            "/api/v1/glucose/bulk",
            json={"items": as_bulk_items(entries[25:49])},
            headers={"Authorization": f"Bearer {a.api_key}"},
        ).raise_for_status()
        path, body, headers = steady_request("native", a, dt.datetime.now(dt.UTC), 100)
        c.post(path, content=body, headers=headers).raise_for_status()


# -- 1. Juggluco's first upload ----------------------------------------------------------


def juggluco_month(seed: int) -> list[dict]:
    """30 days of readings ending a minute ago, as Juggluco's mkuploaditem writes them."""
    rng = random.Random(seed)
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=1)
    step = JUGGLUCO_DAYS * 86400 / JUGGLUCO_ITEMS
    labels = list(DIRECTIONS)
    items, g = [], 120.0
    for i in range(JUGGLUCO_ITEMS):
        when = end - dt.timedelta(seconds=round(step * (JUGGLUCO_ITEMS - 1 - i)))
        change = rng.gauss(0, 1.2)
        g = min(380.0, max(45.0, g + change * 4 + (120 - g) * 0.02))
        sgv = round(g)
        local = when.astimezone(CET)
        items.append(
            {
                "type": "sgv",
                "device": "3MH0012ABCD",  # the sensor's short name (Libre 3 serial)
                "dateString": local.strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
                "date": int(when.timestamp()) * 1000,
                "sgv": sgv,
                "delta": round(change, 3),
                "direction": labels[min(6, max(0, round(change) + 3))],
                "noise": 1,
                "filtered": sgv * 1000,
                "unfiltered": sgv * 1000,
                "rssi": 100,
            }
        )
    return items


def as_bulk_items(entries: list[dict]) -> list[dict]:
    return [
        {
            "timestamp": e["dateString"],
            "value": float(e["sgv"]),
            "trend": DIRECTIONS[e["direction"]],
            "device": e["device"],
            "source": "juggluco",
        }
        for e in entries
    ]


@dataclass
class Upload:
    seconds: list[float] = field(default_factory=list)
    body_bytes: int = 0


def first_upload(base: str, url: str, accounts: list[Account], rounds: int) -> dict[str, Upload]:
    import httpx2

    entries = juggluco_month(seed=1)
    plain = json.dumps(entries, separators=(",", ":")).encode()
    arms = {
        "entries plain": (
            "/api/v1/entries",
            plain,
            {"Content-Type": "application/json"},
        ),
        "entries gzip": (
            "/api/v1/entries",
            gzip.compress(plain),
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
        ),
        "baseline glucose/bulk": (
            "/api/v1/glucose/bulk",
            json.dumps({"items": as_bulk_items(entries)}, separators=(",", ":")).encode(),
            {"Content-Type": "application/json"},
        ),
    }
    results = {name: Upload(body_bytes=len(arm[1])) for name, arm in arms.items()}
    names = list(arms)
    fresh = iter(accounts)
    with httpx2.Client(base_url=base, timeout=600) as client:
        for r in range(rounds):
            for name in names[r % 3 :] + names[: r % 3]:  # a different order each round
                path, body, headers = arms[name]
                a = next(fresh)
                auth = (
                    {"Authorization": f"Bearer {a.api_key}"}
                    if path.endswith("bulk")
                    else {"api-secret": a.api_secret_sha1}
                )
                t0 = time.perf_counter()
                resp = client.post(path, content=body, headers={**headers, **auth})
                answer = resp.json()
                seconds = time.perf_counter() - t0
                check_first_upload(name, resp.status_code, answer)
                stored = count_rows(
                    url,
                    [a.user_id],
                    dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                    dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
                )
                if stored != JUGGLUCO_ITEMS:
                    raise AssertionError(f"{name}: {stored} rows stored of {JUGGLUCO_ITEMS}")
                results[name].seconds.append(seconds)
                if r == 0 and name == "entries plain":
                    print(f"  Juggluco's entries were stored with source {sources(url, a.user_id)}")
    return results


def check_first_upload(name: str, status: int, answer: object) -> None:
    if name.startswith("baseline"):
        ok = status == 200 and isinstance(answer, dict) and answer["inserted"] == JUGGLUCO_ITEMS
    else:
        ok = (
            status == 200
            and isinstance(answer, list)
            and len(answer) == JUGGLUCO_ITEMS
            and all(isinstance(x.get("_id"), str) and "glucolensSkipped" not in x for x in answer)
            and len({x["_id"] for x in answer}) == JUGGLUCO_ITEMS
        )
    if not ok:
        raise AssertionError(f"{name}: HTTP {status}: {str(answer)[:300]}")


# -- main --------------------------------------------------------------------------------


def first_section(
    kind: str, base: str, url: str, accounts: list[Account], rounds: int
) -> list[str]:
    print(f"== {kind}: first upload, {JUGGLUCO_ITEMS:,} entries, {rounds} runs of each")
    lines = []
    for name, up in first_upload(base, url, accounts, rounds).items():
        med = statistics.median(up.seconds)
        lines.append(
            f"{kind:<9} first upload  {name:<24} {up.body_bytes / 1e6:6.2f} MB  "
            f"median {med:6.2f} s ({min(up.seconds):.2f}–{max(up.seconds):.2f})  "
            f"{JUGGLUCO_ITEMS / med:9,.0f} rows/s"
        )
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="*", help="first, healthkit, steady (default: all)")
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SYNC_SECONDS", "60")),
        help="steady state: seconds per round (default 60, or BENCH_SYNC_SECONDS)",
    )
    ap.add_argument("--uploaders", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5, help="first upload: runs of each arm")
    ap.add_argument("--steady-rounds", type=int, default=2, help="steady: rounds of each arm")
    ap.add_argument("--hk-rounds", type=int, default=3, help="HealthKit: runs of each arm")
    ap.add_argument(
        "--hk-batch", type=int, default=_sync_healthkit.BATCH, help="HealthKit: samples per batch"
    )
    ap.add_argument("--pg-db", help="PostgreSQL database to create and drop (default: per run)")
    ap.add_argument("--redis-url", help="GLUCOLENS_REDIS_URL for the PostgreSQL server")
    args = ap.parse_args()
    sections = args.sections or ["first", "healthkit", "steady"]
    summary: list[str] = []
    for kind in [k for k in args.db.split(",") if k]:
        with database(kind, args.pg_db) as (url, data_dir):
            n_first, n_hk = 3 * args.rounds, 2 * args.hk_rounds
            total = args.uploaders + n_first + n_hk + 1
            emails = [f"sync{i}@example.org" for i in range(total)]
            accounts = [Account(u, t) for u, t in make_users(url, data_dir, emails)]
            uploaders, others = accounts[: args.uploaders], accounts[args.uploaders :]
            first_users, hk_users = others[:n_first], others[n_first : n_first + n_hk]
            extra = {}
            if args.redis_url and kind != "sqlite":
                extra["GLUCOLENS_REDIS_URL"] = args.redis_url
            with server(url, data_dir, **extra) as base:
                asyncio.run(make_credentials(base, accounts))
                warm_up(base, others[-1])
                if "first" in sections:
                    summary += first_section(kind, base, url, first_users, args.rounds)
                if "healthkit" in sections:
                    lines = _sync_healthkit.run(
                        base, url, hk_users, kind, args.hk_rounds, args.hk_batch, count_rows
                    )
                    for line in lines:
                        print(line, flush=True)
                    summary += lines
                if "steady" in sections:
                    summary += _sync_steady.section(
                        kind, base, url, uploaders, args.seconds, args.steady_rounds, count_rows
                    )
    print("\n== summary (medians over the runs; max over all requests)")
    for line in summary:
        print(line)


if __name__ == "__main__":
    main()
