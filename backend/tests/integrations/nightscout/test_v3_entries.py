"""/api/v3 with entries, driven as AAPS's NSClient v3 and nightscout-librelink-up's v3
client drive it.

Bodies and calls, from the clients' sources:
- AAPS: nightscout/AndroidAPS core/nssdk remotemodel/RemoteEntry.kt (built by
  mapper/SvgMapper.kt toRemoteEntry from plugins/sync nsclientV3/extensions/
  GlucoseValueExtension.kt toNSSvgV3; NSAndroidClientImpl.createSgv sets ``app = "AAPS"``;
  Gson leaves null fields out): ``type`` "sgv", ``sgv`` a Double, ``date`` ms, ``device``
  the sensor source text ("AAPS-DexcomG6", core/data SourceSensor.kt), ``direction``,
  ``utcOffset`` minutes, ``isValid``, ``isReadOnly``, ``noise``, ``filtered``,
  ``unfiltered``, ``units`` "mg/dl"; no ``identifier`` on the first upload. Paths and query
  strings: networking/NightscoutRemoteService.kt (``v3/entries?sort$desc=date&type=sgv``,
  ``v3/entries?sort=date&date$gt=..&limit=..``, ``v3/entries/history/{from}?limit=``,
  PATCH/DELETE ``v3/entries/{identifier}``); auth: networking/NSAuthInterceptor.kt (JWT from
  ``/api/v2/authorization/request/<token>`` sent as ``Authorization: Bearer``).
- LibreLinkUp: timoschlueter/nightscout-librelink-up src/nightscout/apiv3.ts: one POST per
  entry ``{type "sgv", sgv, direction, device "freestyle-libre", date ms, app
  "librelinkup-to-nightscout-script"}`` (no utcOffset, no identifier), expecting 201; the
  last entry from ``/api/v3/entries?limit=1&sort$desc=date`` (``result.pop()``).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.readings.models import GlucoseDaily, GlucoseReading
from tests.integrations.nightscout.conftest import create_credential

DATE = 1733560800000  # 2024-12-07T08:40:00Z
# UUIDv5("AAPS-DexcomG6_1733560800000", namespace "NightscoutRocks!"), computed apart from
# the server with Node's crypto (SHA-1, RFC 4122 version and variant bits).
AAPS_ID = "f88938eb-df46-5e40-b9dd-3c3babfa5ba5"
LLU_ID = "80b9cc82-e4df-5ad3-a2d7-ad234e60c166"  # "freestyle-libre_1733560800000"


def bearer(client: TestClient, owner: Any, role: str = "readwrite") -> dict[str, str]:
    token = create_credential(client, owner.headers, kind="token", name="aaps", role=role)
    r = client.get(f"/api/v2/authorization/request/{token['value']}")
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def aaps_entry(minutes: int = 0, sgv: float = 120.0, **extra: Any) -> dict[str, Any]:
    body = {
        "type": "sgv",
        "sgv": sgv,
        "date": DATE + minutes * 60_000,
        "device": "AAPS-DexcomG6",
        "direction": "Flat",
        "app": "AAPS",
        "utcOffset": 60,
        "isValid": True,
        "isReadOnly": False,
        "noise": 1.0,
        "filtered": 120.5,
        "unfiltered": 0.0,
        "units": "mg/dl",
    }
    return {**body, **extra}


def llu_entry(minutes: int = 0, sgv: int = 98, direction: str = "FortyFiveUp") -> dict[str, Any]:
    return {
        "type": "sgv",
        "sgv": sgv,
        "direction": direction,
        "device": "freestyle-libre",
        "date": DATE + minutes * 60_000,
        "app": "librelinkup-to-nightscout-script",
    }


def rows(db: Session, user: User) -> list[GlucoseReading]:
    db.expire_all()
    stmt = select(GlucoseReading).where(GlucoseReading.user_id == user.id)
    return list(db.scalars(stmt.order_by(GlucoseReading.ts)))


def test_status_after_the_jwt_exchange(client: TestClient, ns_user):
    owner = ns_user()
    body = client.get("/api/v3/status", headers=bearer(client, owner)).json()
    assert body["status"] == 200
    result = body["result"]
    assert result["apiVersion"].startswith("3.") and result["srvDate"] > 0
    assert result["storage"]["storage"] in ("sqlite", "postgresql")
    # AAPS (ApiPermissions.isFull) uploads only when all six collections are full.
    assert result["apiPermissions"] == dict.fromkeys(
        ("devicestatus", "entries", "food", "profile", "settings", "treatments"), "crud"
    )
    reader = client.get("/api/v3/status", headers=bearer(client, owner, role="read")).json()
    assert set(reader["result"]["apiPermissions"].values()) == {"r"}
    assert client.get("/api/v3/status").status_code == 401
    assert client.get("/api/v3/version", headers=owner.sha1).json()["result"]["apiVersion"]
    assert client.get("/api/v3/food?limit=1000", headers=owner.sha1).json()["result"] == []


def test_aaps_create_is_201_then_a_resend_is_200_deduplication(
    client: TestClient, ns_user, db: Session
):
    owner = ns_user()
    auth = bearer(client, owner)
    r = client.post("/api/v3/entries", json=aaps_entry(), headers=auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == 201 and body["identifier"] == AAPS_ID
    assert body["lastModified"] > 0 and "isDeduplication" not in body
    assert r.headers["Location"] == f"/api/v3/entries/{AAPS_ID}"
    again = client.post("/api/v3/entries", json=aaps_entry(), headers=auth)
    assert again.status_code == 200
    assert again.json()["isDeduplication"] is True and again.json()["identifier"] == AAPS_ID
    assert "deduplicatedIdentifier" not in again.json()
    [row] = rows(db, owner.user)
    assert (row.external_id, row.source, row.value_mgdl) == (AAPS_ID, "aaps", 120.0)
    assert row.utc_offset_min == 60 and row.trend == "flat"
    doc = client.get(f"/api/v3/entries/{AAPS_ID}", headers=auth).json()["result"]
    assert doc["identifier"] == AAPS_ID and doc["date"] == DATE and doc["sgv"] == 120
    assert doc["utcOffset"] == 60 and doc["direction"] == "Flat"
    assert doc["srvModified"] == body["lastModified"] == doc["srvCreated"]


def test_aaps_keeps_its_own_identifier_and_dedupes_a_v1_copy(
    client: TestClient, ns_user, db: Session
):
    owner = ns_user()
    auth = bearer(client, owner)
    mine = str(uuid.uuid4())
    r = client.post("/api/v3/entries", json=aaps_entry(identifier=mine), headers=auth)
    assert r.status_code == 201 and r.json()["identifier"] == mine
    # The same reading sent before through v1 without an _id (AAPS's NSClient v1 plugin):
    v1 = {"type": "sgv", "sgv": 130, "date": DATE + 300_000, "device": "AAPS-DexcomG6",
          "utcOffset": 60}  # fmt: skip
    assert client.post("/api/v1/entries", json=[v1], headers=owner.sha1).status_code == 200
    r = client.post("/api/v3/entries", json=aaps_entry(5, sgv=131.0), headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["isDeduplication"] is True and body["identifier"] != body["deduplicatedIdentifier"]
    values = [(x.value_mgdl, x.external_id) for x in rows(db, owner.user)]
    assert values == [(120.0, mine), (131.0, body["identifier"])]


def test_librelinkup_v3_upload_and_last_entry(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    auth = bearer(client, owner)
    codes = [
        client.post("/api/v3/entries", json=llu_entry(m, 100 + m), headers=auth).status_code
        for m in (0, 5, 10)
    ]
    assert codes == [201, 201, 201]  # the client throws on anything else
    stored = rows(db, owner.user)
    assert {r.source for r in stored} == {"librelinkup"} and stored[0].external_id == LLU_ID
    assert stored[0].utc_offset_min == 0  # no utcOffset sent: the parsed time's (UTC)
    r = client.get("/api/v3/entries?limit=1&sort$desc=date", headers=auth)
    [last] = r.json()["result"]
    assert last["date"] == DATE + 600_000 and last["sgv"] == 110


def test_validation_texts(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    auth = bearer(client, owner)
    cases = [
        ({**aaps_entry(), "app": ""}, "Bad or missing app field"),
        ({k: v for k, v in aaps_entry().items() if k != "app"}, "Bad or missing app field"),
        ({k: v for k, v in aaps_entry().items() if k != "date"}, "Bad or missing date field"),
        ({**aaps_entry(), "date": "yesterday"}, "Bad or missing date field"),
        ({**aaps_entry(), "utcOffset": 5000}, "Bad or missing utcOffset field"),
        ({**aaps_entry(), "utcOffset": "+01:00"}, "Bad or missing utcOffset field"),
    ]
    for body, text in cases:
        r = client.post("/api/v3/entries", json=body, headers=auth)
        assert r.status_code == 400 and r.json()["message"] == text, (body, r.text)
    r = client.post("/api/v3/entries", json={}, headers=auth)
    assert r.json()["message"] == "Bad or missing request body"
    r = client.post("/api/v3/entries", json=aaps_entry(sgv=5.0), headers=auth)
    assert r.status_code == 400 and "sensor error" in r.json()["message"]
    assert rows(db, owner.user) == []


def test_search_filters_and_their_refusals(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    for m in range(0, 30, 5):
        client.post("/api/v3/entries", json=aaps_entry(m, sgv=100.0 + m), headers=auth)
    # AAPS getSgvsNewerThan: sort=date&date$gt=<ms>&limit=<n>
    r = client.get(f"/api/v3/entries?sort=date&date$gt={DATE + 600_000}&limit=2", headers=auth)
    assert [d["sgv"] for d in r.json()["result"]] == [115, 120]
    r = client.get("/api/v3/entries?sort$desc=date&type=sgv", headers=auth)  # getSgvs
    assert [d["sgv"] for d in r.json()["result"]][:2] == [125, 120]
    r = client.get("/api/v3/entries?sort=date&skip=4&fields=sgv,date", headers=auth)
    assert r.json()["result"] == [
        {"date": DATE + 1_200_000, "sgv": 120},
        {"date": DATE + 1_500_000, "sgv": 125},
    ]
    assert client.get("/api/v3/entries?type=mbg", headers=auth).json()["result"] == []
    refused = {
        "date$regex=1": "Unsupported filter operator regex",
        "date$re=1": "Unsupported filter operator re",
        "password=1": "Filtering on 'password' is not supported",
        "limit=0": "Parameter limit out of tolerance",
        "limit=1001": "Parameter limit out of tolerance",
        "skip=-1": "Parameter skip out of tolerance",
        "skip=99999999999999999999": "Parameter skip out of tolerance",
        "sort=date&sort$desc=date": "Parameters sort and sort_desc cannot be combined",
        "sort=password": "Sorting by 'password' is not supported",
        "date$gt=soon": "Filter date: 'soon' is not a time",
    }
    for query, text in refused.items():
        r = client.get(f"/api/v3/entries?{query}", headers=auth)
        assert r.status_code == 400 and r.json()["message"] == text, (query, r.text)


def test_history_shows_changes_after_a_time(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    auth = bearer(client, owner)
    first = client.post("/api/v3/entries", json=aaps_entry(0), headers=auth).json()
    second = client.post("/api/v3/entries", json=aaps_entry(5, sgv=140.0), headers=auth).json()
    since = first["lastModified"] - 1
    r = client.get(f"/api/v3/entries/history/{since}?limit=10", headers=auth)
    listed = [d["identifier"] for d in r.json()["result"]]
    assert listed == [first["identifier"], second["identifier"]]
    assert r.headers["ETag"] == f'W/"{second["lastModified"]}"'
    # AAPS updateSvg: PATCH with the whole RemoteEntry minus utcOffset.
    changed = {k: v for k, v in aaps_entry(5, sgv=150.0).items() if k != "utcOffset"}
    changed["identifier"] = second["identifier"]
    r = client.patch(f"/api/v3/entries/{second['identifier']}", json=changed, headers=auth)
    assert r.status_code == 200, r.text
    after = client.get(f"/api/v3/entries/history/{second['lastModified']}", headers=auth)
    [doc] = after.json()["result"]
    assert doc["identifier"] == second["identifier"] and doc["sgv"] == 150
    assert doc["srvModified"] > second["lastModified"] - 1
    # The Last-Modified header form is inclusive, to the second.
    header = {**auth, "Last-Modified": r.headers["Last-Modified"]}
    listed = client.get("/api/v3/entries/history", headers=header).json()["result"]
    assert second["identifier"] in [d["identifier"] for d in listed]
    bad = client.get("/api/v3/entries/history/never", headers=auth)
    assert bad.status_code == 400
    assert bad.json()["message"] == "Bad or missing Last-Modified header/parameter"


def test_put_replaces_and_immutable_fields_are_refused(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    auth = bearer(client, owner)
    client.post("/api/v3/entries", json=aaps_entry(), headers=auth)
    r = client.put(f"/api/v3/entries/{AAPS_ID}", json=aaps_entry(sgv=99.0), headers=auth)
    assert r.status_code == 200 and r.json()["lastModified"] > 0
    assert [x.value_mgdl for x in rows(db, owner.user)] == [99.0]
    moved = aaps_entry(10)
    r = client.put(f"/api/v3/entries/{AAPS_ID}", json=moved, headers=auth)
    assert r.status_code == 400
    assert r.json()["message"] == "Field date cannot be modified by the client"
    r = client.patch(f"/api/v3/entries/{AAPS_ID}", json={"utcOffset": 120}, headers=auth)
    assert r.json()["message"] == "Field utcOffset cannot be modified by the client"
    fresh = str(uuid.uuid4())
    r = client.put(f"/api/v3/entries/{fresh}", json=aaps_entry(20), headers=auth)
    assert r.status_code == 201 and r.json()["identifier"] == fresh
    missing = client.patch(f"/api/v3/entries/{uuid.uuid4()}", json={"sgv": 1}, headers=auth)
    assert missing.status_code == 404


def test_delete_removes_the_reading_and_its_day_aggregate(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    auth = bearer(client, owner)
    for m in (0, 5):
        client.post("/api/v3/entries", json=aaps_entry(m, sgv=100.0 + m), headers=auth)
    db.expire_all()
    changed_before = db.get(User, owner.user.id).data_changed_at
    r = client.delete(f"/api/v3/entries/{AAPS_ID}", headers=auth)
    assert r.status_code == 200 and r.json() == {"status": 200}
    assert client.get(f"/api/v3/entries/{AAPS_ID}", headers=auth).status_code == 404
    assert client.delete(f"/api/v3/entries/{AAPS_ID}", headers=auth).status_code == 404
    assert [x.value_mgdl for x in rows(db, owner.user)] == [105.0]
    [day] = db.scalars(select(GlucoseDaily).where(GlucoseDaily.user_id == owner.user.id)).all()
    assert day.n == 1 and day.sum_mgdl == 105.0
    assert db.get(User, owner.user.id).data_changed_at > changed_before
    # Readings are not kept as invalid copies: history cannot list this delete.
    since = DATE - 1
    listed = client.get(f"/api/v3/entries/history/{since}", headers=auth).json()["result"]
    assert AAPS_ID not in [d["identifier"] for d in listed]


def test_last_modified(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    empty = client.get("/api/v3/lastModified", headers=auth).json()["result"]
    assert empty["srvDate"] > 0 and "entries" not in empty["collections"]
    made = client.post("/api/v3/entries", json=aaps_entry(), headers=auth).json()
    result = client.get("/api/v3/lastModified", headers=auth).json()["result"]
    assert result["collections"]["entries"] == made["lastModified"]


def test_users_are_isolated(client: TestClient, ns_user, db: Session):
    alice, bob = ns_user(), ns_user()
    a_auth, b_auth = bearer(client, alice), bearer(client, bob)
    client.post("/api/v3/entries", json=aaps_entry(), headers=a_auth)
    assert client.get(f"/api/v3/entries/{AAPS_ID}", headers=b_auth).status_code == 404
    assert client.get("/api/v3/entries", headers=b_auth).json()["result"] == []
    assert client.get(f"/api/v3/entries/history/{DATE}", headers=b_auth).json()["result"] == []
    assert client.delete(f"/api/v3/entries/{AAPS_ID}", headers=b_auth).status_code == 404
    r = client.patch(f"/api/v3/entries/{AAPS_ID}", json={"sgv": 90}, headers=b_auth)
    assert r.status_code == 404
    # Bob sending the same reading stores his own copy; Alice's is untouched.
    r = client.post("/api/v3/entries", json=aaps_entry(sgv=80.0), headers=b_auth)
    assert r.status_code == 201
    assert [x.value_mgdl for x in rows(db, alice.user)] == [120.0]
    assert [x.value_mgdl for x in rows(db, bob.user)] == [80.0]


def test_a_read_token_cannot_write(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    client.post("/api/v3/entries", json=aaps_entry(), headers=bearer(client, owner))
    reader = bearer(client, owner, role="read")
    url = f"/api/v3/entries/{AAPS_ID}"
    answers = [
        client.post("/api/v3/entries", json=aaps_entry(5), headers=reader),
        client.put(url, json=aaps_entry(sgv=90.0), headers=reader),
        client.patch(url, json={"sgv": 90}, headers=reader),
        client.delete(url, headers=reader),
    ]
    assert [r.status_code for r in answers] == [403] * 4
    assert client.get(url, headers=reader).status_code == 200
    assert [x.value_mgdl for x in rows(db, owner.user)] == [120.0]


def test_history_is_never_taken_for_an_identifier(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    r = client.delete("/api/v3/entries/history", headers=auth)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_read_honours_fields_and_if_modified_since(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    client.post("/api/v3/entries", json=aaps_entry(), headers=auth)
    r = client.get(f"/api/v3/entries/{AAPS_ID}?fields=sgv,direction", headers=auth)
    assert r.json() == {"status": 200, "result": {"sgv": 120, "direction": "Flat"}}
    since = {**auth, "If-Modified-Since": r.headers["Last-Modified"]}
    assert client.get(f"/api/v3/entries/{AAPS_ID}", headers=since).status_code == 304


def test_text_filters_compare_as_sent(client: TestClient, ns_user):
    owner = ns_user()
    auth = bearer(client, owner)
    client.post("/api/v3/entries", json=aaps_entry(), headers=auth)
    client.post("/api/v3/entries", json=llu_entry(5), headers=auth)
    # A device name of digits stays text (Juggluco names the sensor, e.g. "3MH0057FTM").
    client.post("/api/v3/entries", json={**llu_entry(10), "device": "0042"}, headers=auth)

    def dates(query: str) -> list[int]:
        r = client.get(f"/api/v3/entries?sort=date&{query}", headers=auth)
        assert r.status_code == 200, r.text
        return [d["date"] for d in r.json()["result"]]

    assert dates(f"identifier={AAPS_ID}") == [DATE]
    assert dates(f"identifier$in={AAPS_ID}|{LLU_ID}") == [DATE]  # LLU_ID is at minute 0
    assert dates("device=freestyle-libre") == [DATE + 300_000]
    assert dates("device=0042") == [DATE + 600_000]
    assert dates("device$nin=0042|freestyle-libre") == [DATE]
    assert dates(f"sgv$gte=95&date$lte={DATE + 300_000}") == [DATE, DATE + 300_000]
    assert dates("sgv$gt=100") == [DATE]
