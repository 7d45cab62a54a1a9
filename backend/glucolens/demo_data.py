"""Synthetic demo user: CGM, sleep, meals, activities and insulin with planted effects.

Pure numpy/pandas. The glucose trace is a sum of: a daily baseline, gamma-shaped meal
responses scaled by carbs, a dawn rise (04:00-08:00 local), a slow AR(1) drift and white
sensor noise, clipped to 40-400 mg/dL. Effects planted on purpose (see
``DemoData.planted_effects``):

* sleep debt: each hour of sleep below 7.5 h on the night ending on day d raises mean
  glucose on day d + 1 by ``SLEEP_EFFECT_MGDL_PER_H`` (and each hour above lowers it by
  as much; lag 1 in the daily frame, where sleep belongs to the day it ends);
* an evening walk within 90 min after dinner cuts the dinner response by 35 %;
* evening carbs (18:00-24:00) above 60 g raise the next morning's fasting glucose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

SLEEP_EFFECT_MGDL_PER_H = 9.0
EVENING_CARB_EFFECT_MGDL_PER_G = 0.5
WALK_DINNER_REDUCTION = 0.35
MEAL_PEAK_MGDL_PER_G = 1.9
# Bolus insulin outlasts the carbs: a late dip (fraction of the peak) that causes lows.
INSULIN_TAIL_FRACTION = 0.45


@dataclass
class DemoData:
    glucose: pd.DataFrame
    sleep: pd.DataFrame
    meals: pd.DataFrame
    activities: pd.DataFrame
    insulin: pd.DataFrame
    tz: str
    planted_effects: list[dict[str, Any]] = field(default_factory=list)


def _gamma_curve(minutes: np.ndarray, peak_min: float = 55.0, shape: float = 3.0) -> np.ndarray:
    """Unit-peak gamma-like response: (t/peak)^k exp(k (1 - t/peak)), 0 before the meal."""
    t = np.clip(minutes, 0, None) / peak_min
    out = t**shape * np.exp(shape * (1.0 - t))
    return np.where(minutes > 0, out, 0.0)


def _trend(values: np.ndarray, step_min: float) -> np.ndarray:
    rate = np.gradient(values) / step_min
    labels = np.array(
        ["doubleDown", "singleDown", "fortyFiveDown", "flat", "fortyFiveUp", "singleUp", "doubleUp"]
    )
    return labels[np.digitize(rate, [-3, -2, -1, 1, 2, 3])]


def generate_demo(
    days: int = 90,
    tz: str = "Europe/London",
    end: datetime | None = None,
    seed: int = 42,
) -> DemoData:
    """Generate ``days`` days ending at ``end`` (UTC now by default) for a type-1-like user
    (mean ~150 mg/dL, CV ~30 %)."""
    rng = np.random.default_rng(seed)
    end_ts = pd.Timestamp(end or datetime.now(UTC))
    end_ts = end_ts.tz_localize("UTC") if end_ts.tzinfo is None else end_ts.tz_convert("UTC")
    end_ts = end_ts.floor("5min")
    start_ts = end_ts - pd.Timedelta(days=days)
    times = pd.date_range(start_ts, end_ts, freq="5min", inclusive="left").as_unit("ns")
    local = times.tz_convert(tz).tz_localize(None)
    local_hour = (local.hour + local.minute / 60.0).to_numpy()
    t_min = (times.asi8 - times.asi8[0]) / 60e9
    first_day = local[0].normalize()
    day_list = pd.date_range(first_day, local[-1].normalize(), freq="D")

    def at(day: pd.Timestamp, hour: float) -> pd.Timestamp:
        ts = (day + pd.Timedelta(hours=hour)).tz_localize(
            tz, ambiguous=True, nonexistent="shift_forward"
        )
        return ts.tz_convert("UTC")

    sleep_rows, meal_rows, act_rows, ins_rows = [], [], [], []
    sleep_by_wake_day: dict[pd.Timestamp, float] = {}
    evening_carbs_by_day: dict[pd.Timestamp, float] = {}
    plan = [("breakfast", 7.5, 45, "Porridge with berries"), ("lunch", 12.75, 60, "Sandwich")]
    for day in day_list:
        # Night ending this morning: bedtime ~23:00 the previous evening.
        asleep_h = float(np.clip(rng.normal(7.2, 1.1), 4.0, 9.5))
        bed = at(day - pd.Timedelta(days=1), float(rng.normal(23.0, 0.6)))
        in_bed_min = asleep_h * 60 + float(rng.uniform(15, 50))
        deep = asleep_h * 60 * float(rng.uniform(0.13, 0.2))
        rem = asleep_h * 60 * float(rng.uniform(0.2, 0.25))
        sleep_rows.append(
            {
                "start": bed,
                "end": bed + pd.Timedelta(minutes=in_bed_min),
                "in_bed_min": in_bed_min,
                "asleep_min": asleep_h * 60,
                "awake_min": in_bed_min - asleep_h * 60,
                "deep_min": deep,
                "core_min": asleep_h * 60 - deep - rem,
                "rem_min": rem,
            }
        )
        sleep_by_wake_day[day] = asleep_h
        dinner_carbs = float(np.clip(rng.normal(65, 22), 15, 140))
        meals_today = [
            (m, h + rng.normal(0, 0.4), c * rng.uniform(0.6, 1.4), d) for m, h, c, d in plan
        ]
        meals_today.append(("dinner", 19.0 + rng.normal(0, 0.5), dinner_carbs, "Pasta"))
        if rng.random() < 0.35:
            meals_today.append(("snack", 21.5 + rng.normal(0, 0.5), rng.uniform(10, 35), "Snack"))
        evening = 0.0
        for meal_type, hour, carbs, desc in meals_today:
            ts = at(day, float(hour))
            protein, fat = float(rng.uniform(10, 35)), float(rng.uniform(5, 30))
            meal_rows.append(
                {
                    "timestamp": ts,
                    "carbs_g": round(float(carbs), 1),
                    "protein_g": round(protein, 1),
                    "fat_g": round(fat, 1),
                    "kcal": round(4 * float(carbs) + 4 * protein + 9 * fat),
                    "description": desc,
                    "meal_type": meal_type,
                }
            )
            ins_rows.append(
                {
                    "timestamp": ts,
                    "units": round(float(carbs) / 10 * rng.uniform(0.85, 1.15), 1),
                    "kind": "bolus",
                }
            )
            if hour >= 18:
                evening += float(carbs)
        evening_carbs_by_day[day] = evening
        ins_rows.append({"timestamp": at(day, 22.0), "units": 20.0, "kind": "basal"})
        if rng.random() < 0.4:  # evening walk after dinner
            dinner_ts = meal_rows[-1 if meals_today[-1][0] == "dinner" else -2]["timestamp"]
            start = dinner_ts + pd.Timedelta(minutes=float(rng.uniform(20, 60)))
            dur = float(rng.uniform(25, 45))
            act_rows.append(
                {
                    "start": start,
                    "end": start + pd.Timedelta(minutes=dur),
                    "activity_type": "walking",
                    "intensity": "moderate",
                    "kcal": round(dur * 4.5),
                    "steps": int(dur * 105),
                    "avg_hr": int(rng.normal(105, 8)),
                }
            )
        if rng.random() < 0.5:
            start = at(day, float(rng.uniform(8, 17)))
            dur = float(rng.uniform(15, 60))
            act_rows.append(
                {
                    "start": start,
                    "end": start + pd.Timedelta(minutes=dur),
                    "activity_type": "walking",
                    "intensity": "light",
                    "kcal": round(dur * 3.5),
                    "steps": int(dur * 95),
                    "avg_hr": int(rng.normal(95, 8)),
                }
            )

    meals = pd.DataFrame(meal_rows)
    acts = pd.DataFrame(
        act_rows, columns=["start", "end", "activity_type", "intensity", "kcal", "steps", "avg_hr"]
    )
    walks = acts[acts["intensity"] == "moderate"]["start"].to_numpy()

    # Daily baseline from sleep debt (lag 1) and overnight effect of evening carbs.
    day_index = pd.DatetimeIndex(local.normalize())
    base = np.full(len(times), 128.0)
    for day in day_list:
        debt = 7.5 - sleep_by_wake_day.get(day - pd.Timedelta(days=1), 7.5)
        base[day_index == day] += SLEEP_EFFECT_MGDL_PER_H * debt
        carbs_prev = evening_carbs_by_day.get(day - pd.Timedelta(days=1), 60.0)
        morning = (day_index == day) & (local_hour < 10)
        base[morning] += EVENING_CARB_EFFECT_MGDL_PER_G * max(0.0, carbs_prev - 60.0)
    dawn = 25.0 * np.clip((local_hour - 4.0) / 4.0, 0, 1) * (local_hour < 8) + 25.0 * np.clip(
        1 - (local_hour - 8.0) / 2.0, 0, 1
    ) * (local_hour >= 8)

    response = np.zeros(len(times))
    for ts, carbs, meal_type in zip(
        meals["timestamp"], meals["carbs_g"], meals["meal_type"], strict=True
    ):
        t0 = (ts.value - times.asi8[0]) / 60e9
        lo, hi = np.searchsorted(t_min, [t0, t0 + 300])
        scale = MEAL_PEAK_MGDL_PER_G * carbs * rng.uniform(0.8, 1.2)
        if meal_type == "dinner" and np.any((walks > ts) & (walks < ts + pd.Timedelta(minutes=90))):
            scale *= 1 - WALK_DINNER_REDUCTION
        since = t_min[lo:hi] - t0
        tail = INSULIN_TAIL_FRACTION * _gamma_curve(since - 90.0, peak_min=100.0, shape=2.0)
        response[lo:hi] += scale * (_gamma_curve(since) - tail)

    drift = np.zeros(len(times))
    shocks = rng.normal(0, 2.8, len(times))
    for i in range(1, len(times)):
        drift[i] = 0.985 * drift[i - 1] + shocks[i]
    values = base + dawn + response + drift + rng.normal(0, 4.0, len(times))
    values = np.clip(values, 40, 400)

    keep = np.ones(len(times), dtype=bool)
    gap_start = int(len(times) * 0.55)
    keep[gap_start : gap_start + 72] = False  # ~6 h sensor gap
    glucose = pd.DataFrame(
        {
            "timestamp": times[keep],
            "value_mgdl": np.round(values[keep], 0),
            "trend": _trend(values, 5.0)[keep],
        }
    ).reset_index(drop=True)
    planted = [
        {
            "source": "sleep_duration_h",
            "target": "mean_glucose",
            "lag_days": 1,
            "effect": f"+{SLEEP_EFFECT_MGDL_PER_H:g} mg/dL mean glucose per hour of sleep below "
            "7.5 h (linear both ways), on the day after the morning of waking",
            "sign": "-",
        },
        {
            "source": "evening walk after dinner",
            "target": "post-dinner peak",
            "lag_days": 0,
            "effect": f"dinner response reduced by {WALK_DINNER_REDUCTION:.0%} when a walk "
            "starts within 90 min after dinner",
            "sign": "-",
        },
        {
            "source": "evening_carbs_g",
            "target": "fasting_glucose",
            "lag_days": 1,
            "effect": f"+{EVENING_CARB_EFFECT_MGDL_PER_G:g} mg/dL next-morning glucose per gram "
            "of evening carbs above 60 g",
            "sign": "+",
        },
    ]
    return DemoData(
        glucose=glucose,
        sleep=pd.DataFrame(sleep_rows),
        meals=meals,
        activities=acts,
        insulin=pd.DataFrame(ins_rows),
        tz=tz,
        planted_effects=planted,
    )
