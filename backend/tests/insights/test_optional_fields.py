"""Analytics tolerate every optional field being absent (issue 9, item 9): one sleep entry
without ``asleep_min`` used to fail the correlations and the causal graph for that user."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from glucolens.analytics.features import daily_frame
from tests.insights.test_insights_api import wait_for_job

UTC = dt.UTC
DAYS = 35  # causal discovery needs 30 days with data
KINDS = ("correlations", "causal_graph", "recurring_patterns", "anomalies", "predictions")


def _iso(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _glucose(end: dt.datetime) -> list[dict]:
    """15-minute readings: enough days for every analysis, few rows for a quick test."""
    rng = np.random.default_rng(9)
    n = 96 * DAYS
    start = end - dt.timedelta(minutes=15 * (n - 1))
    v = 130 + 40 * np.sin(2 * np.pi * np.arange(n) / 96) + rng.normal(0, 8, n)
    return [
        {"timestamp": _iso(start + dt.timedelta(minutes=15 * i)), "value": round(float(x))}
        for i, x in enumerate(np.clip(v, 45, 380))
    ]


def _bare_rows(end: dt.datetime) -> dict[str, list[dict]]:
    """One entry per day of each kind, with only the fields the API requires."""
    rows: dict[str, list[dict]] = {"sleep": [], "meals": [], "activities": [], "insulin": []}
    for d in range(1, DAYS):
        # 23:00 two days back at the latest, so the night ends before ``end`` at any hour.
        night = (end - dt.timedelta(days=d + 1)).replace(hour=23, minute=0)
        rows["sleep"].append({"start": _iso(night), "end": _iso(night + dt.timedelta(hours=7))})
        noon = night - dt.timedelta(hours=11)
        rows["meals"].append({"timestamp": _iso(noon)})
        walk = noon + dt.timedelta(hours=2)
        rows["activities"].append(
            {
                "start": _iso(walk),
                "end": _iso(walk + dt.timedelta(minutes=30)),
                "activity_type": "walk",
            }
        )
        rows["insulin"].append({"timestamp": _iso(noon), "units": 4.0, "kind": "bolus"})
    return rows


def test_insights_succeed_when_every_optional_field_is_absent(client, make_user, auth_headers):
    headers = auth_headers(make_user(timezone="Europe/Berlin"))
    end = dt.datetime.now(UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=15)
    r = client.post("/api/v1/glucose/bulk", json={"items": _glucose(end)}, headers=headers)
    assert r.json()["inserted"] == 96 * DAYS, r.text
    for kind, items in _bare_rows(end).items():
        r = client.post(f"/api/v1/{kind}/bulk", json={"items": items}, headers=headers)
        assert r.status_code == 200 and r.json()["inserted"] == len(items), (kind, r.text)

    job_id = client.post("/api/v1/insights/refresh", headers=headers).json()["job_id"]
    job = wait_for_job(client, headers, job_id)
    assert job["status"] == "done", job
    statuses = {
        kind: client.get(f"/api/v1/insights/{kind.replace('_', '-')}", headers=headers).json()
        for kind in KINDS
    }
    failed = {k: v["data"] for k, v in statuses.items() if v["status"] == "failed"}
    assert not failed, failed
    # Enough glucose for the analyses to run, not merely to report too little data.
    assert statuses["correlations"]["status"] == "ok", statuses["correlations"]
    assert statuses["causal_graph"]["status"] in ("ok", "insufficient_data")


def test_sleep_without_asleep_min_counts_its_session_and_unknown_carbs_stay_unknown():
    sleep = pd.DataFrame(
        {
            "start": pd.to_datetime(["2025-06-01T22:00Z", "2025-06-02T13:00Z"]),
            "end": pd.to_datetime(["2025-06-02T06:30Z", "2025-06-02T13:30Z"]),
            "asleep_min": [None, None],
            "in_bed_min": [None, None],
        }
    )
    meals = pd.DataFrame({"timestamp": pd.to_datetime(["2025-06-02T19:00Z"]), "carbs_g": [None]})
    row = daily_frame(None, sleep, meals).features.loc[pd.Timestamp("2025-06-02")]
    assert row["sleep_duration_h"] == 9.0  # 8.5 h night + a 30-minute nap
    assert row["bedtime_h"] == 4.0  # of the longest session (22:00), not the nap
    assert pd.isna(row["sleep_efficiency_pct"])
    assert pd.isna(row["total_carbs_g"]) and pd.isna(row["evening_carbs_g"])
    assert row["meal_count"] == 1
