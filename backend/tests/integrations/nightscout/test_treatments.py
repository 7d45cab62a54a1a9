"""v1 treatments with bodies shaped like each uploader's, built from their sources:

- Loop: LoopKit/NightscoutKit Sources/NightscoutKit/Models/Treatments/NightscoutTreatment.swift
  (created_at and timestamp ISO with ms and "Z", enteredBy "loop://<device>", eventType,
  syncIdentifier, insulinType), BolusNightscoutTreatment.swift (type, insulin, programmed,
  unabsorbed, duration min, automatic), CarbCorrectionNightscoutTreatment.swift (carbs,
  absorptionTime min, foodType, userEnteredAt) and TempBasalNightscoutTreatment.swift (temp,
  rate, absolute, duration, amount, automatic, reason).
- AAPS: nightscout/AndroidAPS plugins/sync/.../nsclient/extensions/BolusExtension.kt and
  CarbsExtension.kt (eventType, insulin/carbs, created_at, date ms, type, notes, isValid,
  isSMB, pumpId/pumpType/pumpSerial, _id once known).
- xDrip+: NightscoutFoundation/xDrip NightscoutUploader.java populateV1APITreatmentEntry
  (timestamp ms, eventType, enteredBy, notes, uuid, carbs, insulin, created_at, sysTime with
  "+0200" offset) sent one by one with PUT and ``_id`` = uuid_to_id(uuid) (the first 24 hex
  digits of the uuid), looked up with ``find[uuid]``.
- Juggluco: j-kaltes/Juggluco Common/src/main/cpp/net/watchserver/uploadtreatment.cpp
  (PUT /api/v1/treatments one at a time: timestamp ms, eventType "<none>", enteredBy
  "Juggluco", notes, carbs, insulin, created_at UTC, ``_id`` from mkid: "ba<base>e<pos>"
  padded with "b" to 24 characters; removed with DELETE /api/v1/treatments/<that id>).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.lifestyle.models import Activity, Meal
from glucolens.readings.models import GlucoseReading, InsulinDose
from tests.integrations.nightscout.conftest import create_credential

BASE = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=6)


def iso(minutes: int) -> str:
    when = BASE + dt.timedelta(minutes=minutes)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ms(minutes: int) -> int:
    return int((BASE + dt.timedelta(minutes=minutes)).timestamp() * 1000)


def loop_bolus(minutes: int, units: float) -> dict[str, Any]:
    return {
        "created_at": iso(minutes),
        "timestamp": iso(minutes),
        "enteredBy": "loop://iPhone",
        "eventType": "Correction Bolus",
        "insulinType": "Novolog",
        "syncIdentifier": uuid.uuid4().hex,
        "type": "normal",
        "insulin": units,
        "programmed": units,
        "unabsorbed": 0.0,
        "duration": 0.0,
        "automatic": False,
    }


def loop_carbs(minutes: int, grams: int) -> dict[str, Any]:
    return {
        "created_at": iso(minutes),
        "timestamp": iso(minutes),
        "enteredBy": "loop://iPhone",
        "eventType": "Carb Correction",
        "syncIdentifier": uuid.uuid4().hex,
        "carbs": grams,
        "absorptionTime": 180.0,
        "foodType": "🍕",
        "userEnteredAt": iso(minutes),
    }


def loop_temp_basal(minutes: int) -> dict[str, Any]:
    return {
        "created_at": iso(minutes),
        "timestamp": iso(minutes),
        "enteredBy": "loop://iPhone",
        "eventType": "Temp Basal",
        "insulinType": "Novolog",
        "syncIdentifier": uuid.uuid4().hex,
        "temp": "absolute",
        "rate": 1.35,
        "absolute": 1.35,
        "duration": 30.0,
        "amount": 0.1,
        "automatic": True,
        "reason": "",
    }


def aaps_bolus(minutes: int, units: float, smb: bool = False) -> dict[str, Any]:
    return {
        "eventType": "Correction Bolus" if smb else "Meal Bolus",
        "insulin": units,
        "created_at": iso(minutes),
        "date": ms(minutes),
        "type": "SMB" if smb else "NORMAL",
        "notes": None,
        "isValid": True,
        "isSMB": smb,
        "pumpId": 4421,
        "pumpType": "OMNIPOD_DASH",
        "pumpSerial": "17d2f4a",
    }


def xdrip_treatment(minutes: int, **fields: Any) -> dict[str, Any]:
    when = BASE + dt.timedelta(minutes=minutes)
    local = when.astimezone(dt.timezone(dt.timedelta(hours=2)))
    uid = str(uuid.uuid4())
    return {
        "timestamp": ms(minutes),
        "eventType": "<none>",
        "enteredBy": "xdrip",
        "notes": None,
        "uuid": uid,
        "carbs": 0,
        "insulin": 0,
        "created_at": iso(minutes),
        "sysTime": local.strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        "_id": uid.replace("-", "")[:24],  # uuid_to_id
        **fields,
    }


def insulin_rows(db: Session, user_id: Any) -> list[InsulinDose]:
    db.expire_all()
    return list(db.scalars(select(InsulinDose).where(InsulinDose.user_id == user_id)))


def meal_rows(db: Session, user_id: Any) -> list[Meal]:
    db.expire_all()
    return list(db.scalars(select(Meal).where(Meal.user_id == user_id)))


def test_loop_treatments_land_in_insulin_and_meals(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = [loop_bolus(0, 2.5), loop_carbs(5, 45), loop_temp_basal(10)]
    r = client.post("/api/v1/treatments", json=body, headers=owner.sha1)
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out) == 3
    assert all(isinstance(d["_id"], str) and len(d["_id"]) == 24 for d in out)
    assert [d["eventType"] for d in out] == ["Correction Bolus", "Carb Correction", "Temp Basal"]
    [dose] = insulin_rows(db, owner.user.id)
    assert (dose.units, dose.kind, dose.source) == (2.5, "bolus", "loop")
    assert dose.external_id == out[0]["_id"]
    [meal] = meal_rows(db, owner.user.id)
    assert (meal.carbs_g, meal.source, meal.external_id) == (45, "loop", out[1]["_id"])
    # The temp basal is kept as a document only (a rate change is not insulin delivered).
    r = client.get("/api/v1/treatments", params={"count": 10}, headers=owner.sha1)
    events = [d["eventType"] for d in r.json()]
    assert events == ["Temp Basal", "Carb Correction", "Correction Bolus"]
    # What the dashboard reads: the insulin list of the GlucoLens API.
    r = client.get("/api/v1/insulin", headers=owner.headers)
    assert [i["units"] for i in r.json()["items"]] == [2.5]


def test_a_resent_treatment_returns_its_existing_id(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    bolus = loop_bolus(0, 1.5)
    first = client.post("/api/v1/treatments", json=bolus, headers=owner.sha1).json()
    again = client.post("/api/v1/treatments", json=[bolus, bolus], headers=owner.sha1).json()
    assert [d["_id"] for d in again] == [first[0]["_id"]] * 2
    assert len(insulin_rows(db, owner.user.id)) == 1
    # Nightscout's fallback key (created_at + eventType) matches without an id too.
    moved = {**bolus, "insulin": 1.7, "syncIdentifier": "other"}
    third = client.post("/api/v1/treatments", json=moved, headers=owner.sha1).json()
    assert third[0]["_id"] == first[0]["_id"]
    assert [d.units for d in insulin_rows(db, owner.user.id)] == [1.7]


def test_xdrip_put_upserts_and_changes_the_insulin_row(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    t = xdrip_treatment(0, eventType="Bolus", insulin=3.0)
    r = client.put("/api/v1/treatments", json=t, headers=owner.sha1)
    assert r.status_code == 200, r.text
    assert r.json()["_id"] == t["_id"]
    [dose] = insulin_rows(db, owner.user.id)
    assert (dose.units, dose.source, dose.external_id) == (3.0, "xdrip", t["_id"])
    r = client.put("/api/v1/treatments", json={**t, "insulin": 4.5}, headers=owner.sha1)
    assert r.json()["_id"] == t["_id"]
    assert [(d.units, d.external_id) for d in insulin_rows(db, owner.user.id)] == [(4.5, t["_id"])]
    # xDrip+ finds a treatment by its uuid before deleting it.
    r = client.get("/api/v1/treatments.json", params={"find[uuid]": t["uuid"]}, headers=owner.sha1)
    assert [d["_id"] for d in r.json()] == [t["_id"]]


def test_delete_removes_the_treatments_rows(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = [xdrip_treatment(0, eventType="Meal Bolus", insulin=4.0, carbs=60), loop_bolus(30, 1)]
    out = client.post("/api/v1/treatments", json=body, headers=owner.sha1).json()
    assert len(insulin_rows(db, owner.user.id)) == 2
    assert len(meal_rows(db, owner.user.id)) == 1
    r = client.delete(f"/api/v1/treatments/{out[0]['_id']}", headers=owner.sha1)
    assert r.status_code == 200 and r.json()["n"] == 1
    assert [d.external_id for d in insulin_rows(db, owner.user.id)] == [out[1]["_id"]]
    assert meal_rows(db, owner.user.id) == []
    r = client.delete(
        "/api/v1/treatments", params={"find[eventType]": "Correction Bolus"}, headers=owner.sha1
    )
    assert r.json()["n"] == 1
    assert insulin_rows(db, owner.user.id) == []
    assert client.get("/api/v1/treatments", headers=owner.sha1).json() == []


def test_aaps_invalidated_bolus_leaves_the_dashboard(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    out = client.post("/api/v1/treatments", json=aaps_bolus(0, 0.4, smb=True), headers=owner.sha1)
    ident = out.json()[0]["_id"]
    assert [d.units for d in insulin_rows(db, owner.user.id)] == [0.4]
    # AAPS updates a removed bolus with isValid false and the _id it was given.
    gone = {**aaps_bolus(0, 0.4, smb=True), "_id": ident, "isValid": False}
    r = client.put("/api/v1/treatments", json=gone, headers=owner.sha1)
    assert r.status_code == 200, r.text
    assert insulin_rows(db, owner.user.id) == []
    assert client.get("/api/v1/treatments", headers=owner.sha1).json() == []


def test_mmol_bg_check_becomes_one_meter_reading(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    check = {
        "eventType": "BG Check",
        "created_at": iso(0),
        "enteredBy": "xdrip",
        "glucose": 6.2,
        "glucoseType": "Finger",
        "units": "mmol",
    }
    r = client.post("/api/v1/treatments", json=check, headers=owner.sha1)
    assert r.status_code == 200, r.text
    db.expire_all()
    [row] = db.scalars(select(GlucoseReading).where(GlucoseReading.user_id == owner.user.id))
    assert row.kind == "meter"
    assert round(row.value_mgdl) == round(6.2 * 18.0182)
    assert r.json()[0]["glucose"] == 6.2  # the document keeps what was sent


def test_exercise_with_a_duration_is_an_activity(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = {"eventType": "Exercise", "created_at": iso(0), "duration": 45, "enteredBy": "xdrip"}
    client.post("/api/v1/treatments", json=body, headers=owner.sha1)
    db.expire_all()
    [act] = db.scalars(select(Activity).where(Activity.user_id == owner.user.id))
    assert (act.end - act.start) == dt.timedelta(minutes=45)


def test_find_by_created_at_and_event_type(client: TestClient, ns_user):
    owner = ns_user()
    body = [loop_bolus(0, 1), loop_carbs(60, 20), loop_bolus(120, 2)]
    client.post("/api/v1/treatments", json=body, headers=owner.sha1)
    r = client.get(
        "/api/v1/treatments",
        params={"find[created_at][$gte]": iso(30), "find[eventType]": "Correction Bolus"},
        headers=owner.sha1,
    )
    assert r.status_code == 200
    assert [d["insulin"] for d in r.json()] == [2]
    r = client.get("/api/v1/treatments", params={"find[date][$lt]": ms(30)}, headers=owner.sha1)
    assert [d["insulin"] for d in r.json()] == [1]


def test_unknown_find_field_or_operator_is_400(client: TestClient, ns_user):
    owner = ns_user()
    for params in (
        {"find[insulin][$where]": "1"},
        {"find[password]": "x"},
        {"find[created_at][$regex]": "2024"},
        {"find[eventType][$gt]": "A"},
        {"find[created_at][$gte]": "yesterday"},
    ):
        r = client.get("/api/v1/treatments", params=params, headers=owner.sha1)
        assert r.status_code == 400, params
        assert r.json()["status"] == 400
    r = client.delete("/api/v1/treatments", headers=owner.sha1)
    assert r.status_code == 400  # never "delete everything"


def test_a_read_token_cannot_write_treatments(client: TestClient, ns_user):
    owner = ns_user()
    token = create_credential(client, owner.headers, kind="token", name="follower", role="read")
    r = client.post("/api/v1/treatments", json=loop_bolus(0, 1), params={"token": token["value"]})
    assert r.status_code == 403
    r = client.get("/api/v1/treatments", params={"token": token["value"]})
    assert r.status_code == 200 and r.json() == []


def test_one_users_treatments_are_invisible_to_another(client: TestClient, ns_user, db: Session):
    alice, bob = ns_user(), ns_user()
    out = client.post("/api/v1/treatments", json=loop_bolus(0, 2), headers=alice.sha1).json()
    ident = out[0]["_id"]
    assert client.get("/api/v1/treatments", headers=bob.sha1).json() == []
    r = client.get("/api/v1/treatments", params={"find[_id]": ident}, headers=bob.sha1)
    assert r.json() == []
    assert client.delete(f"/api/v1/treatments/{ident}", headers=bob.sha1).json()["n"] == 0
    # The same _id sent by Bob is Bob's own document, not a duplicate of Alice's.
    r = client.put("/api/v1/treatments", json={**loop_bolus(0, 3), "_id": ident}, headers=bob.sha1)
    assert r.status_code == 200
    assert [d.units for d in insulin_rows(db, alice.user.id)] == [2]
    assert [d.units for d in insulin_rows(db, bob.user.id)] == [3]


def test_secret_and_token_fields_are_not_stored(client: TestClient, ns_user):
    owner = ns_user()
    body = {**loop_carbs(0, 10), "secret": "s3cret", "token": "tok"}
    out = client.post("/api/v1/treatments", json=body, headers=owner.sha1).json()
    assert "secret" not in out[0] and "token" not in out[0]
    [stored] = client.get("/api/v1/treatments", headers=owner.sha1).json()
    assert "secret" not in stored and "token" not in stored


def test_a_huge_array_is_stored_in_one_request(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = [
        {**aaps_bolus(0, 0.1, smb=True), "created_at": None, "date": ms(0) - i * 60_000}
        for i in range(10_000)
    ]
    r = client.post("/api/v1/treatments", json=body, headers=owner.sha1)
    assert r.status_code == 200, r.text[:300]
    ids = [d["_id"] for d in r.json()]
    assert len(ids) == 10_000 and len(set(ids)) == 10_000
    assert len(insulin_rows(db, owner.user.id)) == 10_000


def test_if_modified_since_answers_304(client: TestClient, ns_user):
    owner = ns_user()
    client.post("/api/v1/treatments", json=loop_bolus(0, 1), headers=owner.sha1)
    r = client.get("/api/v1/treatments", headers=owner.sha1)
    stamp = r.headers["last-modified"]
    r = client.get("/api/v1/treatments", headers={**owner.sha1, "If-Modified-Since": stamp})
    assert r.status_code == 304
    old = "Mon, 01 Jan 2024 00:00:00 GMT"
    r = client.get("/api/v1/treatments", headers={**owner.sha1, "If-Modified-Since": old})
    assert r.status_code == 200 and len(r.json()) == 1


def test_juggluco_put_then_delete_by_its_own_id(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    ident = "ba0e7".ljust(24, "b")
    body = {
        "timestamp": ms(0),
        "eventType": "<none>",
        "enteredBy": "Juggluco",
        "notes": "Fiasp",
        "carbs": 0,
        "insulin": 4,
        "created_at": iso(0)[:-5] + "Z",  # whole seconds
        "_id": ident,
    }
    r = client.put("/api/v1/treatments", json=body, headers=owner.sha1)
    assert r.status_code == 200 and r.json()["_id"] == ident
    [dose] = insulin_rows(db, owner.user.id)
    assert (dose.units, dose.source, dose.external_id) == (4, "juggluco", ident)
    r = client.delete(f"/api/v1/treatments/{ident}", headers=owner.sha1)
    assert r.status_code == 200 and r.json()["n"] == 1
    assert insulin_rows(db, owner.user.id) == []
