"""Personal experiments (analytics/experiments.py): schedule, randomisation test, interval,
power and the verdict's words.

Every series here is simulated in the test from a named model: an AR(1) day-to-day process
(SD and lag-1 correlation given) plus a planted constant difference on intervention days.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from glucolens.analytics import experiments as ex
from glucolens.analytics.experiment_outcomes import OutcomeSpec

DINNER = OutcomeSpec("window_mean", 19 * 60, 23 * 60)
TIR = OutcomeSpec("day_tir")


def ar1(n: int, sd: float, rho: float, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + rng.normal(0, sd * math.sqrt(1 - rho**2))
    return out


def run(schedule, y, block=2, lower=True, **kw):
    return ex.analyse(y, schedule, block, lower_is_better=lower, **kw)


def planted(schedule: list[str], effect: float) -> np.ndarray:
    return effect * (np.array(schedule) == ex.INTERVENTION)


# --- schedule ---


def test_each_pair_has_one_block_of_each_kind():
    schedule = ex.make_schedule(20, 3, seed=11)
    assert len(schedule) == 120
    firsts = set()
    for k in range(0, 120, 6):
        a, b = schedule[k : k + 3], schedule[k + 3 : k + 6]
        assert len(set(a)) == 1 and len(set(b)) == 1 and a[0] != b[0]
        firsts.add(a[0])
    assert firsts == {ex.INTERVENTION, ex.BASELINE}  # the order is not fixed


def test_the_seed_rebuilds_the_schedule():
    assert ex.make_schedule(12, 2, seed=5) == ex.make_schedule(12, 2, seed=5)
    assert ex.make_schedule(12, 2, seed=5) != ex.make_schedule(12, 2, seed=6)


# --- the randomisation test ---


def test_p_value_is_the_share_of_sign_patterns():
    # All six pair differences negative: only the observed pattern and its mirror image
    # reach |mean| = 3.5, so p = 2 / 2^6.
    diffs = np.array([-1.0, -2.0, -3.0, -4.0, -5.0, -6.0])
    assert ex.randomisation_p(diffs) == pytest.approx(2 / 64)
    # Flipping one small difference: patterns with |sum| >= 19 are 4 of 64.
    assert ex.randomisation_p(np.array([1.0, -2, -3, -4, -5, -6])) == pytest.approx(4 / 64)


def test_fewer_than_six_pairs_is_not_enough_days():
    schedule = ex.make_schedule(5, 2, seed=1)
    y = 150 - planted(schedule, 40)
    res = run(schedule, y)
    assert res.status == "not_enough_days"
    assert res.ci_low is None and res.p_value is None


def test_only_pairs_that_are_over_count():
    schedule = ex.make_schedule(10, 2, seed=3)
    y = 150 - planted(schedule, 20)
    assert run(schedule, y, elapsed=27, final=False).pairs_used == 6  # pair 7 is half done


def test_pairs_with_an_unmeasured_block_are_left_out():
    schedule = ex.make_schedule(8, 2, seed=3)
    y = 150 - planted(schedule, 20) + np.random.default_rng(0).normal(0, 3, 32)
    y[0:2] = np.nan if schedule[0] == ex.INTERVENTION else y[0:2]
    y[2:4] = y[2:4] if schedule[0] == ex.INTERVENTION else np.nan
    assert run(schedule, y).pairs_used == 7


def test_interval_excludes_zero_exactly_when_p_is_below_alpha():
    rng = np.random.default_rng(7)
    agree = 0
    for k in range(60):
        schedule = ex.make_schedule(10, 2, seed=k)
        y = ar1(40, 20, 0.3, rng) - planted(schedule, rng.choice([0.0, 8.0, 16.0]))
        res = run(schedule, y)
        assert res.ci_low is not None and res.ci_high is not None and res.p_value is not None
        excludes = res.ci_low > 0 or res.ci_high < 0
        agree += excludes == (res.p_value <= ex.ALPHA)
    assert agree == 60


def test_false_positive_rate_holds_under_autocorrelation_where_a_day_t_test_fails():
    # Weekly blocks of outcomes with lag-1 correlation 0.7, no effect: the days of a block
    # are alike, so a t-test on days as if independent finds "effects" far more often than
    # 5%. The randomisation test stays at or under 5% (exact by construction).
    rng = np.random.default_rng(2024)
    ours = naive = 0
    n = 400
    for k in range(n):
        schedule = ex.make_schedule(8, 7, seed=10_000 + k)
        y = 150 + ar1(112, 20, 0.7, rng)
        ours += run(schedule, y, block=7).status in ("helped", "worse")
        naive += ex.welch_days(y, schedule)[1] < ex.ALPHA
    assert ours / n <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / n)
    assert naive / n > 0.12


def test_interval_covers_the_planted_effect_about_95_percent():
    rng = np.random.default_rng(99)
    covered = 0
    n = 200
    for k in range(n):
        schedule = ex.make_schedule(12, 2, seed=k)
        y = 150 + ar1(48, 20, 0.3, rng) - planted(schedule, 12)
        res = run(schedule, y)
        covered += res.ci_low <= -12 <= res.ci_high
    assert 0.90 <= covered / n <= 0.99


# --- noise and power ---


def test_pair_variance_without_correlation_is_two_sd_squared_over_block():
    assert ex.pair_variance(20, 0.0, 2) == pytest.approx(2 * 400 / 2)
    assert ex.pair_variance(20, 0.0, 3) == pytest.approx(2 * 400 / 3)


def test_noise_fit_recovers_sd_and_correlation():
    y = 150 + ar1(2000, 25, 0.4, np.random.default_rng(1))
    y[::13] = np.nan  # a day the sensor missed now and then
    noise = ex.estimate_day_noise(y, DINNER)
    assert noise.from_history and noise.n_days > 1800
    assert noise.sd == pytest.approx(25, rel=0.08)
    assert noise.rho == pytest.approx(0.4, abs=0.06)
    assert noise.usable_fraction == pytest.approx(12 / 13, abs=0.01)


def test_short_history_falls_back_to_the_population_default():
    noise = ex.estimate_day_noise(np.array([150.0] * 10 + [np.nan] * 5), DINNER)
    assert not noise.from_history and noise.n_days == 0
    assert (noise.sd, noise.rho) == ex.POPULATION_NOISE["window_mean"]


def test_exact_power_counts_the_few_attainable_p_values():
    # Six pairs: the test rejects only when all six differences share a sign, so the power
    # is about P(D > 0)^6, far below a t-test's.
    noise = ex.DayNoise(sd=10, rho=0.0, usable_fraction=1.0, n_days=60, from_history=True)
    sd_d = math.sqrt(ex.pair_variance(10, 0.0, 2))
    p_positive = 0.5 * (1 + math.erf(12 / sd_d / math.sqrt(2)))
    expected = p_positive**6 + (1 - p_positive) ** 6
    assert ex.power_at(12, noise, 2, 6) == pytest.approx(expected, abs=0.06)


def test_plan_gives_whole_pairs_and_more_days_for_smaller_effects():
    noise = ex.DayNoise(sd=22, rho=0.1, usable_fraction=1.0, n_days=60, from_history=True)
    big, small = ex.plan_power(20, noise, 2), ex.plan_power(10, noise, 2)
    assert big.days_needed is not None and small.days_needed is not None
    assert big.days_needed % 4 == 0 and big.days_needed < small.days_needed
    planned = dataclasses.replace(noise, sd=noise.sd * ex.sd_margin(noise))
    assert ex.power_at(20, planned, 2, big.pairs_needed) >= 0.8
    assert ex.power_at(20, planned, 2, big.pairs_needed - 1) < 0.8 or big.pairs_needed == 6
    assert ex.plan_power(1, noise, 2).days_needed is None  # beyond 240 days


def test_plans_use_an_upper_bound_of_a_fitted_sd_and_the_default_as_is():
    fitted = ex.DayNoise(sd=20, rho=0.1, usable_fraction=1.0, n_days=60, from_history=True)
    longer = dataclasses.replace(fitted, n_days=300)
    default = dataclasses.replace(fitted, n_days=0, from_history=False)
    assert ex.sd_margin(fitted) > ex.sd_margin(longer) > 1.0
    assert ex.sd_margin(default) == 1.0
    assert ex.plan_power(15, fitted, 2).days_needed > ex.plan_power(15, longer, 2).days_needed


def test_planned_days_reach_about_80_percent_power_in_simulation():
    noise = ex.DayNoise(sd=20, rho=0.3, usable_fraction=1.0, n_days=90, from_history=True)
    plan = ex.plan_power(12, noise, 2)
    assert plan.pairs_needed is not None
    rng = np.random.default_rng(5)
    hits, n = 0, 300
    for k in range(n):
        schedule = ex.make_schedule(plan.pairs_needed, 2, seed=k)
        y = 150 + ar1(len(schedule), 20, 0.3, rng) - planted(schedule, 12)
        hits += run(schedule, y).status == "helped"
    assert 0.72 <= hits / n <= 0.90


# --- the verdict in words ---


def _result(status, diff, low, high, final=True):
    return ex.Result(status, 12, 6, 24, 24, diff, low, high, 0.01, final)


def test_helped_says_lower_with_the_interval():
    text = ex.verdict_text(_result("helped", -14.2, -22.0, -6.1), DINNER, "mg/dL")
    assert text == (
        "Helped: mean glucose 19:00-23:00 was 14 mg/dL lower on intervention days "
        "(95% CI 6 to 22 mg/dL lower)."
    )


def test_higher_time_in_range_is_helped_and_worded_in_points():
    schedule = ex.make_schedule(12, 2, seed=4)
    y = 60 + planted(schedule, 10) + np.random.default_rng(4).normal(0, 2, 48)
    res = run(schedule, y, lower=TIR.lower_is_better)
    assert res.status == "helped"
    assert "percentage points higher" in ex.verdict_text(res, TIR, "mg/dL")


def test_no_clear_effect_names_both_sides_and_never_says_helped():
    text = ex.verdict_text(_result("no_clear_effect", -3, -8, 2), DINNER, "mg/dL", 15)
    assert text.startswith("No clear effect")
    assert "95% CI 8 mg/dL lower to 2 mg/dL higher" in text
    assert "An effect of 15 mg/dL or more is unlikely." in text
    wide = ex.verdict_text(_result("no_clear_effect", -3, -20, 12), DINNER, "mg/dL", 15)
    assert "unlikely" not in wide


def test_interim_result_is_not_a_verdict():
    text = ex.verdict_text(_result("helped", -14, -22, -6, final=False), DINNER, "mg/dL")
    assert text.startswith("So far:") and "Not a verdict yet" in text
    assert "Helped" not in text


def test_mmol_verdict_in_mmol():
    text = ex.verdict_text(_result("helped", -18.0, -27.0, -9.0), DINNER, "mmol/L")
    assert "1.0 mmol/L lower" in text and "95% CI 0.5 to 1.5 mmol/L lower" in text
