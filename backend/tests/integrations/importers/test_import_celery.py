"""Imports on the worker path for real: a Redis broker and a separate `celery worker`
process that reads the upload from the shared import dir."""

from __future__ import annotations

import datetime as dt

import redis

from tests.insights.test_celery_worker import BROKER, celery_worker  # noqa: F401 - fixture
from tests.integrations.importers._files import clarity_csv
from tests.integrations.importers.test_import_jobs import upload, wait


def test_import_runs_on_a_celery_worker(client, make_user, auth_headers, celery_worker):  # noqa: F811
    headers = auth_headers(make_user(timezone="Europe/Berlin"))
    r = upload(client, headers, clarity_csv(dt.datetime(2024, 5, 1), 500))
    assert r.status_code == 202, r.text
    assert redis.Redis.from_url(BROKER).llen("celery") >= 1  # enqueued, not run in the web process
    assert (
        client.get(f"/api/v1/imports/{r.json()['id']}", headers=headers).json()["status"]
        == "queued"
    )
    celery_worker()
    job = wait(client, headers, r.json()["id"], timeout_s=120)
    assert job["status"] == "done", job
    assert job["progress"]["counts"]["glucose"]["inserted"] == 500
