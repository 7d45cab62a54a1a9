"""Fill an account with the generated demo data (glucolens.demo_data), idempotently.

The generator is imported when demo data is loaded, not when the app starts: most processes
never need it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.errors import ConfirmationRequired
from glucolens.lifestyle.endpoints import RESOURCES
from glucolens.readings.endpoints import insulin_resource
from glucolens.readings.models import GlucoseReading
from glucolens.readings.service import ingest_glucose_batch
from glucolens.records.service import bulk_create

SOURCE = "demo"


def _records(
    df: pd.DataFrame, prefix: str, time_col: str, cols: list[str], tz: str
) -> list[dict[str, Any]]:
    """Rows for the writers, times in the user's zone so each keeps its local offset."""
    out: list[dict[str, Any]] = []
    for rec in df.to_dict("records"):
        when: dt.datetime = pd.Timestamp(rec[time_col]).round("s").to_pydatetime()
        item: dict[str, Any] = {
            "source": SOURCE,
            "external_id": f"{prefix}-{int(when.timestamp())}",
        }
        for c in cols:
            v = rec.get(c)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if isinstance(v, pd.Timestamp):
                v = v.round("s").tz_convert(tz).to_pydatetime()
            elif hasattr(v, "item"):
                v = v.item()
            item[c] = v
        out.append(item)
    return out


def non_demo_readings(db: Session, user: User) -> int:
    return int(
        db.execute(
            select(func.count())
            .select_from(GlucoseReading)
            .where(GlucoseReading.user_id == user.id, GlucoseReading.source != SOURCE)
        ).scalar_one()
    )


def load_demo(
    db: Session, user: User, days: int = 90, seed: int = 42, confirm: bool = True
) -> dict[str, int]:
    """Demo rows carry the source ``demo``, so they can be removed exactly. Into an account
    that has readings of its own they go only when the caller confirms."""
    from glucolens.demo_data import generate_demo

    existing = non_demo_readings(db, user)
    if existing and not confirm:
        raise ConfirmationRequired(
            f"This account already has {existing} glucose readings of its own. Demo data "
            "would be shown alongside them until you remove it; confirm to load it anyway.",
            details=[{"field": "confirm", "reason": f"{existing} readings of your own"}],
        )

    data = generate_demo(days=days, tz=user.timezone, seed=seed)
    counts: dict[str, int] = {}
    glucose = data.glucose.rename(columns={"value_mgdl": "value"})
    g_items = _records(glucose, "g", "timestamp", ["timestamp", "value", "trend"], user.timezone)
    counts["glucose"] = ingest_glucose_batch(db, user, g_items).inserted

    by_name = {r.name: r for r in RESOURCES}
    plans = [
        ("sleep", data.sleep, "start", "s"),
        ("meals", data.meals, "timestamp", "m"),
        ("activities", data.activities, "start", "a"),
    ]
    for name, df, time_col, prefix in plans:
        res = by_name[name]
        cols = list(res.create_schema.model_fields)
        items = _records(df, prefix, time_col, [c for c in cols if c in df.columns], user.timezone)
        counts[name] = bulk_create(db, res, user, items).inserted
    ins_cols = [c for c in insulin_resource.create_schema.model_fields if c in data.insulin.columns]
    ins_items = _records(data.insulin, "i", "timestamp", ins_cols, user.timezone)
    for item, kind in zip(ins_items, data.insulin["kind"], strict=True):
        item["external_id"] += f"-{kind}"
    counts["insulin"] = bulk_create(db, insulin_resource, user, ins_items).inserted
    return counts
