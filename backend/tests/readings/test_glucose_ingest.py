"""Glucose create, validation, bulk idempotency and CSV import."""

from __future__ import annotations

import datetime as dt

import pytest

UTC = dt.UTC


def _series(n: int, start: dt.datetime, step_min: int = 5, base: float = 120.0) -> list[dict]:
    return [
        {
            "timestamp": (start + dt.timedelta(minutes=step_min * i)).isoformat(),
            "value": base + (i % 20),
            "external_id": f"r{i}",
            "source": "dexcom",
        }
        for i in range(n)
    ]


@pytest.fixture
def user_headers(make_user, auth_headers):
    user = make_user()
    return auth_headers(user)


def test_create_glucose_in_mmol_is_stored_in_mgdl(client, user_headers):
    r = client.post(
        "/api/v1/glucose",
        json={"timestamp": "2026-01-10T08:00:00+01:00", "value": 5.5, "unit": "mmol/L"},
        headers=user_headers,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["value_mgdl"] == pytest.approx(99.1, abs=0.01)
    assert body["unit"] == "mg/dL"
    assert body["timestamp"] == "2026-01-10T07:00:00Z"
    assert body["utc_offset_min"] == 60


def test_out_of_range_value_is_rejected_with_field(client, user_headers):
    r = client.post(
        "/api/v1/glucose",
        json={"timestamp": "2026-01-10T08:00:00Z", "value": 700},
        headers=user_headers,
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_failed"
    assert err["details"][0]["field"] == "value"
    assert "20–600" in err["details"][0]["reason"]


def test_future_timestamp_rejected(client, user_headers):
    future = (dt.datetime.now(UTC) + dt.timedelta(minutes=10)).isoformat()
    r = client.post(
        "/api/v1/glucose", json={"timestamp": future, "value": 100}, headers=user_headers
    )
    assert r.status_code == 422
    assert "future" in r.json()["error"]["details"][0]["reason"]


def test_low_and_high_sentinels_are_flagged(client, user_headers):
    start = dt.datetime(2026, 1, 10, tzinfo=UTC)
    items = [
        {"timestamp": start.isoformat(), "value": "Low"},
        {"timestamp": (start + dt.timedelta(minutes=5)).isoformat(), "value": "HIGH"},
    ]
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    assert r.json() == {"inserted": 2, "duplicates": 0, "rejected": []}
    listed = client.get("/api/v1/glucose", headers=user_headers).json()["items"]
    flags = {i["flag"]: i["value_mgdl"] for i in listed}
    assert flags == {"low": 40.0, "high": 400.0}


def test_bulk_is_idempotent_and_reports_bad_rows(client, user_headers):
    items = _series(500, dt.datetime(2026, 1, 1, tzinfo=UTC))
    items[10]["value"] = 5  # below 20 mg/dL
    items[20]["timestamp"] = "2026-01-01T10:00:00"  # naive
    items[30] = "not an object"
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    assert r.status_code == 200
    body = r.json()
    assert body["inserted"] == 497
    assert body["duplicates"] == 0
    assert [(x["index"], x["field"]) for x in body["rejected"]] == [
        (10, "value"),
        (20, "timestamp"),
        (30, None),
    ]
    again = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    assert again.json()["inserted"] == 0
    assert again.json()["duplicates"] == 497


def test_bulk_dedupes_on_timestamp_without_external_id(client, user_headers):
    items = [{"timestamp": "2026-01-01T00:00:00Z", "value": 100}] * 2
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    assert r.json()["inserted"] == 1
    assert r.json()["duplicates"] == 1


def test_bulk_accepts_50000_readings(client, user_headers):
    items = _series(50_000, dt.datetime(2025, 6, 1, tzinfo=UTC))
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    assert r.status_code == 200
    assert r.json()["inserted"] == 50_000


def test_csv_import_reports_lines(client, make_user, auth_headers):
    user = make_user(timezone="Europe/London")
    headers = auth_headers(user)
    csv_text = (
        "timestamp,value,unit\n"
        "2026-01-05 08:00,6.1,mmol/L\n"
        "2026-01-05 08:05,abc,\n"
        "2026-07-05T08:10:00+02:00,140,mg/dL\n"
        "2026-03-29 01:30,120,\n"  # does not exist in London
    )
    r = client.post(
        "/api/v1/glucose/import/csv",
        files={"file": ("g.csv", csv_text.encode(), "text/csv")},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["inserted"] == 2
    assert sorted(x["index"] for x in body["rejected"]) == [3, 5]
    items = client.get("/api/v1/glucose", headers=headers).json()["items"]
    times = sorted(i["timestamp"] for i in items)
    # 08:00 London in January is 08:00 UTC; 08:10+02:00 is 06:10 UTC.
    assert times == ["2026-01-05T08:00:00Z", "2026-07-05T06:10:00Z"]


def test_csv_upload_over_the_bulk_limit_is_imported_whole(client, make_user, auth_headers):
    # 100,001 rows used to be refused with "Split the batch" although the file was 3 MB.
    headers = auth_headers(make_user())
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    rows = [
        f"{(start + dt.timedelta(minutes=5 * i)).isoformat()},{100 + i % 50}"
        for i in range(100_001)
    ]
    rows[100_000] = rows[100_000].rsplit(",", 1)[0] + ",abc"  # a bad row in the second part
    data = ("timestamp,value\n" + "\n".join(rows) + "\n").encode()
    r = client.post(
        "/api/v1/glucose/import/csv", files={"file": ("g.csv", data, "text/csv")}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["inserted"] == 100_000
    assert [x["index"] for x in body["rejected"]] == [100_002]  # its CSV line


def test_update_and_delete_keep_ownership(client, make_user, auth_headers):
    a, b = make_user(), make_user()
    ha, hb = auth_headers(a), auth_headers(b)
    created = client.post(
        "/api/v1/glucose", json={"timestamp": "2026-01-01T00:00:00Z", "value": 100}, headers=ha
    ).json()
    path = f"/api/v1/glucose/{created['id']}"
    assert (
        client.put(
            path, json={"timestamp": "2026-01-01T00:00:00Z", "value": 1}, headers=ha
        ).status_code
        == 422
    )
    assert client.delete(path, headers=hb).status_code == 404
    r = client.put(path, json={"timestamp": "2026-01-01T00:00:00Z", "value": 110}, headers=ha)
    assert r.status_code == 200
    assert r.json()["value_mgdl"] == 110
    assert client.delete(path, headers=ha).status_code == 204
    assert client.get(path, headers=ha).status_code == 404


def test_cursor_pagination_walks_every_row_once(client, user_headers):
    items = _series(250, dt.datetime(2026, 1, 1, tzinfo=UTC))
    client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/glucose", params=params, headers=user_headers).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 250


def test_single_create_and_bulk_share_the_dedupe_key(client, user_headers):
    one = {"timestamp": "2026-01-02T03:04:05+00:00", "value": 101}
    assert client.post("/api/v1/glucose", json=one, headers=user_headers).status_code == 201
    r = client.post("/api/v1/glucose/bulk", json={"items": [one]}, headers=user_headers)
    assert r.json() == {"inserted": 0, "duplicates": 1, "rejected": []}
    again = client.post("/api/v1/glucose", json=one, headers=user_headers)
    assert again.status_code == 409


def test_first_import_aggregates_equal_a_rebuild(client, make_user, auth_headers, db):
    """The fast path (aggregates from the batch) and a rebuild from raw rows agree."""
    from sqlalchemy import select

    from glucolens.readings.aggregates import rebuild_all
    from glucolens.readings.models import GlucoseDaily

    user = make_user(timezone="America/New_York")
    headers = auth_headers(user)
    items = _series(2000, dt.datetime(2026, 3, 6, tzinfo=UTC))  # spans the March DST change
    client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)

    def snapshot():
        db.expire_all()
        rows = db.execute(
            select(GlucoseDaily).where(GlucoseDaily.user_id == user.id).order_by(GlucoseDaily.day)
        ).scalars()
        return [(r.day, r.n, round(r.sum_mgdl, 6), r.min_mgdl, r.max_mgdl, r.hist) for r in rows]

    fast = snapshot()
    rebuild_all(db, db.merge(user))
    rebuilt = snapshot()
    assert fast and [f[:5] for f in fast] == [r[:5] for r in rebuilt]
    assert fast == rebuilt


def test_bulk_falls_back_when_a_concurrent_writer_collides(client, user_headers, db, monkeypatch):
    """PostgreSQL first imports use a plain INSERT; if another writer stored the same rows
    in between (simulated by skipping the pre-check), the ON CONFLICT path takes over."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL fast path")
    from glucolens.readings import repository

    items = _series(100, dt.datetime(2026, 1, 1, tzinfo=UTC))
    client.post("/api/v1/glucose/bulk", json={"items": items[:60]}, headers=user_headers)
    monkeypatch.setattr(repository, "_conflict_free", lambda cur, rows: True)
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=user_headers)
    assert r.json() == {"inserted": 40, "duplicates": 60, "rejected": []}


def test_concurrent_imports_of_adjacent_days_keep_aggregates_right(make_user, db):
    """Two imports sharing a boundary day, at the same time, from two threads."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from glucolens.core.db import get_sessionmaker
    from glucolens.readings.models import GlucoseDaily
    from glucolens.readings.service import ingest_glucose_batch

    user = make_user()
    items = _series(1000, dt.datetime(2026, 2, 1, 12, tzinfo=UTC))
    halves = [items[:500], items[500:]]

    def run(part: list[dict]) -> int:
        with get_sessionmaker()() as session:
            # Services flush; the caller owns the transaction (the route, or here the test).
            inserted = ingest_glucose_batch(session, session.merge(user), part).inserted
            session.commit()
            return inserted

    with ThreadPoolExecutor(2) as pool:
        assert sum(pool.map(run, halves)) == 1000
    total = db.execute(
        select(func.sum(GlucoseDaily.n)).where(GlucoseDaily.user_id == user.id)
    ).scalar_one()
    assert total == 1000
