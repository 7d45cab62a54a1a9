"""Dashboard numbers against hand-computed values, across DST changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

UTC = dt.UTC
VALUES = [50, 60, 100, 150, 200, 300, 100, 100]


def _post(client, headers, items):
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert r.status_code == 200, r.text
    assert not r.json()["rejected"], r.json()["rejected"][:3]
    return r.json()


def _recent(values):
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    return [
        {"timestamp": (now - dt.timedelta(minutes=5 * (len(values) - i))).isoformat(), "value": v}
        for i, v in enumerate(values)
    ]


def test_summary_matches_hand_computed_values(client, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    _post(client, headers, _recent(VALUES))
    r = client.get("/api/v1/dashboard/summary", params={"days": 7}, headers=headers)
    assert r.status_code == 200
    w = r.json()["windows"][0]
    # mean = 1060 / 8 = 132.5; sample SD = sqrt(48150 / 7) = 82.937; CV = 62.59 %
    assert w["mean"] == pytest.approx(132.5)
    assert w["sd"] == pytest.approx(82.9, abs=0.05)
    assert w["cv_pct"] == pytest.approx(62.6, abs=0.05)
    # GMI = 3.31 + 0.02392 × 132.5 = 6.479
    assert w["gmi_pct"] == pytest.approx(6.48, abs=0.005)
    assert w["bands"] == {
        "very_low_pct": 12.5,
        "low_pct": 12.5,
        "in_range_pct": 50.0,
        "high_pct": 12.5,
        "very_high_pct": 12.5,
    }
    assert w["target_pct"] == 50.0
    assert w["reading_count"] == 8
    assert w["sufficient_data"] is False
    assert r.json()["unit"] == "mg/dL"


def test_summary_in_mmol_and_own_target(client, make_user, auth_headers):
    user = make_user(unit="mmol/L", target_low_mgdl=90, target_high_mgdl=150)
    headers = auth_headers(user)
    _post(client, headers, _recent(VALUES))
    body = client.get("/api/v1/dashboard/summary?days=7&days=30", headers=headers).json()
    assert body["unit"] == "mmol/L"
    assert [w["days"] for w in body["windows"]] == [7, 30]
    w = body["windows"][0]
    assert w["mean"] == pytest.approx(132.5 / 18.0182, abs=0.01)
    # 100, 150, 100, 100 are within 90–150 mg/dL: 4 / 8
    assert w["target_pct"] == 50.0
    assert body["target_low"] == pytest.approx(90 / 18.0182, abs=0.01)


def test_summary_rejects_a_window_over_90_days(client, make_user, auth_headers):
    # Any 1..90-day window is allowed since custom periods (issue 10); longer ones are not.
    headers = auth_headers(make_user())
    r = client.get("/api/v1/dashboard/summary?days=120", headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "days"


def test_empty_account_has_empty_summary(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    w = client.get("/api/v1/dashboard/summary?days=90", headers=headers).json()["windows"][0]
    assert w["reading_count"] == 0
    assert w["mean"] is None
    assert w["wear_pct"] == 0.0
    assert w["sufficient_data"] is False


def _every_5_min(start: dt.datetime, end: dt.datetime) -> list[dict]:
    out, t = [], start
    while t < end:
        out.append({"timestamp": t.isoformat(), "value": 120, "source": "cgm"})
        t += dt.timedelta(minutes=5)
    return out


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # Spring forward in London: 29 March 2026 has 23 hours.
        (("2026-03-28", "2026-03-30"), [288, 276, 288]),
        # Autumn back: 25 October 2026 has 25 hours.
        (("2026-10-24", "2026-10-26"), [288, 300, 288]),
    ],
)
def test_daily_days_follow_dst(client, make_user, auth_headers, days, expected):
    user = make_user(timezone="Europe/London")
    headers = auth_headers(user)
    london = ZoneInfo("Europe/London")
    first, last = (dt.date.fromisoformat(d) for d in days)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=london).astimezone(UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=london).astimezone(
        UTC
    )
    _post(client, headers, _every_5_min(start, end))
    body = client.get(
        "/api/v1/dashboard/daily", params={"start": days[0], "end": days[1]}, headers=headers
    ).json()
    assert [d["reading_count"] for d in body["days"]] == expected
    assert [d["wear_pct"] for d in body["days"]] == [100.0, 100.0, 100.0]
    assert [d["date"] for d in body["days"]][0] == days[0]


def test_timezone_change_rebuilds_days(client, make_user, auth_headers, db):
    from glucolens.readings.aggregates import rebuild_all

    user = make_user(timezone="UTC")
    headers = auth_headers(user)
    # 23:30 UTC on 10 Jan is 08:30 on 11 Jan in Tokyo.
    _post(client, headers, [{"timestamp": "2026-01-10T23:30:00Z", "value": 100}])
    user.timezone = "Asia/Tokyo"
    db.merge(user)
    db.commit()
    rebuild_all(db, db.merge(user))
    db.commit()  # services flush; the caller owns the transaction
    body = client.get(
        "/api/v1/dashboard/daily?start=2026-01-10&end=2026-01-11", headers=headers
    ).json()
    assert [(d["date"], d["reading_count"]) for d in body["days"]] == [("2026-01-11", 1)]


def test_agp_percentiles_by_local_time(client, make_user, auth_headers):
    tz = "America/New_York"
    user = make_user(timezone=tz)
    headers = auth_headers(user)
    z = ZoneInfo(tz)
    today = dt.datetime.now(z).date()
    items = []
    for d in range(1, 11):
        day = today - dt.timedelta(days=d)
        for minute in range(0, 24 * 60, 5):
            local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=z)
            items.append({"timestamp": local.isoformat(), "value": 100 if minute < 720 else 200})
    _post(client, headers, items)
    body = client.get("/api/v1/dashboard/agp?days=14", headers=headers).json()
    bins = {b["minute"]: b for b in body["bins"]}
    assert len(body["bins"]) == 288
    assert bins[360.0]["p50"] == 100
    assert bins[1080.0]["p5"] == 200
    assert bins[1080.0]["p95"] == 200
    # At noon the pooled ±15 min window mixes both levels.
    assert 100 < bins[720.0]["p50"] <= 200


def test_series_downsamples_but_keeps_extremes(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    start = dt.datetime(2026, 2, 1, tzinfo=UTC)
    items = [
        {"timestamp": (start + dt.timedelta(minutes=5 * i)).isoformat(), "value": 100 + (i % 50)}
        for i in range(2000)
    ]
    items[777]["value"] = 399
    _post(client, headers, items)
    params = {"start": start.isoformat(), "end": (start + dt.timedelta(days=7)).isoformat()}
    small = client.get("/api/v1/glucose/series", params={**params, "points": 100}, headers=headers)
    body = small.json()
    assert body["downsampled"] is True
    assert body["total"] == 2000
    assert len(body["points"]) <= 101
    assert max(p["max"] for p in body["points"]) == 399
    full = client.get("/api/v1/glucose/series", params={**params, "points": 5000}, headers=headers)
    assert full.json()["downsampled"] is False
    assert len(full.json()["points"]) == 2000


def test_cached_summary_refreshes_after_a_write(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    _post(client, headers, _recent([100, 100]))
    first = client.get("/api/v1/dashboard/summary?days=7", headers=headers).json()
    assert first["windows"][0]["reading_count"] == 2
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    client.post(
        "/api/v1/glucose",
        json={"timestamp": (now - dt.timedelta(minutes=1)).isoformat(), "value": 200},
        headers=headers,
    )
    second = client.get("/api/v1/dashboard/summary?days=7", headers=headers).json()
    assert second["windows"][0]["reading_count"] == 3
    assert second["windows"][0]["mean"] == pytest.approx(400 / 3, abs=0.1)
