"""No stored row can make a read fail (issue 9, item 4).

Rows with extreme times are written straight into the tables, around every validator (as
an older version, a restore or a manual SQL edit could), and then every read answers: the
lists, the chart series, summary, daily, AGP, a time-zone change and an insights job. Reads
only consider the window core.timeutil.READ_MIN..READ_MAX, so such rows are skipped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.insights.test_insights_api import wait_for_job

UTC = dt.UTC
KINDS = ("glucose", "insulin", "meals", "sleep", "activities")
EXTREMES = ["0001-01-01 00:00:00", "1600-01-01 00:00:00", "9999-12-31 23:59:59"]
# SQLite: what a year-1 time looked like when written with strftime (no zero padding),
# which SQLAlchemy cannot parse back. PostgreSQL: times Python cannot represent at all.
EXTRA = {"sqlite": ["1-01-01 00:00:00.000000"], "postgresql": ["-infinity", "infinity"]}


# (table, columns, values): an extreme time in every time column; {t} is the time.
RAW_ROWS = [
    ("glucose_readings", "ts, value_mgdl", "{t}, 100"),
    ("insulin_doses", "ts, units, kind", "{t}, 2, 'bolus'"),
    ("meals", "ts, carbs_g", "{t}, 40"),
    ("sleep_sessions", 'start, "end"', "{t}, {t}"),
    ("activities", 'start, "end", activity_type', "{t}, {t}, 'walk'"),
]


def _insert_raw(db: Session, user_id, when: str, n: int) -> None:
    dialect = db.get_bind().dialect.name
    uid = user_id.hex if dialect == "sqlite" else user_id
    t = "CAST(:t AS TIMESTAMP WITH TIME ZONE)" if dialect == "postgresql" else ":t"
    for table, columns, values in RAW_ROWS:
        sql = (
            f"INSERT INTO {table} (user_id, source, utc_offset_min, created_at, {columns}) "  # noqa: S608 - fixed names
            f"VALUES (:u, 'raw{n}', 0, CURRENT_TIMESTAMP, {values.format(t=t)})"
        )
        db.execute(text(sql), {"u": uid, "t": when})
    db.commit()


def _recent(client, headers) -> None:
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    items = [
        {"timestamp": (now - dt.timedelta(minutes=5 * i)).isoformat(), "value": 100 + i}
        for i in range(1, 40)
    ]
    assert client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers).json()[
        "inserted"
    ] == len(items)
    start = (now - dt.timedelta(hours=9)).isoformat()
    end = (now - dt.timedelta(hours=2)).isoformat()
    r = client.post("/api/v1/sleep", json={"start": start, "end": end}, headers=headers)
    assert r.status_code == 201, r.text


@pytest.fixture
def poisoned(client, make_user, auth_headers, db: Session):
    user = make_user(timezone="America/New_York")
    headers = auth_headers(user)
    _recent(client, headers)
    extremes = EXTREMES + EXTRA.get(db.get_bind().dialect.name, [])
    for n, when in enumerate(extremes):
        _insert_raw(db, user.id, when, n)
    return headers


READS = [
    *(f"/api/v1/{kind}" for kind in KINDS),
    *(f"/api/v1/{kind}?limit=1" for kind in KINDS),
    "/api/v1/glucose?start=1900-01-01T00:00:00Z&end=2199-12-31T00:00:00Z",
    "/api/v1/sleep?start=1900-01-01T00:00:00Z",
    "/api/v1/glucose/series",
    "/api/v1/glucose/series?start=1900-01-01T00:00:00Z&end=2199-12-31T00:00:00Z",
    "/api/v1/glucose/series?start=1900-01-01T00:00:00Z&points=10",
    "/api/v1/dashboard/summary",
    "/api/v1/dashboard/summary?days=90",
    "/api/v1/dashboard/daily",
    "/api/v1/dashboard/daily?start=1900-01-01&end=1900-12-31",
    "/api/v1/dashboard/agp",
]


def _read_everything(client, headers) -> list[str]:
    failures = []
    for url in READS:
        r = client.get(url, headers=headers)
        if r.status_code != 200:
            failures.append(f"GET {url} -> {r.status_code} {r.text[:200]}")
    return failures


def test_reads_answer_despite_rows_with_extreme_times(client, poisoned):
    failures = _read_everything(client, poisoned)
    assert not failures, "\n".join(failures)


def test_lists_skip_rows_outside_the_read_window(client, poisoned):
    glucose = client.get("/api/v1/glucose?limit=1000", headers=poisoned).json()["items"]
    assert len(glucose) == 39
    assert all(g["source"] != "raw0" and g["timestamp"] >= "2000" for g in glucose)
    for kind in ("insulin", "meals", "activities"):
        assert client.get(f"/api/v1/{kind}", headers=poisoned).json()["items"] == []
    assert len(client.get("/api/v1/sleep", headers=poisoned).json()["items"]) == 1
    # Paging one row at a time ends, and never reaches the extreme rows either.
    seen, cursor = 0, None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/glucose", params=params, headers=poisoned).json()
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == 39


def test_time_zone_changes_keep_working_with_extreme_rows(client, poisoned):
    for tz in ("Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"):
        r = client.put("/api/v1/auth/profile", json={"timezone": tz}, headers=poisoned)
        assert r.status_code == 200, r.text
        failures = _read_everything(client, poisoned)
        assert not failures, f"after {tz}:\n" + "\n".join(failures)
    summary = client.get("/api/v1/dashboard/summary?days=7", headers=poisoned).json()
    assert summary["windows"][0]["reading_count"] == 39


def test_insights_job_runs_with_extreme_rows(client, poisoned):
    job_id = client.post("/api/v1/insights/refresh", headers=poisoned).json()["job_id"]
    job = wait_for_job(client, poisoned, job_id)
    assert job["status"] == "done", job
    for kind in ("correlations", "causal-graph", "recurring-patterns", "anomalies", "predictions"):
        body = client.get(f"/api/v1/insights/{kind}", headers=poisoned).json()
        assert body["status"] != "failed", (kind, body)
