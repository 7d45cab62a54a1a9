"""The reference client against ``glucolens serve`` over real sockets (tests/live_server.py):
the protocol as a phone would run it, HTTP framing, headers and all."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select

from glucolens.integrations.healthkit.models import HealthKitBatch
from glucolens.readings.models import GlucoseReading
from tests.integrations.healthkit.reference_client import (
    SYNC_PATH,
    NetworkError,
    Response,
    Send,
    SimulatedCrash,
    SimulatedHealthStore,
    SyncClient,
    SyncFailed,
)
from tests.integrations.healthkit.test_reference_client import crash, day_of_data
from tests.live_server import live_server


def over_http(base: str, headers: dict[str, str]) -> Send:
    def send(body: dict[str, Any]) -> Response:
        try:
            r = httpx2.post(base + SYNC_PATH, json=body, headers=headers, timeout=60)
        except httpx2.TransportError as exc:
            raise NetworkError from exc
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.json()

    return send


@pytest.mark.timeout(180)
def test_the_protocol_over_a_real_server(make_user, auth_headers, db):
    user = make_user(timezone="Europe/Berlin")
    store = SimulatedHealthStore()
    saved = day_of_data(store)
    with live_server() as srv:
        base = f"http://127.0.0.1:{srv.port}"
        app = SyncClient(store, over_http(base, auth_headers(user)))
        app.after_upload = crash  # stored on the server, killed before the anchors commit
        with pytest.raises(SimulatedCrash):
            app.sync_once()
        app.after_upload = lambda: None
        (replayed,) = app.sync_all()
        assert replayed["accepted"] == 305 and replayed["rejected"] == []
        store.delete("blood_glucose", saved["blood_glucose"][0]["uuid"])
        (deleted,) = app.sync_all()
        assert deleted["deleted"] == 1
    # The server is gone: connections are refused, the batch stays pending, no anchor moves.
    store.save(
        "blood_glucose",
        dict(saved["blood_glucose"][1], uuid="0" * 8 + "-0000-4000-8000-" + "0" * 12),
    )
    offline = SyncClient(store, over_http(base, auth_headers(user)), state=app.state)
    offline.backoff.attempts = 3
    anchors = dict(app.state.anchors)
    with pytest.raises(SyncFailed) as failed:
        offline.sync_once()
    assert failed.value.status == 0 and len(offline.slept) == 2
    assert app.state.pending is not None and app.state.anchors == anchors
    db.expire_all()
    rows = db.execute(
        select(func.count()).select_from(GlucoseReading).where(GlucoseReading.user_id == user.id)
    ).scalar_one()
    batches = db.execute(select(func.count()).select_from(HealthKitBatch)).scalar_one()
    assert (rows, batches) == (288, 2)
