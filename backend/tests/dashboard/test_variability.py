"""GET /api/v1/dashboard/variability: the iglu-compatible indices through the API, their
units, reference ranges and "not enough data" states.

Fixture shape: three whole local (UTC) days of 5-minute readings ending yesterday, a
150 ± 50 mg/dL wave with an 8-hour period plus a day-to-day offset, the shape of a
regular CGM trace with meals; the API's values are checked against the analytics
functions on the same readings (the functions themselves are checked against iglu in
tests/analytics/test_iglu_reference.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.metrics import variability

UTC = dt.UTC


def _trace(days: int = 3) -> tuple[pd.DatetimeIndex, np.ndarray, dt.date]:
    yesterday = dt.datetime.now(UTC).date() - dt.timedelta(days=1)
    first = dt.datetime.combine(yesterday - dt.timedelta(days=days - 1), dt.time(), UTC)
    times = pd.date_range(first, periods=288 * days, freq="5min")
    k = np.arange(len(times))
    values = np.round(150 - 50 * np.cos(2 * np.pi * k / 96) + 8 * (k // 288) % 3)
    return times, values, yesterday


def _post(client, headers, times, values):
    items = [
        {"timestamp": t.isoformat(), "value": float(v)} for t, v in zip(times, values, strict=True)
    ]
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert r.status_code == 200, r.text


def _by_key(body):
    return {m["key"]: m for m in body["metrics"]}


def test_values_match_the_analytics_functions_in_mgdl(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    times, values, end = _trace()
    _post(client, headers, times, values)
    r = client.get(
        "/api/v1/dashboard/variability",
        params={"days": 3, "end": end.isoformat()},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit"] == "mg/dL" and body["whole_days"] == 3 and body["interval_min"] == 5
    assert body["reading_count"] == len(values)
    got = _by_key(body)
    want = variability(times, values)
    for key in ("mage", "conga_1h", "modd", "mag"):
        assert got[key]["status"] == "ok"
        assert got[key]["value"] == pytest.approx(getattr(want, key), abs=0.051)
    for key in ("lbgi", "hbgi", "j_index", "grade"):
        assert got[key]["value"] == pytest.approx(getattr(want, key), abs=0.006)
    assert got["mag"]["unit"] == "mg/dL/h" and got["lbgi"]["unit"] is None
    assert (got["mage"]["reference_low"], got["mage"]["reference_high"]) == (0, 50)
    assert got["mage"]["meaning"] and "Hill" in got["mage"]["reference"]


def test_adrr_needs_fourteen_whole_days(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    times, values, end = _trace()
    _post(client, headers, times, values)
    body = client.get(
        f"/api/v1/dashboard/variability?days=14&end={end.isoformat()}", headers=headers
    ).json()
    adrr = _by_key(body)["adrr"]
    assert adrr["status"] == "insufficient" and adrr["value"] is None
    assert "14 whole days" in adrr["reason"] and "has 3" in adrr["reason"]


def test_mmol_user_gets_mmol_values_and_ranges(client, make_user, auth_headers):
    headers = auth_headers(make_user(unit="mmol/L"))
    times, values, end = _trace()
    _post(client, headers, times, values)
    body = client.get(
        f"/api/v1/dashboard/variability?days=3&end={end.isoformat()}", headers=headers
    ).json()
    got = _by_key(body)
    want = variability(times, values)
    assert body["unit"] == "mmol/L" and got["mag"]["unit"] == "mmol/L/h"
    assert got["mage"]["value"] == pytest.approx(want.mage / 18.0182, abs=0.006)
    assert got["mage"]["reference_high"] == 2.8
    # an index has no unit: the same number in either unit
    assert got["j_index"]["value"] == pytest.approx(want.j_index, abs=0.006)


def test_one_day_is_not_enough_for_modd(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    times, values, end = _trace(days=1)
    _post(client, headers, times, values)
    got = _by_key(
        client.get(
            f"/api/v1/dashboard/variability?days=7&end={end.isoformat()}", headers=headers
        ).json()
    )
    assert got["modd"]["status"] == "insufficient"
    assert "two consecutive whole days" in got["modd"]["reason"]
    assert got["mage"]["status"] == "ok"


def test_empty_account_and_other_users_data_show_nothing(client, make_user, auth_headers):
    owner = auth_headers(make_user())
    times, values, _ = _trace()
    _post(client, owner, times, values)
    body = client.get("/api/v1/dashboard/variability", headers=auth_headers(make_user())).json()
    assert body["reading_count"] == 0 and body["whole_days"] == 0
    assert all(m["status"] == "insufficient" and m["value"] is None for m in body["metrics"])


@pytest.mark.parametrize("days", [0, 91])
def test_window_outside_1_to_90_days_is_a_422(client, make_user, auth_headers, days):
    r = client.get(f"/api/v1/dashboard/variability?days={days}", headers=auth_headers(make_user()))
    assert r.status_code == 422
