"""GET /api/v1/insights/meals and /meals/{id}: per-meal responses through the real API and
database, with a trace drawn by hand (flat 100 mg/dL, a straight rise to 160 at 45 min,
a straight fall back to 100 at 105 min), so every measure is known."""

from __future__ import annotations

import datetime as dt

import pytest

UTC = dt.UTC


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(second=0, microsecond=0)


def _level(minute: float) -> float:
    if minute <= 0 or minute >= 105:
        return 100.0
    return 100 + 60 * minute / 45 if minute <= 45 else 160 - 60 * (minute - 45) / 60


def _post_day(client, headers, meal_at: dt.datetime, description: str = "Oats ") -> int:
    items = [
        {
            "timestamp": (meal_at + dt.timedelta(minutes=m)).isoformat(),
            "value": round(_level(m), 1),
        }
        for m in range(-60, 241, 5)
    ]
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert r.status_code == 200 and not r.json()["rejected"], r.text
    meal = {"timestamp": meal_at.isoformat(), "carbs_g": 40, "description": description}
    r = client.post("/api/v1/meals", json=meal, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_a_meal_has_its_geometric_response_in_the_list_and_alone(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    meal_id = _post_day(client, headers, _now() - dt.timedelta(hours=6))
    r = client.get("/api/v1/insights/meals", params={"days": 7}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit"] == "mg/dL" and body["n_meals"] == 1
    m = body["meals"][0]
    assert m["meal_id"] == meal_id and m["food"] == "oats"
    assert m["baseline"] == 100.0
    # the 15-minute moving average trims the apex: (153.3 + 160 + 155) / 3 - 100
    assert m["peak_rise"] == pytest.approx(56.1, abs=0.1)
    assert m["time_to_peak_min"] == 45.0
    assert m["iauc"] == pytest.approx(0.5 * 105 * 60, rel=0.03)
    assert m["confidence"] == "high" and m["reasons"] == []
    assert body["ranked_meal_ids"] == [meal_id]
    assert body["foods_status"] == "too_few"
    assert {c["status"] for c in body["comparisons"]} <= {"too_few", "no_data"}

    one = client.get(f"/api/v1/insights/meals/{meal_id}", headers=headers)
    assert one.status_code == 200, one.text
    detail = one.json()
    assert detail["response"] == m
    assert detail["trace"][0]["minute"] == -30.0 and detail["trace"][-1]["minute"] == 180.0


def test_values_are_in_mmol_for_an_mmol_user(client, make_user, auth_headers):
    headers = auth_headers(make_user(unit="mmol/L"))
    _post_day(client, headers, _now() - dt.timedelta(hours=6))
    m = client.get("/api/v1/insights/meals", headers=headers).json()["meals"][0]
    assert m["baseline"] == pytest.approx(100 / 18.0182, abs=0.01)
    assert m["iauc"] == pytest.approx(0.5 * 105 * 60 / 18.0182, rel=0.03)


def test_a_meal_without_readings_is_low_confidence_with_no_measures(
    client, make_user, auth_headers
):
    headers = auth_headers(make_user())
    meal = {"timestamp": (_now() - dt.timedelta(hours=3)).isoformat(), "carbs_g": 20}
    meal_id = client.post("/api/v1/meals", json=meal, headers=headers).json()["id"]
    body = client.get(f"/api/v1/insights/meals/{meal_id}", headers=headers).json()
    assert body["response"]["confidence"] == "low"
    assert body["response"]["reasons"] == ["no_trace"]
    assert body["response"]["peak_rise"] is None and body["trace"] == []


def test_two_meals_an_hour_apart_flag_each_other(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    at = _now() - dt.timedelta(hours=8)
    first = _post_day(client, headers, at)
    late = {"timestamp": (at + dt.timedelta(minutes=60)).isoformat(), "description": "cake"}
    r = client.post("/api/v1/meals", json=late, headers=headers)
    assert r.status_code == 201
    meals = client.get("/api/v1/insights/meals", headers=headers).json()["meals"]
    reasons = {m["meal_id"]: m["reasons"] for m in meals}
    assert "meal_after" in reasons[first] and "meal_before" in reasons[r.json()["id"]]


def test_another_users_meal_is_not_found(client, make_user, auth_headers):
    owner = auth_headers(make_user())
    meal_id = _post_day(client, owner, _now() - dt.timedelta(hours=6))
    other = auth_headers(make_user())
    assert client.get(f"/api/v1/insights/meals/{meal_id}", headers=other).status_code == 404
    assert client.get("/api/v1/insights/meals", headers=other).json()["meals"] == []


@pytest.mark.parametrize("days", ["0", "181", "x"])
def test_bad_days_is_a_422_naming_days(client, make_user, auth_headers, days):
    headers = auth_headers(make_user())
    r = client.get("/api/v1/insights/meals", params={"days": days}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "days"


def test_a_new_meal_is_seen_at_once_despite_the_cache(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    assert client.get("/api/v1/insights/meals", headers=headers).json()["n_meals"] == 0
    _post_day(client, headers, _now() - dt.timedelta(hours=6))
    assert client.get("/api/v1/insights/meals", headers=headers).json()["n_meals"] == 1
