"""Issue 10, item 3: insights analyse the newest days that have data, so a history imported
from a file that ended months ago is not reported as "0 days"."""

from __future__ import annotations

import datetime as dt

from glucolens.insights.repository import history_end, load_frames
from tests.insights.test_insights_api import cgm_days, wait_for_job

UTC = dt.UTC


def _shift(items: list[dict], days: int) -> list[dict]:
    back = dt.timedelta(days=days)
    return [
        {**i, "timestamp": (dt.datetime.fromisoformat(i["timestamp"]) - back).isoformat()}
        for i in items
    ]


def test_history_ends_at_the_newest_reading_when_that_is_old(client, make_user, auth_headers, db):
    user = make_user()
    headers = auth_headers(user)
    old = _shift(cgm_days(5), days=200)  # a file whose readings ended 200 days ago
    assert (
        client.post("/api/v1/glucose/bulk", json={"items": old}, headers=headers).status_code == 200
    )
    now = dt.datetime.now(UTC)
    end = history_end(db, db.merge(user), now)
    assert end < now - dt.timedelta(days=199)
    frames = load_frames(db, db.merge(user), 180, now=end)
    assert len(frames.glucose) == 288 * 5
    # The previous window (180 days before now) held nothing.
    assert len(load_frames(db, db.merge(user), 180, now=now).glucose) == 0


def test_history_end_is_now_for_current_data_and_empty_accounts(
    client, make_user, auth_headers, db
):
    user = make_user()
    now = dt.datetime.now(UTC)
    assert history_end(db, db.merge(user), now) == now
    client.post("/api/v1/glucose/bulk", json={"items": cgm_days(1)}, headers=auth_headers(user))
    assert history_end(db, db.merge(user), now) == now


def test_insight_job_on_an_old_import_finds_the_data(client, make_user, auth_headers):
    user = make_user()
    headers = auth_headers(user)
    client.post("/api/v1/glucose/bulk", json={"items": _shift(cgm_days(5), 200)}, headers=headers)
    first = client.get("/api/v1/insights/recurring-patterns", headers=headers)
    job = wait_for_job(client, headers, first.json()["job_id"])
    assert job["status"] == "done", job
    body = client.get("/api/v1/insights/recurring-patterns", headers=headers).json()
    assert body["status"] == "ok"
    assert body["data"]["motifs"], "five old days still have recurring shapes"
