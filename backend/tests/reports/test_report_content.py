"""What the PDF says, read back with pypdf: header, period, the consensus metrics equal to the
dashboard summary for the same local days, time in ranges, day strips (DST days included),
the unit, the insufficient-data warning and the patterns section.

Data: the project's demo generator (glucolens/demo_data.py), 5-minute CGM readings. The
stored insight result used for the patterns section has the shape the insight pipeline
writes (glucolens/insights/pipeline.py, patterns_step and anomalies_step).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from glucolens.core.db import utcnow
from glucolens.insights.models import InsightResult
from tests.reports.helpers import load_days, make_report, pages_text, yesterday

BANDS = [
    ("Very low", "very_low_pct"),
    ("Low", "low_pct"),
    ("In range", "in_range_pct"),
    ("High", "high_pct"),
    ("Very high", "very_high_pct"),
]


def _day(d: dt.date) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{days[d.weekday()]} {d.day:02d} {months[d.month - 1]} {d.year}"


def _summary(client, headers, n_days: int, end: dt.date) -> dict:
    r = client.get(
        "/api/v1/dashboard/summary",
        params={"days": n_days, "end": end.isoformat()},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    return r.json()["windows"][0]


def test_numbers_equal_the_dashboard_summary_in_mg_dl(client, make_user, auth_headers, db):
    user = make_user(timezone="Europe/London", display_name="Ada Lovelace")
    load_days(db, user, 20)
    headers = auth_headers(user)
    end = yesterday(user)
    start = end - dt.timedelta(days=13)
    job, content = make_report(client, headers, start=start.isoformat(), end=end.isoformat())
    pages = pages_text(content)
    w = _summary(client, headers, 14, end)
    assert w["sufficient_data"] is True

    assert len(pages) == job["page_count"] == 4  # summary, profile, variability, 14 days
    period = f"{_day(start)} - {_day(end)} (14 days)"
    for number, page in enumerate(pages, start=1):
        assert "GlucoLens glucose report" in page
        assert f"Ada Lovelace  |  {period}" in page
        assert f"Page {number} of 4" in page
        assert f"Generated {dt.datetime.now(ZoneInfo('Europe/London')):%Y-%m-%d}" in page
    first = pages[0]
    assert f"Period {period}" in first
    assert f"Time with sensor data {w['wear_pct']:.1f}%" in first
    assert "Days with data 14 of 14 days" in first
    assert f"Readings {w['reading_count']:,}" in first
    assert f"Mean glucose {w['mean']:.0f} mg/dL" in first
    assert f"(GMI) {w['gmi_pct']:.1f}% (" in first
    assert f"Coefficient of variation (CV) {w['cv_pct']:.1f}% goal 36% or less" in first
    assert f"Standard deviation (SD) {w['sd']:.0f} mg/dL" in first
    assert f"Lowest and highest reading {w['min']:.0f} and {w['max']:.0f} mg/dL" in first
    labels = ["below 54", "54-69", "70-180", "181-250", "above 250"]
    for (name, key), label in zip(BANDS, labels, strict=True):
        assert re.search(rf"\b{name} {label} {w['bands'][key]:.1f}%", first), (name, first)
    assert "Warning: insufficient data" not in "".join(pages)
    assert "Glucose by time of day" in pages[1]
    assert "No pattern analysis has been run" in pages[1]


def test_one_strip_per_day_fourteen_to_a_page(client, make_user, auth_headers, db):
    user = make_user()
    load_days(db, user, 25)
    headers = auth_headers(user)
    end = yesterday(user)
    start = end - dt.timedelta(days=20)
    job, content = make_report(client, headers, start=start.isoformat(), end=end.isoformat())
    pages = pages_text(content)
    assert job["page_count"] == len(pages) == 3 + 2  # 21 days: 14 + 7 strips
    # The strips follow the page heading (the header above it names the period's ends).
    strip_pages = ["Day by day (" + p.split("Day by day (", 1)[1] for p in pages[3:]]
    assert [re.search(r"Day by day \((\d) of (\d)\)", p).groups() for p in strip_pages] == [
        ("1", "2"),
        ("2", "2"),
    ]
    days = [start + dt.timedelta(days=i) for i in range(21)]
    found = [sum(p.count(_day(d)) for p in strip_pages) for d in days]
    assert found == [1] * 21
    assert all(_day(d) in strip_pages[0] for d in days[:14])
    assert all(_day(d) in strip_pages[1] for d in days[14:])


def test_mmol_user_sees_mmol(client, make_user, auth_headers, db):
    user = make_user(unit="mmol/L", timezone="Europe/Berlin")
    load_days(db, user, 20)
    headers = auth_headers(user)
    end = yesterday(user)
    _, content = make_report(
        client, headers, start=(end - dt.timedelta(days=13)).isoformat(), end=end.isoformat()
    )
    text = "\n".join(pages_text(content))
    w = _summary(client, headers, 14, end)
    assert f"Mean glucose {w['mean']:.1f} mmol/L" in text
    assert f"Standard deviation (SD) {w['sd']:.1f} mmol/L" in text
    assert "Very low below 3.0" in text and "In range 3.9-10.0" in text
    assert "all below 3.9: less than 4%" in text
    assert "mg/dL" not in text


def test_too_little_data_prints_a_warning(client, make_user, auth_headers, db):
    user = make_user()
    load_days(db, user, 20)
    headers = auth_headers(user)
    # Seven days can never hold the consensus minimum of 14.
    _, content = make_report(client, headers, days=7)
    first = pages_text(content)[0]
    assert "Warning: insufficient data" in first
    assert "may not represent the period" in first


def test_sparse_sensor_wear_prints_a_warning(client, make_user, auth_headers, db):
    user = make_user()
    load_days(db, user, 4)  # a 14-day report with four days of data
    headers = auth_headers(user)
    _, content = make_report(client, headers, days=14)
    first = pages_text(content)[0]
    w = _summary(client, headers, 14, dt.datetime.now(dt.UTC).date())
    assert w["sufficient_data"] is False
    assert "Warning: insufficient data" in first
    assert f"Sensor data covers {w['wear_pct']:.1f}% of the time" in first
    assert f"Days with data {w['days_with_data']} of 14 days" in first


def _every_5_min(first: dt.date, last: dt.date, tz: str) -> list[dict]:
    zone = ZoneInfo(tz)
    t = dt.datetime.combine(first, dt.time(0), zone).astimezone(dt.UTC)
    stop = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    out = []
    while t < stop:
        out.append({"timestamp": t.isoformat(), "value": 60 if t.minute == 0 else 130})
        t += dt.timedelta(minutes=5)
    return out


@pytest.mark.parametrize(
    ("first", "dst_day", "hours"),
    [("2026-03-28", "2026-03-29", 23), ("2026-10-24", "2026-10-25", 25)],
)
def test_dst_days_are_drawn_at_their_real_length(
    client, make_user, auth_headers, first, dst_day, hours
):
    user = make_user(timezone="Europe/London")
    headers = auth_headers(user)
    start = dt.date.fromisoformat(first)
    end = start + dt.timedelta(days=2)
    items = _every_5_min(start, end, "Europe/London")
    r = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert r.status_code == 200 and not r.json()["rejected"], r.text
    _, content = make_report(client, headers, start=start.isoformat(), end=end.isoformat())
    strips = pages_text(content)[3]
    day = dt.date.fromisoformat(dst_day)
    assert f"{_day(day)} ({hours}-hour day, clock change)" in strips
    assert f"{_day(start)} (" not in strips  # an ordinary day has no note
    # Every local day, the short and the long one, is complete: 100% data, 1 in 12 readings low.
    assert strips.count("in range 92%  |  low 8%  |  data 100%") == 3


def test_patterns_come_from_stored_insights(client, make_user, auth_headers, db):
    user = make_user()
    load_days(db, user, 20)
    headers = auth_headers(user)
    end = yesterday(user)
    start = end - dt.timedelta(days=13)
    inside = [dt.datetime.combine(start + dt.timedelta(days=d), dt.time(8, 15)) for d in (2, 5)]
    before = dt.datetime.combine(start - dt.timedelta(days=3), dt.time(8, 15))
    motif = {
        "id": "180-0",
        "window_minutes": 180,
        "occurrences": [{"start": t.isoformat() + "Z"} for t in (*inside, before)],
        "mean_shape": [120.0] * 36,
        "typical_hour": 8.25,
        "label": "post-meal spike",
        "distance": 1.0,
        "similarity": 0.9,
        "separation": 2.0,
    }
    anomaly = {
        "start": inside[1].isoformat() + "Z",
        "end": (inside[1] + dt.timedelta(hours=3)).isoformat() + "Z",
        "window_minutes": 180,
        "score": 4.0,
        "z_score": 3.5,
        "shape": [],
    }
    db.add_all(
        [
            InsightResult(
                user_id=user.id,
                kind="recurring_patterns",
                status="ok",
                data={"unit": "mg/dL", "reason": None, "windows": [], "motifs": [motif]},
                computed_at=utcnow(),
            ),
            InsightResult(
                user_id=user.id,
                kind="anomalies",
                status="ok",
                data={"unit": "mg/dL", "windows": [], "anomalies": [anomaly], "novelty": None},
                computed_at=utcnow(),
            ),
            InsightResult(
                user_id=user.id,
                kind="causal_graph",
                status="insufficient_data",
                data={"reason": "Causal discovery needs at least 30 days."},
                computed_at=utcnow(),
            ),
        ]
    )
    db.commit()
    _, content = make_report(client, headers, start=start.isoformat(), end=end.isoformat())
    page = " ".join(pages_text(content)[1].split())
    assert (
        "Recurring 3 h shape, post-meal spike around 08:15: 2 times in this period "
        "(3 in the history analysed)." in page
    )
    assert f"Unusual 3 h stretch starting {inside[1]:%Y-%m-%d %H:%M}" in page
    assert "Not available: causal graph: Causal discovery needs at least 30 days." in page
    assert "No pattern analysis has been run" not in page


def _shown(m: dict) -> str:
    """A variability value as the PDF prints it (mg/dL whole, indices to two decimals)."""
    if m["value"] is None:
        return "-"
    if m["unit"] is None:
        return f"{m['value']:.2f}" if m["value"] < 10 else f"{m['value']:.1f}"
    return f"{m['value']:.0f} {m['unit']}"


def test_variability_page_equals_the_dashboard_variability(client, make_user, auth_headers, db):
    user = make_user(timezone="Europe/London")
    load_days(db, user, 20)
    headers = auth_headers(user)
    end = yesterday(user)
    start = end - dt.timedelta(days=13)
    _, content = make_report(client, headers, start=start.isoformat(), end=end.isoformat())
    page = " ".join(pages_text(content)[2].split())
    r = client.get(
        "/api/v1/dashboard/variability",
        params={"days": 14, "end": end.isoformat()},
        headers=headers,
    )
    metrics = r.json()["metrics"]
    assert "Glucose variability" in page and "iglu 4.3.0" in page
    assert all(m["status"] == "ok" for m in metrics)  # 14 whole days of demo data
    for m in metrics:
        assert f"{m['label']} {_shown(m)}" in page, m["key"]
        assert " ".join(m["meaning"].split()) in page
    assert "MAGE" in page and "0-50 mg/dL" in page


def test_variability_page_says_why_a_metric_is_missing(client, make_user, auth_headers, db):
    user = make_user()
    load_days(db, user, 20)
    headers = auth_headers(user)
    _, content = make_report(client, headers, days=7)  # ADRR needs 14 whole days
    page = " ".join(pages_text(content)[2].split())
    assert "ADRR - " in page
    assert "Not enough data: needs 14 whole days" in page
