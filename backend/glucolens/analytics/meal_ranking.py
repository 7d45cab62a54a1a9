"""Which meals and foods raise glucose most, and when: rankings and comparisons of the
per-meal responses of :mod:`glucolens.analytics.meal_response`.

Only **high-confidence** responses (no gap, no overlapping meal, a baseline) are ranked and
compared; the low-confidence ones are counted so the page can say how many were left out.

- **Foods**: a meal's description, lower-cased with runs of whitespace made one space and
  trailing punctuation dropped ("Oats ", "oats." and "OATS" are one food). A food recurs
  when it has at least ``MIN_FOOD_MEALS`` high-confidence meals; foods rank by median iAUC.
- **Time of day** (the user's local time, so a meal at 08:00 is morning on both sides of a
  DST change): morning 05:00–11:00, midday 11:00–16:00, evening 16:00–22:00, night
  22:00–05:00. Kruskal–Wallis across the groups with enough meals.
- **Sleep the night before**: the longest sleep session ending on the meal's local date
  before the meal (sleep belongs to the day it ends, as in analytics/features.py); short
  when under ``SHORT_SLEEP_H`` hours asleep (``asleep_min``, else the whole session).
  Meals with no such sleep logged are left out. Mann–Whitney U, two-sided.
- **Activity before**: an activity overlapping the ``ACTIVE_BEFORE_H`` hours before the
  meal. Compared only when the user logs activities at all in the range.

A comparison needs ``MIN_GROUP`` meals in at least two groups; otherwise its status is
``too_few`` and no verdict is given. A difference is called only at p < 0.05 and is
phrased as an association, not a cause.

scipy is imported inside ``_compare``, not at the top: the API process serves this module,
and scipy.stats alone added seconds to its start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from glucolens.analytics.meal_response import MealResponse

MIN_FOOD_MEALS = 2
MIN_GROUP = 5
SHORT_SLEEP_H = 6.0
ACTIVE_BEFORE_H = 3.0
ALPHA = 0.05
TIME_OF_DAY = (
    ("morning", "Morning (05–11)", 5, 11),
    ("midday", "Midday (11–16)", 11, 16),
    ("evening", "Evening (16–22)", 16, 22),
    ("night", "Night (22–05)", 22, 5),
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FoodRank:
    food: str
    n: int
    n_low_confidence: int
    median_iauc_mgdl_min: float | None
    median_peak_rise_mgdl: float | None
    median_time_to_peak_min: float | None
    meal_ids: tuple[int, ...]


@dataclass(frozen=True)
class GroupStat:
    key: str
    label: str
    n: int
    median_iauc_mgdl_min: float | None
    median_peak_rise_mgdl: float | None


@dataclass(frozen=True)
class Comparison:
    dimension: str
    status: str  # ok | too_few | no_data
    groups: tuple[GroupStat, ...]
    p_value: float | None = None
    higher: str | None = None  # the group with the larger median iAUC, when p < ALPHA


@dataclass
class MealRanking:
    n_meals: int
    n_measured: int
    n_high_confidence: int
    ranked_meal_ids: list[int] = field(default_factory=list)  # high confidence, iAUC desc
    foods: list[FoodRank] = field(default_factory=list)
    foods_status: str = "too_few"  # ok | too_few
    comparisons: list[Comparison] = field(default_factory=list)
    meal_context: dict[int, dict[str, object]] = field(default_factory=dict)


def food_name(description: object) -> str | None:
    """The food a description names, normalised: case, whitespace, trailing punctuation."""
    if not isinstance(description, str):
        return None
    name = _SPACES.sub(" ", description).strip().strip(".,;:!").strip().lower()
    return name or None


def time_of_day(hour: int) -> str:
    for key, _label, lo, hi in TIME_OF_DAY:
        if (lo <= hour < hi) if lo < hi else (hour >= lo or hour < hi):
            return key
    raise AssertionError(hour)


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 1) if values else None


def _group(key: str, label: str, rs: list[MealResponse]) -> GroupStat:
    return GroupStat(
        key,
        label,
        len(rs),
        _median([r.iauc_mgdl_min for r in rs if r.iauc_mgdl_min is not None]),
        _median([r.peak_rise_mgdl for r in rs if r.peak_rise_mgdl is not None]),
    )


def _compare(dimension: str, groups: list[tuple[str, str, list[MealResponse]]]) -> Comparison:
    stats_ = tuple(_group(k, label, rs) for k, label, rs in groups)
    if sum(g.n for g in stats_) == 0:
        return Comparison(dimension, "no_data", stats_)
    big = [(k, [float(r.iauc_mgdl_min or 0.0) for r in rs]) for k, _l, rs in groups]
    big = [(k, v) for k, v in big if len(v) >= MIN_GROUP]
    if len(big) < 2:
        return Comparison(dimension, "too_few", stats_)
    samples = [v for _k, v in big]
    if np.ptp(np.concatenate(samples)) == 0:  # all equal: the tests are undefined
        return Comparison(dimension, "ok", stats_, p_value=1.0)
    from scipy import stats  # here, not at import: the API process serves this module

    if len(big) == 2:
        p = float(stats.mannwhitneyu(samples[0], samples[1], alternative="two-sided").pvalue)
    else:
        p = float(stats.kruskal(*samples).pvalue)
    higher = max(big, key=lambda kv: float(np.median(kv[1])))[0] if p < ALPHA else None
    return Comparison(dimension, "ok", stats_, p_value=round(p, 4), higher=higher)


def _sleep_before(meal_ts: pd.Timestamp, sleep: pd.DataFrame, tz: str) -> float | None:
    """Hours asleep in the main sleep that ended on the meal's local date before the meal.
    ``sleep`` has ``end_day``, the local date of each end (see _prepare_sleep)."""
    if sleep.empty:
        return None
    day = meal_ts.tz_convert(tz).date()
    s = sleep[(sleep["end"] <= meal_ts) & (sleep["end_day"] == day)]
    if s.empty:
        return None
    return float(s["asleep_h"].max())


def rank_meals(
    responses: list[MealResponse],
    meals: pd.DataFrame,
    tz: str,
    sleep: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
) -> MealRanking:
    """Rankings and comparisons. ``meals``: id, ts (UTC), description. ``sleep``: start, end
    (UTC), asleep_min (may be NaN). ``activities``: start, end (UTC)."""
    sleep = _prepare_sleep(sleep, tz)
    acts = pd.DataFrame({"start": [], "end": []})
    if activities is not None and len(activities):
        acts = pd.DataFrame(
            {
                "start": pd.to_datetime(activities["start"], utc=True),
                "end": pd.to_datetime(activities["end"], utc=True),
            }
        )
    info = meals.set_index("id")
    high = [r for r in responses if r.confidence == "high"]
    ranked = sorted(high, key=lambda r: -(r.iauc_mgdl_min or 0.0))
    out = MealRanking(
        n_meals=len(responses),
        n_measured=sum(r.measured for r in responses),
        n_high_confidence=len(high),
        ranked_meal_ids=[r.meal_id for r in ranked],
    )

    by_food: dict[str, list[MealResponse]] = {}
    low_by_food: dict[str, int] = {}
    for r in responses:
        name = food_name(info.at[r.meal_id, "description"]) if r.meal_id in info.index else None
        if name is None:
            continue
        if r.confidence == "high":
            by_food.setdefault(name, []).append(r)
        else:
            low_by_food[name] = low_by_food.get(name, 0) + 1
    foods = [
        FoodRank(
            food=name,
            n=len(rs),
            n_low_confidence=low_by_food.get(name, 0),
            median_iauc_mgdl_min=_median([float(r.iauc_mgdl_min or 0.0) for r in rs]),
            median_peak_rise_mgdl=_median([float(r.peak_rise_mgdl or 0.0) for r in rs]),
            median_time_to_peak_min=_median([float(r.time_to_peak_min or 0.0) for r in rs]),
            meal_ids=tuple(r.meal_id for r in rs),
        )
        for name, rs in by_food.items()
        if len(rs) >= MIN_FOOD_MEALS
    ]
    out.foods = sorted(foods, key=lambda f: -(f.median_iauc_mgdl_min or 0.0))
    out.foods_status = "ok" if len(out.foods) >= 2 else "too_few"

    tod: dict[str, list[MealResponse]] = {k: [] for k, *_ in TIME_OF_DAY}
    slept: dict[str, list[MealResponse]] = {"short": [], "enough": []}
    active: dict[str, list[MealResponse]] = {"active": [], "not_active": []}
    for r in responses:
        ts = pd.Timestamp(r.ts).tz_convert("UTC")
        hours = _sleep_before(ts, sleep, tz)
        window = ts - pd.Timedelta(hours=ACTIVE_BEFORE_H)
        was_active = (
            bool(np.any((acts["start"] < ts) & (acts["end"] > window))) if len(acts) else None
        )
        ctx: dict[str, object] = {
            "time_of_day": time_of_day(ts.tz_convert(tz).hour),
            "sleep_h": None if hours is None else round(hours, 1),
            "short_sleep": None if hours is None else hours < SHORT_SLEEP_H,
            "active_before": was_active,
        }
        out.meal_context[r.meal_id] = ctx
        if r.confidence != "high":
            continue
        tod[str(ctx["time_of_day"])].append(r)
        if hours is not None:
            slept["short" if hours < SHORT_SLEEP_H else "enough"].append(r)
        if was_active is not None:
            active["active" if was_active else "not_active"].append(r)
    labels = {k: label for k, label, *_ in TIME_OF_DAY}
    out.comparisons = [
        _compare("time_of_day", [(k, labels[k], rs) for k, rs in tod.items()]),
        _compare(
            "sleep",
            [
                ("short", f"After under {SHORT_SLEEP_H:g} h of sleep", slept["short"]),
                ("enough", f"After {SHORT_SLEEP_H:g} h or more", slept["enough"]),
            ],
        ),
        _compare(
            "activity",
            [
                ("active", f"Activity in the {ACTIVE_BEFORE_H:g} h before", active["active"]),
                ("not_active", "No activity before", active["not_active"]),
            ],
        )
        if len(acts)
        else Comparison("activity", "no_data", ()),
    ]
    return out


def _prepare_sleep(sleep: pd.DataFrame | None, tz: str) -> pd.DataFrame:
    if sleep is None or sleep.empty:
        return pd.DataFrame(
            {"end": pd.Series([], dtype="datetime64[ns, UTC]"), "end_day": [], "asleep_h": []}
        )
    s = sleep.copy()
    s["start"] = pd.to_datetime(s["start"], utc=True)
    s["end"] = pd.to_datetime(s["end"], utc=True)
    session_h = (s["end"] - s["start"]).dt.total_seconds() / 3600.0
    asleep = pd.to_numeric(s.get("asleep_min"), errors="coerce") / 60.0
    s["asleep_h"] = asleep.fillna(session_h)
    s["end_day"] = s["end"].dt.tz_convert(tz).dt.date
    return s
