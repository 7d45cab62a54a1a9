"""Entry rules beyond the uploaders' happy paths: time fields, sensor error codes, refusals,
reads with Nightscout's filters, scoping per user, and one stream across two uploaders."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.readings.models import GlucoseReading
from tests.integrations.nightscout.test_entries_uploaders import at, ms, rows, xdrip_sgv


def post(client: TestClient, headers: dict[str, str], body: Any) -> Any:
    r = client.post("/api/v1/entries", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_error_codes_low_and_unusable_entries(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = [
        {"type": "sgv", "sgv": 5, "date": ms(at(0))},  # "?NC": an error code
        {"type": "sgv", "sgv": 39, "date": ms(at(5))},  # the receiver's LOW
        {"type": "sgv", "sgv": 900, "date": ms(at(10))},  # outside 20-600
        {"type": "sgv", "sgv": "abc", "date": ms(at(15))},
        {"type": "sgv", "sgv": 110},  # no time at all
        {"type": "sgv", "sgv": 111, "date": ms(at(20)), "secret": "x", "token": "y"},
        "not an object",
    ]
    answer = post(client, owner.sha1, body)
    assert len(answer) == 7 and all(isinstance(a["_id"], str) for a in answer)
    skipped = [i for i, a in enumerate(answer) if "glucolensSkipped" in a]
    assert skipped == [0, 2, 3, 4, 6]
    assert "sensor error code" in answer[0]["glucolensSkipped"]
    assert "value" in answer[2]["glucolensSkipped"]
    assert "secret" not in answer[5] and "token" not in answer[5]
    stored = rows(db, owner.user.id)
    assert [(g.value_mgdl, g.flag) for g in stored] == [(40.0, "low"), (111.0, None)]


def test_date_string_offsets_and_fallback_to_date(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    body = [
        # dateString wins (entries.js takes sysTime from it) and its offset is kept.
        {"type": "sgv", "sgv": 100, "date": ms(at(0)), "dateString": "2020-01-01T00:00:00Z"},
        {"type": "sgv", "sgv": 101, "date": ms(at(5)),
         "dateString": at(5).astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()},
        {"type": "sgv", "sgv": 102, "date": ms(at(10)), "dateString": "yesterday"},
        {"type": "sgv", "sgv": 103, "date": float(ms(at(15))), "dateString": "2024-01-01T10:00"},
        {"type": "sgv", "sgv": 104, "date": ms(at(20)), "utcOffset": 60},
    ]  # fmt: skip
    post(client, owner.sha1, body)
    by_value = {g.value_mgdl: g for g in rows(db, owner.user.id)}
    assert by_value[100.0].ts == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert by_value[101.0].ts == at(5) and by_value[101.0].utc_offset_min == -300
    assert by_value[102.0].ts == at(10)  # unparseable dateString: date
    assert by_value[103.0].ts == at(15)  # no offset in dateString: date
    assert by_value[104.0].ts == at(20) and by_value[104.0].utc_offset_min == 60


def test_get_entries_filters_and_shapes(client: TestClient, ns_user):
    owner = ns_user()
    post(client, owner.sha1, [xdrip_sgv(5 * i, 100 + i) for i in range(12)])
    post(client, owner.sha1, [{"type": "mbg", "mbg": 140, "date": ms(at(61))}])
    latest = client.get("/api/v1/entries.json", headers=owner.sha1).json()
    assert len(latest) == 10  # Nightscout's default count
    assert latest[0]["type"] == "mbg" and latest[0]["mbg"] == 140
    sgv = client.get("/api/v1/entries/sgv.json", params={"count": 3}, headers=owner.sha1).json()
    assert [e["sgv"] for e in sgv] == [111, 110, 109]
    assert sgv[0]["direction"] == "Flat" and sgv[0]["date"] == ms(at(55))
    assert sgv[0]["dateString"].endswith("Z") and sgv[0]["utcOffset"] == 120
    current = client.get("/api/v1/entries/current.json", headers=owner.sha1).json()
    assert [e["sgv"] for e in current] == [111]
    params = {
        "find[date][$gte]": str(ms(at(10))),
        "find[date][$lt]": str(ms(at(20))),
        "count": "100",
    }
    window = client.get("/api/v1/entries/sgv.json", params=params, headers=owner.sha1).json()
    assert [e["sgv"] for e in window] == [103, 102]
    iso = {"find[dateString][$gt]": at(50).isoformat(), "find[type]": "sgv"}
    assert len(client.get("/api/v1/entries", params=iso, headers=owner.sha1).json()) == 1


def test_unknown_operators_and_fields_are_400(client: TestClient, ns_user):
    owner = ns_user()
    for key, value in (
        ("find[date][$where]", "1"),
        ("find[date][$ne]", "1"),
        ("find[sgv][$gte]", "lots"),
        ("find[noise]", "1"),
        ("find[date][gte]", "1"),
        ("find[date][$gte]", "soon"),
        ("find[type]", "treatments"),
        ("count", "many"),
        ("count", "0"),
    ):
        r = client.get("/api/v1/entries.json", params={key: value}, headers=owner.sha1)
        assert r.status_code == 400, (key, r.text)
        assert r.json()["status"] == 400 and r.json()["error"]["code"] == "bad_request"


def test_users_only_see_their_own_entries(client: TestClient, ns_user):
    alice, bob = ns_user(), ns_user()
    ids = [a["_id"] for a in post(client, alice.sha1, [xdrip_sgv(0, 150)])]
    assert client.get("/api/v1/entries.json", headers=bob.sha1).json() == []
    assert ids[0] not in client.get("/api/v1/entries/current", headers=bob.sha1).text


def test_two_uploaders_one_reading_one_stream(client: TestClient, ns_user, db: Session):
    """xDrip+ and Juggluco on two phones send the same sensor reading seconds apart: both
    rows are kept with their sources, the stream (and what followers read) holds it once."""
    owner = ns_user()
    post(client, owner.sha1, [xdrip_sgv(0, 120)])
    later = at(0) + dt.timedelta(seconds=20)
    # Juggluco names the sensor as device (uploader.cpp mkuploaditem): source "nightscout".
    juggluco = {"type": "sgv", "device": "3MH0057FTM", "sgv": 120, "date": ms(later)}
    post(client, owner.sha1, [juggluco])
    stored = rows(db, owner.user.id)
    assert sorted(g.source for g in stored) == ["nightscout", "xdrip"]
    assert sum(g.dup_of is None for g in stored) == 1
    assert len(client.get("/api/v1/entries/sgv.json", headers=owner.sha1).json()) == 1
    # The day aggregates and DataChanged followed: the dashboard sees one reading.
    day = at(0).date().isoformat()
    summary = client.get(
        "/api/v1/dashboard/daily", params={"start": day, "end": day}, headers=owner.headers
    )
    assert summary.status_code == 200, summary.text
    days = [d for d in summary.json()["days"] if d["date"] == day]
    assert [d["reading_count"] for d in days] == [1]


def test_body_refusals(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    bad_json = client.post("/api/v1/entries", content=b"{not json", headers=owner.sha1)
    assert bad_json.status_code == 400 and bad_json.json()["status"] == 400
    scalar = client.post("/api/v1/entries", json=5, headers=owner.sha1)
    assert scalar.status_code == 400
    corrupt = client.post(
        "/api/v1/entries",
        content=b"\x1f\x8bnope",
        headers={**owner.sha1, "Content-Encoding": "gzip"},
    )
    assert corrupt.status_code == 400
    # A gzip bomb: a tiny body that unpacks past the bulk limit is refused while inflating.
    bomb = gzip.compress(b"[" + b" " * (49 * 1024 * 1024) + b"]")
    r = client.post(
        "/api/v1/entries", content=bomb, headers={**owner.sha1, "Content-Encoding": "gzip"}
    )
    assert r.status_code == 413
    deflated = zlib.compress(json.dumps([xdrip_sgv(0, 99)]).encode())
    ok = client.post(
        "/api/v1/entries", content=deflated, headers={**owner.sha1, "Content-Encoding": "deflate"}
    )
    assert ok.status_code == 200
    assert (
        db.scalar(select(GlucoseReading.value_mgdl).where(GlucoseReading.user_id == owner.user.id))
        == 99.0
    )


def test_no_credential_no_body_read(client: TestClient):
    r = client.post("/api/v1/entries", content=b"[]" * 10, headers={"Content-Length": "20"})
    assert r.status_code == 401
