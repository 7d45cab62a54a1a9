"""POST /api/v1/imports end to end: detection, preview, confirmation, progress, idempotency,
bad rows by line, bombs and limits, scoping, cancellation and interrupted jobs."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile

import pytest

from glucolens.core.config import get_settings
from glucolens.core.db import utcnow
from glucolens.integrations.importers.models import ImportJob
from tests.integrations.importers._files import clarity_csv, zipped

START = dt.datetime(2024, 3, 12, 8, 0)


def upload(client, headers, data: bytes, name: str = "export.csv", **params):
    files = {"file": (name, io.BytesIO(data), "application/octet-stream")}
    return client.post("/api/v1/imports", files=files, params=params, headers=headers)


def wait(client, headers, job_id: str, until=("done", "failed", "cancelled"), timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    job = None
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/imports/{job_id}", headers=headers).json()
        if job["status"] in until:
            return job
        time.sleep(0.1)
    raise AssertionError(f"import {job_id} did not reach {until}: {job}")


def glucose_count(client, headers) -> int:
    r = client.get("/api/v1/data/sources", headers=headers)
    return sum(s["counts"]["glucose"] for s in r.json()["sources"])


@pytest.fixture
def user_headers(make_user, auth_headers):
    return auth_headers(make_user(timezone="Europe/Berlin"))


def test_png_is_refused_naming_what_it_looks_like(client, user_headers):
    r = upload(client, user_headers, b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "photo.csv")
    assert r.status_code == 422
    message = r.json()["error"]["message"]
    assert "looks like a PNG image" in message
    assert "Dexcom Clarity, LibreView, Apple Health, Nightscout and CSV" in message


def test_empty_file_is_refused(client, user_headers):
    r = upload(client, user_headers, b"")
    assert r.status_code == 422
    assert "empty" in r.json()["error"]["message"]


def test_clarity_preview_then_import(client, user_headers):
    r = upload(client, user_headers, clarity_csv(START, 288), preview="true")
    assert r.status_code == 202, r.text
    job = wait(client, user_headers, r.json()["id"], until=("awaiting_confirmation", "failed"))
    assert job["status"] == "awaiting_confirmation", job
    assert job["format"] == "dexcom_clarity"
    preview = job["preview"]
    assert preview["counts"]["glucose"] == 288
    assert preview["timezone"] == "Europe/Berlin" and preview["local_times"] is True
    # 08:00 in Berlin on 12 March 2024 (CET) is 07:00 UTC.
    assert preview["start"].startswith("2024-03-12T08:00:00+01:00") or preview["start"].startswith(
        "2024-03-12T07:00:00"
    )
    assert glucose_count(client, user_headers) == 0  # a preview writes nothing

    r = client.post(f"/api/v1/imports/{job['id']}/start", json={}, headers=user_headers)
    assert r.status_code == 202, r.text
    done = wait(client, user_headers, job["id"])
    assert done["status"] == "done", done
    assert done["progress"]["counts"]["glucose"]["inserted"] == 288
    assert done["progress"]["fraction"] == 1.0
    assert glucose_count(client, user_headers) == 288


def test_start_with_another_time_zone_shifts_the_readings(client, user_headers):
    r = upload(client, user_headers, clarity_csv(START, 12), preview="true")
    job = wait(client, user_headers, r.json()["id"], until=("awaiting_confirmation",))
    client.post(
        f"/api/v1/imports/{job['id']}/start",
        json={"timezone": "America/New_York"},
        headers=user_headers,
    )
    assert wait(client, user_headers, job["id"])["status"] == "done"
    rows = client.get("/api/v1/glucose", params={"limit": 100}, headers=user_headers).json()[
        "items"
    ]
    first = min(row["timestamp"] for row in rows)
    assert first.startswith("2024-03-12T12:00:00")  # 08:00 EDT (DST began 10 March) = 12:00 UTC


def test_same_file_twice_is_a_no_op(client, user_headers):
    data = clarity_csv(START, 50)
    first = wait(client, user_headers, upload(client, user_headers, data).json()["id"])
    assert first["progress"]["counts"]["glucose"]["inserted"] == 50
    r = upload(client, user_headers, data)
    assert r.status_code == 202
    again = r.json()
    assert again["status"] == "done" and again["already_imported"] is True
    assert again["previous_import_at"] is not None
    assert glucose_count(client, user_headers) == 50


def test_overlapping_newer_export_adds_only_new_rows(client, user_headers):
    wait(client, user_headers, upload(client, user_headers, clarity_csv(START, 100)).json()["id"])
    newer = clarity_csv(START + dt.timedelta(minutes=5 * 60), 100)  # rows 60..159
    job = wait(client, user_headers, upload(client, user_headers, newer).json()["id"])
    counts = job["progress"]["counts"]["glucose"]
    assert (counts["inserted"], counts["duplicates"]) == (60, 40)
    assert glucose_count(client, user_headers) == 160


def test_bad_rows_are_reported_by_line_and_good_rows_imported(client, user_headers):
    job = wait(
        client,
        user_headers,
        upload(client, user_headers, clarity_csv(START, 20, bad_rows=(3, 7))).json()["id"],
    )
    assert job["status"] == "done"
    assert job["progress"]["counts"]["glucose"]["inserted"] == 18
    assert job["rejected_total"] == 2
    lines = sorted(r["line"] for r in job["rejected"])
    assert lines == [3 + 5, 7 + 5]  # header + 3 preamble rows, 1-based lines
    assert all("abc" in r["reason"] for r in job["rejected"])


def test_calibration_at_the_second_of_a_sensor_reading_is_kept(client, user_headers):
    # Same source, same second, different kinds: two readings (the uniqueness key has the kind).
    data = clarity_csv(START, 3) + (
        b"99,2024-03-12T08:05:00,Calibration,,,,iOS G6,112,,,,,,8XXXXX\n"
    )
    job = wait(client, user_headers, upload(client, user_headers, data).json()["id"])
    counts = job["progress"]["counts"]["glucose"]
    assert (counts["inserted"], counts["duplicates"]) == (4, 0), job
    rows = client.get("/api/v1/glucose", params={"limit": 10}, headers=user_headers).json()
    assert sorted(r["kind"] for r in rows["items"]) == ["cgm", "cgm", "cgm", "meter"]


def test_zipped_export_is_unpacked(client, user_headers):
    data = zipped("clarity/CLARITY_Export.csv", clarity_csv(START, 30))
    job = wait(client, user_headers, upload(client, user_headers, data, "export.zip").json()["id"])
    assert job["format"] == "dexcom_clarity" and job["status"] == "done"
    assert job["progress"]["counts"]["glucose"]["inserted"] == 30


def test_zip_bomb_is_refused(client, user_headers):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/export.xml", b"<" + b"a" * (50 * 1024 * 1024))
    r = upload(client, user_headers, buf.getvalue(), "export.zip")
    assert r.status_code == 422
    assert "compressed" in r.json()["error"]["message"]


def test_excel_workbook_gets_a_save_as_csv_hint(client, user_headers):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    r = upload(client, user_headers, buf.getvalue(), "export.xlsx")
    assert r.status_code == 422 and "save it as CSV" in r.json()["error"]["message"]


def test_file_over_the_limit_is_413(client, user_headers, monkeypatch):
    monkeypatch.setenv("GLUCOLENS_IMPORT_MAX_MB", "1")
    get_settings.cache_clear()
    try:
        r = upload(client, user_headers, clarity_csv(START, 30_000))
    finally:
        get_settings.cache_clear()
    assert r.status_code == 413


def test_another_user_cannot_see_or_start_the_job(client, make_user, auth_headers, user_headers):
    job = upload(client, user_headers, clarity_csv(START, 10), preview="true").json()
    other = auth_headers(make_user())
    assert client.get(f"/api/v1/imports/{job['id']}", headers=other).status_code == 404
    r = client.post(f"/api/v1/imports/{job['id']}/start", json={}, headers=other)
    assert r.status_code == 404
    assert client.get("/api/v1/imports", headers=other).json()["items"] == []


def test_cancel_a_previewed_import_writes_nothing(client, user_headers):
    job = upload(client, user_headers, clarity_csv(START, 10), preview="true").json()
    wait(client, user_headers, job["id"], until=("awaiting_confirmation",))
    assert client.delete(f"/api/v1/imports/{job['id']}", headers=user_headers).status_code == 204
    assert (
        client.get(f"/api/v1/imports/{job['id']}", headers=user_headers).json()["status"]
        == "cancelled"
    )
    r = client.post(f"/api/v1/imports/{job['id']}/start", json={}, headers=user_headers)
    assert r.status_code == 409
    assert glucose_count(client, user_headers) == 0


def test_interrupted_import_is_failed_and_a_retry_completes_it(client, user_headers, db):
    job = upload(client, user_headers, clarity_csv(START, 40), preview="true").json()
    wait(client, user_headers, job["id"], until=("awaiting_confirmation",))
    # As a process that died mid-import leaves it: running, heartbeat long stopped.
    row = db.get(ImportJob, __import__("uuid").UUID(job["id"]))
    row.status, row.started_at = "running", utcnow() - dt.timedelta(minutes=5)
    row.heartbeat_at = utcnow() - dt.timedelta(minutes=5)
    db.commit()
    seen = client.get(f"/api/v1/imports/{job['id']}", headers=user_headers).json()
    assert seen["status"] == "failed" and seen["error"] == "interrupted"
    client.post(f"/api/v1/imports/{job['id']}/start", json={}, headers=user_headers)
    assert wait(client, user_headers, job["id"])["status"] == "done"
    assert glucose_count(client, user_headers) == 40


def test_more_than_one_bulk_batch_is_chunked_by_the_server(client, user_headers):
    # 120,000 rows: above the 100,000 per-request bulk limit that used to refuse big files.
    # Read as UTC: in Berlin the spring-forward hour would (rightly) reject 12 of them.
    data = clarity_csv(dt.datetime(2023, 1, 1), 120_000)
    r = upload(client, user_headers, data, timezone="UTC")
    job = wait(client, user_headers, r.json()["id"], timeout_s=300)
    assert job["status"] == "done", job
    assert job["progress"]["counts"]["glucose"]["inserted"] == 120_000
    assert job["rejected_total"] == 0


def test_spring_forward_rows_are_rejected_by_line(client, user_headers):
    # 01:30 to 03:25 local on 31 March 2024: 02:00-02:55 does not exist in Berlin.
    data = clarity_csv(dt.datetime(2024, 3, 31, 1, 30), 24)
    job = wait(client, user_headers, upload(client, user_headers, data).json()["id"])
    assert job["progress"]["counts"]["glucose"]["inserted"] == 12
    assert job["rejected_total"] == 12
    assert sorted(r["line"] for r in job["rejected"]) == list(range(5 + 6, 5 + 18))


def test_api_key_with_read_scope_cannot_import(client, user_headers):
    r = client.post(
        "/api/v1/auth/api-keys", json={"name": "r", "scopes": ["read"]}, headers=user_headers
    )
    assert r.status_code in (200, 201), r.text
    key = r.json()["key"]
    r = upload(client, {"X-API-Key": key}, clarity_csv(START, 5))
    assert r.status_code == 403


def test_a_waiting_job_whose_task_was_lost_is_submitted_again(client, user_headers, db):
    # As an in-process pool that restarted leaves it: queued, its task gone with the process.
    from glucolens.integrations.importers import service

    job = upload(client, user_headers, clarity_csv(START, 20), preview="true").json()
    wait(client, user_headers, job["id"], until=("awaiting_confirmation",))
    row = db.get(ImportJob, __import__("uuid").UUID(job["id"]))
    row.status, row.created_at = "queued", utcnow() - 2 * service.NUDGE_AFTER
    db.commit()
    assert wait(client, user_headers, job["id"])["status"] == "done"
    assert glucose_count(client, user_headers) == 20


def test_task_queue_down_fails_the_job_with_503_not_a_silent_wait(make_user, auth_headers):
    # A real server whose broker nobody listens on (port 1): the job must not sit "queued"
    # for ever. A process of its own: Celery keeps its first broker's producer pool.
    import httpx2

    from tests.live_server import live_server

    headers = auth_headers(make_user())
    with live_server(celery_broker_url="redis://127.0.0.1:1/0") as srv:
        base = f"http://127.0.0.1:{srv.port}"
        files = {"file": ("export.csv", clarity_csv(START, 5))}
        r = httpx2.post(f"{base}/api/v1/imports", files=files, headers=headers, timeout=60)
        assert r.status_code == 503, r.text
        jobs = httpx2.get(f"{base}/api/v1/imports", headers=headers, timeout=30).json()["items"]
    assert [j["status"] for j in jobs] == ["failed"]
    assert "task queue" in jobs[0]["error"]
