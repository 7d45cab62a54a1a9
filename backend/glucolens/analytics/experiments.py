"""Personal (n-of-1) experiments: schedule, power and analysis. Pure functions.

Design (docs/experiments.md). The planned days are cut into *pairs* of two blocks of
``block_days`` consecutive days (2-3 days, so that a day's carry-over into the next mostly
stays inside a block). In each pair one block is intervention and the other baseline, and
which comes first is a fair coin per pair (seeded, so the schedule can be rebuilt).

Analysis. Each pair gives one difference D_k = (mean outcome of its intervention days) -
(mean outcome of its baseline days); a pair counts when both its blocks are over and each
has at least one measured day. The estimate is the mean of the D_k. Its p-value comes
from a randomisation test over the coin flips actually made: under "no effect" the days'
outcomes would have been the same whichever block got the intervention, so each D_k is
equally likely to have had either sign, and the p-value is the share of the 2^n sign
patterns (all of them up to ``EXACT_PAIRS`` pairs, else ``MC_DRAWS`` random ones plus the
observed) whose |mean| is at least the observed one. This holds whatever the day-to-day
autocorrelation, drift or weekly rhythm of the outcome, so the false-positive rate is at
most alpha by construction; a t-test on days is not (bench/experiments.py measures both).
The 95% interval is the set of constant effects the same test does not reject (test
inversion), so it excludes 0 exactly when p < 0.05 and the verdict and the interval never
disagree. With fewer than 6 pairs no sign pattern can reach p < 0.05 (2/2^5 > 0.05).

Days are analysed as assigned (intention to treat): a day marked "not followed" stays in
its block, since dropping days by what happened on them would let a bad day's choice bias
the comparison. Adherence is reported beside the result, and low adherence shrinks the
estimate towards zero rather than inventing an effect.

Power. With the order randomised within pairs, Var(mean D) = Var(D)/n exactly, and for an
outcome that is AR(1) from day to day (SD sigma, lag-1 correlation rho), Var(D) follows
from sigma, rho and the block length (``pair_variance``). The days needed are the fewest
whole pairs (at least 6) whose power reaches 80% at alpha 0.05 (``power_at``: the exact
test simulated up to 14 pairs, the t-test on the D_k beyond), counting only the share of
pairs the sensor usually covers, and taking sigma at its 80% upper confidence bound (an
SD fitted on 60-90 days can be low by chance; planning on the estimate itself fell short of
80% power on average in the bench). sigma and rho are fitted on the user's own
history (at least ``MIN_HISTORY_DAYS`` measured days), else population defaults are used
and the plan says so.

scipy is imported inside the functions that use it: the API process serves the plan, and
scipy.stats at import added seconds to every process's start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from glucolens.analytics.experiment_outcomes import OutcomeSpec
from glucolens.core.units import MGDL_PER_MMOL, MMOL

INTERVENTION = "intervention"
BASELINE = "baseline"
ALPHA = 0.05
TARGET_POWER = 0.8
PLAN_SD_CONFIDENCE = 0.8  # the days needed use this upper confidence bound of the SD
MIN_PAIRS = 6  # the fewest pairs with which a two-sided randomisation p can be < 0.05
EXACT_PAIRS = 14  # up to here every sign pattern is enumerated (16,384)
MC_DRAWS = 4000
POWER_SIMS = 400  # simulated experiments per exact power figure (SE about 2 points)
MIN_HISTORY_DAYS = 14
MAX_RHO = 0.8
# Population defaults (SD, lag-1 correlation) of each outcome's day-to-day variation, set
# above the medians fitted on the simulated users of bench/experiments.py (SD 20-23,
# 46-49, 14-17 and 7-9) so that a default plan errs towards more days; used only when the
# user's own history is too short, and said so.
POPULATION_NOISE = {
    "window_mean": (30.0, 0.15),
    "window_peak": (55.0, 0.15),
    "day_mean": (18.0, 0.3),
    "day_tir": (12.0, 0.2),
}


def make_schedule(n_pairs: int, block_days: int, seed: int) -> list[str]:
    """One label per day: n_pairs pairs of blocks, intervention first or second by a fair
    coin per pair (``seed`` fixes the coins)."""
    if n_pairs < 1 or block_days < 1:
        raise ValueError("an experiment needs at least one pair of blocks of one day or more")
    first_is_intervention = np.random.default_rng(seed).random(n_pairs) < 0.5
    days: list[str] = []
    for flip in first_is_intervention:
        a, b = (INTERVENTION, BASELINE) if flip else (BASELINE, INTERVENTION)
        days += [a] * block_days + [b] * block_days
    return days


def pairs_for_days(days: int, block_days: int) -> int:
    """Whole pairs covering at least ``days`` days."""
    return max(1, math.ceil(days / (2 * block_days)))


# --- day-to-day noise and power -------------------------------------------------------


@dataclass(frozen=True)
class DayNoise:
    sd: float
    rho: float
    usable_fraction: float  # share of days with enough sensor data
    n_days: int  # measured history days the fit used (0 for the default)
    from_history: bool


def estimate_day_noise(history: np.ndarray, spec: OutcomeSpec) -> DayNoise:
    """SD and lag-1 autocorrelation of the outcome over consecutive history days (NaN for
    a day without enough data); population defaults when fewer than 14 days were
    measured."""
    y = np.asarray(history, dtype=float)
    ok = ~np.isnan(y)
    n = int(ok.sum())
    usable = float(ok.mean()) if y.size else 1.0
    usable = min(1.0, max(0.5, usable))
    if n < MIN_HISTORY_DAYS:
        sd, rho = POPULATION_NOISE[spec.kind]
        return DayNoise(sd, rho, usable if n else 1.0, 0, False)
    sd = float(np.nanstd(y, ddof=1))
    centred = y - np.nanmean(y)
    both = ok[1:] & ok[:-1]
    rho = 0.0
    if both.sum() >= 5:
        num = float(np.sum(centred[1:][both] * centred[:-1][both]) / both.sum())
        rho = num / float(np.nanmean(centred**2))
    return DayNoise(max(sd, 1e-6), min(MAX_RHO, max(0.0, rho)), usable, n, True)


def pair_variance(sd: float, rho: float, block_days: int) -> float:
    """Var(D) for an AR(1) outcome: D = mean of one block - mean of the adjacent block."""
    i = np.arange(2 * block_days)
    cov = sd**2 * rho ** np.abs(i[:, None] - i[None, :])
    w = np.where(i < block_days, 1.0, -1.0) / block_days
    return float(w @ cov @ w)


def _t_power(effect: float, var_d: float, n_pairs: int) -> float:
    from scipy import stats  # heavy: see the module docstring

    se = math.sqrt(var_d / n_pairs)
    df = n_pairs - 1
    crit = float(stats.t.ppf(1 - ALPHA / 2, df))
    nc = abs(effect) / se
    return float(stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc))


@lru_cache(maxsize=1024)
def _exact_power(effect: float, var_d: float, n_pairs: int) -> float:
    rng = np.random.default_rng(n_pairs)
    d = rng.normal(abs(effect), math.sqrt(var_d), (POWER_SIMS, n_pairs))
    flips = np.abs(d @ _signs(n_pairs).T)
    observed = np.abs(d.sum(axis=1))[:, None]
    p = np.mean(flips >= observed - 1e-9 * (observed + 1.0), axis=1)
    return float(np.mean(p <= ALPHA))


def power_at(effect: float, noise: DayNoise, block_days: int, n_pairs: int) -> float:
    """Two-sided power of the randomisation test on ``n_pairs`` pair differences to detect
    a true difference ``effect``. Up to ``EXACT_PAIRS`` pairs the test's few attainable
    p-values matter (with 6 pairs it rejects only when all six differences share a sign),
    so the power is simulated with the exact test (a fixed seed: the same answer each
    time); beyond, the t-test on the differences is its close large-sample twin."""
    if n_pairs < MIN_PAIRS:
        return 0.0
    var_d = pair_variance(noise.sd, noise.rho, block_days)
    if n_pairs <= EXACT_PAIRS:
        return _exact_power(float(effect), var_d, n_pairs)
    return _t_power(effect, var_d, n_pairs)


@dataclass(frozen=True)
class PowerPlan:
    effect: float
    block_days: int
    pairs_needed: int | None  # None: more than max_pairs would be needed
    days_needed: int | None  # calendar days, allowing for days the sensor misses
    noise: DayNoise


def sd_margin(noise: DayNoise) -> float:
    """Factor from the fitted SD to its one-sided 80% upper confidence bound (chi-square,
    n - 1 degrees of freedom); 1 for the population default."""
    from scipy import stats  # heavy: see the module docstring

    if not noise.from_history or noise.n_days < 2:
        return 1.0
    df = noise.n_days - 1
    return math.sqrt(df / float(stats.chi2.ppf(1 - PLAN_SD_CONFIDENCE, df)))


def plan_power(effect: float, noise: DayNoise, block_days: int, max_pairs: int = 60) -> PowerPlan:
    """Fewest whole pairs with 80% power at alpha 0.05 for a difference of ``effect``."""
    if effect <= 0:
        raise ValueError("the effect size must be positive")
    # Plan with an upper bound of the SD, not the estimate: a user whose SD the history
    # happened to understate would get too few days, one who was overstated gains little,
    # so planning on the estimate falls short of 80% on average (bench/experiments.py).
    noise = replace(noise, sd=noise.sd * sd_margin(noise))
    var_d = pair_variance(noise.sd, noise.rho, block_days)
    for n in range(MIN_PAIRS, max_pairs + 1):
        usable_pairs = math.floor(n * noise.usable_fraction)
        if usable_pairs < MIN_PAIRS or _t_power(effect, var_d, usable_pairs) < TARGET_POWER:
            continue  # the exact test is never more powerful than the t-test here
        if power_at(effect, noise, block_days, usable_pairs) >= TARGET_POWER:
            return PowerPlan(effect, block_days, n, 2 * block_days * n, noise)
    return PowerPlan(effect, block_days, None, None, noise)


# --- analysis -------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    status: str  # helped | worse | no_clear_effect | not_enough_days
    pairs_used: int
    pairs_needed: int
    intervention_days: int  # measured days in the pairs used
    baseline_days: int
    difference: float | None  # intervention - baseline (outcome's unit)
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    final: bool


def pair_differences(outcomes: np.ndarray, schedule: list[str], block_days: int, elapsed: int):
    """D_k for each pair that is over (both blocks elapsed) with a measured day in each
    block, and the number of measured days on each side."""
    y = np.asarray(outcomes, dtype=float)
    diffs: list[float] = []
    n_int = n_base = 0
    for start in range(0, len(schedule), 2 * block_days):
        end = start + 2 * block_days
        if end > min(elapsed, len(y)):
            break
        labels = np.array(schedule[start:end])
        vals = y[start:end]
        a = vals[(labels == INTERVENTION) & ~np.isnan(vals)]
        b = vals[(labels == BASELINE) & ~np.isnan(vals)]
        if a.size and b.size:
            diffs.append(float(a.mean() - b.mean()))
            n_int, n_base = n_int + a.size, n_base + b.size
    return np.array(diffs), n_int, n_base


@lru_cache(maxsize=EXACT_PAIRS + 1)
def _all_signs(n: int) -> np.ndarray:
    codes = np.arange(2**n)[:, None] >> np.arange(n)[None, :] & 1
    out = 1.0 - 2.0 * codes
    out.flags.writeable = False
    return out


def _signs(n: int, seed: int = 0) -> np.ndarray:
    """Every sign pattern of n pairs, or the observed one and MC_DRAWS random ones."""
    if n <= EXACT_PAIRS:
        return _all_signs(n)
    draws = 1.0 - 2.0 * (np.random.default_rng(seed).random((MC_DRAWS, n)) < 0.5)
    return np.vstack([np.ones((1, n)), draws])  # the observed pattern counts once


def randomisation_p(diffs: np.ndarray, shift: float = 0.0, signs: np.ndarray | None = None):
    """Two-sided p of "the effect is ``shift``" by sign flips of (D_k - shift)."""
    x = np.asarray(diffs, dtype=float) - shift
    s = _signs(x.size) if signs is None else signs
    observed = abs(x.sum())
    scale = 1e-9 * (float(np.abs(x).sum()) + 1.0)
    return float(np.mean(np.abs(s @ x) >= observed - scale))


def _ci_bound(diffs: np.ndarray, signs: np.ndarray, inside: float, outside: float) -> float:
    """The edge between ``inside`` (p > alpha) and ``outside`` (p <= alpha), by bisection."""
    for _ in range(50):
        mid = 0.5 * (inside + outside)
        if randomisation_p(diffs, mid, signs) > ALPHA:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) < 1e-3:
            break
    return 0.5 * (inside + outside)


def analyse(
    outcomes: np.ndarray,
    schedule: list[str],
    block_days: int,
    lower_is_better: bool,
    elapsed: int | None = None,
    final: bool = True,
) -> Result:
    """Difference (intervention - baseline) with its randomisation-test p and 95% interval,
    from the outcomes of the first ``elapsed`` scheduled days (NaN: not measured)."""
    elapsed = len(schedule) if elapsed is None else elapsed
    diffs, n_int, n_base = pair_differences(outcomes, schedule, block_days, elapsed)
    n = int(diffs.size)
    if n < MIN_PAIRS:
        est = float(diffs.mean()) if n else None
        return Result("not_enough_days", n, MIN_PAIRS, n_int, n_base, est, None, None, None, final)
    signs = _signs(n)
    est = float(diffs.mean())
    p = randomisation_p(diffs, 0.0, signs)
    reach = 10.0 * (float(diffs.max() - diffs.min()) + float(np.abs(diffs).max()) + 1.0)
    low = _ci_bound(diffs, signs, est, est - reach)
    high = _ci_bound(diffs, signs, est, est + reach)
    status = "no_clear_effect"
    if p <= ALPHA and (low > 0 or high < 0):  # the two agree by construction; both asked
        status = "helped" if (high < 0) == lower_is_better else "worse"
    return Result(status, n, MIN_PAIRS, n_int, n_base, est, low, high, p, final)


def welch_days(outcomes: np.ndarray, schedule: list[str], elapsed: int | None = None):
    """The naive analysis, for comparison only: a Welch t-test on days as if independent.
    Returns (difference, p)."""
    from scipy import stats  # heavy: see the module docstring

    n = len(schedule) if elapsed is None else elapsed
    y = np.asarray(outcomes, dtype=float)[:n]
    labels = np.array(schedule[:n])
    a = y[(labels == INTERVENTION) & ~np.isnan(y)]
    b = y[(labels == BASELINE) & ~np.isnan(y)]
    if a.size < 2 or b.size < 2:
        return None, 1.0
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return float(a.mean() - b.mean()), 1.0
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(a.mean() - b.mean()), float(2 * stats.t.sf(abs(t), df))


# --- the verdict in words ---------------------------------------------------------------


def amount_text(value: float, spec: OutcomeSpec, unit: str) -> str:
    """Whole numbers (mmol/L: one decimal), one more digit when that would show 0."""
    v, name, digits = abs(value), "mg/dL", 0
    if not spec.is_glucose:
        name = "percentage points"
    elif unit == MMOL:
        v, name, digits = v / MGDL_PER_MMOL, "mmol/L", 1
    if 0 < v < 10**-digits:
        digits += 1
    return f"{v:.{digits}f} {name}"


def _signed(value: float, spec: OutcomeSpec, unit: str) -> str:
    word = "lower" if value < 0 else "higher"
    return f"{amount_text(value, spec, unit)} {word}"


def _interval(low: float, high: float, spec: OutcomeSpec, unit: str) -> str:
    if low >= 0 or high <= 0:  # one side of zero: "6 to 22 lower"
        a, b = sorted((abs(low), abs(high)))
        word = "lower" if high <= 0 else "higher"
        lo_text = amount_text(a, spec, unit).split(" ")[0]
        return f"95% CI {lo_text} to {amount_text(b, spec, unit)} {word}"
    return f"95% CI {_signed(low, spec, unit)} to {_signed(high, spec, unit)}"


def verdict_text(
    result: Result, spec: OutcomeSpec, unit: str, effect_of_interest: float | None = None
) -> str:
    """A plain sentence that claims no more than the interval supports."""
    what = spec.label()
    if result.status == "not_enough_days":
        have = f"{result.pairs_used} of the at least {MIN_PAIRS} complete pairs of blocks"
        if result.final:
            return (
                f"Not enough days: the experiment ended with {have} measured, too few to "
                "tell an effect from day-to-day variation."
            )
        return f"Not enough days yet: {have} measured so far."
    assert result.difference is not None and result.ci_low is not None
    assert result.ci_high is not None
    change = f"{what} was {_signed(result.difference, spec, unit)} on intervention days"
    ci = _interval(result.ci_low, result.ci_high, spec, unit)
    if not result.final:
        return (
            f"So far: {change} ({ci}). Not a verdict yet: it comes when the planned days "
            "are done, since looking early raises the chance of a false finding."
        )
    if result.status == "helped":
        return f"Helped: {change} ({ci})."
    if result.status == "worse":
        return f"Made it worse: {change} ({ci})."
    text = f"No clear effect: {change} ({ci}), a range that includes no change."
    if (
        effect_of_interest
        and -effect_of_interest < result.ci_low
        and (result.ci_high < effect_of_interest)
    ):
        text += f" An effect of {amount_text(effect_of_interest, spec, unit)} or more is unlikely."
    return text
