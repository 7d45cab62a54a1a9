"""POST /api/v1/integrations/healthkit/sync, one rule per test: idempotency, units, sync
versions, rejections, limits, configuration and credentials. Sample shapes: hk.py (Apple's
HealthKit documentation)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import select, update

from glucolens.integrations.healthkit.models import HealthKitBatch, HealthKitSample
from glucolens.readings.models import GlucoseReading, InsulinDose
from tests.auth.test_api_keys import create_key
from tests.integrations.healthkit import hk

SYNC = "/api/v1/integrations/healthkit/sync"
STATUS = "/api/v1/integrations/healthkit/status"
CONFIGURE = "/api/v1/integrations/healthkit/configure"
NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
T = NOW - dt.timedelta(hours=2)


def batch(**samples: list[dict[str, Any]]) -> dict[str, Any]:
    return {"batch_id": str(uuid.uuid4()), "samples": samples}


def post(client: Any, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(SYNC, json=body, headers=headers)


def glucose_rows(db: Any, user: Any) -> list[GlucoseReading]:
    db.expire_all()
    return list(
        db.execute(
            select(GlucoseReading).where(GlucoseReading.user_id == user.id).order_by("ts")
        ).scalars()
    )


def test_mmol_is_converted_once_to_mgdl_and_the_original_is_kept(
    client, make_user, auth_headers, db
):
    user = make_user()
    sample = hk.glucose_mmol(T, 5.5)
    r = post(client, auth_headers(user), batch(blood_glucose=[sample]))
    assert r.status_code == 200 and r.json()["accepted"] == 1
    (row,) = glucose_rows(db, user)
    assert row.value_mgdl == 99.1 and row.external_id == sample["uuid"] and row.kind == "cgm"
    assert row.device == "Dexcom G7" and row.source == "healthkit"
    stored = db.execute(select(HealthKitSample)).scalar_one()
    assert (stored.value, stored.original_value, stored.original_unit) == (99.1, 5.5, hk.MMOL_UNIT)
    assert stored.source_bundle_id == "com.dexcom.G7"
    assert stored.details["device"]["manufacturer"] == "Dexcom"
    assert stored.details["source_revision"]["operating_system_version"] == "17.4.1"


def test_unit_errors_are_rejected_per_sample_and_the_rest_is_stored(
    client, make_user, auth_headers, db
):
    user = make_user()
    good = hk.glucose_mgdl(T, 104)
    bad_glucose = {**hk.glucose_mgdl(T + dt.timedelta(minutes=5), 6.1), "unit": "mmol"}
    bad_carbs = {**hk.carbs(T, 40), "unit": "kcal"}
    bad_insulin = {**hk.insulin(T, 2, 2), "unit": "mL"}
    r = post(
        client,
        auth_headers(user),
        batch(blood_glucose=[good, bad_glucose], carbohydrates=[bad_carbs],
              insulin_delivery=[bad_insulin]),
    )  # fmt: skip
    assert r.status_code == 200
    rejected = {(x["type"], x["index"], x["uuid"]): x["reason"] for x in r.json()["rejected"]}
    assert set(rejected) == {
        ("blood_glucose", 1, bad_glucose["uuid"]),
        ("carbohydrates", 0, bad_carbs["uuid"]),
        ("insulin_delivery", 0, bad_insulin["uuid"]),
    }
    assert "mmol<180.15588000005408>/L" in rejected[("blood_glucose", 1, bad_glucose["uuid"])]
    assert r.json()["accepted"] == 1 and len(glucose_rows(db, user)) == 1


def test_bad_samples_of_every_kind_are_rejected_with_a_reason(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    no_reason = hk.insulin(T, 2, 2)
    del no_reason["metadata"]["HKMetadataKeyInsulinDeliveryReason"]
    samples = {
        "blood_glucose": [
            {**hk.glucose_mgdl(T, 104), "uuid": "not-a-uuid"},
            {**hk.glucose_mgdl(T, 104), "start": "2026-01-01T08:00:00"},  # no offset
            hk.glucose_mgdl(T, 900),
            "a string",
            {**hk.glucose_mgdl(T, 104), "metadata": {"HKMetadataKeySyncIdentifier": "x"}},
            hk.glucose_mgdl(
                T,
                104,
                metadata={"HKMetadataKeySyncIdentifier": "x", "HKMetadataKeySyncVersion": 10**400},
            ),
        ],
        "insulin_delivery": [no_reason],
        "sleep_analysis": [hk.sleep(T, T + dt.timedelta(hours=1), 9)],
        "workouts": [hk.workout(T, 30, kcal=-5.0)],
        "steps": [hk.steps(NOW + dt.timedelta(hours=1), 100), hk.steps(T, 10**400)],
    }
    r = post(client, headers, {"batch_id": str(uuid.uuid4()), "samples": samples})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["accepted"] == 0 and len(out["rejected"]) == 11
    assert all(x["reason"] for x in out["rejected"])


def test_a_replayed_batch_id_gets_the_stored_answer(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    body = batch(blood_glucose=[hk.glucose_mgdl(T, 104)])
    first = post(client, headers, {**body, "sent_at": NOW.isoformat()})
    again = post(client, headers, {**body, "sent_at": (NOW + dt.timedelta(seconds=40)).isoformat()})
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(glucose_rows(db, user)) == 1


def test_the_same_batch_id_with_another_body_is_a_conflict(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    body = batch(blood_glucose=[hk.glucose_mgdl(T, 104)])
    assert post(client, headers, body).status_code == 200
    other = {**body, "samples": {"blood_glucose": [hk.glucose_mgdl(T, 110)]}}
    r = post(client, headers, other)
    assert r.status_code == 409 and "batch_id" in r.json()["error"]["message"]


def test_a_batch_id_belongs_to_its_user(client, make_user, auth_headers, db):
    ada, bob = make_user(), make_user()
    body = batch(blood_glucose=[hk.glucose_mgdl(T, 104)])
    assert post(client, auth_headers(ada), body).status_code == 200
    r = post(client, auth_headers(bob), body)  # not a replay of Ada's answer
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers
    assert len(glucose_rows(db, bob)) == 1


def test_a_higher_sync_version_replaces_and_a_lower_one_is_a_duplicate(
    client, make_user, auth_headers, db
):
    user = make_user()
    headers = auth_headers(user)
    v2 = hk.insulin(T, 3.0, 2, sync_id="loop-dose-1", sync_version=2)
    v1 = hk.insulin(T, 2.0, 2, sync_id="loop-dose-1", sync_version=1)
    v3 = hk.insulin(T, 3.5, 2, sync_id="loop-dose-1", sync_version=3)
    assert post(client, headers, batch(insulin_delivery=[v2])).json()["accepted"] == 1
    late = post(client, headers, batch(insulin_delivery=[v1])).json()
    assert (late["accepted"], late["duplicates"]) == (0, 1)
    newer = post(client, headers, batch(insulin_delivery=[v3])).json()
    assert (newer["accepted"], newer["duplicates"]) == (1, 0)
    db.expire_all()
    doses = db.execute(select(InsulinDose).where(InsulinDose.user_id == user.id)).scalars().all()
    assert [(d.units, d.external_id) for d in doses] == [(3.5, v3["uuid"])]


def test_of_several_versions_in_one_batch_the_highest_stays(client, make_user, auth_headers, db):
    user = make_user()
    versions = [hk.insulin(T, float(v), 2, sync_id="dose-7", sync_version=v) for v in (2, 5, 1, 4)]
    out = post(client, auth_headers(user), batch(insulin_delivery=versions)).json()
    db.expire_all()
    units = db.execute(select(InsulinDose.units).where(InsulinDose.user_id == user.id)).scalars()
    assert list(units) == [5.0]
    assert out["by_type"]["insulin_delivery"]["duplicates"] == 3  # older than 5


def test_a_uuid_sent_again_with_other_values_updates_its_row(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    sample = hk.glucose_mgdl(T, 104)
    post(client, headers, batch(blood_glucose=[sample]))
    out = post(client, headers, batch(blood_glucose=[{**sample, "value": 140}])).json()
    assert out["accepted"] == 1
    assert [r.value_mgdl for r in glucose_rows(db, user)] == [140.0]


def test_a_sample_sent_and_deleted_in_one_batch_is_not_stored(client, make_user, auth_headers, db):
    user = make_user()
    sample = hk.glucose_mgdl(T, 104)
    body = batch(blood_glucose=[sample])
    body["deletions"] = [{"type": "blood_glucose", "uuid": sample["uuid"]}, {"type": "x"}]
    out = post(client, auth_headers(user), body).json()
    assert out["accepted"] == 0 and glucose_rows(db, user) == []
    assert [(x["type"], x["index"]) for x in out["rejected"]] == [("deletions", 1)]


def test_the_glucose_kind_follows_the_app_and_what_the_user_typed(
    client, make_user, auth_headers, db
):
    user = make_user()
    unknown_app = {"source": {"name": "Sugar Diary", "bundle_identifier": "com.example.diary"}}
    every_5_min = [
        hk.glucose_mgdl(T + dt.timedelta(minutes=5 * i), 100 + i, source=unknown_app)
        for i in range(4)
    ]
    typed = hk.glucose_mgdl(T + dt.timedelta(minutes=1), 150,
                            metadata={"HKMetadataKeyWasUserEntered": True})  # fmt: skip
    post(client, auth_headers(user), batch(blood_glucose=[*every_5_min, typed]))
    kinds = {(r.value_mgdl, r.kind, r.period_min) for r in glucose_rows(db, user)}
    assert (150.0, "meter", None) in kinds
    assert {k for v, k, _ in kinds if v != 150.0} == {"cgm"}  # by its cadence
    assert {p for v, _, p in kinds if v != 150.0} == {5}


def test_a_turned_off_type_is_rejected_with_the_reason(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    r = client.post(CONFIGURE, json={"enabled_types": ["blood_glucose"]}, headers=headers)
    assert r.status_code == 200
    assert {t["type"]: t["enabled"] for t in r.json()["types"]}["carbohydrates"] is False
    out = post(client, headers, batch(carbohydrates=[hk.carbs(T, 20)],
                                      blood_glucose=[hk.glucose_mgdl(T, 99)])).json()  # fmt: skip
    assert out["accepted"] == 1
    (rejected,) = out["rejected"]
    assert rejected["type"] == "carbohydrates" and "turned off" in rejected["reason"]
    status = client.get(STATUS, headers=headers).json()
    carbs = next(t for t in status["types"] if t["type"] == "carbohydrates")
    assert "turned off" in carbs["last_error"]


def test_configure_sets_the_glucose_source_priority(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    order = ["healthkit", "dexcom_clarity"]
    r = client.post(CONFIGURE, json={"glucose_source_priority": order}, headers=headers)
    assert r.status_code == 200 and r.json()["glucose_source_priority"][:2] == order
    assert r.json()["glucose_source_priority_default"] is False
    again = client.get("/api/v1/data/source-priority", headers=headers).json()
    assert again["order"][:2] == order


def test_a_write_key_syncs_but_cannot_change_the_source_priority(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    key = create_key(client, headers, ["read", "write:readings"]).json()["key"]
    with_key = {"X-API-Key": key}
    assert post(client, with_key, batch(blood_glucose=[hk.glucose_mgdl(T, 99)])).status_code == 200
    r = client.post(CONFIGURE, json={"glucose_source_priority": ["healthkit"]}, headers=with_key)
    assert r.status_code == 403 and "signed-in" in r.json()["error"]["message"]
    r = client.post(CONFIGURE, json={"enabled_types": ["steps"]}, headers=with_key)
    assert r.status_code == 200


def test_a_read_only_key_cannot_sync(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    key = create_key(client, headers, ["read"]).json()["key"]
    r = post(client, {"X-API-Key": key}, batch(blood_glucose=[hk.glucose_mgdl(T, 99)]))
    assert r.status_code == 403
    assert client.get(STATUS, headers={"X-API-Key": key}).status_code == 200


def test_clock_skew_over_five_minutes_is_flagged(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    now = dt.datetime.now(dt.UTC)  # not the module's NOW: a slow run would shrink the skew
    ahead = {**batch(), "sent_at": (now + dt.timedelta(minutes=12)).isoformat()}
    out = post(client, headers, ahead).json()
    assert out["clock_skew"] is True and out["clock_skew_s"] > 600
    close = {**batch(), "sent_at": dt.datetime.now(dt.UTC).isoformat()}
    assert post(client, headers, close).json()["clock_skew"] is False


def test_more_samples_than_the_limit_is_a_422_naming_it(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    one = hk.glucose_mgdl(T, 99)
    over = batch(blood_glucose=[one] * 6000, steps=[hk.steps(T, 10)] * 4001)
    r = post(client, headers, over)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "samples"
    assert "10000" in r.json()["error"]["message"]


def test_a_malformed_envelope_is_a_422(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    for body in ({"samples": {}}, {"batch_id": "x"}, {**batch(), "samples": {"heart_rate": []}}):
        r = post(client, headers, body)
        assert r.status_code == 422, body


def test_unstorable_text_in_a_sample_rejects_that_sample_only(client, make_user, auth_headers, db):
    user = make_user()
    nul_source = hk.glucose_mgdl(T, 104)
    nul_source["source_revision"] = hk.revision("Dex\x00com", "com.dexcom.G7", "1")
    surrogate_device = {**hk.glucose_mgdl(T, 105), "device": {"name": "\ud800"}}
    surrogate_sync_id = hk.insulin(T, 1.0, 2, sync_id="id-\ud800")
    body = batch(blood_glucose=[nul_source, surrogate_device, hk.glucose_mgdl(T, 106)],
                 insulin_delivery=[surrogate_sync_id])  # fmt: skip
    headers = {**auth_headers(user), "content-type": "application/json"}
    # json.dumps escapes the lone surrogate as \ud800, as any JSON encoder may.
    out = client.post(SYNC, content=json.dumps(body).encode(), headers=headers).json()
    reasons = sorted(x["reason"] for x in out["rejected"])
    assert len(reasons) == 3 and out["accepted"] == 1
    assert any("source_revision.source.name" in r and "NUL" in r for r in reasons)
    assert any(r.startswith("device.name") for r in reasons)
    assert any("HKMetadataKeySyncIdentifier" in r for r in reasons)
    assert [r.value_mgdl for r in glucose_rows(db, user)] == [106.0]


def test_answers_older_than_30_days_are_forgotten_and_a_late_retry_is_harmless(
    client, make_user, auth_headers, db
):
    user = make_user()
    headers = auth_headers(user)
    body = batch(blood_glucose=[hk.glucose_mgdl(T, 104)])
    assert post(client, headers, body).status_code == 200
    db.execute(update(HealthKitBatch).values(created_at=NOW - dt.timedelta(days=31)))
    db.commit()
    post(client, headers, batch())  # any later batch sweeps the old answers
    db.expire_all()
    assert db.execute(select(HealthKitBatch.batch_id)).scalars().all() != [
        uuid.UUID(body["batch_id"])
    ]
    late = post(client, headers, body)
    assert late.status_code == 200 and "idempotent-replayed" not in late.headers
    assert (late.json()["accepted"], late.json()["duplicates"]) == (0, 1)
    assert len(glucose_rows(db, user)) == 1
