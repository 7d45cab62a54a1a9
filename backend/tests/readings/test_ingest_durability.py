"""Issue 9, items 1 and 2: readings, their day aggregates and data_changed_at become durable
together; overlapping concurrent uploads of one user neither deadlock nor lose readings; and
`glucolens db check --repair` finds and heals aggregates that disagree with the raw rows."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from glucolens.core.events import DataChanged, pending, subscribe, unsubscribe
from glucolens.readings import aggregates
from glucolens.readings.models import GlucoseDaily, GlucoseReading

UTC = dt.UTC
START = dt.datetime(2026, 2, 1, tzinfo=UTC)


def _items(first: int, last: int) -> list[dict]:
    """Readings first..last-1 of one Dexcom-like stream (5-minute spacing, external ids)."""
    return [
        {
            "timestamp": (START + dt.timedelta(minutes=5 * i)).isoformat(),
            "value": 80 + (i * 7) % 150,
            "external_id": f"egv-{i}",
            "source": "dexcom",
        }
        for i in range(first, last)
    ]


def _counts(db, user_id) -> tuple[int, int]:
    db.expire_all()
    rows = db.execute(
        select(func.count()).select_from(GlucoseReading).where(GlucoseReading.user_id == user_id)
    ).scalar_one()
    agg = db.execute(
        select(func.coalesce(func.sum(GlucoseDaily.n), 0)).where(GlucoseDaily.user_id == user_id)
    ).scalar_one()
    return int(rows), int(agg)


def test_failure_before_commit_leaves_no_reading_and_the_retry_stores_all(
    app, make_user, auth_headers, db, monkeypatch
):
    """A fault after the rows were written but before their aggregates (the window in which
    a crash used to strand readings) must undo the rows too, so the client's retry inserts
    them and the dashboard sees them."""
    user = make_user()
    headers = auth_headers(user)
    items = _items(0, 600)

    def crash(*_a, **_k):
        raise RuntimeError("simulated crash between rows and aggregates")

    monkeypatch.setattr(aggregates, "add_fresh_days", crash)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        failed = c.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert failed.status_code == 500
    assert _counts(db, user.id) == (0, 0)
    db.refresh(user)
    assert user.data_changed_at is None

    monkeypatch.undo()
    with TestClient(app, base_url="https://testserver") as c:
        retry = c.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert retry.status_code == 200, retry.text
    assert retry.json()["inserted"] == 600
    assert _counts(db, user.id) == (600, 600)
    db.refresh(user)
    assert user.data_changed_at is not None


@pytest.fixture
def seen_events():
    seen: list[DataChanged] = []
    subscribe(DataChanged, seen.append)
    yield seen
    unsubscribe(DataChanged, seen.append)


def test_data_changed_is_delivered_after_commit_and_dropped_on_rollback(db, make_user, seen_events):
    user = make_user()
    seen = seen_events
    from glucolens.readings.service import ingest_glucose_batch

    ingest_glucose_batch(db, db.merge(user), _items(0, 10))
    assert seen == [] and len(pending(db)) == 1
    db.rollback()
    assert seen == [] and pending(db) == []
    assert _counts(db, user.id) == (0, 0)

    ingest_glucose_batch(db, db.merge(user), _items(0, 10))
    db.commit()
    assert len(seen) == 1
    assert seen[0].user_id == user.id and seen[0].kinds == frozenset({"glucose"})
    assert seen[0].newest_reading_at == START + dt.timedelta(minutes=45)


def test_overlapping_concurrent_uploads_store_every_unique_reading_once(
    app, make_user, auth_headers, db
):
    """Ten clients upload overlapping batches of one user at once (on PostgreSQL this used to
    deadlock and answer 500). Every upload succeeds and each unique reading is stored once,
    with aggregates equal to the rows."""
    user = make_user()
    headers = auth_headers(user)
    batches = [_items(150 * k, 150 * k + 600) for k in range(10)]  # each overlaps the next 3
    unique = 150 * 9 + 600

    def upload(batch: list[dict]) -> int:
        with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
            r = c.post("/api/v1/glucose/bulk", json={"items": batch}, headers=headers)
            assert r.status_code == 200, r.text
            return int(r.json()["inserted"])

    with ThreadPoolExecutor(10) as pool:
        inserted = sum(pool.map(upload, batches))
    assert inserted == unique
    assert _counts(db, user.id) == (unique, unique)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "glucolens.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        cwd=Path(__file__).resolve().parents[2],
    )


def test_db_check_finds_and_repairs_aggregates_that_disagree_with_rows(
    client, make_user, auth_headers, db
):
    user = make_user(timezone="Europe/Berlin")
    headers = auth_headers(user)
    r = client.post("/api/v1/glucose/bulk", json={"items": _items(0, 900)}, headers=headers)
    assert r.status_code == 200
    clean = _cli("db", "check", "--json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["mismatched_days"] == []

    # Damage of the kind split commits left: one day's aggregate missing, another stale.
    days = db.execute(
        select(GlucoseDaily.day).where(GlucoseDaily.user_id == user.id).order_by(GlucoseDaily.day)
    ).scalars()
    first, second = list(days)[:2]
    db.execute(
        GlucoseDaily.__table__.delete().where(
            GlucoseDaily.user_id == user.id, GlucoseDaily.day == first
        )
    )
    db.execute(
        update(GlucoseDaily)
        .where(GlucoseDaily.user_id == user.id, GlucoseDaily.day == second)
        .values(n=GlucoseDaily.n - 5)
    )
    db.commit()

    found = _cli("db", "check", "--json")
    assert found.returncode == 1
    report = json.loads(found.stdout)
    assert {m["day"] for m in report["mismatched_days"]} == {first.isoformat(), second.isoformat()}
    assert report["repaired"] == 0

    repaired = _cli("db", "check", "--repair", "--json")
    assert repaired.returncode == 0, repaired.stderr
    assert json.loads(repaired.stdout)["repaired"] == 2
    assert _counts(db, user.id) == (900, 900)
    again = _cli("db", "check")
    assert again.returncode == 0 and "inconsistent" not in again.stdout


def test_db_check_flags_an_aggregate_without_rows(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    client.post("/api/v1/glucose/bulk", json={"items": _items(0, 10)}, headers=headers)
    db.execute(text("DELETE FROM glucose_readings"))
    db.commit()
    found = _cli("db", "check", "--json")
    assert found.returncode == 1
    [mismatch] = json.loads(found.stdout)["mismatched_days"]
    assert "no raw rows" in mismatch["reason"]
    assert _cli("db", "check", "--repair").returncode == 0
    assert _counts(db, user.id) == (0, 0)
