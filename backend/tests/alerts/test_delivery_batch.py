"""notify_many: a batch (the stale-data tick of an outage) gets each notification's own rows,
in a number of statements that does not grow with the batch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from glucolens.alerts.delivery import notify_many
from glucolens.alerts.models import Alert, AlertSettings, PushSubscription
from glucolens.core.db import get_engine
from glucolens.core.events import DeliveriesQueued, pending


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001 - SQLAlchemy hook
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def stale_alerts(db, users) -> list[Alert]:
    alerts = [
        Alert(user_id=u.id, kind="stale_data", severity="warning", details={"stale_min": 20})
        for u in users
    ]
    db.add_all(alerts)
    db.flush()
    return alerts


def batch_statements(db, make_user, statements, n: int) -> tuple[int, int]:
    """(SELECTs, all statements) of one notify_many over ``n`` users with a push each."""
    users = [make_user() for _ in range(n)]
    for u in users:
        db.add(PushSubscription(user_id=u.id, endpoint=f"https://push.example/{u.id}",
                                endpoint_hash=uuid.uuid4().hex, p256dh="k", auth="a"))  # fmt: skip
    db.flush()
    alerts = stale_alerts(db, users)
    statements.clear()
    notify_many(db, [(a, "raise", "user") for a in alerts])
    counts = (sum(s.lstrip().upper().startswith("SELECT") for s in statements), len(statements))
    db.rollback()
    return counts


def test_a_batch_reads_the_same_few_times_for_3_or_60_users(db, make_user, statements):
    few_selects, few_all = batch_statements(db, make_user, statements, 3)
    many_selects, many_all = batch_statements(db, make_user, statements, 60)
    assert few_selects == many_selects == 3  # settings, push subscriptions, users
    if db.get_bind().dialect.name == "postgresql":
        # The rows go in one multi-row INSERT ... RETURNING there; SQLite (in-process, no
        # round trips) gets one INSERT per row from SQLAlchemy's ORM.
        assert few_all == many_all


def test_each_notification_in_a_batch_gets_its_own_users_channels(db, make_user):
    plain, mailer, pusher, lonely = (make_user() for _ in range(4))
    db.add_all([
        AlertSettings(user_id=mailer.id, channels={"email": True, "push": False}),
        AlertSettings(user_id=lonely.id, channels={}),  # no emergency contact
    ])  # fmt: skip
    sub = PushSubscription(user_id=pusher.id, endpoint="https://push.example/p",
                           endpoint_hash="h", p256dh="k", auth="a")  # fmt: skip
    db.add(sub)
    db.flush()
    a_plain, a_mail, a_push, a_lonely = stale_alerts(db, [plain, mailer, pusher, lonely])
    rows = notify_many(
        db,
        [
            (a_plain, "raise", "user"),
            (a_mail, "repeat", "user"),
            (a_push, "raise", "user"),
            (a_lonely, "escalate", "emergency_contact"),
        ],
    )
    got = sorted((r.user_id, r.channel, r.status) for r in rows)
    assert got == sorted([
        (plain.id, "websocket", "pending"),
        (mailer.id, "websocket", "pending"),
        (mailer.id, "email", "failed"),  # no SMTP in this test
        (pusher.id, "websocket", "pending"),
        (pusher.id, "push", "pending"),
    ])  # fmt: skip
    assert next(r for r in rows if r.channel == "push").push_subscription_id == sub.id
    (queued,) = [e for e in pending(db) if isinstance(e, DeliveriesQueued)]  # one per batch
    by_id = {r.id: r.channel for r in rows}
    assert sorted(by_id[i] for i in queued.delivery_ids) == ["push"]  # not the failed email
    assert sorted(by_id[i] for i in queued.websocket_ids) == ["websocket"] * 3
    db.rollback()
