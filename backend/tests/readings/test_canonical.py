"""Issue 12: one canonical glucose stream when the same sensor reaches GlucoLens twice.

Fixture shapes: the items are the bulk API's own (docs/api.md). The overlaps they model:
- Dexcom's app writes each G6/G7 reading to Apple Health as well (carbcountinghub.org,
  "Apple Health as a CGM bridge": "the Dexcom G7 application and the FreeStyle Libre 3
  application both write glucose values to HealthKit"), so a Clarity export and an Apple
  Health export hold the same 5-minute readings; the copies here are shifted by up to ±60 s
  and differ by up to ±0.5 mg/dL (unit round trips).
- A LibreView CSV holds the sensor's 15-minute history ("Record Type" 0, historic glucose;
  1 is a scan: SivertSolum/Glukoscillator docs/libreview-format.md), while an uploader
  (Nightscout, xDrip) holds the 1-minute readings of the same Libre 3 sensor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from glucolens.auth.models import User
from glucolens.readings.consistency import CheckReport, check_user
from glucolens.readings.models import GlucoseReading

BULK = "/api/v1/glucose/bulk"
LIST = "/api/v1/glucose"
SUMMARY = "/api/v1/dashboard/summary"
SOURCES = "/api/v1/data/sources"
PRIORITY = "/api/v1/data/source-priority"
DAYS = 3
# Three whole UTC days ending yesterday: complete days, whatever the time of the run.
LAST_DAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
START = dt.datetime.combine(LAST_DAY - dt.timedelta(days=DAYS - 1), dt.time(), dt.UTC)


def curve(n: int, step_min: float, seed: int = 3) -> np.ndarray:
    """A smooth daily curve with noise, whole mg/dL (as sensors report)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * step_min
    v = 140 + 60 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 6, n)
    return np.clip(np.round(v), 45, 380)


def items(
    source: str, times: list[dt.datetime], values: np.ndarray, **extra: Any
) -> list[dict[str, Any]]:
    return [
        {"timestamp": t.isoformat(), "value": float(v), "source": source, **extra}
        for t, v in zip(times, values, strict=True)
    ]


def post(client, headers, rows: list[dict[str, Any]]) -> dict[str, Any]:
    r = client.post(BULK, json={"items": rows}, headers=headers)
    assert r.status_code == 200, r.text
    assert not r.json()["rejected"], r.json()["rejected"][:3]
    return r.json()


def summary(client, headers) -> dict[str, Any]:
    r = client.get(SUMMARY, params={"days": DAYS, "end": LAST_DAY.isoformat()}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["windows"][0]


def listed(client, headers, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = {"limit": 1000, **params, **({"cursor": cursor} if cursor else {})}
        page = client.get(LIST, params=q, headers=headers).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def assert_consistent(db, user: User) -> None:
    report = CheckReport()
    check_user(db, db.merge(user), repair=False, report=report)
    db.rollback()
    assert report.mismatched_days == [], report.mismatched_days[:3]


@pytest.fixture
def signed_in(make_user, auth_headers):
    user = make_user()
    return user, auth_headers(user)


def clarity_and_apple_health() -> tuple[list[dict[str, Any]], list[dict[str, Any]], np.ndarray]:
    n = DAYS * 288
    times = [START + dt.timedelta(minutes=5 * i) for i in range(n)]
    values = curve(n, 5)
    rng = np.random.default_rng(11)
    shift = rng.integers(-60, 61, n)
    shift[0] = abs(shift[0])  # inside the summary's first day
    nudge = rng.choice([-0.5, -0.3, 0.0, 0.2, 0.5], n)
    clarity = items("dexcom_clarity", times, values, period_min=5)
    copies = items(
        "apple_health",
        [t + dt.timedelta(seconds=int(s)) for t, s in zip(times, shift, strict=True)],
        values + nudge,
    )
    return clarity, copies, values


@pytest.mark.parametrize("first", ["dexcom_clarity", "apple_health"])
def test_two_copies_of_one_sensor_count_once(client, signed_in, db, first):
    user, headers = signed_in
    clarity, copies, values = clarity_and_apple_health()
    for batch in [clarity, copies] if first == "dexcom_clarity" else [copies, clarity]:
        post(client, headers, batch)

    window = summary(client, headers)
    assert window["reading_count"] == len(values)
    assert window["wear_pct"] == 100.0
    assert window["mean"] == pytest.approx(values.mean(), abs=0.051)  # the single-source mean

    canonical = listed(client, headers, canonical="true")
    assert len(canonical) == len(values)
    assert {r["source"] for r in canonical} == {"dexcom_clarity"}
    everything = listed(client, headers)
    assert len(everything) == 2 * len(values)  # every raw row is kept
    by_id = {r["id"]: r for r in everything}
    for row in everything:
        if row["source"] == "apple_health":
            original = by_id[row["duplicate_of"]]
            assert original["source"] == "dexcom_clarity"
            assert original["duplicate_of"] is None
            gap = abs(
                dt.datetime.fromisoformat(row["timestamp"])
                - dt.datetime.fromisoformat(original["timestamp"])
            )
            assert gap <= dt.timedelta(seconds=60)

    sources = {s["source"]: s for s in client.get(SOURCES, headers=headers).json()["sources"]}
    assert sources["apple_health"]["counts"]["glucose"] == len(values)
    assert sources["apple_health"]["glucose_duplicates"] == len(values)
    assert sources["dexcom_clarity"]["glucose_duplicates"] == 0
    assert_consistent(db, user)


def test_changing_the_priority_swaps_the_canonical_copy(client, signed_in, db):
    user, headers = signed_in
    clarity, copies, _ = clarity_and_apple_health()
    post(client, headers, clarity)
    post(client, headers, copies)
    got = client.get(PRIORITY, headers=headers).json()
    assert got["default"] is True
    assert got["order"].index("dexcom_clarity") < got["order"].index("apple_health")
    db.expire_all()
    before = db.get(User, user.id).data_changed_at
    assert before is not None

    r = client.put(PRIORITY, json={"order": ["apple_health", "dexcom_clarity"]}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["default"] is False
    assert r.json()["order"][:2] == ["apple_health", "dexcom_clarity"]
    canonical = listed(client, headers, canonical="true")
    assert {r["source"] for r in canonical} == {"apple_health"}
    assert len(canonical) == len(copies)
    window = summary(client, headers)
    assert window["mean"] == pytest.approx(np.mean([c["value"] for c in copies]), abs=0.051)
    db.expire_all()
    assert db.get(User, user.id).data_changed_at > before  # DataChanged: insights recompute
    assert_consistent(db, user)

    r = client.delete(PRIORITY, headers=headers)
    assert r.status_code == 200 and r.json()["default"] is True
    assert {r["source"] for r in listed(client, headers, canonical="true")} == {"dexcom_clarity"}
    assert_consistent(db, user)


def test_deleting_the_canonical_source_promotes_its_copies(client, signed_in, db):
    user, headers = signed_in
    clarity, copies, _ = clarity_and_apple_health()
    post(client, headers, clarity)
    post(client, headers, copies)
    assert client.delete(f"{SOURCES}/dexcom_clarity", headers=headers).status_code == 200
    rows = listed(client, headers)
    assert len(rows) == len(copies)
    assert all(r["duplicate_of"] is None for r in rows)
    window = summary(client, headers)
    assert window["reading_count"] == len(copies)
    assert window["mean"] == pytest.approx(np.mean([c["value"] for c in copies]), abs=0.051)
    assert_consistent(db, user)


def test_libreview_history_and_a_one_minute_uploader(client, signed_in, db):
    """Each 15-minute historic reading hides the one uploader reading it copies, not the
    readings around it: the stream stays at one reading a minute, wear at 100%."""
    user, headers = signed_in
    n = DAYS * 1440
    minutes = [START + dt.timedelta(minutes=i) for i in range(n)]
    values = curve(n, 1, seed=5)
    post(client, headers, items("nightscout", minutes, values))
    # LibreView's clock runs 2 minutes off the phone's; every 15th reading, 0.4 mg/dL off.
    picks = list(range(7, n, 15))
    historic = items(
        "libreview",
        [minutes[i] + dt.timedelta(minutes=2) for i in picks],
        values[picks] + 0.4,
        period_min=15,
    )
    post(client, headers, historic)

    window = summary(client, headers)
    assert window["reading_count"] == n
    assert window["wear_pct"] == 100.0
    canonical = listed(client, headers, canonical="true")
    assert sum(r["source"] == "libreview" for r in canonical) == len(historic)
    copies = [r for r in listed(client, headers) if r["duplicate_of"] is not None]
    assert len(copies) == len(historic)
    assert {r["source"] for r in copies} == {"nightscout"}
    assert_consistent(db, user)


def test_meter_readings_and_scans_never_enter_cgm_metrics(client, signed_in, db):
    user, headers = signed_in
    n = DAYS * 288
    times = [START + dt.timedelta(minutes=5 * i) for i in range(n)]
    post(client, headers, items("dexcom_clarity", times, np.full(n, 120.0)))
    sticks = [START + dt.timedelta(hours=6 + 12 * i, seconds=30) for i in range(2 * DAYS)]
    post(
        client, headers, items("dexcom_clarity", sticks, np.full(len(sticks), 300.0), kind="meter")
    )
    post(client, headers, items("libreview", sticks, np.full(len(sticks), 120.0), kind="scan"))

    window = summary(client, headers)
    assert window["reading_count"] == n
    assert window["max"] == 120.0
    assert window["bands"]["in_range_pct"] == 100.0
    kinds = [r["kind"] for r in listed(client, headers)]
    assert kinds.count("meter") == kinds.count("scan") == len(sticks)
    assert all(r["kind"] == "cgm" for r in listed(client, headers, canonical="true"))
    # A scan equal to a CGM reading 30 s away is still its own kind, never a copy.
    assert all(r["duplicate_of"] is None for r in listed(client, headers))
    assert_consistent(db, user)


def test_near_misses_are_two_readings_and_the_bounds_are_inclusive(client, signed_in, db):
    user, headers = signed_in
    t = START + dt.timedelta(hours=3)
    pairs = [  # (seconds apart, mg/dL apart, period of the second, same reading?)
        (200, 0.0, None, False),
        (0, 2.0, None, False),
        (150, 1.0, None, True),
        (400, 0.0, 15, True),
        (460, 0.0, 15, False),
    ]
    for i, (gap_s, gap_mgdl, period, _) in enumerate(pairs):
        at = t + dt.timedelta(hours=i)
        post(client, headers, items("dexcom_clarity", [at], np.array([100.0])))
        extra = {"period_min": period} if period else {}
        second = items(
            "apple_health",
            [at + dt.timedelta(seconds=gap_s)],
            np.array([100.0 + gap_mgdl]),
            **extra,
        )
        post(client, headers, second)
    rows = sorted(listed(client, headers), key=lambda r: r["timestamp"])
    copies = [r for r in rows if r["source"] == "apple_health"]
    assert [r["duplicate_of"] is not None for r in copies] == [p[3] for p in pairs]
    assert_consistent(db, user)


def test_same_source_neighbours_are_never_merged(client, signed_in, db):
    user, headers = signed_in
    t = START + dt.timedelta(hours=1)
    same = [t, t + dt.timedelta(seconds=20), t + dt.timedelta(seconds=40)]
    post(client, headers, items("xdrip", same, np.full(3, 150.0)))
    post(client, headers, items("apple_health", [t + dt.timedelta(seconds=25)], np.array([150.0])))
    rows = listed(client, headers)
    xdrip = [r for r in rows if r["source"] == "xdrip"]
    assert all(r["duplicate_of"] is None for r in xdrip)
    copy = next(r for r in rows if r["source"] == "apple_health")
    nearest = next(r for r in xdrip if r["timestamp"].endswith(":20Z"))
    assert copy["duplicate_of"] == nearest["id"]  # the nearest of the three claims it
    assert summary(client, headers)["reading_count"] == 3
    assert_consistent(db, user)


def test_single_writes_keep_the_links(client, signed_in, db):
    user, headers = signed_in
    at = START + dt.timedelta(hours=2)
    original = client.post(
        LIST,
        json={"timestamp": at.isoformat(), "value": 110.0, "source": "dexcom_clarity"},
        headers=headers,
    ).json()
    body = {"timestamp": (at + dt.timedelta(seconds=40)).isoformat(), "value": 110.5}
    copy = client.post(LIST, json={**body, "source": "healthkit"}, headers=headers).json()
    assert copy["duplicate_of"] == original["id"] and copy["kind"] == "cgm"
    assert summary(client, headers)["reading_count"] == 1

    moved = client.put(
        f"{LIST}/{copy['id']}",
        json={**body, "value": 125.0, "source": "healthkit"},
        headers=headers,
    ).json()
    assert moved["duplicate_of"] is None  # 15 mg/dL apart: two readings now
    assert summary(client, headers)["reading_count"] == 2
    client.put(f"{LIST}/{copy['id']}", json={**body, "source": "healthkit"}, headers=headers)
    assert (
        client.get(f"{LIST}/{copy['id']}", headers=headers).json()["duplicate_of"]
        == (original["id"])
    )

    assert client.delete(f"{LIST}/{original['id']}", headers=headers).status_code == 204
    promoted = client.get(f"{LIST}/{copy['id']}", headers=headers).json()
    assert promoted["duplicate_of"] is None
    window = summary(client, headers)
    assert window["reading_count"] == 1 and window["mean"] == 110.5
    assert_consistent(db, user)


def test_bad_kind_and_period_are_named(client, signed_in, db):
    _user, headers = signed_in
    at = START.isoformat()
    rows = [
        {"timestamp": at, "value": 100, "kind": "sensor"},
        {"timestamp": at, "value": 100, "kind": 3},
        {"timestamp": at, "value": 100, "period_min": 0},
        {"timestamp": at, "value": 100, "period_min": True},
        {"timestamp": at, "value": 100, "period_min": 61},
        {"timestamp": at, "value": 100, "kind": "meter", "period_min": 5},
    ]
    report = client.post(BULK, json={"items": rows}, headers=headers).json()
    assert report["inserted"] == 1
    assert [(r["index"], r["field"]) for r in report["rejected"]] == [
        (0, "kind"),
        (1, "kind"),
        (2, "period_min"),
        (3, "period_min"),
        (4, "period_min"),
    ]
    assert "'sensor'" in report["rejected"][0]["reason"]
    r = client.post(LIST, json={"timestamp": at, "value": 100, "kind": "strip"}, headers=headers)
    assert r.status_code == 422 and "kind" in r.text
    stored = db.execute(select(GlucoseReading.kind, GlucoseReading.period_min)).one()
    assert tuple(stored) == ("meter", 5)
