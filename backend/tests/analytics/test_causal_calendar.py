"""The calendar (weekend) term of daily causal discovery on a graph with a weekly rhythm.

Fixture shape: glucolens.analytics.scm.simulate_user with ``weekly=WEEKEND_SHIFT`` (later
bedtime, more sleep and carbs, fewer steps, higher glucose on Saturdays and Sundays; a
common cause, no edge at lag 7) and one planted edge, sleep -> mean glucose at lag 2.
"""

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.causal import discover_daily, weekend_indicator
from glucolens.analytics.scm import WEEKEND_SHIFT, Edge, simulate_user

PLANTED = Edge("sleep_duration_h", "mean_glucose", 2, -0.6)
SEEDS = range(20)


@pytest.fixture(scope="module")
def runs():
    out = []
    for seed in SEEDS:
        features, outcomes, _ = simulate_user(180, [PLANTED], seed=seed, weekly=WEEKEND_SHIFT)
        plain = discover_daily((features, outcomes), calendar=False)
        aware = discover_daily((features, outcomes))
        out.append((plain, aware))
    return out


def _false(graph) -> set[tuple[str, str, int]]:
    return graph.edge_keys() - {PLANTED.key}


def test_weekly_rhythm_gives_plain_pcmci_lag7_false_links_and_calendar_term_removes_them(runs):
    # Seeds 0-19 at 180 days: plain 4 false lag-7 links (seeds 11, 16, 19), calendar 0.
    plain_lag7 = sum(k[2] == 7 for plain, _ in runs for k in _false(plain))
    aware_lag7 = sum(k[2] == 7 for _, aware in runs for k in _false(aware))
    assert plain_lag7 >= 3
    assert aware_lag7 == 0


def test_calendar_term_reports_fewer_false_links_and_keeps_the_planted_one(runs):
    plain_false = sum(len(_false(plain)) for plain, _ in runs)
    aware_false = sum(len(_false(aware)) for _, aware in runs)
    assert aware_false <= plain_false / 2
    assert all(PLANTED.key in aware.edge_keys() for _, aware in runs)


def test_calendar_is_a_condition_not_a_node(runs):
    _, aware = runs[0]
    out = aware.to_dict()
    assert out["calendar"] == "weekend"
    assert {n["id"] for n in out["nodes"]}.isdisjoint({"weekend", "calendar"})
    plain, _ = runs[0]
    assert plain.to_dict()["calendar"] is None


def test_weekend_indicator_marks_saturday_and_sunday_only():
    days = pd.date_range("2026-03-27", periods=5, freq="D")  # Fri .. Tue, across DST in EU
    assert weekend_indicator(days)[0].tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert weekend_indicator(pd.RangeIndex(5)) is None


def test_weekly_rhythm_shifts_weekends_only_and_keeps_the_seed():
    plain_f, plain_o, _ = simulate_user(140, [], seed=3, missing_frac=0.0, value_missing_frac=0.0)
    week_f, week_o, _ = simulate_user(
        140, [], seed=3, missing_frac=0.0, value_missing_frac=0.0, weekly=WEEKEND_SHIFT
    )
    weekend = np.asarray(plain_f.index.day_of_week) >= 5
    diff = week_f["bedtime_h"] - plain_f["bedtime_h"]
    # 1.8 SD of 0.8 h on Saturdays and Sundays; the AR(1) carry-over fades by midweek.
    assert diff[weekend].mean() > 1.2
    assert abs(diff[np.asarray(plain_f.index.day_of_week) == 3].mean()) < 0.1
    assert (week_o["mean_glucose"] - plain_o["mean_glucose"])[weekend].mean() > 8
    # Variables without a weekend shift are untouched: the rhythm draws no random numbers.
    assert np.allclose(week_f["deep_sleep_min"], plain_f["deep_sleep_min"], equal_nan=True)


def test_graph_states_the_measured_tier_error_rates(runs):
    from glucolens.analytics.causal import MEASURED_TIERS

    _, aware = runs[0]
    rates = aware.to_dict()["tier_error_rates"]
    assert rates["measured_days"] == 180  # the closest measured length to ~160 days
    links, false_links = MEASURED_TIERS[180]["tentative"]
    assert rates["tentative"] == {
        "links": links,
        "false_links": false_links,
        "wrong": pytest.approx(false_links / links, abs=1e-4),
    }
    # The tiers mean something only if the measured data says the stricter one errs less.
    for days, tiers in MEASURED_TIERS.items():
        (e_links, e_false), (t_links, t_false) = tiers["established"], tiers["tentative"]
        assert e_links >= 50 and t_links >= 20, days
        assert e_false / e_links < t_false / t_links, days
