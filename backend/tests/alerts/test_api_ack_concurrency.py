"""Two acknowledgements of one alert at the same moment (two tabs, a phone and a watch)
record one decision: the second waits for the first and then finds it acknowledged. Run
through the service with two real database sessions, the second in another thread, so the
interleaving is forced rather than left to chance."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from glucolens.alerts import service
from glucolens.alerts.models import AlertDecision
from glucolens.core.db import get_sessionmaker
from tests.alerts._api_rows import make_alert_factory


def test_concurrent_acknowledgements_record_one_decision(db, make_user):
    user = make_user()
    alert = make_alert_factory(db)(user, "urgent_low", value_mgdl=50.0)
    first, second = get_sessionmaker()(), get_sessionmaker()()
    answers: list[object] = []
    try:
        answers.append(service.acknowledge(first, first.merge(user), alert.id).acknowledged_at)

        def other_tab() -> None:
            out = service.acknowledge(second, second.merge(user), alert.id)
            answers.append(out.acknowledged_at)
            second.commit()

        thread = threading.Thread(target=other_tab)
        thread.start()
        time.sleep(0.3)  # the other tab is now waiting on the first one's lock
        first.commit()
        thread.join(timeout=10)
        assert not thread.is_alive()
    finally:
        first.close()
        second.close()
    acks = db.execute(
        select(func.count()).where(
            AlertDecision.alert_id == alert.id, AlertDecision.action == "acknowledged"
        )
    ).scalar_one()
    assert acks == 1 and answers[0] == answers[1]
