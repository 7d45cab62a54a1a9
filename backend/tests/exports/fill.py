"""One account with rows of every kind, written through the public API (the item shapes of
docs/api.md, "Data"), plus what only the app itself writes (stored insights, an import job,
canonical-stream columns set the way readings/canonical.py sets them: kind, period_min,
dup_of). Glucose: 24 Dexcom readings every 5 min from T0, LibreView copies of the first six,
a manual Low, High and fingerstick (kind meter). Used by the export, account-deletion and
data-deletion tests."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.insights.models import InsightJob, InsightResult, PatternStreamState
from glucolens.integrations.importers.models import ImportJob
from glucolens.readings.models import GlucoseReading
from glucolens.sources.service import KINDS

# 2026-03-01 08:00 in Berlin (CET, +01:00): readings carry utc_offset_min = 60.
T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def iso(when: dt.datetime) -> str:
    return when.isoformat()


@dataclass
class Filled:
    user: User
    headers: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    ids: dict[str, set[int]] = field(default_factory=dict)
    external_ids: set[str] = field(default_factory=set)


def _bulk(client: TestClient, headers: dict[str, str], kind: str, items: list[dict]) -> int:
    r = client.post(f"/api/v1/{kind}/bulk", json={"items": items}, headers=headers)
    assert r.status_code == 200, r.text
    assert not r.json()["rejected"], r.json()
    return int(r.json()["inserted"])


def fill_account(
    client: TestClient, db: Session, user: User, headers: dict[str, str], tag: str = "a"
) -> Filled:
    """``tag`` makes the external ids of two accounts differ, so a leak is visible."""
    out = Filled(user=user, headers=headers)
    glucose = [
        {
            "timestamp": iso(T0 + dt.timedelta(minutes=5 * i)),
            "value": 100 + i,
            "source": "dexcom_clarity",
            "external_id": f"{tag}-dx-{i}",
        }
        for i in range(24)
    ]
    # The same instants from a second source (a LibreView copy), and two sentinels.
    glucose += [
        {
            "timestamp": iso(T0 + dt.timedelta(minutes=5 * i)),
            "value": 101 + i,
            "source": "libreview",
        }
        for i in range(6)
    ]
    glucose += [
        {"timestamp": iso(T0 + dt.timedelta(hours=3)), "value": "Low", "trend": "falling"},
        {"timestamp": iso(T0 + dt.timedelta(hours=4)), "value": "High", "device": "=HYPERLINK()"},
        # A fingerstick: shown and exported, never part of the CGM stream.
        {
            "timestamp": iso(T0 + dt.timedelta(hours=6)),
            "value": 150,
            "external_id": f"{tag}-m",
            "kind": "meter",
        },
    ]
    out.counts["glucose"] = _bulk(client, headers, "glucose", glucose)
    out.counts["insulin"] = _bulk(
        client,
        headers,
        "insulin",
        [
            {"timestamp": iso(T0), "units": 4.5, "kind": "bolus", "insulin_type": "lispro"},
            {"timestamp": iso(T0 + dt.timedelta(hours=12)), "units": 18, "kind": "basal"},
        ],
    )
    out.counts["meals"] = _bulk(
        client,
        headers,
        "meals",
        [
            {"timestamp": iso(T0), "carbs_g": 45, "description": 'oats, "quoted", comma'},
            {"timestamp": iso(T0 + dt.timedelta(hours=5)), "carbs_g": 60, "description": "=1+1"},
        ],
    )
    out.counts["sleep"] = _bulk(
        client,
        headers,
        "sleep",
        [{"start": iso(T0 - dt.timedelta(hours=9)), "end": iso(T0), "asleep_min": 480}],
    )
    out.counts["activities"] = _bulk(
        client,
        headers,
        "activities",
        [
            {
                "start": iso(T0 + dt.timedelta(hours=2)),
                "end": iso(T0 + dt.timedelta(hours=3)),
                "activity_type": "run",
                "steps": 9000,
                "external_id": f"{tag}-run",
            }
        ],
    )
    uid = user.id
    # What the canonical-stream helper writes: Libre copies point at the Dexcom reading (the
    # bulk ingest already linked them; set again here so the fixture states it). Only CGM
    # rows are ever copies: a scan or meter reading never is.
    dexcom = {
        r.ts: r.id
        for r in db.execute(
            select(GlucoseReading.ts, GlucoseReading.id).where(
                GlucoseReading.user_id == uid, GlucoseReading.source == "dexcom_clarity"
            )
        )
    }
    for row in db.execute(
        select(GlucoseReading.id, GlucoseReading.ts).where(
            GlucoseReading.user_id == uid, GlucoseReading.source == "libreview"
        )
    ).all():
        db.execute(
            update(GlucoseReading)
            .where(GlucoseReading.id == row.id)
            .values(period_min=15, dup_of=dexcom[row.ts])
        )
    db.execute(
        update(GlucoseReading)
        .where(GlucoseReading.user_id == uid, GlucoseReading.source == "dexcom_clarity")
        .values(period_min=5)
    )
    db.add(InsightResult(user_id=uid, kind="correlations", status="ok", data={"cells": [1]}))
    db.add(InsightJob(user_id=uid, status="done", progress=1.0))
    db.add(
        PatternStreamState(
            user_id=uid, window_points=12, state=b"\x00", last_ts=dt.datetime.now(dt.UTC)
        )
    )
    db.add(
        ImportJob(
            id=uuid.uuid4(),
            user_id=uid,
            status="done",
            filename=f"{tag}-clarity.csv",
            size_bytes=10,
            sha256="0" * 64,
            format="dexcom_clarity",
        )
    )
    db.commit()
    for kind, model in KINDS.items():
        out.ids[kind] = set(db.scalars(select(model.id).where(model.user_id == uid)))
    out.external_ids = {f"{tag}-dx-{i}" for i in range(24)} | {f"{tag}-run", f"{tag}-m"}
    return out
