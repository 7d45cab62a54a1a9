"""Report jobs through the API: the status flow, the download, who may see what, the read
scope of API keys, period validation, no data, limits, and jobs whose process died."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from glucolens.core.db import utcnow
from glucolens.reports import jobs
from glucolens.reports.models import ReportJob
from tests.reports.helpers import load_days, make_report, pages_text, wait_done

KEYS = "/api/v1/auth/api-keys"


@pytest.fixture
def owner(make_user, auth_headers, db):
    user = make_user()
    load_days(db, user, 3)
    return user, auth_headers(user)


def _row(db, user, status: str, **kw) -> ReportJob:
    today = dt.datetime.now(dt.UTC).date()
    job = ReportJob(user_id=user.id, status=status, start_day=today, end_day=today, **kw)
    db.add(job)
    db.commit()
    return job


def test_status_flow_and_download(client, owner):
    _, headers = owner
    r = client.post("/api/v1/reports", json={"days": 2}, headers=headers)
    assert r.status_code == 202
    queued = r.json()
    assert (queued["status"], queued["progress"], queued["pdf_url"]) == ("queued", 0.0, None)
    today = dt.datetime.now(dt.UTC).date()
    assert queued["end"] == today.isoformat()
    assert queued["start"] == (today - dt.timedelta(days=1)).isoformat()
    done = wait_done(client, headers, queued["id"])
    assert done["status"] == "done" and done["progress"] == 1.0 and done["step"] == "done"
    assert done["page_count"] == 4 and done["size_bytes"] > 1000
    assert done["started_at"] and done["finished_at"] and done["error"] is None
    pdf = client.get(done["pdf_url"], headers=headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="glucolens-report-{queued["start"]}-to-{queued["end"]}.pdf"'
    )
    assert pdf.headers["cache-control"] == "no-store"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) == done["size_bytes"]


def test_list_is_newest_first(client, owner):
    _, headers = owner
    first, _ = make_report(client, headers, days=1)
    second, _ = make_report(client, headers, days=2)
    items = client.get("/api/v1/reports", headers=headers).json()["items"]
    assert [i["id"] for i in items] == [second["id"], first["id"]]


def test_pdf_is_409_until_done_and_a_job_runs_once(client, owner, db):
    user, headers = owner
    job = _row(db, user, "queued")
    r = client.get(f"/api/v1/reports/{job.id}/pdf", headers=headers)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "The report is not ready: it is queued."
    assert client.get(f"/api/v1/reports/{job.id}", headers=headers).json()["status"] == "queued"
    assert jobs.run_job(job.id) == "done"
    # A second delivery of the same message finds the job no longer queued: no second render.
    db.expire_all()
    finished_at = db.get(ReportJob, job.id).finished_at
    assert jobs.run_job(job.id) == "done"
    db.expire_all()
    assert db.get(ReportJob, job.id).finished_at == finished_at
    assert client.get(f"/api/v1/reports/{job.id}/pdf", headers=headers).status_code == 200


def test_failed_job_says_why(client, owner, db):
    user, headers = owner
    job = _row(db, user, "failed", error="The report could not be made; please try again.")
    r = client.get(f"/api/v1/reports/{job.id}/pdf", headers=headers)
    assert r.status_code == 409
    assert "could not be made" in r.json()["error"]["message"]


def test_a_job_whose_process_died_is_marked_failed(client, owner, db):
    user, headers = owner
    stale = utcnow() - dt.timedelta(minutes=2)
    job = _row(db, user, "running", started_at=stale, heartbeat_at=stale)
    body = client.get(f"/api/v1/reports/{job.id}", headers=headers).json()
    assert body["status"] == "failed"
    assert body["error"] == "The report was interrupted; ask again."


def test_another_user_cannot_see_or_fetch_it(client, owner, make_user, auth_headers):
    _, headers = owner
    job, _ = make_report(client, headers, days=1)
    other = auth_headers(make_user())
    assert client.get(f"/api/v1/reports/{job['id']}", headers=other).status_code == 404
    r = client.get(f"/api/v1/reports/{job['id']}/pdf", headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/reports", headers=other).json() == {"items": []}
    assert client.get(f"/api/v1/reports/{uuid.uuid4()}", headers=headers).status_code == 404


def test_making_a_report_needs_a_write_scope_and_fetching_it_read(client, owner):
    # Starting a job is a write of sorts, like POST /insights/refresh (auth/test_write_scopes).
    _, headers = owner
    read = client.post(KEYS, json={"name": "r", "scopes": ["read"]}, headers=headers)
    write = client.post(KEYS, json={"name": "w", "scopes": ["write:readings"]}, headers=headers)
    both = client.post(
        KEYS, json={"name": "rw", "scopes": ["read", "write:readings"]}, headers=headers
    )
    read_key = {"X-API-Key": read.json()["key"]}
    write_key = {"X-API-Key": write.json()["key"]}
    both_key = {"X-API-Key": both.json()["key"]}
    assert client.post("/api/v1/reports", json={"days": 1}, headers=read_key).status_code == 403
    job, content = make_report(client, both_key, days=1)
    assert pages_text(content)[0].count("Glucose report") == 1
    assert client.get(f"/api/v1/reports/{job['id']}/pdf", headers=read_key).status_code == 200
    assert client.get(f"/api/v1/reports/{job['id']}/pdf", headers=write_key).status_code == 403
    assert client.get("/api/v1/reports", headers=write_key).status_code == 403
    assert client.post("/api/v1/reports", json={"days": 1}).status_code == 401


def test_a_period_without_readings_is_a_clear_422(client, make_user, auth_headers, db):
    headers = auth_headers(make_user())
    r = client.post("/api/v1/reports", json={"days": 14}, headers=headers)
    assert r.status_code == 422
    assert "no glucose readings" in r.json()["error"]["message"]
    assert client.get("/api/v1/reports", headers=headers).json() == {"items": []}
    assert db.execute(select(func.count()).select_from(ReportJob)).scalar_one() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": 14, "start": "2026-01-01"}, "days"),
        ({"days": 0}, "days"),
        ({"days": 91}, "days"),
        ({"days": "14"}, "days"),
        ({"start": "2026-01-01"}, "end"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "start"),
        ({"start": "2025-01-01", "end": "2025-06-01"}, "start"),
        ({"start": "2026-01-01", "end": "2199-01-01"}, "end"),
        ({"start": "01/02/2026", "end": "2026-01-03"}, "start"),
        ({"days": 14, "unit": "mmol/L"}, "unit"),
        ({}, "start"),
    ],
)
def test_bad_periods_are_422_naming_the_field(client, owner, body, field):
    _, headers = owner
    r = client.post("/api/v1/reports", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field


def test_at_most_three_reports_in_progress(client, owner, db):
    user, headers = owner
    for _ in range(3):
        _row(db, user, "queued")
    r = client.post("/api/v1/reports", json={"days": 1}, headers=headers)
    assert r.status_code == 409
    assert "already being made" in r.json()["error"]["message"]


def test_old_reports_are_dropped_beyond_twenty(client, owner, db):
    user, headers = owner
    for _ in range(25):
        _row(db, user, "done")
    job, _ = make_report(client, headers, days=1)
    items = client.get("/api/v1/reports", headers=headers).json()["items"]
    assert len(items) == 20 and items[0]["id"] == job["id"]
