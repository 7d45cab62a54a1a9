"""Issue 10, items 3 and 6: dashboard reads for an explicit period (`end=`), the account's
data range, and data sufficiency judged on the window's complete days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from glucolens.dashboard import service

UTC = dt.UTC


def _every_5_min(start: dt.datetime, end: dt.datetime, skip_every: int = 0) -> list[dict]:
    out, t, i = [], start, 0
    while t < end:
        if not (skip_every and i % skip_every == 0):
            out.append({"timestamp": t.isoformat(), "value": 110 + (i % 30)})
        t += dt.timedelta(minutes=5)
        i += 1
    return out


def _post(client, headers, items):
    for k in range(0, len(items), 20_000):
        r = client.post(
            "/api/v1/glucose/bulk", json={"items": items[k : k + 20_000]}, headers=headers
        )
        assert r.status_code == 200, r.text


@pytest.fixture
def old_history(client, make_user, auth_headers):
    """Twenty days of readings that ended ten days ago (an imported file)."""
    user = make_user(timezone="Europe/Berlin")
    headers = auth_headers(user)
    today = dt.datetime.now(UTC).date()
    last_day = today - dt.timedelta(days=10)
    start = dt.datetime.combine(last_day - dt.timedelta(days=19), dt.time(0), tzinfo=UTC)
    end = dt.datetime.combine(last_day, dt.time(20), tzinfo=UTC)
    _post(client, headers, _every_5_min(start, end))
    return user, headers, last_day


def test_data_range_names_first_and_newest_local_days(client, old_history):
    _user, headers, last_day = old_history
    r = client.get("/api/v1/dashboard/data-range", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["last_day"] == last_day.isoformat()  # 20:00 UTC is 21:00/22:00 in Berlin
    assert body["first_day"] == (last_day - dt.timedelta(days=19)).isoformat()
    assert body["reading_count"] > 5000
    assert body["timezone"] == "Europe/Berlin"


def test_data_range_of_an_empty_account(client, make_user, auth_headers):
    r = client.get("/api/v1/dashboard/data-range", headers=auth_headers(make_user()))
    assert r.json()["reading_count"] == 0 and r.json()["last_day"] is None


def test_summary_and_agp_for_a_period_that_ended_days_ago(client, old_history):
    _user, headers, last_day = old_history
    now_summary = client.get("/api/v1/dashboard/summary?days=7", headers=headers).json()
    assert now_summary["windows"][0]["reading_count"] == 0
    then = client.get(
        "/api/v1/dashboard/summary",
        params={"days": 7, "end": last_day.isoformat()},
        headers=headers,
    )
    assert then.status_code == 200
    window = then.json()["windows"][0]
    assert window["reading_count"] > 1500 and window["days_with_data"] == 7
    berlin_midnight = dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time(0), tzinfo=ZoneInfo("Europe/Berlin")
    )
    assert dt.datetime.fromisoformat(window["end"]) == berlin_midnight
    agp = client.get(
        "/api/v1/dashboard/agp", params={"days": 14, "end": last_day.isoformat()}, headers=headers
    ).json()
    assert agp["reading_count"] > 3000
    assert sum(1 for b in agp["bins"] if b["p50"] is not None) == 288


def test_end_in_the_future_is_refused_naming_the_field(client, old_history):
    _user, headers, _ = old_history
    later = (dt.datetime.now(UTC).date() + dt.timedelta(days=3)).isoformat()
    for path in ("summary", "agp"):
        r = client.get(f"/api/v1/dashboard/{path}", params={"end": later}, headers=headers)
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "end"


def test_sufficiency_is_judged_on_complete_days(client, make_user, auth_headers, db):
    """13 complete days at 93% wear and a new day that has only just begun: the 14-day window
    must not say "limited data" because today has no readings yet."""
    user = make_user()
    headers = auth_headers(user)
    today = dt.date(2026, 3, 15)
    first = today - dt.timedelta(days=13)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=UTC)
    _post(client, headers, _every_5_min(start, start + dt.timedelta(days=13), skip_every=14))
    now = dt.datetime.combine(today, dt.time(0, 40), tzinfo=UTC)
    db.expire_all()
    window = service.summary(db, db.merge(user), [14], now=now).windows[0]
    assert window.days_with_data == 13
    assert window.wear_pct is not None and window.wear_pct > 90
    assert window.sufficient_data is True
    seven = service.summary(db, db.merge(user), [7], now=now).windows[0]
    assert seven.sufficient_data is False  # a 7-day window can never hold 14 days


def test_sufficiency_still_needs_the_days(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    today = dt.date(2026, 3, 15)
    start = dt.datetime.combine(today - dt.timedelta(days=10), dt.time(0), tzinfo=UTC)
    _post(client, headers, _every_5_min(start, start + dt.timedelta(days=10, hours=8)))
    now = dt.datetime.combine(today, dt.time(8, 30), tzinfo=UTC)
    db.expire_all()
    window = service.summary(db, db.merge(user), [14], now=now).windows[0]
    assert window.days_with_data == 11
    assert window.sufficient_data is False


def test_summary_takes_any_window_from_1_to_90_days(client, old_history):
    _user, headers, last_day = old_history
    r = client.get(
        "/api/v1/dashboard/summary",
        params={"days": [1, 3], "end": last_day.isoformat()},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    one, three = r.json()["windows"]
    assert (one["days"], three["days"]) == (1, 3)
    assert one["days_with_data"] == 1 and three["days_with_data"] == 3
    for bad in (0, 91):
        refused = client.get("/api/v1/dashboard/summary", params={"days": bad}, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["error"]["details"][0]["field"] == "days"
