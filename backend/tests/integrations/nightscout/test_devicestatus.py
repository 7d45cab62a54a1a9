"""v1 devicestatus and profile, with bodies shaped like the uploaders':

- Loop: LoopKit/NightscoutKit Sources/NightscoutKit/Models/DeviceStatus.swift (device
  "loop://<name>", created_at, pump, uploader, loop, override), LoopStatus.swift (name,
  version, timestamp, iob, cob, predicted, recommendedBolus, enacted), PumpStatus.swift
  (clock, pumpID, manufacturer, model, battery, suspended, bolusing, reservoir,
  secondsFromGMT) and ProfileSet.swift (defaultProfile, startDate, mills as a string, units,
  enteredBy, loopSettings, store of dia/timezone/sens/basal/carbratio/target_low/high).
- AAPS: nightscout/AndroidAPS .../plugins/general/nsclient/data/DeviceStatus.java
  (mongoRecord: device "openaps://<phone>", pump, openaps {enacted, suggested, iob},
  uploaderBattery, created_at).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.integrations.nightscout.models import NightscoutDeviceStatus
from tests.integrations.nightscout.conftest import create_credential

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(minutes_ago: int) -> str:
    when = NOW - dt.timedelta(minutes=minutes_ago)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def loop_status(minutes_ago: int) -> dict[str, Any]:
    at = iso(minutes_ago)
    return {
        "device": "loop://iPhone",
        "created_at": at,
        "pump": {
            "clock": at,
            "pumpID": "1f2a3b",
            "manufacturer": "Insulet",
            "model": "Dash",
            "battery": {"percent": 80},
            "suspended": False,
            "bolusing": False,
            "reservoir": 50.0,
            "secondsFromGMT": 7200,
        },
        "uploader": {"timestamp": at, "name": "iPhone", "battery": 64},
        "loop": {
            "name": "Loop",
            "version": "3.4.1",
            "timestamp": at,
            "iob": {"timestamp": at, "iob": 1.25},
            "cob": {"timestamp": at, "cob": 12.0},
            "predicted": {"startDate": at, "values": [120, 118, 116, 115]},
            "recommendedBolus": 0.0,
            "enacted": {"rate": 0.8, "duration": 30.0, "timestamp": at, "received": True},
        },
        "override": {"active": False, "timestamp": at},
    }


def aaps_status(minutes_ago: int) -> dict[str, Any]:
    return {
        "device": "openaps://samsung SM-G991B",
        "pump": {"clock": iso(minutes_ago), "reservoir": 112.5, "battery": {"percent": 75}},
        "openaps": {
            "enacted": {"rate": 0.45, "duration": 30, "bg": 131, "reason": "COB: 0, Dev: -8"},
            "suggested": {"rate": 0.45, "duration": 30, "bg": 131, "eventualBG": 118},
            "iob": {"iob": 0.32, "basaliob": -0.1, "time": iso(minutes_ago)},
        },
        "uploaderBattery": 63,
        "created_at": iso(minutes_ago),
    }


def loop_profile() -> dict[str, Any]:
    start = NOW - dt.timedelta(days=1)
    schedule = [{"time": "00:00", "value": 1.0, "timeAsSeconds": 0}]
    return {
        "defaultProfile": "Default",
        "startDate": start.isoformat().replace("+00:00", "Z"),
        "mills": f"{start.timestamp() * 1000:.0f}",
        "units": "mg/dL",
        "enteredBy": "Loop",
        "loopSettings": {"dosingEnabled": True, "maximumBasalRatePerHour": 3.0},
        "store": {
            "Default": {
                "dia": 6.0,
                "carbs_hr": "0",
                "delay": "0",
                "timezone": "ETC/GMT-2",
                "target_low": [{"time": "00:00", "value": 100.0, "timeAsSeconds": 0}],
                "target_high": [{"time": "00:00", "value": 110.0, "timeAsSeconds": 0}],
                "sens": [{"time": "00:00", "value": 45.0, "timeAsSeconds": 0}],
                "basal": schedule,
                "carbratio": [{"time": "00:00", "value": 10.0, "timeAsSeconds": 0}],
                "units": "mg/dL",
            }
        },
    }


def test_loop_and_aaps_status_are_stored_and_listed(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    r = client.post("/api/v1/devicestatus", json=loop_status(10), headers=owner.sha1)
    assert r.status_code == 200, r.text
    [stored] = r.json()
    assert isinstance(stored["_id"], str)
    assert stored["loop"]["iob"]["iob"] == 1.25
    r = client.post("/api/v1/devicestatus.json", json=[aaps_status(5)], headers=owner.sha1)
    assert r.status_code == 200
    r = client.get("/api/v1/devicestatus.json", params={"count": 5}, headers=owner.sha1)
    assert [d["device"] for d in r.json()] == ["openaps://samsung SM-G991B", "loop://iPhone"]
    assert r.json()[0]["openaps"]["suggested"]["eventualBG"] == 118
    db.expire_all()
    count = db.scalar(select(func.count()).where(NightscoutDeviceStatus.user_id == owner.user.id))
    assert count == 2  # devicestatus has its own table


def test_a_resent_status_is_the_same_document(client: TestClient, ns_user):
    owner = ns_user()
    first = client.post("/api/v1/devicestatus", json=loop_status(5), headers=owner.sha1).json()
    again = client.post("/api/v1/devicestatus", json=loop_status(5), headers=owner.sha1).json()
    assert again[0]["_id"] == first[0]["_id"]  # created_at + device
    assert len(client.get("/api/v1/devicestatus", headers=owner.sha1).json()) == 1


def test_delete_devicestatus_by_id_and_by_find(client: TestClient, ns_user):
    owner = ns_user()
    body = [loop_status(30), loop_status(20), loop_status(10)]
    r = client.post("/api/v1/devicestatus", json=body, headers=owner.sha1)
    ids = [d["_id"] for d in r.json()]
    r = client.delete(f"/api/v1/devicestatus/{ids[0]}", headers=owner.sha1)
    assert r.json()["n"] == 1
    r = client.delete(
        "/api/v1/devicestatus", params={"find[created_at][$lt]": iso(15)}, headers=owner.sha1
    )
    assert r.json()["n"] == 1
    left = client.get("/api/v1/devicestatus", headers=owner.sha1).json()
    assert [d["_id"] for d in left] == [ids[2]]


def test_devicestatus_filters_and_isolation(client: TestClient, ns_user):
    alice, bob = ns_user(), ns_user()
    client.post("/api/v1/devicestatus", json=[loop_status(5), aaps_status(4)], headers=alice.sha1)
    r = client.get(
        "/api/v1/devicestatus", params={"find[device]": "loop://iPhone"}, headers=alice.sha1
    )
    assert [d["device"] for d in r.json()] == ["loop://iPhone"]
    r = client.get("/api/v1/devicestatus", params={"find[openaps][$gt]": "1"}, headers=alice.sha1)
    assert r.status_code == 400 and "openaps" in r.json()["description"]
    assert client.get("/api/v1/devicestatus", headers=bob.sha1).json() == []


def test_a_read_token_cannot_post_devicestatus(client: TestClient, ns_user):
    owner = ns_user()
    token = create_credential(client, owner.headers, kind="token", name="watch", role="read")
    r = client.post("/api/v1/devicestatus", json=loop_status(1), params={"token": token["value"]})
    assert r.status_code == 403


def test_a_document_over_the_size_bound_is_400(client: TestClient, ns_user):
    owner = ns_user()
    big = {**loop_status(1), "notes": "x" * (200 * 1024)}
    r = client.post("/api/v1/devicestatus", json=[loop_status(2), big], headers=owner.sha1)
    assert r.status_code == 400
    assert "devicestatus[1]" in r.json()["description"]
    assert client.get("/api/v1/devicestatus", headers=owner.sha1).json() == []


def test_loop_profile_upload_and_current(client: TestClient, ns_user):
    owner = ns_user()
    assert client.get("/api/v1/profile/current", headers=owner.sha1).json() == {}
    r = client.post("/api/v1/profile", json=loop_profile(), headers=owner.sha1)
    assert r.status_code == 200, r.text
    ident = r.json()[0]["_id"]
    r = client.get("/api/v1/profile.json", headers=owner.sha1)
    assert [p["_id"] for p in r.json()] == [ident]
    current = client.get("/api/v1/profile/current", headers=owner.sha1).json()
    assert current["defaultProfile"] == "Default"
    assert current["store"]["Default"]["sens"][0]["value"] == 45.0
    # Loop updates its profile in place by _id.
    changed = {**loop_profile(), "_id": ident, "units": "mmol/L"}
    r = client.put("/api/v1/profile", json=changed, headers=owner.sha1)
    assert r.status_code == 200 and r.json()["_id"] == ident
    current = client.get("/api/v1/profile/current", headers=owner.sha1).json()
    assert current["units"] == "mmol/L"
    assert len(client.get("/api/v1/profile", headers=owner.sha1).json()) == 1
