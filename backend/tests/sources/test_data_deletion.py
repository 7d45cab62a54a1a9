"""Issue 12, "Out": deleting data by source and/or time range. The preview counts what the
deletion then removes; the range is half-open [start, end); nothing goes without
confirm: true; day aggregates stay right. Rows come from tests/exports/fill.py (docs/api.md
shapes): Dexcom readings every 5 min from 2026-03-01 08:00 +01:00, LibreView copies of the
first six, a manual Low and High, and a meal, doses, a night and a run the same day."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from glucolens.auth.models import User
from glucolens.insights.models import InsightResult
from glucolens.readings.consistency import CheckReport, check_user
from glucolens.readings.models import GlucoseDaily, GlucoseReading
from tests.exports.fill import T0, Filled, fill_account

PREVIEW = "/api/v1/data/deletion-preview"
DELETE = "/api/v1/data/delete"


@pytest.fixture
def alice(client, db, make_user, auth_headers) -> Filled:
    user = make_user(timezone="Europe/Berlin")
    return fill_account(client, db, user, auth_headers(user), tag="alice")


@pytest.fixture
def bob(client, db, make_user, auth_headers) -> Filled:
    user = make_user(timezone="Europe/Berlin")
    return fill_account(client, db, user, auth_headers(user), tag="bob")


def glucose_count(db, user: User, **where) -> int:
    q = select(func.count()).select_from(GlucoseReading).where(GlucoseReading.user_id == user.id)
    for column, value in where.items():
        q = q.where(getattr(GlucoseReading, column) == value)
    return int(db.execute(q).scalar_one())


def assert_aggregates_right(db, user: User) -> None:
    report = CheckReport()
    check_user(db, db.merge(user), repair=False, report=report)
    db.rollback()
    assert report.mismatched_days == []


def at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize(
    "scope",
    [
        {"source": "libreview"},
        {"start": at(10), "end": at(60)},
        {"source": "dexcom_clarity", "start": at(30)},
        {"end": at(0)},  # only the night (which starts 9 h before T0)
        {"start": at(-24 * 60)},  # everything
    ],
)
def test_preview_counts_are_what_gets_deleted(client, db, alice, bob, scope):
    bob_before = client.get(PREVIEW, params={"start": at(-24 * 60)}, headers=bob.headers).json()
    preview = client.get(PREVIEW, params=scope, headers=alice.headers)
    assert preview.status_code == 200, preview.text
    counts = preview.json()["counts"]
    assert any(counts.values())
    r = client.post(DELETE, json={**scope, "confirm": True}, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.json()["deleted"] == counts
    again = client.get(PREVIEW, params=scope, headers=alice.headers).json()["counts"]
    assert not any(again.values())
    assert (
        client.get(PREVIEW, params={"start": at(-24 * 60)}, headers=bob.headers).json()
        == bob_before
    )
    db.expire_all()
    assert_aggregates_right(db, alice.user)


def test_the_range_is_half_open_and_places_spans_by_their_start(client, db, alice):
    # [T0 + 10 min, T0 + 25 min): the readings at +10, +15, +20 (Dexcom and their Libre
    # copies), not the one at +25; the meal and bolus at T0 and the night before stay.
    scope = {"start": at(10), "end": at(25)}
    counts = client.get(PREVIEW, params=scope, headers=alice.headers).json()["counts"]
    assert counts == {"glucose": 6, "insulin": 0, "sleep": 0, "meals": 0, "activities": 0}
    client.post(DELETE, json={**scope, "confirm": True}, headers=alice.headers)
    db.expire_all()
    left = set(
        db.scalars(
            select(GlucoseReading.ts).where(
                GlucoseReading.user_id == alice.user.id, GlucoseReading.source == "dexcom_clarity"
            )
        )
    )
    utc = T0.astimezone(dt.UTC)
    assert utc + dt.timedelta(minutes=5) in left and utc + dt.timedelta(minutes=25) in left
    assert not {utc + dt.timedelta(minutes=m) for m in (10, 15, 20)} & left
    # The run (T0 + 2 h to + 3 h) starts inside [+2 h, +2 h 30) and counts; the night, which
    # ends at T0 inside [T0 - 1 h, T0 + 1 h) but started before it, does not.
    night = client.get(
        PREVIEW, params={"start": at(-60), "end": at(60)}, headers=alice.headers
    ).json()
    assert night["counts"]["sleep"] == 0
    run = client.get(PREVIEW, params={"start": at(120), "end": at(150)}, headers=alice.headers)
    assert run.json()["counts"]["activities"] == 1


def test_nothing_goes_without_confirmation(client, db, alice):
    before = glucose_count(db, alice.user)
    for body in ({"source": "libreview"}, {"source": "libreview", "confirm": False}):
        r = client.post(DELETE, json=body, headers=alice.headers)
        assert r.status_code == 409
        error = r.json()["error"]
        assert error["code"] == "confirmation_required"
        assert "6 glucose" in error["message"] and "libreview" in error["message"]
    db.expire_all()
    assert glucose_count(db, alice.user) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "source"),
        ({"start": at(60), "end": at(60)}, "end"),
        ({"start": "2026-03-01T08:00:00"}, "start"),  # no offset
        ({"source": "a b"}, "source"),
        ({"end": "yesterday"}, "end"),
    ],
)
def test_bad_scopes_are_named(client, alice, params, field):
    r = client.get(PREVIEW, params=params, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field
    r = client.post(DELETE, json={**params, "confirm": True}, headers=alice.headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field


def test_deleting_refreshes_days_marks_the_change_and_drops_insights(client, db, alice):
    db.expire_all()
    changed_before = db.get(User, alice.user.id).data_changed_at  # type: ignore[union-attr]
    assert changed_before is not None
    r = client.post(
        DELETE, json={"source": "dexcom_clarity", "confirm": True}, headers=alice.headers
    )
    assert r.json()["deleted"]["glucose"] == 24
    db.expire_all()
    user = db.get(User, alice.user.id)
    assert user is not None and user.data_changed_at > changed_before  # type: ignore[operator]
    assert db.execute(select(InsightResult).where(InsightResult.user_id == user.id)).first() is None
    day = db.get(GlucoseDaily, (user.id, dt.date(2026, 3, 1)))
    assert day is not None  # the Libre copies and the sentinels are left on that day
    assert_aggregates_right(db, user)


def test_a_scope_that_matches_nothing_deletes_nothing(client, alice):
    r = client.post(DELETE, json={"source": "nightscout", "confirm": True}, headers=alice.headers)
    assert r.status_code == 200
    assert not any(r.json()["deleted"].values())


def test_api_keys_can_neither_preview_nor_delete(client, alice):
    key = client.post(
        "/api/v1/auth/api-keys",
        json={"name": "k", "scopes": ["read", "write:readings"]},
        headers=alice.headers,
    ).json()["key"]
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(PREVIEW, params={"source": "manual"}, headers=headers).status_code == 403
    r = client.post(DELETE, json={"source": "manual", "confirm": True}, headers=headers)
    assert r.status_code == 403


def test_deleting_kept_readings_promotes_another_sources_copies(
    client, db, make_user, auth_headers
):
    """readings/canonical.py: a copy points at the kept reading of a higher source; when that
    reading is deleted by range, the copy becomes canonical (as after delete_source)."""
    user = make_user(timezone="Europe/Berlin")
    headers = auth_headers(user)
    for source in ("dexcom_clarity", "nightscout"):
        items = [{"timestamp": at(5 * i), "value": 120 + i, "source": source} for i in range(12)]
        assert client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)

    def copies() -> int:
        db.expire_all()
        q = select(func.count()).where(
            GlucoseReading.user_id == user.id,
            GlucoseReading.source == "nightscout",
            GlucoseReading.dup_of.is_not(None),
        )
        return int(db.execute(q).scalar_one())

    assert copies() == 12
    scope = {"source": "dexcom_clarity", "start": at(0), "end": at(30), "confirm": True}
    r = client.post(DELETE, json=scope, headers=headers)
    assert r.json()["deleted"]["glucose"] == 6
    assert copies() == 6
    assert_aggregates_right(db, user)
