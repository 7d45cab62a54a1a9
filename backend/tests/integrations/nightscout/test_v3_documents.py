"""/api/v3 treatments, devicestatus and profile as AAPS's NSClient v3 uses them.

Bodies, from nightscout/AndroidAPS:
- treatments: core/nssdk remotemodel/RemoteTreatment.kt as mapper/TreatmentMapper.kt builds
  it for an NSBolus (plugins/sync nsclientV3/extensions/BolusExtension.kt toNSBolus: an SMB
  is eventType "Correction Bolus"; ``date`` ms, ``utcOffset`` min, ``insulin``, ``type``
  "SMB", ``isBasalInsulin``, ``pumpId``/``pumpType``/``pumpSerial``, no identifier at
  first) and for NSCarbs; NSAndroidClientImpl.createTreatment sets ``app = "AAPS"``;
  updateTreatment PATCHes ``v3/treatments/{identifier}`` with ``utcOffset`` and ``date``
  left out, or DELETEs when the treatment became invalid.
- devicestatus: remotemodel/RemoteDeviceStatus.kt from nsclientV3/extensions/
  DeviceStatusExtension.kt (``date``, ``device`` "openaps://...", ``pump``, ``openaps``
  {suggested, enacted, iob}, ``uploaderBattery``, ``isCharging``, ``configuration``; no
  ``utcOffset``, no ``created_at``), ``app = "AAPS"`` (createDeviceStatus).
- profile: DataSyncSelectorV3 sends the profile store JSON with ``date`` (its start date)
  and NSAndroidClientImpl.createProfileStore adds ``app = "AAPS"``; read back with
  ``v3/profile?sort$desc=date&limit=1`` and ``v3/profile/history/{from}``.
Reads and query strings: networking/NightscoutRemoteService.kt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.readings.models import InsulinDose
from tests.integrations.nightscout.test_v3_entries import bearer

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
DATE = int(NOW.timestamp() * 1000)


def aaps_smb(minutes: int = 0, insulin: float = 0.4, **extra: Any) -> dict[str, Any]:
    body = {
        "date": DATE + minutes * 60_000,
        "utcOffset": 60,
        "app": "AAPS",
        "isValid": True,
        "eventType": "Correction Bolus",
        "insulin": insulin,
        "type": "SMB",
        "isBasalInsulin": False,
        "pumpId": 4102 + minutes,
        "pumpType": "ACCU_CHEK_INSIGHT_BLUETOOTH",
        "pumpSerial": "33013206",
    }
    return {**body, **extra}


def aaps_carbs(minutes: int = 0) -> dict[str, Any]:
    return {
        "date": DATE + minutes * 60_000,
        "utcOffset": 60,
        "app": "AAPS",
        "isValid": True,
        "eventType": "Carb Correction",
        "carbs": 24.0,
        "duration": 0,
    }


def aaps_devicestatus(minutes: int = 0) -> dict[str, Any]:
    return {
        "app": "AAPS",
        "date": DATE + minutes * 60_000,
        "device": "openaps://samsung SM-G970F",
        "uploaderBattery": 76,
        "isCharging": False,
        "pump": {
            "clock": NOW.isoformat().replace("+00:00", "Z"),
            "reservoir": 120.5,
            "battery": {"percent": 60},
            "status": {"status": "normal", "timestamp": NOW.isoformat()},
            "extended": {"Version": "3.2.0", "ActiveProfile": "Default"},
        },
        "openaps": {
            "suggested": {"bg": 128, "eventualBG": 110, "reason": "COB: 0, Dev: -6"},
            "enacted": {"rate": 0.8, "duration": 30, "received": True},
            "iob": {"iob": 1.2, "basaliob": 0.3, "time": NOW.isoformat()},
        },
        "configuration": {"pump": "Insight", "version": "3.2.0", "aps": "OpenAPSSMB"},
    }


def aaps_profile_store(date: int = DATE) -> dict[str, Any]:
    day = [{"time": "00:00", "timeAsSeconds": 0, "value": 1.0}]
    return {
        "defaultProfile": "Default",
        "date": date,
        "startDate": dt.datetime.fromtimestamp(date / 1000, dt.UTC).isoformat(),
        "units": "mg/dl",
        "store": {
            "Default": {
                "dia": 5,
                "carbratio": [{"time": "00:00", "timeAsSeconds": 0, "value": 10}],
                "sens": [{"time": "00:00", "timeAsSeconds": 0, "value": 45}],
                "basal": day,
                "target_low": [{"time": "00:00", "timeAsSeconds": 0, "value": 100}],
                "target_high": [{"time": "00:00", "timeAsSeconds": 0, "value": 110}],
                "units": "mg/dl",
                "timezone": "Europe/Prague",
            }
        },
        "app": "AAPS",
    }


def doses(db: Session, owner: Any) -> list[InsulinDose]:
    db.expire_all()
    return list(db.scalars(select(InsulinDose).where(InsulinDose.user_id == owner.user.id)))


def test_treatment_create_dedupe_patch_delete_and_history(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    auth = bearer(client, owner)
    r = client.post("/api/v3/treatments", json=aaps_smb(), headers=auth)
    assert r.status_code == 201, r.text
    made = r.json()
    ident = made["identifier"]
    assert len(ident) == 36 and made["lastModified"] > 0  # the UUIDv5 Nightscout calculates
    assert [(d.units, d.source) for d in doses(db, owner)] == [(0.4, "aaps")]
    again = client.post("/api/v3/treatments", json=aaps_smb(), headers=auth)
    assert again.status_code == 200
    assert again.json()["isDeduplication"] is True and again.json()["identifier"] == ident
    doc = client.get(f"/api/v3/treatments/{ident}", headers=auth).json()["result"]
    assert doc["identifier"] == ident and doc["insulin"] == 0.4 and "_id" not in doc
    assert doc["utcOffset"] == 60 and doc["date"] == DATE and doc["app"] == "AAPS"
    # updateTreatment: the whole treatment minus utcOffset and date, as a PATCH.
    change = {k: v for k, v in aaps_smb(insulin=0.6).items() if k not in ("utcOffset", "date")}
    change["identifier"] = ident
    r = client.patch(f"/api/v3/treatments/{ident}", json=change, headers=auth)
    assert r.status_code == 200, r.text
    assert [d.units for d in doses(db, owner)] == [0.6]
    changed = client.get(f"/api/v3/treatments/history/{made['lastModified']}", headers=auth)
    [listed] = changed.json()["result"]
    assert listed["insulin"] == 0.6 and listed["srvModified"] >= made["lastModified"]
    # A soft delete: 410 on read, the dose gone, history shows it with isValid false.
    assert client.delete(f"/api/v3/treatments/{ident}", headers=auth).json() == {"status": 200}
    assert client.get(f"/api/v3/treatments/{ident}", headers=auth).status_code == 410
    r = client.patch(f"/api/v3/treatments/{ident}", json={"notes": "x"}, headers=auth)
    assert r.status_code == 410
    assert doses(db, owner) == []
    gone = client.get(f"/api/v3/treatments/history/{listed['srvModified']}", headers=auth)
    assert [(d["identifier"], d["isValid"]) for d in gone.json()["result"]] == [(ident, False)]
    assert client.get("/api/v3/treatments", headers=auth).json()["result"] == []
    # permanent=true removes it: then 404.
    r = client.delete(f"/api/v3/treatments/{ident}?permanent=true", headers=auth)
    assert r.status_code == 200
    assert client.get(f"/api/v3/treatments/{ident}", headers=auth).status_code == 404


def test_treatments_newer_than_and_validation(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    for m in (0, 10, 20):
        r = client.post("/api/v3/treatments", json=aaps_carbs(m), headers=auth)
        assert r.status_code == 201
    # getTreatmentsNewerThan: sort=created_at&created_at$gt=<ISO>&limit=<n>
    since = (NOW + dt.timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    query = f"sort=created_at&created_at$gt={since}&limit=10"
    r = client.get(f"/api/v3/treatments?{query}", headers=auth)
    assert [d["date"] for d in r.json()["result"]] == [DATE + 600_000, DATE + 1_200_000]
    r = client.get("/api/v3/treatments?eventType=Carb%20Correction&limit=1&skip=1", headers=auth)
    assert [d["date"] for d in r.json()["result"]] == [DATE + 600_000]
    for query, status in (("eventType$gt=A", 400), ("insulin=1", 400), ("date$regex=1", 400)):
        assert client.get(f"/api/v3/treatments?{query}", headers=auth).status_code == status
    no_app = {k: v for k, v in aaps_carbs(30).items() if k != "app"}
    r = client.post("/api/v3/treatments", json=no_app, headers=auth)
    assert r.status_code == 400 and r.json()["message"] == "Bad or missing app field"
    r = client.post("/api/v3/treatments", json={**aaps_carbs(30), "utcOffset": -2000}, headers=auth)
    assert r.json()["message"] == "Bad or missing utcOffset field"
    undated = {**aaps_carbs(), "date": None, "created_at": None}
    r = client.post("/api/v3/treatments", json=undated, headers=auth)
    assert r.json()["message"] == "Bad or missing date field"
    ident = client.get("/api/v3/treatments?limit=1", headers=auth).json()["result"][0]["identifier"]
    other = {**aaps_carbs(), "eventType": "Note"}
    r = client.put(f"/api/v3/treatments/{ident}", json=other, headers=auth)
    assert r.json()["message"] == "Field eventType cannot be modified by the client"


def test_devicestatus_without_utc_offset_and_its_history(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    r = client.post("/api/v3/devicestatus", json=aaps_devicestatus(), headers=auth)
    assert r.status_code == 201, r.text  # utcOffset taken from the parsed date, as Nightscout
    first = r.json()
    r = client.post("/api/v3/devicestatus", json=aaps_devicestatus(5), headers=auth)
    assert r.status_code == 201
    # getDeviceStatusModifiedSince: history/{from} without a limit.
    listed = client.get(f"/api/v3/devicestatus/history/{first['lastModified'] - 1}", headers=auth)
    docs = listed.json()["result"]
    assert len(docs) == 2 and docs[0]["openaps"]["enacted"]["rate"] == 0.8
    assert docs[0]["utcOffset"] == 0 and docs[0]["pump"]["reservoir"] == 120.5
    assert listed.headers["ETag"].startswith('W/"')


def test_profile_store_and_last_profile(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    old = client.post("/api/v3/profile", json=aaps_profile_store(DATE - 86_400_000), headers=auth)
    new = client.post("/api/v3/profile", json=aaps_profile_store(), headers=auth)
    assert (old.status_code, new.status_code) == (201, 201)
    last = client.get("/api/v3/profile?sort$desc=date&limit=1", headers=auth).json()["result"]
    assert [p["identifier"] for p in last] == [new.json()["identifier"]]
    assert last[0]["store"]["Default"]["dia"] == 5
    again = client.post("/api/v3/profile", json=aaps_profile_store(), headers=auth)
    assert again.status_code == 200 and again.json()["isDeduplication"] is True


def test_last_modified_lists_every_collection(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    made = {
        "treatments": client.post("/api/v3/treatments", json=aaps_smb(), headers=auth),
        "devicestatus": client.post("/api/v3/devicestatus", json=aaps_devicestatus(), headers=auth),
        "profile": client.post("/api/v3/profile", json=aaps_profile_store(), headers=auth),
    }
    collections = client.get("/api/v3/lastModified", headers=auth).json()["result"]["collections"]
    for name, r in made.items():
        assert collections[name] == r.json()["lastModified"], name
    assert "entries" not in collections


def test_documents_are_per_user_and_read_tokens_cannot_write(client: TestClient, ns_user):
    alice, bob = ns_user(), ns_user()
    a_auth, b_auth = bearer(client, alice), bearer(client, bob)
    ident = client.post("/api/v3/treatments", json=aaps_smb(), headers=a_auth).json()["identifier"]
    url = f"/api/v3/treatments/{ident}"
    assert client.get(url, headers=b_auth).status_code == 404
    assert client.get("/api/v3/treatments", headers=b_auth).json()["result"] == []
    r = client.get("/api/v3/treatments/history/1000000000000", headers=b_auth)
    assert r.json()["result"] == []
    assert client.delete(url, headers=b_auth).status_code == 404
    assert client.patch(url, json={"notes": "x"}, headers=b_auth).status_code == 404
    assert client.get(url, headers=a_auth).json()["result"].get("notes") is None
    reader = bearer(client, alice, role="read")
    answers = [
        client.post("/api/v3/devicestatus", json=aaps_devicestatus(), headers=reader),
        client.patch(url, json={"notes": "x"}, headers=reader),
        client.delete(url, headers=reader),
    ]
    assert [r.status_code for r in answers] == [403, 403, 403]
    assert client.get(url, headers=reader).status_code == 200
