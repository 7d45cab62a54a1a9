"""The sync protocol end to end: the reference client (reference_client.py) with a simulated
HealthKit store against the real app and database. Sample shapes: hk.py (Apple's HealthKit
documentation: HKQuantitySample, HKCategorySample sleepAnalysis, HKWorkout, HKSourceRevision,
HKDevice, HKDeletedObject, the HKMetadataKey* keys)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.integrations.healthkit.models import HealthKitBatch, HealthKitSample
from glucolens.lifestyle.models import Activity, Meal, SleepSession
from glucolens.readings.models import GlucoseReading, InsulinDose
from tests.integrations.healthkit import hk
from tests.integrations.healthkit.reference_client import (
    NetworkError,
    SimulatedCrash,
    SimulatedHealthStore,
    SyncClient,
    SyncFailed,
    over_testclient,
)

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
START = (NOW - dt.timedelta(days=1)).replace(minute=0)


def count(db: Session, model: Any, user: Any, *where: Any) -> int:
    db.expire_all()
    return db.execute(
        select(func.count()).select_from(model).where(model.user_id == user.id, *where)
    ).scalar_one()


def day_of_data(store: SimulatedHealthStore) -> dict[str, list[dict[str, Any]]]:
    """A day as an iPhone with a Dexcom G7, Loop, MyFitnessPal and an Apple Watch holds it."""
    saved: dict[str, list[dict[str, Any]]] = {t: [] for t in store.samples}
    for i in range(288):
        t = START + dt.timedelta(minutes=5 * i)
        saved["blood_glucose"].append(
            store.save("blood_glucose", hk.glucose_mmol(t, round(5.0 + (i % 40) * 0.1, 1)))
        )
    saved["blood_glucose"].append(
        store.save("blood_glucose", hk.fingerstick(START + dt.timedelta(hours=7, minutes=2), 131))
    )
    breakfast = START + dt.timedelta(hours=7, minutes=30)
    for grams in (32.0, 11.5):  # two foods of one meal
        saved["carbohydrates"].append(store.save("carbohydrates", hk.carbs(breakfast, grams)))
    saved["insulin_delivery"].append(store.save("insulin_delivery", hk.insulin(breakfast, 4.5, 2)))
    basal_end = START + dt.timedelta(hours=1, minutes=30)
    saved["insulin_delivery"].append(
        store.save(
            "insulin_delivery", hk.insulin(START + dt.timedelta(hours=1), 0.45, 1, end=basal_end)
        )
    )
    night = START + dt.timedelta(hours=1)  # the night into the first day
    stages = [(0, 60, 3), (60, 100, 4), (100, 160, 5), (160, 170, 2), (170, 400, 3)]
    for a, b, value in stages:
        sample = hk.sleep(night + dt.timedelta(minutes=a), night + dt.timedelta(minutes=b), value)
        saved["sleep_analysis"].append(store.save("sleep_analysis", sample))
    in_bed = hk.sleep(night - dt.timedelta(minutes=15), night + dt.timedelta(minutes=420), 0,
                      source=hk.IPHONE)  # fmt: skip
    saved["sleep_analysis"].append(store.save("sleep_analysis", in_bed))
    saved["workouts"].append(store.save("workouts", hk.workout(START + dt.timedelta(hours=17), 32)))
    hour = START + dt.timedelta(hours=12)
    for minute, n in ((0, 400), (10, 350), (20, 500)):  # the iPhone in a pocket
        saved["steps"].append(store.save("steps", hk.steps(hour + dt.timedelta(minutes=minute), n)))
    for minute, n in ((0, 600), (30, 700)):  # the Watch counts the same walk
        sample = hk.steps(hour + dt.timedelta(minutes=minute), n, minutes=30, source=hk.WATCH)
        saved["steps"].append(store.save("steps", sample))
    return saved


def crash() -> None:
    raise SimulatedCrash


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user(timezone="Europe/Berlin")


@pytest.fixture
def device(client: Any, user: Any, auth_headers: Any) -> tuple[SimulatedHealthStore, SyncClient]:
    store = SimulatedHealthStore()
    return store, SyncClient(store, over_testclient(client, auth_headers(user)))


def test_initial_sync_stores_every_type_through_the_writers(device, user, db):
    store, app = device
    day_of_data(store)
    answers = app.sync_all()
    assert len(answers) == 1 and answers[0]["rejected"] == []
    assert answers[0]["accepted"] == 289 + 2 + 2 + 6 + 1 + 5
    cgm = GlucoseReading.kind == "cgm"
    assert count(db, GlucoseReading, user, cgm, GlucoseReading.source == "healthkit") == 288
    assert count(db, GlucoseReading, user, GlucoseReading.kind == "meter") == 1
    assert count(db, InsulinDose, user) == 2
    meal = db.execute(select(Meal).where(Meal.user_id == user.id)).scalar_one()
    assert meal.carbs_g == 43.5  # the two foods of one instant, added up
    steps = db.execute(
        select(Activity.steps).where(Activity.user_id == user.id, Activity.activity_type == "steps")
    ).scalars()
    assert list(steps) == [1300]  # the Watch's 1,300 beat the iPhone's 1,250: not 2,550
    night = db.execute(select(SleepSession).where(SleepSession.user_id == user.id)).scalar_one()
    assert (night.deep_min, night.rem_min, night.awake_min) == (40.0, 60.0, 10.0)
    assert night.asleep_min == 390.0 and night.in_bed_min == 435.0  # in bed from the iPhone
    run = db.execute(
        select(Activity).where(Activity.user_id == user.id, Activity.activity_type == "running")
    ).scalar_one()
    assert run.kcal == 310.0 and run.external_id is not None
    assert all(a is not None for a in app.state.anchors.values())
    assert app.state.pending is None


def test_incremental_sync_sends_only_what_changed(device, user, db):
    store, app = device
    day_of_data(store)
    app.sync_all()
    later = [
        store.save("blood_glucose", hk.glucose_mmol(NOW - dt.timedelta(minutes=m), 6.2))
        for m in (10, 5)
    ]
    (answer,) = app.sync_all()
    assert (answer["accepted"], answer["duplicates"]) == (2, 0)
    assert answer["by_type"]["blood_glucose"]["accepted"] == 2
    external = GlucoseReading.external_id.in_([s["uuid"] for s in later])
    assert count(db, GlucoseReading, user, external) == 2
    assert app.sync_all() == []  # nothing new: no request at all


def test_deletions_remove_rows_and_rebuild_meals_steps_and_nights(device, user, db):
    store, app = device
    saved = day_of_data(store)
    app.sync_all()
    store.delete("blood_glucose", saved["blood_glucose"][10]["uuid"])
    store.delete("carbohydrates", saved["carbohydrates"][1]["uuid"])  # one food of the meal
    store.delete("steps", saved["steps"][3]["uuid"])  # the Watch's first half hour
    store.delete("sleep_analysis", saved["sleep_analysis"][2]["uuid"])  # the REM segment
    store.delete("workouts", saved["workouts"][0]["uuid"])
    (answer,) = app.sync_all()
    assert answer["deleted"] == 5 and answer["rejected"] == []
    assert count(db, GlucoseReading, user) == 288
    assert db.execute(select(Meal.carbs_g).where(Meal.user_id == user.id)).scalar_one() == 32.0
    steps = db.execute(
        select(Activity.steps).where(Activity.user_id == user.id, Activity.activity_type == "steps")
    ).scalar_one()
    assert steps == 1250  # now the iPhone counted more
    night = db.execute(select(SleepSession).where(SleepSession.user_id == user.id)).scalar_one()
    assert night.rem_min == 0.0 and night.asleep_min == 330.0
    assert count(db, Activity, user, Activity.activity_type == "running") == 0
    tombstones = HealthKitSample.deleted_at.is_not(None)
    assert count(db, HealthKitSample, user, tombstones) == 5


def crash_between_upload_and_commit(store: SimulatedHealthStore, app: SyncClient) -> None:
    """A day is uploaded and stored, and the app is killed before it commits the anchors."""
    day_of_data(store)
    app.after_upload = crash
    with pytest.raises(SimulatedCrash):
        app.sync_once()
    assert app.state.pending is not None and all(a is None for a in app.state.anchors.values())
    app.after_upload = lambda: None


def test_a_crash_after_the_upload_resends_the_same_batch_and_stores_nothing_twice(device, user, db):
    crash_between_upload_and_commit(*device)
    store, app = device
    (answer,) = app.sync_all()  # the app starts again: the pending batch goes first
    assert answer["accepted"] == 305  # the stored answer of the first attempt
    assert count(db, GlucoseReading, user) == 289
    assert count(db, HealthKitBatch, user) == 1
    assert app.sync_all() == []


def test_a_crash_that_lost_the_pending_batch_resends_as_duplicates(device, user, db):
    crash_between_upload_and_commit(*device)
    store, app = device
    app.state.pending = None  # the app lost its saved batch too: a new batch_id, same samples
    (answer,) = app.sync_all()
    assert (answer["accepted"], answer["duplicates"]) == (0, 305)
    assert count(db, GlucoseReading, user) == 289
    assert count(db, Meal, user) == 1 and count(db, SleepSession, user) == 1


def test_a_reset_anchor_resends_everything_and_the_server_dedupes(device, user, db):
    store, app = device
    day_of_data(store)
    app.sync_all()
    app.reset_anchors()
    (answer,) = app.sync_all()
    assert answer["accepted"] == 0 and answer["duplicates"] == 305
    assert count(db, GlucoseReading, user) == 289 and count(db, Activity, user) == 2


def test_retries_keep_the_batch_id_and_back_off(client, user, auth_headers, db):
    store = SimulatedHealthStore()
    store.save("blood_glucose", hk.glucose_mgdl(NOW - dt.timedelta(minutes=5), 104))
    real = over_testclient(client, auth_headers(user))
    seen: list[str] = []
    failures = iter(["network", 503, 429])

    def flaky(body: dict[str, Any]) -> Any:
        seen.append(body["batch_id"])
        failure = next(failures, None)
        if failure == "network":
            raise NetworkError
        if failure is not None:
            retry = {"retry-after": "30"} if failure == 429 else {}
            return failure, retry, {"error": {"code": "x", "message": "busy", "details": []}}
        return real(body)

    app = SyncClient(store, flaky)
    (answer,) = app.sync_all()
    assert answer["accepted"] == 1 and len(set(seen)) == 1 and len(seen) == 4
    assert len(app.slept) == 3 and app.slept[2] >= 30  # Retry-After is a floor
    assert count(db, GlucoseReading, user) == 1


def test_a_4xx_is_not_retried_and_the_anchor_stays(client, user, auth_headers):
    store = SimulatedHealthStore()
    store.save("blood_glucose", hk.glucose_mgdl(NOW - dt.timedelta(minutes=5), 104))
    calls: list[int] = []

    def refused(body: dict[str, Any]) -> Any:
        calls.append(1)
        return 422, {}, {"error": {"code": "validation_failed", "message": "x", "details": []}}

    app = SyncClient(store, refused)
    with pytest.raises(SyncFailed):
        app.sync_once()
    assert len(calls) == 1 and app.state.anchors["blood_glucose"] is None


def test_a_409_makes_the_client_rebuild_the_batch_with_a_new_id(device, user, db):
    store, app = device
    store.save("blood_glucose", hk.glucose_mgdl(NOW - dt.timedelta(minutes=5), 104))
    app.sync_all()
    store.save("blood_glucose", hk.glucose_mgdl(NOW - dt.timedelta(minutes=1), 108))
    reused = db.execute(select(HealthKitBatch.batch_id)).scalar_one()
    app.state.pending = app._next_batch()
    assert app.state.pending is not None
    app.state.pending["body"]["batch_id"] = str(reused)  # a buggy client reuses an id
    (answer,) = app.sync_all()
    assert answer["accepted"] == 1 and answer["batch_id"] != str(reused)
    assert count(db, GlucoseReading, user) == 2


def test_a_late_resend_after_a_tombstone_does_not_bring_the_sample_back(device, user, db):
    store, app = device
    sample = store.save("blood_glucose", hk.glucose_mgdl(NOW - dt.timedelta(minutes=5), 104))
    store.delete("blood_glucose", sample["uuid"])  # deleted before the app ever synced it
    app.state.anchors["blood_glucose"] = 0  # an anchor from before: the deletion is reported
    (first,) = app.sync_all()
    assert first["deleted"] == 0 and first["accepted"] == 0  # an unknown UUID: a no-op
    late = SyncClient(store, app.send)  # another copy of the app still had the sample
    store.save("blood_glucose", sample)
    (answer,) = late.sync_all()
    assert (answer["accepted"], answer["duplicates"]) == (0, 1)
    assert count(db, GlucoseReading, user) == 0


def test_users_do_not_see_or_touch_each_others_samples(client, make_user, auth_headers, db):
    ada, bob = make_user(), make_user()
    store = SimulatedHealthStore()
    sample = store.save("blood_glucose", hk.glucose_mgdl(NOW - dt.timedelta(minutes=5), 104))
    SyncClient(store, over_testclient(client, auth_headers(ada))).sync_all()
    bobs = SimulatedHealthStore()
    bobs.save("blood_glucose", dict(sample))  # the same UUID from another account
    bobs.delete("blood_glucose", sample["uuid"])
    bob_app = SyncClient(bobs, over_testclient(client, auth_headers(bob)))
    bob_app.state.anchors["blood_glucose"] = 0
    bob_app.sync_all()
    assert count(db, GlucoseReading, ada) == 1 and count(db, GlucoseReading, bob) == 0
    status = client.get("/api/v1/integrations/healthkit/status", headers=auth_headers(bob))
    glucose = status.json()["types"][0]
    assert (glucose["stored"], glucose["deleted"], glucose["sources"]) == (0, 1, [])
