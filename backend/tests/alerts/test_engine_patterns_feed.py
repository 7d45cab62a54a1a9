"""The "pattern" kind (alerts/patterns_feed.py): new recurring patterns and anomalies that an
insights run stores become quiet feed items, through InsightsUpdated after the job's commit.

The stored results are shaped as insights/pipeline.py's patterns_step and anomalies_step
write them (motifs with window_minutes, label, typical_hour; anomalies with start/end)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from glucolens.alerts.models import Alert, AlertConfig, AlertDelivery
from glucolens.core.db import utcnow
from glucolens.insights.pipeline import StepResult
from glucolens.insights.repository import upsert_results
from glucolens.subscribers import wire_subscribers


@pytest.fixture(autouse=True)
def _wired() -> None:
    wire_subscribers()


def motif(label: str, hour: float, window: int = 180, i: int = 0) -> dict:
    return {
        "id": f"{window}-{i}",
        "window_minutes": window,
        "label": label,
        "typical_hour": hour,
        "mean_shape": [100.0, 80.0, 62.0],
        "occurrences": [{"start": "2026-11-30T03:00:00Z"}],
    }


def anomaly(start: dt.datetime, window: int = 180) -> dict:
    return {
        "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=window)).isoformat(),
        "window_minutes": window,
        "score": 3.1,
        "z_score": 2.4,
        "shape": [120.0, 180.0],
    }


def store(db, user, motifs=(), anomalies=()) -> None:
    results = [
        StepResult("recurring_patterns", "ok", {"motifs": list(motifs)}, 0.1),
        StepResult("anomalies", "ok", {"anomalies": list(anomalies)}, 0.1),
    ]
    upsert_results(db, user.id, results, utcnow())
    db.commit()


def feed_items(db, user) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).where(Alert.user_id == user.id, Alert.kind == "pattern")))


def test_pattern_new_recurring_low_becomes_an_unread_quiet_feed_item(db, make_user):
    user = make_user()
    store(db, user, motifs=[motif("nocturnal low", 3.2)])
    (item,) = feed_items(db, user)
    assert (item.severity, item.status, item.read_at) == ("info", "resolved", None)
    assert item.details["pattern"] == "recurring_low" and item.details["hour"] == 3
    channels = db.scalars(select(AlertDelivery.channel).where(AlertDelivery.alert_id == item.id))
    assert list(channels) == ["websocket"]  # a feed item: no email, push or webhook


def test_pattern_found_again_on_the_next_run_is_not_fed_again(db, make_user):
    user = make_user()
    store(db, user, motifs=[motif("nocturnal low", 3.2)])
    # The next run ranks motifs differently (ids move); the same pattern is not news.
    store(db, user, motifs=[motif("post-meal spike", 13.0, i=0), motif("nocturnal low", 2.9, i=1)])
    assert sorted(a.details["label"] for a in feed_items(db, user)) == [
        "nocturnal low",
        "post-meal spike",
    ]


def test_pattern_recent_anomaly_is_fed_but_one_from_imported_history_is_not(db, make_user):
    user = make_user()
    now = utcnow()
    store(
        db,
        user,
        anomalies=[anomaly(now - dt.timedelta(days=20)), anomaly(now - dt.timedelta(hours=6))],
    )
    (item,) = feed_items(db, user)
    assert item.details["pattern"] == "anomaly"


def test_pattern_kind_turned_off_feeds_nothing(db, make_user):
    user = make_user()
    db.add(AlertConfig(user_id=user.id, kind="pattern", enabled=False, options={}))
    db.commit()
    store(db, user, motifs=[motif("nocturnal low", 3.2)])
    assert feed_items(db, user) == []


def test_pattern_a_first_run_feeds_at_most_three_items(db, make_user):
    user = make_user()
    store(db, user, motifs=[motif("recurring pattern", h, i=h) for h in range(6)])
    assert len(feed_items(db, user)) == 3


def test_pattern_feed_failure_never_loses_the_insights_results(db, make_user, caplog):
    from glucolens.insights.models import InsightResult

    user = make_user()
    # Options that are not an object (written around the API's validation) break the feed.
    db.add(AlertConfig(user_id=user.id, kind="pattern", enabled=True, options=[1]))
    db.commit()
    store(db, user, motifs=[motif("nocturnal low", 3.2)])
    assert feed_items(db, user) == []
    kinds = db.scalars(select(InsightResult.kind).where(InsightResult.user_id == user.id))
    assert sorted(kinds) == ["anomalies", "recurring_patterns"]
    assert any(r.getMessage() == "pattern feed failed" for r in caplog.records)
