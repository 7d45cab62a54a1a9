"""POST /api/v1/entries with bodies shaped exactly like each uploader's, built from the
uploaders' own sources (fields, types and headers as each sends them):

- xDrip+: NightscoutFoundation/xDrip app/src/main/java/com/eveningoutpost/dexdrip/
  UtilityModels/NightscoutUploader.java (populateV1APIBGEntry / populateV1APIMeterReadingEntry
  / populateV1APICalibrationEntry): an array; ``date`` long ms, ``dateString`` formatted
  "yyyy-MM-dd'T'HH:mm:ss.SSSZ" (offset without colon), ``sgv`` int, ``delta``, ``direction``,
  ``filtered``/``unfiltered``/``rssi``/``noise``, ``sysTime``; header ``api-secret`` = SHA-1
  hex of the text before '@' in the base URL.
- Juggluco: j-kaltes/Juggluco Common/src/main/cpp/net/watchserver/uploader.cpp
  (mkuploaditem, uploadCGM) with datestring.h (Tdatestring) and
  Common/src/main/java/tk/glucodata/NightPost.java (upload): one plain (not gzip) array of up
  to 10,440 entries {type "sgv", ``device`` the sensor's short name (not "Juggluco"),
  ``dateString`` local time with a "+01:00" offset, ``date`` ms, ``sgv`` int, ``delta``,
  ``direction``, noise 1, filtered/unfiltered sgv*1000, rssi 100}; ``api-secret`` SHA-1.
- nightscout-librelink-up: timoschlueter/nightscout-librelink-up src/index.ts
  (uploadToNightScout): an array of {type "sgv", device "nightscout-librelink-up", sgv,
  direction, date, dateString}; header ``api-secret`` = SHA-1 hex of NIGHTSCOUT_API_TOKEN.
- Loop: ps2/rileylink_ios NightscoutUploadKit/NightscoutEntry.swift with LoopKit's
  NightscoutServiceKit/Extensions/StoredGlucoseSample.swift: ``device`` "loop://<name>",
  ``date`` a Double of ms (timeIntervalSince1970 * 1000, with a fraction), ``dateString``
  ISO 8601 UTC, ``sgv`` Int, ``type`` "sgv"; header ``api-secret`` SHA-1.
- AAPS (v1 client): nightscout/AndroidAPS core/main/.../extensions/GlucoseValueExtension.kt
  (GlucoseValue.toJson): ``device`` the sensor source text, ``date`` long, ``dateString``,
  ``isValid``, ``sgv`` a Double (120.0), ``direction``, ``type`` "sgv", ``_id`` when known.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.readings.models import GlucoseReading

BASE = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=1)


def ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def at(minutes: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minutes)


def xdrip_sgv(minutes: int, sgv: int, direction: str = "Flat") -> dict[str, Any]:
    when = at(minutes)
    local = when.astimezone(dt.timezone(dt.timedelta(hours=2)))
    return {
        "device": "xDrip-DexcomG5",
        "date": ms(when),
        "dateString": local.strftime("%Y-%m-%dT%H:%M:%S.000%z"),  # +0200: no colon
        "sgv": sgv,
        "delta": -1.5,
        "direction": direction,
        "type": "sgv",
        "filtered": sgv * 1000,
        "unfiltered": sgv * 1000,
        "rssi": 100,
        "noise": 1,
        "sysTime": local.strftime("%Y-%m-%dT%H:%M:%S.000%z"),
    }


def rows(db: Session, user_id: Any) -> list[GlucoseReading]:
    db.expire_all()
    return list(
        db.scalars(
            select(GlucoseReading)
            .where(GlucoseReading.user_id == user_id)
            .order_by(GlucoseReading.ts)
        )
    )


def test_xdrip_batch_with_meter_and_calibration(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = [
        xdrip_sgv(0, 120, "FortyFiveUp"),
        xdrip_sgv(5, 126, "SingleUp"),
        {  # populateV1APIMeterReadingEntry
            "device": "xDrip-DexcomG5",
            "type": "mbg",
            "date": ms(at(7)),
            "dateString": at(7).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
            "mbg": 131.0,
            "sysTime": at(7).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        },
        {  # populateV1APICalibrationEntry
            "device": "xDrip-DexcomG5",
            "type": "cal",
            "date": ms(at(7)),
            "dateString": at(7).strftime("%Y-%m-%dT%H:%M:%S.000%z"),
            "slope": 1000.0,
            "intercept": 0.0,
            "scale": 1,
        },
    ]
    r = client.post("/api/v1/entries", json=body, headers=owner.sha1)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert len(answer) == 4 and all(isinstance(a["_id"], str) and a["_id"] for a in answer)
    assert "glucolensSkipped" in answer[3]  # the calibration: answered, not stored
    stored = rows(db, owner.user.id)
    assert [(g.kind, g.value_mgdl, g.source) for g in stored] == [
        ("cgm", 120.0, "xdrip"),
        ("cgm", 126.0, "xdrip"),
        ("meter", 131.0, "xdrip"),
    ]
    assert [g.trend for g in stored[:2]] == ["fortyFiveUp", "singleUp"]
    assert stored[0].utc_offset_min == 120  # the offset the phone wrote in dateString
    assert stored[0].ts == at(0)
    assert stored[0].device == "xDrip-DexcomG5"

    # The same batch again (xDrip+ resends after a timeout): nothing new, same ids.
    again = client.post("/api/v1/entries", json=body, headers=owner.sha1).json()
    assert [a["_id"] for a in again] == [a["_id"] for a in answer]
    assert len(rows(db, owner.user.id)) == 3


def test_juggluco_first_upload_of_30_days(client: TestClient, ns_user, db: Session):
    """Juggluco sends its whole history on first connect: 10,440 readings in one array,
    each named by the sensor, not the app, so the rows' source is "nightscout"."""
    owner = ns_user()
    start = BASE - dt.timedelta(days=29)
    cet = dt.timezone(dt.timedelta(hours=1))
    body = []
    for i in range(10_440):
        when = start + dt.timedelta(minutes=4 * i)
        sgv = 70 + i % 150
        body.append(
            {
                "type": "sgv",
                "device": "3MH0057FTM",
                "dateString": when.astimezone(cet).strftime("%Y-%m-%dT%H:%M:%S.000+01:00"),
                "date": ms(when),
                "sgv": sgv,
                "delta": -1.993,
                "direction": "Flat",
                "noise": 1,
                "filtered": sgv * 1000,
                "unfiltered": sgv * 1000,
                "rssi": 100,
            }
        )
    headers = {**owner.sha1, "Content-Type": "application/json"}
    r = client.post("/api/v1/entries", content=json.dumps(body), headers=headers)
    assert r.status_code == 200, r.text[:300]
    answer = r.json()
    assert len(answer) == 10_440 and len({a["_id"] for a in answer}) == 10_440
    stored = rows(db, owner.user.id)
    assert len(stored) == 10_440
    assert {(g.source, g.device, g.utc_offset_min) for g in stored} == {
        ("nightscout", "3MH0057FTM", 60)
    }


def test_gzip_upload_of_a_large_array(client: TestClient, ns_user, db: Session):
    """xDrip+ gzips its uploads once the server has answered a gzip request
    (NightscoutUploader.java checkGzipSupport)."""
    owner = ns_user()
    body = [xdrip_sgv(-5 * i, 100 + i % 50) for i in range(2_000)]
    payload = gzip.compress(json.dumps(body).encode())
    headers = {**owner.sha1, "Content-Encoding": "gzip", "Content-Type": "application/json"}
    r = client.post("/api/v1/entries", content=payload, headers=headers)
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()) == 2_000
    assert len(rows(db, owner.user.id)) == 2_000


def test_librelink_up_with_token_sha1_and_string_sgv(client: TestClient, ns_user, db: Session):
    from tests.integrations.nightscout.conftest import create_credential

    owner = ns_user()
    token = create_credential(client, owner.headers, kind="token", name="librelinku")
    when = at(30)
    body = [
        {
            "type": "sgv",
            "device": "nightscout-librelink-up",
            "sgv": "143",  # some LibreLinkUp forks send the value as a string
            "direction": "SingleDown",
            "date": ms(when),
            "dateString": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
    ]
    r = client.post("/api/v1/entries", json=body, headers={"api-secret": token["api_secret_sha1"]})
    assert r.status_code == 200, r.text
    (row,) = rows(db, owner.user.id)
    assert (row.value_mgdl, row.source, row.trend) == (143.0, "librelinkup", "singleDown")


def test_loop_float_ms_date(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    when = at(40) + dt.timedelta(milliseconds=412)
    body = [
        {
            "sgv": 98,
            "date": when.timestamp() * 1000.0,  # a Double with a fraction
            "dateString": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "device": "loop://iPhone",
            "type": "sgv",
        }
    ]
    r = client.post("/api/v1/entries.json", json=body, headers=owner.sha1)
    assert r.status_code == 200, r.text
    (row,) = rows(db, owner.user.id)
    assert row.source == "loop" and row.trend is None
    assert abs((row.ts - when).total_seconds()) < 0.001


def test_aaps_object_body_with_id_and_double_sgv(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    when = at(50)
    entry = {
        "device": "AndroidAPS-DexcomG6",
        "date": ms(when),
        "dateString": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "isValid": True,
        "sgv": 120.0,
        "direction": "FortyFiveDown",
        "type": "sgv",
        "_id": "5f5b8a3e2c1d4e0012345678",
    }
    r = client.post("/api/v1/entries", json=entry, headers=owner.sha1)  # one object
    assert r.status_code == 200
    assert r.json()[0]["_id"] == "5f5b8a3e2c1d4e0012345678"
    (row,) = rows(db, owner.user.id)
    assert (row.source, row.external_id, row.value_mgdl) == ("aaps", entry["_id"], 120.0)
    again = client.post("/api/v1/entries", json=entry, headers=owner.sha1).json()
    assert again[0]["_id"] == entry["_id"] and len(rows(db, owner.user.id)) == 1
    # Resent under the same _id with another time (a corrected clock): still that row.
    moved = {**entry, "date": ms(at(300)), "dateString": at(300).isoformat()}
    third = client.post("/api/v1/entries", json=[moved], headers=owner.sha1).json()
    assert third[0]["_id"] == entry["_id"] and "glucolensSkipped" not in third[0]
    assert len(rows(db, owner.user.id)) == 1
