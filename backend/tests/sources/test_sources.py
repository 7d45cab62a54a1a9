"""Issue 10, item 4 (and 14's demo offsets): demo rows are their own source, loading them
into an account with readings asks first, and one source's data can be deleted exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from glucolens.insights.models import InsightResult
from glucolens.readings.consistency import CheckReport, check_user
from glucolens.readings.models import GlucoseReading

UTC = dt.UTC
DEMO = "/api/v1/demo/load"
SOURCES = "/api/v1/data/sources"


def _own_readings(n: int = 50) -> list[dict]:
    start = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(days=2)
    return [
        {"timestamp": (start + dt.timedelta(minutes=5 * i)).isoformat(), "value": 140 + i % 9}
        for i in range(n)
    ]


@pytest.fixture
def berlin(make_user, auth_headers):
    user = make_user(timezone="Europe/Berlin")
    return user, auth_headers(user)


def test_demo_rows_are_their_own_source_with_local_offsets(client, berlin, db):
    user, headers = berlin
    r = client.post(DEMO, headers=headers)
    assert r.status_code == 201, r.text
    sources = client.get(SOURCES, headers=headers).json()["sources"]
    assert [s["source"] for s in sources] == ["demo"]
    assert sources[0]["counts"]["glucose"] == r.json()["glucose"] > 20_000
    offsets = set(
        db.execute(
            select(GlucoseReading.utc_offset_min).where(GlucoseReading.user_id == user.id)
        ).scalars()
    )
    assert offsets and offsets <= {60, 120}  # CET / CEST, not 0


def test_demo_into_an_account_with_readings_asks_first(client, berlin):
    _user, headers = berlin
    assert client.post("/api/v1/glucose/bulk", json={"items": _own_readings()}, headers=headers)
    r = client.post(DEMO, headers=headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "confirmation_required"
    assert "50 glucose readings" in r.json()["error"]["message"]
    assert [s["source"] for s in client.get(SOURCES, headers=headers).json()["sources"]] == [
        "manual"
    ]
    assert client.post(DEMO, params={"confirm": "true"}, headers=headers).status_code == 201


def test_deleting_a_source_removes_exactly_its_rows_and_keeps_aggregates_right(client, berlin, db):
    user, headers = berlin
    client.post("/api/v1/glucose/bulk", json={"items": _own_readings()}, headers=headers)
    client.post(DEMO, params={"confirm": "true"}, headers=headers)
    db.add(InsightResult(user_id=user.id, kind="correlations", status="ok", data={}))
    db.commit()

    r = client.delete(f"{SOURCES}/demo", headers=headers)
    assert r.status_code == 200, r.text
    deleted = r.json()["deleted"]
    assert deleted["glucose"] > 20_000 and deleted["meals"] > 0 and deleted["insulin"] > 0
    assert [s["source"] for s in client.get(SOURCES, headers=headers).json()["sources"]] == [
        "manual"
    ]
    db.expire_all()
    left = db.execute(
        select(func.count()).select_from(GlucoseReading).where(GlucoseReading.user_id == user.id)
    ).scalar_one()
    assert left == 50
    report = CheckReport()
    check_user(db, db.merge(user), repair=False, report=report)
    db.rollback()
    assert report.mismatched_days == []
    assert db.execute(select(InsightResult).where(InsightResult.user_id == user.id)).first() is None


def test_delete_unknown_or_malformed_source(client, berlin):
    _user, headers = berlin
    assert client.delete(f"{SOURCES}/nothing-here", headers=headers).status_code == 404
    bad = client.delete(f"{SOURCES}/a%20b", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "source"


def test_api_keys_cannot_delete_a_source(client, berlin):
    _user, headers = berlin
    key = client.post(
        "/api/v1/auth/api-keys",
        json={"name": "uploader", "scopes": ["read", "write:readings"]},
        headers=headers,
    ).json()["key"]
    r = client.delete(f"{SOURCES}/manual", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403
