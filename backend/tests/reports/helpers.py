"""Shared steps of the report tests: demo-like data, a finished report, its text.

The data comes from the project's own demo generator (glucolens/demo_data.py: 5-minute CGM,
meals, sleep, insulin), loaded with the demo service, as a person's account would be.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

from pypdf import PdfReader
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.timeutil import local_today
from glucolens.demo.service import load_demo


def load_days(db: Session, user: User, days: int) -> None:
    load_demo(db, user, days=days, seed=7)
    db.commit()


def yesterday(user: User) -> dt.date:
    return local_today(user.timezone) - dt.timedelta(days=1)


def wait_done(client: Any, headers: dict[str, str], job_id: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(f"/api/v1/reports/{job_id}", headers=headers).json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def make_report(client: Any, headers: dict[str, str], **period: Any) -> tuple[dict, bytes]:
    r = client.post("/api/v1/reports", json=period, headers=headers)
    assert r.status_code == 202, r.text
    job = wait_done(client, headers, r.json()["id"])
    assert job["status"] == "done", job
    pdf = client.get(job["pdf_url"], headers=headers)
    assert pdf.status_code == 200, pdf.text
    return job, pdf.content


def pages_text(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]
