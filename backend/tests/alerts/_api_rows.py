"""Alert rows for the API tests, written the way the engine writes them (alerts/engine.py
owns creating alerts; these tests exercise what the user does with them)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from glucolens.alerts.defaults import SEVERITY
from glucolens.alerts.models import Alert, AlertDecision
from glucolens.auth.models import User

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
AlertFactory = Callable[..., Alert]


def make_alert_factory(db: Session) -> AlertFactory:
    def factory(user: User, kind: str = "low", **kw: Any) -> Alert:
        opened = kw.pop("opened_at", T0)
        value = kw.pop("value_mgdl", 62.0)
        decisions: list[tuple[str, str | None]] = kw.pop("decisions", [("notified", None)])
        alert = Alert(
            id=uuid.uuid4(),
            user_id=user.id,
            kind=kind,
            severity=SEVERITY[kind],
            status=kw.pop("status", "open"),
            opened_at=opened,
            trigger_value_mgdl=value,
            trigger_reading_at=opened,
            last_value_mgdl=value,
            last_reading_at=opened,
            last_seen_at=opened,
            last_notified_at=opened,
            notify_count=1,
            details=kw.pop("details", {}),
            **kw,
        )
        db.add(alert)
        for i, (action, reason) in enumerate(decisions):
            db.add(
                AlertDecision(
                    alert_id=alert.id,
                    user_id=user.id,
                    at=opened + dt.timedelta(minutes=5 * i),
                    action=action,
                    reason=reason,
                    value_mgdl=value,
                )
            )
        db.commit()
        return alert

    return factory
