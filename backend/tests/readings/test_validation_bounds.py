"""Every time input is bounded (issue 9, items 4 and 15; issue 10, item 5).

Health records: ISO 8601 strings with an offset, from 2000-01-01T00:00Z (before consumer
CGMs existed) up to 5 minutes from now. Range parameters and cursors: 1900 <= t < 2200.
A time before 1677 used to be stored and then break every read and time-zone change.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest

UTC = dt.UTC
G = "/api/v1/glucose"


@pytest.fixture
def headers(make_user, auth_headers):
    return auth_headers(make_user(timezone="Europe/Berlin"))


def _span(start: str, hours: int = 1) -> str:
    end = dt.datetime.fromisoformat(start) + dt.timedelta(hours=hours)
    return end.isoformat()


# One valid body per create route, and the time fields it has.
BODIES = {
    "glucose": ({"value": 110}, ["timestamp"]),
    "insulin": ({"units": 2.0, "kind": "bolus"}, ["timestamp"]),
    "meals": ({"carbs_g": 30}, ["timestamp"]),
    "sleep": ({}, ["start", "end"]),
    "activities": ({"activity_type": "walk"}, ["start", "end"]),
}


def _body(kind: str, when: str) -> dict:
    extra, fields = BODIES[kind]
    if fields == ["timestamp"]:
        return {**extra, "timestamp": when}
    return {**extra, "start": when, "end": _span(when)}


def _detail(r) -> dict:
    assert r.status_code == 422, r.text
    return r.json()["error"]["details"][0]


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize(
    "when", ["1999-12-31T22:59:59Z", "1600-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00"]
)
def test_records_before_2000_are_implausible(client, headers, kind, when):
    r = client.post(f"/api/v1/{kind}", json=_body(kind, when), headers=headers)
    detail = _detail(r)
    assert detail["field"] in BODIES[kind][1]
    assert "before 2000-01-01" in detail["reason"]
    assert "CGM" in detail["reason"]


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_records_from_2000_on_are_accepted(client, headers, kind):
    r = client.post(f"/api/v1/{kind}", json=_body(kind, "2000-01-01T00:00:00Z"), headers=headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("when", [0, 1767225600, 1767225600.5, True, "1767225600"])
def test_numbers_are_not_read_as_epoch_times(client, headers, kind, when):
    body = _body(kind, "2026-01-01T00:00:00Z")
    for field in BODIES[kind][1]:
        r = client.post(f"/api/v1/{kind}", json={**body, field: when}, headers=headers)
        assert _detail(r)["field"] == field
    listed = client.get(f"/api/v1/{kind}", headers=headers).json()["items"]
    assert listed == [], "nothing may be stored as 1970 (or 2026 from an epoch number)"


def test_bulk_and_generic_bulk_apply_the_same_time_rules(client, headers):
    items = [
        {"timestamp": "1999-12-31T23:59:59Z", "value": 100},
        {"timestamp": "0001-01-01T00:00:00+01:00", "value": 100},  # overflowed astimezone()
        {"timestamp": 0, "value": 100},
        {"timestamp": "2026-01-01T00:00:00Z", "value": 100},
    ]
    report = client.post(f"{G}/bulk", json={"items": items}, headers=headers).json()
    assert report["inserted"] == 1
    reasons = {r["index"]: r for r in report["rejected"]}
    assert sorted(reasons) == [0, 1, 2]
    assert all(r["field"] == "timestamp" for r in reasons.values())
    assert (
        "before 2000-01-01" in reasons[0]["reason"] and "before 2000-01-01" in reasons[1]["reason"]
    )
    assert "not a number" in reasons[2]["reason"]

    meals = [
        {"timestamp": "1970-01-01T00:00:00Z"},
        {"timestamp": 0},
        {"timestamp": "2026-01-02T08:00:00Z"},
    ]
    report = client.post("/api/v1/meals/bulk", json={"items": meals}, headers=headers).json()
    assert report["inserted"] == 1
    assert [r["field"] for r in report["rejected"]] == ["timestamp", "timestamp"]


def test_csv_rows_outside_the_window_are_rejected_by_line(client, headers):
    csv_text = (
        "timestamp,value\n"
        "0001-01-01T00:10:00,100\n"  # local (Europe/Berlin) year 1: would overflow to UTC
        "1999-06-01T08:00:00+02:00,100\n"
        "9999-12-31T23:59:00,100\n"
        "2026-01-05T08:00:00,100\n"
    )
    r = client.post(
        f"{G}/import/csv", files={"file": ("g.csv", csv_text.encode(), "text/csv")}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["inserted"] == 1
    assert [x["index"] for x in body["rejected"]] == [2, 3, 4]
    assert "before 2000-01-01" in body["rejected"][0]["reason"]
    assert "future" in body["rejected"][2]["reason"]


@pytest.mark.parametrize("path", [G, "/api/v1/meals", "/api/v1/sleep", f"{G}/series"])
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("start", "0001-01-01T00:00:00Z"),
        ("start", "0463-05-01T00:00:00Z"),
        ("start", "1899-12-31T23:59:59Z"),
        ("end", "2200-01-01T00:00:00Z"),
        ("end", "9999-12-31T23:59:59Z"),
        ("start", "2026-01-01T00:00:00"),  # no offset
        ("start", "0"),  # not an epoch
    ],
)
def test_range_params_outside_1900_to_2200_are_422_naming_the_field(
    client, headers, path, param, value
):
    r = client.get(path, params={param: value}, headers=headers)
    assert _detail(r)["field"] == param


@pytest.mark.parametrize("path", [G, f"{G}/series"])
def test_range_params_at_the_window_edges_are_accepted(client, headers, path):
    params = {"start": "1900-01-01T00:00:00Z", "end": "2199-12-31T23:59:59+00:00"}
    assert client.get(path, params=params, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"end": "0001-01-01"},  # start defaults to end - 29 days: overflowed
        {"start": "0001-01-01", "end": "0001-01-03"},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"end": "0"},
    ],
)
def test_daily_dates_outside_the_window_are_422(client, headers, params):
    r = client.get("/api/v1/dashboard/daily", params=params, headers=headers)
    assert _detail(r)["field"] in params


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        "2026-01-01T00:00:00+00:00|99999999999999999999999",  # id over BIGINT
        f"2026-01-01T00:00:00+00:00|{2**63}",
        "0001-01-01T00:00:00+00:00|1",
        "9999-12-31T00:00:00+00:00|1",
        "2026-01-01T00:00:00|1",  # naive
    ],
)
def test_cursors_with_out_of_range_parts_are_422(client, headers, raw):
    r = client.get(G, params={"cursor": _cursor(raw)}, headers=headers)
    assert _detail(r)["field"] == "cursor"
