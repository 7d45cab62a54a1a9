"""The canonical-stream rule is local, so recomputing a window after each write gives exactly
what a from-scratch computation of the whole history gives, whatever the order of the
writes, the chunk size or the number of overlapping sources (readings/canonical.py).

Fixture shapes: bulk API items (docs/api.md) in the overlaps of test_canonical.py: a 1-minute
uploader stream, a 15-minute LibreView history (period_min 15), an Apple Health copy with
jitter, and typed entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select, update

from glucolens.readings import canonical
from glucolens.readings.consistency import CheckReport, check_user
from glucolens.readings.endpoints import glucose_resource
from glucolens.readings.models import GlucoseReading
from glucolens.readings.service import ingest_glucose_batch
from glucolens.records.service import delete_one

START = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=3)


def history(seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    n = 12 * 60
    minute = [START + dt.timedelta(minutes=i) for i in range(n)]
    v = np.round(130 + 50 * np.sin(np.arange(n) / 90) + rng.normal(0, 0.7, n).cumsum(), 1)
    v = np.clip(v, 40, 400)
    out: list[dict[str, Any]] = []
    keep = rng.random(n) > 0.1  # the uploader missed a few minutes
    for i in np.flatnonzero(keep):
        out.append({"source": "xdrip", "t": minute[i], "value": float(v[i])})
    for i in range(3, n, 15):
        shift = int(rng.integers(-400, 401))
        out.append(
            {
                "source": "libreview",
                "t": minute[i] + dt.timedelta(seconds=shift),
                "value": float(round(v[i] + rng.uniform(-0.8, 0.8), 1)),
                "period_min": 15,
            }
        )
    for i in range(0, n, 5):
        if rng.random() < 0.8:
            out.append(
                {
                    "source": "apple_health",
                    "t": minute[i] + dt.timedelta(seconds=int(rng.integers(-90, 91))),
                    "value": float(round(v[i] + rng.uniform(-1.2, 1.2), 1)),
                }
            )
    for i in rng.choice(n, 40, replace=False):
        out.append({"source": "manual", "t": minute[i], "value": float(round(v[i]))})
    for row in out:
        row["timestamp"] = row.pop("t").isoformat()
    return out


def links(db, user_id) -> dict[int, int | None]:
    rows = db.execute(
        select(GlucoseReading.id, GlucoseReading.dup_of).where(GlucoseReading.user_id == user_id)
    ).all()
    return dict(rows)


@pytest.mark.parametrize(("seed", "chunk_min"), [(1, 60 * 24 * 14), (2, 40), (3, 7)])
def test_writes_in_any_order_equal_a_fresh_computation(db, make_user, monkeypatch, seed, chunk_min):
    monkeypatch.setattr(canonical, "CHUNK", dt.timedelta(minutes=chunk_min))
    user = make_user()
    rows = history(seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(rows))
    # Random batches, each of one source (as uploads are), in a shuffled order.
    by_source: dict[str, list[dict[str, Any]]] = {}
    for i in order:
        by_source.setdefault(rows[i]["source"], []).append(rows[i])
    batches = [
        part
        for items in by_source.values()
        for part in np.array_split(np.array(items, dtype=object), 4)
    ]
    for j in rng.permutation(len(batches)):
        ingest_glucose_batch(db, db.merge(user), list(batches[j]))
        db.commit()
    # Delete some readings one by one (canonical ones promote their copies).
    ids = sorted(links(db, user.id))
    for row_id in rng.choice(ids, 25, replace=False):
        delete_one(db, glucose_resource, db.merge(user), int(row_id))
        db.commit()

    incremental = links(db, user.id)
    assert sum(v is not None for v in incremental.values()) > 150  # copies were found

    db.execute(update(GlucoseReading).values(dup_of=None))
    monkeypatch.setattr(canonical, "CHUNK", dt.timedelta(days=14))
    canonical.recanonicalize_all(db, db.merge(user))
    db.commit()
    assert links(db, user.id) == incremental

    # And every link points to a canonical CGM row of a higher-priority source.
    rows_by_id = {
        r.id: r
        for r in db.execute(select(GlucoseReading).where(GlucoseReading.user_id == user.id))
        .scalars()
        .all()
    }
    for row in rows_by_id.values():
        if row.dup_of is None:
            continue
        target = rows_by_id[row.dup_of]
        assert target.dup_of is None and target.kind == row.kind == "cgm"
        assert canonical.source_rank(target.source) < canonical.source_rank(row.source)
        assert abs((target.ts - row.ts).total_seconds()) <= 450
        assert abs(target.value_mgdl - row.value_mgdl) <= 1.0 + 1e-9
    report = CheckReport()
    check_user(db, db.merge(user), repair=False, report=report)
    assert report.mismatched_days == []


def test_ranks_follow_the_default_then_the_users_order():
    rank = canonical.source_rank
    ordered = sorted(
        ["demo", "manual", "healthkit", "apple_health", "my_pump", "csv", "xdrip", "libreview"],
        key=rank,
    )
    assert ordered == [
        "libreview",
        "xdrip",
        "csv",
        "my_pump",  # unnamed sources rank with the device files, after the named ones
        "apple_health",
        "healthkit",
        "manual",
        "demo",
    ]
    order = ["apple_health", "manual"]
    assert canonical.rank_sources(["xdrip", "manual", "apple_health"], order) == [
        "apple_health",
        "manual",
        "xdrip",
    ]
    assert canonical.default_priority()[0] == "dexcom_clarity"


def test_one_source_is_a_single_cheap_query(db, make_user, monkeypatch):
    user = make_user()
    items = [
        {"timestamp": (START + dt.timedelta(minutes=5 * i)).isoformat(), "value": 100.0}
        for i in range(2000)
    ]
    ingest_glucose_batch(db, db.merge(user), items)
    calls: list[Any] = []
    monkeypatch.setattr(canonical, "_link_fixes", lambda *a: calls.append(a) or [])
    assert canonical.recanonicalize_all(db, db.merge(user)) == []
    assert calls == []
    db.rollback()


def test_a_change_reaches_past_the_window_through_a_chain_of_sources(db, make_user):
    """A new Apple Health row is nearer the Clarity reading, so the old Apple Health row
    becomes canonical and in turn claims a manual row 1,250 s before the insert: outside
    the first window (±900 s), reached by growing it."""
    user = make_user()
    t0 = START + dt.timedelta(hours=5)

    def row(source: str, seconds: int) -> dict[str, Any]:
        at = t0 + dt.timedelta(seconds=seconds)
        return {"timestamp": at.isoformat(), "value": 100.0, "source": source, "period_min": 15}

    for item in (row("dexcom_clarity", -450), row("apple_health", -900), row("manual", -1350)):
        ingest_glucose_batch(db, db.merge(user), [item])
    db.commit()
    by_source = {r.source: r for r in db.execute(select(GlucoseReading)).scalars().all()}
    assert by_source["apple_health"].dup_of == by_source["dexcom_clarity"].id
    assert by_source["manual"].dup_of is None  # 900 s from the Clarity reading

    ingest_glucose_batch(db, db.merge(user), [row("apple_health", -100)])
    db.commit()
    db.expire_all()
    assert by_source["apple_health"].dup_of is None
    assert by_source["manual"].dup_of == by_source["apple_health"].id


def test_db_check_finds_and_repairs_wrong_links(db, make_user):
    user = make_user()
    at = START + dt.timedelta(hours=2)
    items = [
        {"timestamp": (at + dt.timedelta(minutes=5 * i)).isoformat(), "value": 100.0 + i}
        for i in range(12)
    ]
    ingest_glucose_batch(db, db.merge(user), [{**i, "source": "dexcom_clarity"} for i in items])
    ingest_glucose_batch(db, db.merge(user), [{**i, "source": "apple_health"} for i in items])
    db.commit()
    right = links(db, user.id)
    # A restore of an older copy of the table: the copies lost their links.
    db.execute(update(GlucoseReading).values(dup_of=None))
    db.commit()

    report = CheckReport()
    check_user(db, db.merge(user), repair=False, report=report)
    db.rollback()
    reasons = [m.reason for m in report.mismatched_days]
    assert "12 readings link to the wrong canonical copy" in reasons
    assert any("aggregate counts 12 readings, raw rows 24" in r for r in reasons)

    report = CheckReport()
    check_user(db, db.merge(user), repair=True, report=report)
    db.commit()
    assert links(db, user.id) == right
    again = CheckReport()
    check_user(db, db.merge(user), repair=False, report=again)
    assert again.mismatched_days == []
