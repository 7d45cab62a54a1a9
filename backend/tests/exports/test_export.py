"""Issue 12, "Out": GET /api/v1/export streams everything a user has, as a zip of CSVs or as
JSON, with provenance (source, external_id, kind, duplicate_of), UTC and local times, and
nothing of anyone else's. The rows come from tests/exports/fill.py (docs/api.md shapes)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from sqlalchemy import select

from glucolens.auth.models import ApiKey, User
from glucolens.exports import service
from glucolens.exports.schemas import ExportDocument
from glucolens.exports.tables import TABLES
from tests.exports.fill import Filled, fill_account

EXPORT = "/api/v1/export"
FILES = [
    "README.txt",
    "profile.json",
    "glucose.csv",
    "insulin.csv",
    "meals.csv",
    "sleep.csv",
    "activities.csv",
    "insights.json",
]
GLUCOSE_HEADER = (
    "id,timestamp_utc,local_time,utc_offset_min,value_mgdl,value,unit,flag,trend,device,"
    "kind,period_min,duplicate_of,source,external_id,created_at_utc"
)


@pytest.fixture
def alice(client, db, make_user, auth_headers) -> Filled:
    user = make_user(timezone="Europe/Berlin", unit="mmol/L", display_name="Alice")
    return fill_account(client, db, user, auth_headers(user), tag="alice")


@pytest.fixture
def bob(client, db, make_user, auth_headers) -> Filled:
    user = make_user()
    return fill_account(client, db, user, auth_headers(user), tag="bob")


def unzip(content: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None  # every entry's CRC matches
    return archive


def csv_rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_zip_holds_every_file_with_its_header_and_readme(client, alice):
    r = client.get(EXPORT, headers=alice.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=1))).date()
    disposition = r.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="glucolens-export-')
    assert disposition.endswith('.zip"')
    assert abs((dt.date.fromisoformat(disposition[-15:-5]) - today).days) <= 1
    archive = unzip(r.content)
    assert archive.namelist() == FILES
    assert archive.read("glucose.csv").decode().splitlines()[0] == GLUCOSE_HEADER
    for table in TABLES:
        header = archive.read(f"{table.name}.csv").decode().splitlines()[0]
        assert header.split(",") == list(table.header)
    readme = archive.read("README.txt").decode()
    for name in FILES[1:]:
        assert name in readme
    assert "mg/dL" in readme and "mmol/L" in readme and "UTC" in readme
    assert f"{alice.counts['glucose']:>12,} rows" in readme


def test_every_row_round_trips_with_provenance_and_times(client, alice, db):
    archive = unzip(client.get(EXPORT, headers=alice.headers).content)
    for table in TABLES:
        rows = csv_rows(archive, f"{table.name}.csv")
        assert len(rows) == alice.counts[table.name], table.name
        assert {int(r["id"]) for r in rows} == alice.ids[table.name], table.name
    glucose = csv_rows(archive, "glucose.csv")
    assert [r["timestamp_utc"] for r in glucose] == sorted(r["timestamp_utc"] for r in glucose)
    first = next(r for r in glucose if r["external_id"] == "alice-dx-0")
    assert first["timestamp_utc"] == "2026-03-01T07:00:00Z"
    assert first["local_time"] == "2026-03-01T08:00:00+01:00"
    assert first["utc_offset_min"] == "60"
    assert first["value_mgdl"] == "100.0" and first["value"] == "5.55" and first["unit"] == "mmol/L"
    assert (first["source"], first["kind"], first["period_min"], first["duplicate_of"]) == (
        "dexcom_clarity",
        "cgm",
        "5",
        "",
    )
    copies = [r for r in glucose if r["source"] == "libreview"]
    assert len(copies) == 6
    assert all(r["kind"] == "cgm" and r["period_min"] == "15" for r in copies)
    assert [r["kind"] for r in glucose if r["external_id"] == "alice-m"] == ["meter"]
    by_id = {r["id"]: r for r in glucose}
    for copy in copies:
        kept = by_id[copy["duplicate_of"]]
        assert kept["source"] == "dexcom_clarity"
        assert kept["timestamp_utc"] == copy["timestamp_utc"]
    low = next(r for r in glucose if r["flag"] == "low")
    assert low["value_mgdl"] == "40.0" and low["trend"] == "falling"
    sleep = csv_rows(archive, "sleep.csv")[0]
    assert sleep["start_local"] == "2026-02-28T23:00:00+01:00"
    assert sleep["end_utc"] == "2026-03-01T07:00:00Z"
    profile = json.loads(archive.read("profile.json"))
    assert profile["timezone"] == "Europe/Berlin" and profile["unit"] == "mmol/L"
    assert [i["filename"] for i in profile["account"]["imports"]] == ["alice-clarity.csv"]
    insights = json.loads(archive.read("insights.json"))
    assert [(i["kind"], i["data"]) for i in insights] == [("correlations", {"cells": [1]})]


def test_formula_cells_are_defused_in_csv_only(client, alice):
    archive = unzip(client.get(EXPORT, headers=alice.headers).content)
    meals = {r["description"] for r in csv_rows(archive, "meals.csv")}
    assert meals == {'oats, "quoted", comma', "'=1+1"}
    assert "'=HYPERLINK()" in {r["device"] for r in csv_rows(archive, "glucose.csv")}
    doc = client.get(EXPORT, params={"format": "json"}, headers=alice.headers).json()
    assert {m["description"] for m in doc["meals"]} == {'oats, "quoted", comma', "=1+1"}


def test_json_export_has_the_documented_shape_and_the_same_rows(client, alice):
    r = client.get(EXPORT, params={"format": "json"}, headers=alice.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"].endswith('.json"')
    doc = ExportDocument.model_validate(r.json())
    assert doc.format == "glucolens-export" and doc.version == 1
    for table in TABLES:
        items = getattr(doc, table.name)
        assert len(items) == getattr(doc.counts, table.name) == alice.counts[table.name]
        assert {i.id for i in items} == alice.ids[table.name]
    archive = unzip(client.get(EXPORT, headers=alice.headers).content)
    from_csv = {r["id"]: r for r in csv_rows(archive, "glucose.csv")}
    for item in doc.glucose:
        row = from_csv[str(item.id)]
        assert row["timestamp_utc"] == item.timestamp_utc
        assert row["local_time"] == item.local_time
        assert float(row["value_mgdl"]) == item.value_mgdl
        assert (row["duplicate_of"] or None) == (
            str(item.duplicate_of) if item.duplicate_of else None
        )
    assert [i.kind for i in doc.insights] == ["correlations"]


def test_another_users_data_never_appears(client, alice, bob, db):
    for fmt in ("zip", "json"):
        r = client.get(EXPORT, params={"format": fmt}, headers=bob.headers)
        assert r.status_code == 200
        if fmt == "zip":
            archive = unzip(r.content)
            text = "\n".join(archive.read(n).decode() for n in archive.namelist())
            ids = {int(row["id"]) for row in csv_rows(archive, "glucose.csv")}
        else:
            text = r.text
            ids = {g["id"] for g in r.json()["glucose"]}
        assert ids == bob.ids["glucose"]
        assert not ids & alice.ids["glucose"]
        assert alice.user.email not in text and str(alice.user.id) not in text
        assert not any(e in text for e in alice.external_ids)
        assert "alice-clarity.csv" not in text


def test_no_secrets_in_the_export(client, alice, db):
    client.post(
        "/api/v1/auth/api-keys", json={"name": "k", "scopes": ["read"]}, headers=alice.headers
    )
    user = db.get(User, alice.user.id)
    key_hashes = list(db.scalars(select(ApiKey.key_hash).where(ApiKey.user_id == user.id)))
    assert key_hashes
    for fmt in ("zip", "json"):
        content = client.get(EXPORT, params={"format": fmt}, headers=alice.headers).content
        text = (
            "\n".join(unzip(content).read(n).decode() for n in FILES)
            if fmt == "zip"
            else content.decode()
        )
        assert user.password_hash not in text and "password_hash" not in text
        assert not any(h in text for h in key_hashes)
        assert alice.headers["Authorization"].split()[1] not in text


def test_api_keys_with_read_scope_export_data_but_not_account_details(client, alice):
    def key(scopes: list[str]) -> dict[str, str]:
        r = client.post(
            "/api/v1/auth/api-keys", json={"name": "x", "scopes": scopes}, headers=alice.headers
        )
        return {"Authorization": f"Bearer {r.json()['key']}"}

    r = client.get(EXPORT, params={"format": "json"}, headers=key(["read"]))
    assert r.status_code == 200
    doc = r.json()
    assert len(doc["glucose"]) == alice.counts["glucose"]
    assert "account" not in doc["profile"]
    archive = unzip(client.get(EXPORT, headers=key(["read"])).content)
    assert "account" not in json.loads(archive.read("profile.json"))
    assert "Also your sessions" not in archive.read("README.txt").decode()
    assert client.get(EXPORT, headers=key(["write:readings"])).status_code == 403
    signed_in = client.get(EXPORT, params={"format": "json"}, headers=alice.headers).json()
    assert {"sessions", "api_keys", "imports"} <= set(signed_in["profile"]["account"])


def test_bad_format_and_missing_credentials(client, alice):
    r = client.get(EXPORT, params={"format": "xlsx"}, headers=alice.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "format"
    assert client.get(EXPORT).status_code == 401


def test_an_empty_account_exports_headers_only(client, make_user, auth_headers):
    user = make_user()
    archive = unzip(client.get(EXPORT, headers=auth_headers(user)).content)
    assert archive.namelist() == FILES
    for table in TABLES:
        assert archive.read(f"{table.name}.csv").decode().splitlines() == [",".join(table.header)]
    assert json.loads(archive.read("insights.json")) == []
    doc = client.get(EXPORT, params={"format": "json"}, headers=auth_headers(user)).json()
    ExportDocument.model_validate(doc)
    assert doc["glucose"] == [] and doc["counts"]["glucose"] == 0


@pytest.mark.parametrize("page_rows", [1, 2, 4, 5])
def test_paging_keeps_every_row_once_across_ties(client, alice, monkeypatch, page_rows):
    """Tiny pages over readings that share instants (the LibreView copies): the keyset
    neither skips nor repeats a row where a page ends, even when a whole page is one
    instant, and the order is (time, id) as without paging."""
    whole = client.get(EXPORT, params={"format": "json"}, headers=alice.headers).json()
    monkeypatch.setattr(service, "PAGE_ROWS", page_rows)
    doc = client.get(EXPORT, params={"format": "json"}, headers=alice.headers).json()
    for table in TABLES:
        assert doc[table.name] == whole[table.name], table.name
    ids = [g["id"] for g in doc["glucose"]]
    assert len(ids) == len(set(ids)) == alice.counts["glucose"]
    keys = [(g["timestamp_utc"], g["id"]) for g in doc["glucose"]]
    assert keys == sorted(keys)
    archive = unzip(client.get(EXPORT, headers=alice.headers).content)
    assert len(csv_rows(archive, "glucose.csv")) == alice.counts["glucose"]


def test_exports_are_rate_limited_per_account(client, make_user, auth_headers, monkeypatch):
    from glucolens.exports import endpoints

    monkeypatch.setattr(endpoints, "EXPORTS_PER_HOUR", "2/hour")
    headers = auth_headers(make_user())
    assert [client.get(EXPORT, headers=headers).status_code for _ in range(3)] == [200, 200, 429]


def test_time_formatting_on_every_driver_shape():
    """SQLite hands naive UTC, PostgreSQL aware datetimes in the session's zone."""
    from glucolens.exports.tables import local_iso, utc_iso

    naive = dt.datetime(2026, 3, 29, 0, 30)
    aware = naive.replace(tzinfo=dt.UTC)
    elsewhere = aware.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    for when in (naive, aware, elsewhere):
        assert utc_iso(when) == "2026-03-29T00:30:00Z"
        assert local_iso(when, 120) == "2026-03-29T02:30:00+02:00"
        assert local_iso(when, -330) == "2026-03-28T19:00:00-05:30"
        assert local_iso(when, 0) == "2026-03-29T00:30:00+00:00"
    assert utc_iso(aware.replace(microsecond=250)) == "2026-03-29T00:30:00.000250Z"
    assert utc_iso(None) is None and local_iso(None, 60) is None
