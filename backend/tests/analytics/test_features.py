"""Daily and intraday frames: attribution, wear, DST and empty inputs."""

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.features import (
    FEATURE_COLUMNS,
    OUTCOME_COLUMNS,
    daily_frame,
    intraday_frame,
)


def cgm(start: str, end: str, value=120.0, tz: str = "UTC") -> pd.DataFrame:
    times = pd.date_range(
        pd.Timestamp(start, tz=tz), pd.Timestamp(end, tz=tz), freq="5min", inclusive="left"
    ).tz_convert("UTC")
    values = value(times) if callable(value) else np.full(len(times), float(value))
    return pd.DataFrame({"timestamp": times, "value_mgdl": values})


def test_sleep_is_attributed_to_the_day_it_ends_with_bedtime_after_18h():
    sleep = pd.DataFrame(
        {
            "start": [pd.Timestamp("2025-06-01 23:30", tz="Europe/London")],
            "end": [pd.Timestamp("2025-06-02 07:00", tz="Europe/London")],
            "asleep_min": [420.0],
            "in_bed_min": [450.0],
            "deep_min": [70.0],
        }
    )
    frame = daily_frame(None, sleep, tz="Europe/London").features
    row = frame.loc[pd.Timestamp("2025-06-02")]
    assert row["sleep_duration_h"] == 7.0
    assert row["bedtime_h"] == 5.5  # 23:30 local is 5.5 h after 18:00
    assert row["sleep_efficiency_pct"] == pytest.approx(100 * 420 / 450)
    assert row["deep_sleep_min"] == 70.0
    assert pd.Timestamp("2025-06-01") not in frame.index


def test_meal_features_use_local_evening():
    tz = "America/New_York"
    meals = pd.DataFrame(
        {
            # 19:00 local on 2025-06-01 is 23:00 UTC; 23:30 local is 03:30 UTC next day.
            "timestamp": pd.to_datetime(
                ["2025-06-01T12:00Z", "2025-06-01T23:00Z", "2025-06-02T03:30Z"]
            ),
            "carbs_g": [50.0, 40.0, 20.0],
        }
    )
    row = daily_frame(None, meals=meals, tz=tz).features.loc[pd.Timestamp("2025-06-01")]
    assert row["total_carbs_g"] == 110.0
    assert row["evening_carbs_g"] == 60.0
    assert row["meal_count"] == 3.0


def test_outcomes_fasting_and_post_meal_peak():
    # 100 all day, 90 from 05:00 to 07:00, 190 from 08:30 to 09:00 after a 40 g meal.
    def profile(times: pd.DatetimeIndex) -> np.ndarray:
        hour = times.hour + times.minute / 60
        out = np.full(len(times), 100.0)
        out[(hour >= 5) & (hour < 7)] = 90.0
        out[(hour >= 8.5) & (hour < 9)] = 190.0
        return out

    glucose = cgm("2025-06-02 00:00", "2025-06-03 00:00", profile)
    meals = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2025-06-02T08:00Z", "2025-06-02T20:00Z"]),
            "carbs_g": [40.0, 5.0],
        }  # the 5 g snack is below the 10 g threshold
    )
    out = daily_frame(glucose, meals=meals, tz="UTC").outcomes.loc[pd.Timestamp("2025-06-02")]
    assert out["fasting_glucose"] == 90.0
    assert out["post_meal_peak"] == 190.0
    # 24 readings at 90, 6 at 190, 258 at 100: mean = (2160 + 1140 + 25800) / 288;
    # in range 70-180: 282 of 288
    assert out["mean_glucose"] == pytest.approx(29100 / 288)
    assert out["tir_pct"] == pytest.approx(100 * 282 / 288)


def test_low_wear_day_has_missing_outcomes():
    # day 1 full, day 2 only 12 h of CGM (50 % < 70 %)
    glucose = cgm("2025-06-01 00:00", "2025-06-02 12:00")
    out = daily_frame(glucose, tz="UTC").outcomes
    assert out.loc[pd.Timestamp("2025-06-01"), "mean_glucose"] == 120.0
    assert out.loc[pd.Timestamp("2025-06-02")].isna().all()


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Europe/London", "2025-03-30", 23),
        ("Europe/London", "2025-10-26", 25),
        ("America/New_York", "2025-03-09", 23),
        ("America/New_York", "2025-11-02", 25),
    ],
)
def test_dst_days_count_their_real_length(tz, day, hours):
    start = pd.Timestamp(day)
    glucose = cgm(str(start - pd.Timedelta(days=1)), str(start + pd.Timedelta(days=2)), tz=tz)
    # A full 23 h day has 276 readings, a 25 h day 300: with a 24 h day assumed the
    # 23 h day would look 96 % worn and the 25 h day 104 %.
    local = pd.DatetimeIndex(glucose["timestamp"]).tz_convert(tz).tz_localize(None).normalize()
    assert (local == start).sum() == hours * 12
    # Drop 15 % of the DST day: wear 85 % stays above 70 % and the outcome exists.
    frame = daily_frame(glucose, tz=tz)
    assert list(frame.outcomes.index) == list(
        pd.date_range(start - pd.Timedelta(days=1), start + pd.Timedelta(days=1), freq="D")
    )
    assert frame.outcomes.loc[start, "mean_glucose"] == 120.0
    # Keep only 70 % of a 24 h day's readings on the 25 h day: wear is 201/300 < 0.7.
    sel = np.flatnonzero(local == start)
    thinned = glucose.drop(glucose.index[sel[202:]])
    if hours == 25:
        assert daily_frame(thinned, tz=tz).outcomes.loc[start].isna().all()
    else:
        assert daily_frame(thinned, tz=tz).outcomes.loc[start, "mean_glucose"] == 120.0


def test_empty_inputs_give_empty_all_nan_frames():
    frame = daily_frame(None, None, None, None, None, tz="Europe/London")
    assert list(frame.features.columns) == FEATURE_COLUMNS
    assert list(frame.outcomes.columns) == OUTCOME_COLUMNS
    assert len(frame.features) == 0
    glucose = cgm("2025-06-01 00:00", "2025-06-03 00:00")
    only_glucose = daily_frame(glucose, pd.DataFrame(), pd.DataFrame(), tz="UTC")
    assert len(only_glucose.features) == 2
    assert only_glucose.features.isna().all().all()
    assert only_glucose.to_dict()["features"][0]["steps"] is None


def test_intraday_frame_bins_events_and_leaves_missing_glucose_nan():
    glucose = cgm("2025-06-01 00:00", "2025-06-01 02:00")
    glucose = glucose[
        ~glucose["timestamp"].between(
            pd.Timestamp("2025-06-01T00:30Z"), pd.Timestamp("2025-06-01T00:44Z")
        )
    ]
    meals = pd.DataFrame({"timestamp": [pd.Timestamp("2025-06-01T00:20Z")], "carbs_g": [30.0]})
    acts = pd.DataFrame(
        {"start": [pd.Timestamp("2025-06-01T01:10Z")], "end": [pd.Timestamp("2025-06-01T01:40Z")]}
    )
    insulin = pd.DataFrame({"timestamp": [pd.Timestamp("2025-06-01T00:16Z")], "units": [3.0]})
    frame = intraday_frame(glucose, meals, acts, insulin)
    assert len(frame) == 8
    assert np.isnan(frame["glucose_mgdl"].iloc[2])  # 00:30-00:45 had no reading
    assert frame["carbs_g"].tolist() == [0, 30, 0, 0, 0, 0, 0, 0]
    assert frame["insulin_u"].iloc[1] == 3.0
    # 01:10-01:40 -> 5 min in the 01:00 bin, 15 in 01:15, 10 in 01:30
    assert frame["active_min"].tolist() == [0, 0, 0, 0, 5, 15, 10, 0]
