"""bench/sync.py part 2: a HealthKit initial sync of one year of 5-minute glucose (105,120
samples) through ``POST /api/v1/integrations/healthkit/sync``, batch after batch as the
protocol in docs/healthkit-sync.md has the device send them (one batch in flight, the next
sent after the previous one's 2xx), beside the same readings sent through the native
``POST /api/v1/glucose/bulk`` in batches of the same size. Each run is a new user's first
sync; the arms alternate (AB, BA, ...). Samples are shaped as in the protocol's request
example (a Dexcom G7 app writing mg/dL, with its source revision and device). Every answer
is checked (all accepted, none rejected, no clock skew) and the user's rows are counted in
the database afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
import uuid
from zoneinfo import ZoneInfo

from _harness import year_of_readings

SYNC_PATH = "/api/v1/integrations/healthkit/sync"
# docs/healthkit-sync.md section 5: each batch is filled up to the 10,000-sample limit.
BATCH = 10_000
BERLIN = ZoneInfo("Europe/Berlin")
# The Dexcom G7 app's samples, as in the protocol's request example (section 3).
SOURCE_REVISION = {
    "source": {"name": "Dexcom G7", "bundle_identifier": "com.dexcom.G7"},
    "version": "2.4.0",
    "product_type": "iPhone15,2",
    "operating_system_version": "17.4.1",
}
DEVICE = {
    "name": "G7",
    "manufacturer": "Dexcom",
    "model": "G7",
    "hardware_version": "1",
    "software_version": "2.4.0",
}


def local(iso: str) -> str:
    """The time with the device's offset at that instant (section 3, "Offsets")."""
    return dt.datetime.fromisoformat(iso).astimezone(BERLIN).isoformat()


def glucose_samples(readings: list[dict]) -> list[dict]:
    return [
        {
            "uuid": str(uuid.uuid4()).upper(),  # HKObject.uuid.uuidString
            "start": local(r["timestamp"]),
            "end": local(r["timestamp"]),
            "value": r["value"],
            "unit": "mg/dL",
            "source_revision": SOURCE_REVISION,
            "device": DEVICE,
            "metadata": {"HKMetadataKeyWasUserEntered": False},
        }
        for r in readings
    ]


def healthkit_bodies(samples: list[dict], batch: int) -> list[bytes]:
    """One envelope per batch, without ``sent_at`` (added at each attempt)."""
    return [
        json.dumps(
            {
                "batch_id": str(uuid.uuid4()).upper(),
                "app_bundle_id": "org.glucolens.app",
                "app_version": "1.0 (12)",
                "device_model": "iPhone15,2",
                "system_version": "17.4.1",
                "time_zone": "Europe/Berlin",
                "samples": {"blood_glucose": samples[i : i + batch]},  # empty types omitted
            }
        ).encode()
        for i in range(0, len(samples), batch)
    ]


def bulk_bodies(samples: list[dict], batch: int) -> list[bytes]:
    """The same readings as the GlucoLens rows a sync makes of them (source healthkit, the
    app's name as device, the UUID as external_id)."""
    items = [
        {
            "timestamp": s["start"],
            "value": s["value"],
            "source": "healthkit",
            "device": s["source_revision"]["source"]["name"],
            "external_id": s["uuid"],
        }
        for s in samples
    ]
    return [
        json.dumps({"items": items[i : i + batch]}).encode() for i in range(0, len(items), batch)
    ]


def run_healthkit(client, token: str, bodies: list[bytes]) -> int:  # noqa: ANN001
    """One batch in flight; the next is sent after the previous one's 2xx (section 5)."""
    headers = {"X-API-Key": token, "Content-Type": "application/json"}
    accepted = 0
    for envelope in bodies:
        sent_at = dt.datetime.now(BERLIN).isoformat(timespec="milliseconds")
        body = envelope[:-1] + b', "sent_at": "' + sent_at.encode() + b'"}'
        r = client.post(SYNC_PATH, content=body, headers=headers)
        answer = r.json()
        if r.status_code != 200 or answer["rejected"] or answer["clock_skew"]:
            raise AssertionError(f"healthkit sync: HTTP {r.status_code}: {str(answer)[:300]}")
        accepted += answer["accepted"]
    return accepted


def run_bulk(client, token: str, bodies: list[bytes]) -> int:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    inserted = 0
    for body in bodies:
        r = client.post("/api/v1/glucose/bulk", content=body, headers=headers)
        answer = r.json()
        if r.status_code != 200 or answer["rejected"]:
            raise AssertionError(f"glucose/bulk: HTTP {r.status_code}: {str(answer)[:300]}")
        inserted += answer["inserted"]
    return inserted


def run(
    base: str, url: str, accounts: list, kind: str, rounds: int, batch: int, count_rows
) -> list[str]:  # noqa: ANN001
    import httpx2

    paths = httpx2.get(base + "/openapi.json", timeout=30).json()["paths"]
    if SYNC_PATH not in paths:
        return [f"{kind:<9} healthkit     not measured: this server has no POST {SYNC_PATH}"]
    readings = year_of_readings()
    n = len(readings)
    samples = glucose_samples(readings)
    arms = {
        "healthkit/sync": (run_healthkit, healthkit_bodies(samples, batch)),
        "baseline glucose/bulk": (run_bulk, bulk_bodies(samples, batch)),
    }
    seconds: dict[str, list[float]] = {name: [] for name in arms}
    names = list(arms)
    users = iter(accounts)
    print(f"== {kind}: HealthKit initial sync, {n:,} glucose samples, {batch:,} per batch")
    with httpx2.Client(base_url=base, timeout=600) as client:
        for r in range(rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                send, bodies = arms[name]
                a = next(users)
                t0 = time.perf_counter()
                done = send(client, a.api_key, bodies)
                elapsed = time.perf_counter() - t0
                far = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
                stored = count_rows(url, [a.user_id], dt.datetime(2000, 1, 1, tzinfo=dt.UTC), far)
                if done != n or stored != n:
                    raise AssertionError(f"{name}: {done} accepted, {stored} stored of {n}")
                seconds[name].append(elapsed)
                print(f"  run {r + 1} {name}: {elapsed:.2f} s", flush=True)
    lines = []
    for name, runs in seconds.items():
        med = statistics.median(runs)
        lines.append(
            f"{kind:<9} healthkit     {name:<24} {len(arms[name][1]):4} batches  "
            f"median {med:6.2f} s ({min(runs):.2f}–{max(runs):.2f})  {n / med:9,.0f} rows/s"
        )
    return lines
