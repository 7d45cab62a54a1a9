"""Entries beyond upload and list: CSV/TSV answers (cgm-remote-monitor's text form: one line
per entry, columns dateString, date, sgv, direction, device), Last-Modified and
If-Modified-Since, one entry by _id, DELETE by _id and by find[...], find[sgv] filters.
Bodies are xDrip+'s (see test_entries_uploaders.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.readings.models import GlucoseDaily
from tests.integrations.nightscout.test_entries_rules import post
from tests.integrations.nightscout.test_entries_uploaders import at, ms, rows, xdrip_sgv


def test_csv_and_tsv_answers(client: TestClient, ns_user):
    owner = ns_user()
    post(client, owner.sha1, [xdrip_sgv(0, 120, "Flat"), xdrip_sgv(5, 131, "SingleUp")])
    r = client.get("/api/v1/entries.csv", params={"count": 5}, headers=owner.sha1)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    first, second = r.text.splitlines()
    cells = first.split(",")
    assert cells[1:] == [str(ms(at(5))), "131", '"SingleUp"', '"xDrip-DexcomG5"']
    assert cells[0].startswith('"') and cells[0].endswith('Z"')
    assert second.split(",")[2] == "120"
    r = client.get("/api/v1/entries/sgv.tsv", params={"count": 1}, headers=owner.sha1)
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    assert r.text.count("\n") == 1 and r.text.split("\t")[2] == "131"


def test_if_modified_since_gets_304_until_new_data(client: TestClient, ns_user):
    owner = ns_user()
    post(client, owner.sha1, [xdrip_sgv(0, 120)])
    r = client.get("/api/v1/entries.json", headers=owner.sha1)
    stamp = r.headers["last-modified"]
    again = {**owner.sha1, "If-Modified-Since": stamp}
    assert client.get("/api/v1/entries.json", headers=again).status_code == 304
    assert client.get("/api/v1/entries/current", headers=again).status_code == 304
    old = {**owner.sha1, "If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}
    assert client.get("/api/v1/entries.json", headers=old).status_code == 200
    garbled = {**owner.sha1, "If-Modified-Since": "yesterday"}
    assert client.get("/api/v1/entries.json", headers=garbled).status_code == 200


def test_one_entry_by_id_ours_or_the_uploaders(client: TestClient, ns_user):
    owner = ns_user()
    aaps = {"type": "sgv", "sgv": 140.0, "date": ms(at(10)), "_id": "5f1e8a2b3c4d5e6f7a8b9c0d"}
    ids = [a["_id"] for a in post(client, owner.sha1, [xdrip_sgv(0, 120), aaps])]
    r = client.get(f"/api/v1/entries/{ids[0]}", headers=owner.sha1)
    assert [e["sgv"] for e in r.json()] == [120]
    r = client.get(f"/api/v1/entries/{ids[1]}.json", headers=owner.sha1)
    assert [e["sgv"] for e in r.json()] == [140]
    assert client.get("/api/v1/entries/mbg", headers=owner.sha1).json() == []
    assert client.get("/api/v1/entries/ffffffffffffffffffffffff", headers=owner.sha1).json() == []


def test_delete_by_id_keeps_aggregates_right(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    ids = [a["_id"] for a in post(client, owner.sha1, [xdrip_sgv(0, 100), xdrip_sgv(5, 200)])]
    r = client.delete(f"/api/v1/entries/{ids[1]}", headers=owner.sha1)
    assert r.status_code == 200 and r.json()["n"] == 1
    assert [g.value_mgdl for g in rows(db, owner.user.id)] == [100.0]
    db.expire_all()
    aggs = db.scalars(select(GlucoseDaily).where(GlucoseDaily.user_id == owner.user.id)).all()
    assert sum(a.n for a in aggs) == 1 and sum(a.sum_mgdl for a in aggs) == 100.0


def test_delete_by_find_and_find_sgv(client: TestClient, ns_user, db: Session):
    owner = ns_user()
    post(client, owner.sha1, [xdrip_sgv(m, 90 + m) for m in range(0, 60, 5)])
    r = client.get(
        "/api/v1/entries.json",
        params={"find[sgv][$gte]": "140", "count": 100},
        headers=owner.sha1,
    )
    assert sorted(e["sgv"] for e in r.json()) == [140, 145]
    assert client.delete("/api/v1/entries", headers=owner.sha1).status_code == 400
    r = client.delete(
        "/api/v1/entries", params={"find[date][$lt]": str(ms(at(30)))}, headers=owner.sha1
    )
    assert r.json()["n"] == 6
    assert [g.value_mgdl for g in rows(db, owner.user.id)] == [120.0 + i * 5 for i in range(6)]


def test_another_user_cannot_read_or_delete_an_entry(client: TestClient, ns_user, db: Session):
    alice, bob = ns_user(), ns_user()
    [entry] = post(client, alice.sha1, [xdrip_sgv(0, 150)])
    assert client.get(f"/api/v1/entries/{entry['_id']}", headers=bob.sha1).json() == []
    assert client.delete(f"/api/v1/entries/{entry['_id']}", headers=bob.sha1).json()["n"] == 0
    assert len(rows(db, alice.user.id)) == 1
