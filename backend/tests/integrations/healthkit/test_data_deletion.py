"""Deleting HealthKit data in GlucoLens (by source, or by time range) forgets the stored
samples behind the deleted rows, so a later full resend (a reset anchor on the phone)
imports them again; tombstones from the phone stay. Sample shapes: hk.py (Apple's HealthKit
documentation)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from glucolens.integrations.healthkit.models import HealthKitSample
from glucolens.lifestyle.models import SleepSession
from glucolens.readings.models import GlucoseReading
from tests.integrations.healthkit import hk

SYNC = "/api/v1/integrations/healthkit/sync"
DELETE = "/api/v1/data/delete"
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
T = NOW - dt.timedelta(hours=6)


def sync(client: Any, headers: dict[str, str], **samples: Any) -> dict[str, Any]:
    body = {"batch_id": str(uuid.uuid4()), "samples": samples}
    r = client.post(SYNC, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def count(db: Any, model: Any, user: Any, *where: Any) -> int:
    db.expire_all()
    q = select(func.count()).select_from(model).where(model.user_id == user.id, *where)
    return int(db.execute(q).scalar_one())


def glucose(n: int) -> list[dict[str, Any]]:
    return [hk.glucose_mgdl(T + dt.timedelta(minutes=5 * i), 100 + i) for i in range(n)]


def test_a_resend_after_deleting_the_source_imports_the_samples_again(
    client, make_user, auth_headers, db
):
    user = make_user()
    headers = auth_headers(user)
    samples = glucose(12)
    gone_on_phone = samples.pop()
    first = sync(client, headers, blood_glucose=samples)
    assert first["accepted"] == 11
    sync(client, headers)  # nothing
    r = client.post(SYNC, headers=headers, json={
        "batch_id": str(uuid.uuid4()), "samples": {},
        "deletions": [{"type": "blood_glucose", "uuid": gone_on_phone["uuid"]}],
    })  # fmt: skip
    assert r.status_code == 200, r.text
    r = client.post(DELETE, headers=headers, json={"source": "healthkit", "confirm": True})
    assert r.status_code == 200, r.text
    assert count(db, GlucoseReading, user) == 0
    # The tombstone for the sample deleted on the phone is kept; the stored samples are not.
    assert count(db, HealthKitSample, user) == 1
    again = sync(client, headers, blood_glucose=[*samples, gone_on_phone])
    assert again["accepted"] == 11 and again["duplicates"] == 1
    assert count(db, GlucoseReading, user) == 11


def test_a_range_deletion_forgets_only_the_samples_in_the_range(
    client, make_user, auth_headers, db
):
    user = make_user()
    headers = auth_headers(user)
    samples = glucose(12)  # T .. T+55 min
    sync(client, headers, blood_glucose=samples)
    start, end = T + dt.timedelta(minutes=20), T + dt.timedelta(minutes=40)
    r = client.post(DELETE, headers=headers, json={
        "start": start.isoformat(), "end": end.isoformat(), "confirm": True,
    })  # fmt: skip
    assert r.status_code == 200, r.text
    assert count(db, GlucoseReading, user) == 8
    assert count(db, HealthKitSample, user) == 8
    again = sync(client, headers, blood_glucose=samples)
    assert (again["accepted"], again["duplicates"]) == (4, 8)
    assert count(db, GlucoseReading, user) == 12


def test_a_night_that_began_before_the_range_keeps_all_its_segments(
    client, make_user, auth_headers, db
):
    user = make_user()
    headers = auth_headers(user)
    night = T - dt.timedelta(hours=10)
    stages = [(0, 120, 3), (120, 200, 4), (200, 300, 5), (300, 420, 3)]
    segments = [
        hk.sleep(night + dt.timedelta(minutes=a), night + dt.timedelta(minutes=b), value)
        for a, b, value in stages
    ]
    sync(client, headers, sleep_analysis=segments, blood_glucose=glucose(3))
    assert count(db, SleepSession, user) == 1
    # From the middle of the night: the night began before the range, so it stays whole,
    # and so do its stored segments; the glucose in the range goes.
    r = client.post(DELETE, headers=headers, json={
        "start": (night + dt.timedelta(hours=3)).isoformat(), "confirm": True,
    })  # fmt: skip
    assert r.status_code == 200, r.text
    assert count(db, SleepSession, user) == 1
    assert count(db, HealthKitSample, user, HealthKitSample.type == "sleep_analysis") == 4
    assert count(db, HealthKitSample, user, HealthKitSample.type == "blood_glucose") == 0
    # From before the night: the night goes, and its segments are forgotten.
    r = client.post(DELETE, headers=headers, json={
        "start": (night - dt.timedelta(hours=1)).isoformat(), "confirm": True,
    })  # fmt: skip
    assert r.status_code == 200, r.text
    assert count(db, SleepSession, user) == 0
    assert count(db, HealthKitSample, user) == 0
    assert sync(client, headers, sleep_analysis=segments)["accepted"] == 4
    assert count(db, SleepSession, user) == 1


def test_another_sources_deletion_leaves_the_samples(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    samples = glucose(3)
    sync(client, headers, blood_glucose=samples)
    r = client.post("/api/v1/glucose", headers=headers, json={
        "timestamp": (T + dt.timedelta(hours=1)).isoformat(), "value": 120, "unit": "mg/dL",
    })  # fmt: skip
    assert r.status_code == 201, r.text
    r = client.post(DELETE, headers=headers, json={"source": "manual", "confirm": True})
    assert r.status_code == 200, r.text
    assert count(db, HealthKitSample, user) == 3
    assert sync(client, headers, blood_glucose=samples)["duplicates"] == 3
