"""Daily and intraday feature tables in the user's local time zone.

Days are local calendar dates, so a day is 23 or 25 hours long across a DST change;
expected CGM readings per day follow the real length of that day. Attribution rules:

* sleep belongs to the local date on which it ENDS (the morning of waking);
* meals, insulin and activities belong to the local date on which they start;
* a day with no record of a stream (no meal logged, no activity, no insulin) is missing
  (NaN) for that stream's features, not zero: an unlogged day is not a fasting day;
* glucose outcomes of a day with CGM wear below ``min_wear`` are missing. Nothing is
  ever interpolated across days;
* every optional field may be absent (the API requires only times, an activity type and
  insulin units): a sleep entry without ``asleep_min`` counts its whole session as sleep,
  and a meal without ``carbs_g`` leaves that day's carbs unknown rather than zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from glucolens.analytics.metrics import clean_json

FEATURE_COLUMNS = [
    "sleep_duration_h",
    "sleep_efficiency_pct",
    "deep_sleep_min",
    "bedtime_h",
    "total_carbs_g",
    "evening_carbs_g",
    "meal_count",
    "active_min",
    "steps",
    "insulin_total_u",
]
OUTCOME_COLUMNS = ["mean_glucose", "tir_pct", "cv_pct", "fasting_glucose", "post_meal_peak"]
INTRADAY_COLUMNS = ["glucose_mgdl", "carbs_g", "active_min", "insulin_u"]


@dataclass
class DailyFrame:
    features: pd.DataFrame
    outcomes: pd.DataFrame
    tz: str

    def to_dict(self) -> dict:
        def rows(frame: pd.DataFrame) -> list[dict]:
            out = frame.reset_index()
            out["date"] = [d.date().isoformat() for d in frame.index]
            return out.to_dict(orient="records")

        return clean_json(
            {"tz": self.tz, "features": rows(self.features), "outcomes": rows(self.outcomes)},
            ndigits=2,
        )


def _utc(values: pd.Series | pd.Index) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(pd.to_datetime(values)).as_unit("ns")
    return index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")


def _local(values: pd.Series | pd.Index, tz: str) -> pd.DatetimeIndex:
    return _utc(values).tz_convert(tz).tz_localize(None)


def _frame(df: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if df is None or len(df) == 0:
        return pd.DataFrame(columns=columns)
    return df


def _day_lengths_min(days: pd.DatetimeIndex, tz: str) -> np.ndarray:
    """Real length of each local day in minutes (1380 / 1440 / 1500 around DST)."""
    start = days.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    end = (days + pd.Timedelta(days=1)).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return np.asarray((end - start).total_seconds() / 60.0, dtype=float)


def _glucose_outcomes(
    glucose: pd.DataFrame, meals: pd.DataFrame, tz: str, min_wear: float, interval_min: float
) -> pd.DataFrame:
    if len(glucose) == 0:
        return pd.DataFrame(columns=OUTCOME_COLUMNS, dtype=float)
    g = pd.DataFrame(
        {"ts": _utc(glucose["timestamp"]), "v": glucose["value_mgdl"].to_numpy(dtype=float)}
    )
    g = g[np.isfinite(g["v"])].sort_values("ts").drop_duplicates("ts")
    local = _local(g["ts"], tz)
    g["day"] = local.normalize()
    g["hour"] = local.hour + local.minute / 60.0
    grouped = g.groupby("day")["v"]
    out = pd.DataFrame(
        {
            "mean_glucose": grouped.mean(),
            "tir_pct": grouped.apply(lambda v: 100.0 * ((v >= 70) & (v <= 180)).mean()),
            "cv_pct": 100.0 * grouped.std(ddof=1) / grouped.mean(),
            "fasting_glucose": g[(g["hour"] >= 5) & (g["hour"] < 7)].groupby("day")["v"].mean(),
        }
    )
    out["post_meal_peak"] = _post_meal_peaks(g, meals, tz)
    wear = grouped.count() / (_day_lengths_min(pd.DatetimeIndex(out.index), tz) / interval_min)
    out.loc[wear.to_numpy() < min_wear, :] = np.nan
    return out[OUTCOME_COLUMNS]


def _post_meal_peaks(g: pd.DataFrame, meals: pd.DataFrame, tz: str) -> pd.Series:
    """Per day: mean over meals with >= 10 g carbs of the max glucose 0-3 h after."""
    if len(meals) == 0 or len(g) == 0:
        return pd.Series(dtype=float)
    carbs = pd.to_numeric(meals["carbs_g"], errors="coerce").to_numpy(dtype=float)
    starts = _utc(meals["timestamp"])[carbs >= 10]
    ts = g["ts"].to_numpy()
    values = g["v"].to_numpy()
    lo = np.searchsorted(ts, starts.to_numpy(), side="left")
    hi = np.searchsorted(ts, (starts + pd.Timedelta(hours=3)).to_numpy(), side="right")
    peaks = np.array([values[a:b].max() if b > a else np.nan for a, b in zip(lo, hi, strict=True)])
    days = starts.tz_convert(tz).tz_localize(None).normalize()
    return pd.Series(peaks, index=days).groupby(level=0).mean()


def _sleep_features(sleep: pd.DataFrame, tz: str) -> pd.DataFrame:
    cols = ["sleep_duration_h", "sleep_efficiency_pct", "deep_sleep_min", "bedtime_h"]
    if len(sleep) == 0:
        return pd.DataFrame(columns=cols, dtype=float)
    session_min = (_utc(sleep["end"]) - _utc(sleep["start"])).total_seconds() / 60.0
    asleep = pd.to_numeric(sleep["asleep_min"], errors="coerce").to_numpy(float)
    s = pd.DataFrame(
        {
            "day": _local(sleep["end"], tz).normalize(),
            "start_local": _local(sleep["start"], tz),
            "asleep_logged": asleep,
            # Entries logged with start and end only: the session is the sleep.
            "asleep": np.where(np.isnan(asleep), np.asarray(session_min, dtype=float), asleep),
            "in_bed": pd.to_numeric(sleep["in_bed_min"], errors="coerce").to_numpy(float),
            "deep": pd.to_numeric(sleep.get("deep_min"), errors="coerce")
            if "deep_min" in sleep
            else np.nan,
        }
    )
    hour = s["start_local"].dt.hour + s["start_local"].dt.minute / 60.0
    s["bedtime"] = (hour - 18.0) % 24.0
    grouped = s.groupby("day")
    # Bedtime of the main (longest) sleep of the night, not of a nap.
    main = s.loc[s.groupby("day")["asleep"].idxmax().dropna()].set_index("day")
    in_bed = grouped["in_bed"].sum(min_count=1)
    return pd.DataFrame(
        {
            "sleep_duration_h": grouped["asleep"].sum(min_count=1) / 60.0,
            "sleep_efficiency_pct": 100.0 * grouped["asleep_logged"].sum(min_count=1) / in_bed,
            "deep_sleep_min": grouped["deep"].sum(min_count=1),
            "bedtime_h": main["bedtime"],
        }
    )


def _meal_features(meals: pd.DataFrame, tz: str) -> pd.DataFrame:
    cols = ["total_carbs_g", "evening_carbs_g", "meal_count"]
    if len(meals) == 0:
        return pd.DataFrame(columns=cols, dtype=float)
    local = _local(meals["timestamp"], tz)
    m = pd.DataFrame(
        {
            "day": local.normalize(),
            "carbs": pd.to_numeric(meals["carbs_g"], errors="coerce").to_numpy(float),
            "evening": local.hour >= 18,
        }
    )
    # NaN * 0 keeps a meal of unknown carbs unknown (a plain 0 would log it as carb-free).
    m["evening_carbs"] = np.where(m["evening"], m["carbs"], m["carbs"] * 0.0)
    grouped = m.groupby("day")
    return pd.DataFrame(
        {
            "total_carbs_g": grouped["carbs"].sum(min_count=1),
            "evening_carbs_g": grouped["evening_carbs"].sum(min_count=1),
            "meal_count": grouped.size().astype(float),
        }
    )


def _activity_features(activities: pd.DataFrame, tz: str) -> pd.DataFrame:
    if len(activities) == 0:
        return pd.DataFrame(columns=["active_min", "steps"], dtype=float)
    minutes = (_utc(activities["end"]) - _utc(activities["start"])).total_seconds() / 60.0
    a = pd.DataFrame(
        {
            "day": _local(activities["start"], tz).normalize(),
            "active_min": np.clip(np.asarray(minutes, dtype=float), 0, None),
            "steps": pd.to_numeric(activities.get("steps"), errors="coerce").to_numpy(float)
            if "steps" in activities
            else np.nan,
        }
    )
    grouped = a.groupby("day")
    return pd.DataFrame(
        {"active_min": grouped["active_min"].sum(), "steps": grouped["steps"].sum(min_count=1)}
    )


def _insulin_features(insulin: pd.DataFrame, tz: str) -> pd.DataFrame:
    if len(insulin) == 0:
        return pd.DataFrame(columns=["insulin_total_u"], dtype=float)
    units = pd.to_numeric(insulin["units"], errors="coerce").to_numpy(float)
    i = pd.Series(units, index=_local(insulin["timestamp"], tz).normalize())
    return i.groupby(level=0).sum(min_count=1).to_frame("insulin_total_u")


def _infer_interval_min(glucose: pd.DataFrame) -> float:
    if len(glucose) < 3:
        return 5.0
    diffs = np.diff(np.sort(_utc(glucose["timestamp"]).asi8)) / 60e9
    diffs = diffs[diffs > 0]
    return float(np.median(diffs)) if diffs.size else 5.0


def daily_frame(
    glucose: pd.DataFrame | None,
    sleep: pd.DataFrame | None = None,
    meals: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    insulin: pd.DataFrame | None = None,
    *,
    tz: str = "UTC",
    min_wear: float = 0.7,
    interval_min: float | None = None,
) -> DailyFrame:
    """Daily lifestyle features and glucose outcomes indexed by local date.

    The index is a continuous daily range (naive local midnights, name ``date``) from the
    first to the last date seen in any input, so that a row shift is a one-day lag.
    See the module docstring for attribution and missing-data rules.
    """
    glucose = _frame(glucose, ["timestamp", "value_mgdl"])
    meals = _frame(meals, ["timestamp", "carbs_g"])
    step = interval_min if interval_min is not None else _infer_interval_min(glucose)
    parts = [
        _sleep_features(_frame(sleep, ["start", "end", "asleep_min", "in_bed_min"]), tz),
        _meal_features(meals, tz),
        _activity_features(_frame(activities, ["start", "end", "steps"]), tz),
        _insulin_features(_frame(insulin, ["timestamp", "units"]), tz),
    ]
    outcomes = _glucose_outcomes(glucose, meals, tz, min_wear, step)
    seen = [p.index for p in parts if len(p)] + ([outcomes.index] if len(outcomes) else [])
    if seen:
        lo = min(ix.min() for ix in seen)
        hi = max(ix.max() for ix in seen)
        index = pd.date_range(lo, hi, freq="D", name="date")
    else:
        index = pd.DatetimeIndex([], name="date")
    features = pd.concat([p.reindex(index) for p in parts], axis=1)
    features = features.reindex(columns=FEATURE_COLUMNS).astype(float)
    outcomes = outcomes.reindex(index).reindex(columns=OUTCOME_COLUMNS).astype(float)
    features.index.name = outcomes.index.name = "date"
    return DailyFrame(features=features, outcomes=outcomes, tz=tz)


def intraday_frame(
    glucose: pd.DataFrame | None,
    meals: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    insulin: pd.DataFrame | None = None,
    freq: str = "15min",
) -> pd.DataFrame:
    """UTC bins of ``freq``: mean glucose (NaN where no reading, never interpolated),
    carbs (g) and insulin (U) summed by event time, active minutes overlapping each bin."""
    glucose = _frame(glucose, ["timestamp", "value_mgdl"])
    if len(glucose) == 0:
        return pd.DataFrame(columns=INTRADAY_COLUMNS, dtype=float)
    ts = _utc(glucose["timestamp"])
    values = pd.Series(glucose["value_mgdl"].to_numpy(dtype=float), index=ts)
    bins = pd.date_range(ts.min().floor(freq), ts.max().floor(freq), freq=freq, name="timestamp")
    out = pd.DataFrame(index=bins)
    out["glucose_mgdl"] = values.groupby(ts.floor(freq)).mean().reindex(bins)

    def summed(df: pd.DataFrame | None, time_col: str, value_col: str) -> np.ndarray:
        df = _frame(df, [time_col, value_col])
        if len(df) == 0:
            return np.zeros(len(bins))
        s = pd.Series(pd.to_numeric(df[value_col], errors="coerce").to_numpy(float))
        s.index = _utc(df[time_col]).floor(freq)
        return s.groupby(level=0).sum().reindex(bins, fill_value=0.0).to_numpy()

    out["carbs_g"] = summed(meals, "timestamp", "carbs_g")
    out["insulin_u"] = summed(insulin, "timestamp", "units")
    active = np.zeros(len(bins))
    acts = _frame(activities, ["start", "end"])
    if len(acts):
        width_ns = pd.Timedelta(freq).value
        origin = bins[0].value
        for s_ns, e_ns in zip(_utc(acts["start"]).asi8, _utc(acts["end"]).asi8, strict=True):
            first = max(0, (s_ns - origin) // width_ns)
            last = min(len(bins) - 1, (e_ns - origin) // width_ns)
            for b in range(int(first), int(last) + 1):
                lo = origin + b * width_ns
                overlap = min(e_ns, lo + width_ns) - max(s_ns, lo)
                if overlap > 0:
                    active[b] += overlap / 60e9
    out["active_min"] = active
    return out[INTRADAY_COLUMNS]
