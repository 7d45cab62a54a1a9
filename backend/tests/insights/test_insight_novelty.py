"""The insight job keeps the streaming matrix profile between runs (novelty of the newest
readings): new readings only go through ``update``; edits in the past rebuild it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from glucolens.insights.models import PatternStreamState
from glucolens.insights.pipeline import anomalies_step
from glucolens.insights.repository import load_frames
from glucolens.readings.models import GlucoseReading
from tests.insights.test_insights_api import cgm_days

UTC = dt.UTC


def _run(db, user) -> dict:
    db.expire_all()
    frames = load_frames(db, user, 180)
    novelty = anomalies_step(frames, {})["novelty"]
    db.commit()
    return novelty


def test_second_run_continues_the_saved_state_and_edits_rebuild_it(
    client, db, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    items = cgm_days(4)
    client.post("/api/v1/glucose/bulk", json={"items": items[:-12]}, headers=headers)

    first = _run(db, user)
    assert first["mode"] == "recomputed" and first["recompute_reason"] == "no stored state"
    assert first["window_minutes"] == 180
    row = db.execute(select(PatternStreamState).where(PatternStreamState.user_id == user.id))
    assert row.scalar_one().state

    client.post("/api/v1/glucose/bulk", json={"items": items[-12:]}, headers=headers)
    second = _run(db, user)
    assert second["mode"] == "incremental", second
    assert second["end"] > first["end"]

    # A reading from yesterday is corrected: the stored history no longer matches.
    g = GlucoseReading
    oldest_kept = db.execute(
        select(g.id).where(g.user_id == user.id).order_by(g.ts.desc()).offset(200).limit(1)
    ).scalar_one()
    db.execute(update(g).where(g.id == oldest_kept).values(value_mgdl=g.value_mgdl + 40))
    db.commit()
    third = _run(db, user)
    assert third["mode"] == "recomputed" and "edited" in third["recompute_reason"]


def test_no_readings_no_novelty(db, make_user):
    user = make_user()
    assert _run(db, user) is None


def test_save_upserts_over_a_row_another_job_committed(db, make_user):
    """Two jobs both started with no stored state; the second one's save is an upsert,
    so it replaces the first job's row instead of failing on the primary key."""
    from glucolens.core.db import get_sessionmaker
    from glucolens.insights.repository import StreamStateStore

    user = make_user()
    first, second = get_sessionmaker()(), get_sessionmaker()()
    try:
        a, b = StreamStateStore(first, user.id), StreamStateStore(second, user.id)
        assert a.load(36) is None and b.load(36) is None
        a.save(36, b"state-a", dt.datetime(2026, 1, 1, tzinfo=UTC))
        first.commit()
        b.save(36, b"state-b", dt.datetime(2026, 1, 2, tzinfo=UTC))
        second.commit()
    finally:
        first.close()
        second.close()
    db.expire_all()
    row = db.get(PatternStreamState, (user.id, 36))
    assert row is not None and bytes(row.state) == b"state-b"
    assert row.last_ts == dt.datetime(2026, 1, 2, tzinfo=UTC)
