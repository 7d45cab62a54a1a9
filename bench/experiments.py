"""Personal experiments: power and false-positive rate on simulated users with planted effects.

Users. Each simulated user is the demo generator's type-1-like person
(glucolens.demo_data: meals with gamma-shaped responses, sleep debt carried to the next
day, a slow AR(1) drift, sensor noise; Europe/London, so DST days are in the traces), one
seed per user, 300 days. Days 1-60 are the history the power calculation sees; the
experiment runs from day 61. Two kinds of days:

* ``demo``: the generator's days as they are;
* ``demo+slow``: the same plus two slow rhythms real CGM users have: a per-sensor
  calibration bias (a new sensor every 10 days, each reading 1 + N(0, 6%) times the true
  value) and a 28-day cycle of +-8 mg/dL (random phase; as a menstrual cycle can). They
  make days weeks apart alike, which a test on days as if independent ignores.

Effects. The outcome is the post-dinner mean (19:00-23:00 local). On every intervention
day the readings in that window are lowered by the planted effect (0, 5, 10, 15, 20
mg/dL), so the true difference in the outcome is exactly the effect. Nothing else knows it.

Pipeline, per user and schedule: make_schedule (a fresh seed) -> the trace with the effect
planted -> daily_outcomes -> analyse (randomisation test over the coin flips, 95% CI by
inversion). Designs: 21 pairs of 2-day blocks (84 days; the default block), and on the slow
days also 6 pairs of 7-day blocks (84 days; the longest block a user may choose). Power is
the share of experiments with a "helped" verdict (the right direction); the false-positive
rate is the share with any verdict ("helped" or "worse") when the effect is 0. With no
effect the day outcomes do not depend on the order, so they are computed once per user and
analysed under 40 random orders (a precise rate: the randomisation test's errors are
independent across orders of one user's days, each with probability alpha).

Baselines in the same run: (1) a Welch t-test on days as if independent, on the same
days; (2) the same t-test looked at every day from day 12 and stopped at the first
p < 0.05 ("peeking"), what an app that shows a live p-value invites.

Prediction: for each user the power calculation (estimate_day_noise on the 60 history
days, power_at) predicts the power at the fixed length; the table puts the mean
prediction beside the measured power. Last, each user plans with the calculator for a
given effect (the days it says are needed for 80%) and runs that long: measured power
should be about 80%.

Run: nice -n 10 .venv/bin/python bench/experiments.py [--users 60 --schedules 4 --workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from glucolens.analytics import experiments as ex  # noqa: E402
from glucolens.analytics.experiment_outcomes import (  # noqa: E402
    OutcomeSpec,
    daily_outcomes,
    day_span,
)
from glucolens.core.timeutil import zone  # noqa: E402
from glucolens.demo_data import generate_demo  # noqa: E402

TZ = "Europe/London"
HISTORY_DAYS = 60
TOTAL_DAYS = 300
BLOCK = 2
# (block days, pairs) run at a fixed length of 84 days; 7-day blocks (the longest a user
# may choose) only on the slow days, where the t-test on days is expected to suffer.
DESIGNS = {False: [(2, 21)], True: [(2, 21), (7, 6)]}
EFFECTS = (0.0, 5.0, 10.0, 15.0, 20.0)
PLANNED_EFFECTS = (15.0, 20.0)
SENSOR_DAYS = 10
SENSOR_BIAS_SD = 0.06
CYCLE_DAYS = 28
CYCLE_MGDL = 8.0
SPEC = OutcomeSpec("window_mean", 19 * 60, 23 * 60)
NOISE_SPECS = {
    "window_mean": SPEC,
    "window_peak": OutcomeSpec("window_peak", 19 * 60, 23 * 60),
    "day_mean": OutcomeSpec("day_mean"),
    "day_tir": OutcomeSpec("day_tir"),
}
END = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def user_trace(seed: int, slow: bool) -> tuple[np.ndarray, np.ndarray, list[dt.date]]:
    demo = generate_demo(days=TOTAL_DAYS, tz=TZ, end=END, seed=seed)
    utc = demo.glucose["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None)
    ts = utc.to_numpy().astype("datetime64[s]").astype(np.int64)
    values = demo.glucose["value_mgdl"].to_numpy(dtype=float)
    if slow:
        rng = np.random.default_rng(10_000 + seed)
        session = (ts - ts[0]) // (SENSOR_DAYS * 86400)
        bias = 1.0 + rng.normal(0, SENSOR_BIAS_SD, int(session.max()) + 1)
        values = values * bias[session]
        phase = rng.uniform(0, 2 * np.pi)
        cycle_days = (ts - ts[0]) / 86400 / CYCLE_DAYS
        values = values + CYCLE_MGDL * np.sin(2 * np.pi * cycle_days + phase)
    first = dt.datetime.fromtimestamp(float(ts[0]), dt.UTC).astimezone(zone(TZ)).date()
    days = [first + dt.timedelta(days=i + 1) for i in range(TOTAL_DAYS - 2)]  # whole days
    return ts.astype(float), values, days


def planted(ts: np.ndarray, values: np.ndarray, days: list[dt.date], labels: list[str],
            effect: float) -> np.ndarray:  # fmt: skip
    """The trace with the effect subtracted inside the window on intervention days."""
    out = values.copy()
    if effect == 0:
        return out
    for day, label in zip(days, labels, strict=True):
        if label == ex.INTERVENTION:
            lo, hi = np.searchsorted(ts, day_span(day, TZ, SPEC))
            out[lo:hi] -= effect
    return out


def peeking_rejects(y: np.ndarray, labels: list[str], first_look: int = 12) -> bool:
    return any(ex.welch_days(y, labels, n)[1] < ex.ALPHA for n in range(first_look, len(y) + 1))


def run_design(ts, values, exp_days, noise, seed, block, pairs, a) -> dict:  # noqa: ANN001
    """Every cell of one design (block length, pairs) for one user."""
    n = 2 * block * pairs
    days = exp_days[:n]
    y_null = daily_outcomes(ts, values, days, TZ, SPEC)  # no effect: the same whatever the order
    null = []
    for k in range(a.null_schedules):
        labels = ex.make_schedule(pairs, block, seed=seed * 100_000 + k)
        res = ex.analyse(y_null, labels, block, lower_is_better=True)
        diff, p_naive = ex.welch_days(y_null, labels)
        null.append(
            {
                "fp": res.status in ("helped", "worse"),
                "covered": res.ci_low is not None and res.ci_low <= 0 <= res.ci_high,
                "naive": p_naive < ex.ALPHA,
                "peek": peeking_rejects(y_null, labels) if k < a.schedules else None,
            }
        )
    effects = []
    for k in range(a.schedules):
        labels = ex.make_schedule(pairs, block, seed=seed * 100_000 + 50_000 + k)
        for effect in EFFECTS[1:]:
            y = daily_outcomes(ts, planted(ts, values, days, labels, effect), days, TZ, SPEC)
            res = ex.analyse(y, labels, block, lower_is_better=True)
            diff, p_naive = ex.welch_days(y, labels)
            effects.append(
                {
                    "effect": effect,
                    "status": res.status,
                    "covered": res.ci_low is not None and res.ci_low <= -effect <= res.ci_high,
                    "naive_helped": p_naive < ex.ALPHA and (diff or 0) < 0,
                    "predicted": ex.power_at(effect, noise, block, pairs),
                }
            )
    return {"null": null, "effects": effects}


def run_user(job: tuple[int, bool, argparse.Namespace]) -> dict:
    seed, slow, a = job
    ts, values, days = user_trace(seed, slow)
    history_days = days[:HISTORY_DAYS]
    history = daily_outcomes(ts, values, history_days, TZ, SPEC)
    noise = ex.estimate_day_noise(history, SPEC)
    exp_days = days[HISTORY_DAYS:]
    out: dict = {"sd": noise.sd, "rho": noise.rho, "planned": [], "fits": {}, "designs": {}}
    for name, spec in NOISE_SPECS.items():
        fit = ex.estimate_day_noise(daily_outcomes(ts, values, history_days, TZ, spec), spec)
        out["fits"][name] = (fit.sd, fit.rho)
    for block, pairs in DESIGNS[slow]:
        out["designs"][block, pairs] = run_design(
            ts, values, exp_days, noise, seed, block, pairs, a
        )
    for effect in PLANNED_EFFECTS:
        plan = ex.plan_power(effect, noise, BLOCK, max_pairs=len(exp_days) // (2 * BLOCK))
        if plan.pairs_needed is None:
            out["planned"].append({"effect": effect, "days": None, "status": None})
            continue
        labels = ex.make_schedule(plan.pairs_needed, BLOCK, seed=seed * 100_000 + 99_999)
        n = len(labels)
        trace = planted(ts, values, exp_days[:n], labels, effect)
        y = daily_outcomes(ts, trace, exp_days[:n], TZ, SPEC)
        res = ex.analyse(y, labels, BLOCK, lower_is_better=True)
        out["planned"].append({"effect": effect, "days": n, "status": res.status})
    return out


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def design_table(results: list[dict], block: int, pairs: int) -> None:
    null = [r for u in results for r in u["designs"][block, pairs]["null"]]
    effects = [r for u in results for r in u["designs"][block, pairs]["effects"]]
    fp = float(np.mean([r["fp"] for r in null]))
    se = math.sqrt(fp * (1 - fp) / len(null))
    naive = float(np.mean([r["naive"] for r in null]))
    # The t-test's errors are not independent within a user (same days, other orders):
    # its SE is taken over users.
    per_user = [np.mean([r["naive"] for r in u["designs"][block, pairs]["null"]]) for u in results]
    naive_se = float(np.std(per_user, ddof=1) / math.sqrt(len(per_user)))
    peek = float(np.mean([r["peek"] for r in null if r["peek"] is not None]))
    covered0 = float(np.mean([r["covered"] for r in null]))
    print(f"   -- {pairs} pairs of {block}-day blocks ({2 * block * pairs} days): "
          f"{len(null)} experiments with no effect, {len(effects) // (len(EFFECTS) - 1)} per "
          "planted effect")  # fmt: skip
    print(f"   {'effect':>9} {'predicted':>10} {'measured':>9} {'worse':>6} {'CI covers':>10}"
          f" | {'t-test on days':>15}")  # fmt: skip
    print(f"   {'none':>9} {'<= 5.0%':>10} {pct(fp):>9} {'':>6} {pct(covered0):>10} | "
          f"{pct(naive):>15}   false positives (SE {100 * se:.1f} | {100 * naive_se:.1f}); "
          f"t-test looked at daily from day 12: {pct(peek)}")  # fmt: skip
    for effect in EFFECTS[1:]:
        cell = [r for r in effects if r["effect"] == effect]
        helped = np.mean([r["status"] == "helped" for r in cell])
        worse = np.mean([r["status"] == "worse" for r in cell])
        covered = np.mean([r["covered"] for r in cell])
        pred = np.mean([r["predicted"] for r in cell])
        naive_e = np.mean([r["naive_helped"] for r in cell])
        print(f"   {effect:3.0f} mg/dL {pct(pred):>10} {pct(helped):>9} {pct(worse):>6} "
              f"{pct(covered):>10} | {pct(naive_e):>15}")  # fmt: skip


def table(results: list[dict], scenario: str, slow: bool) -> None:
    sds = np.array([u["sd"] for u in results])
    rhos = np.array([u["rho"] for u in results])
    print(f"\n== {scenario}: {len(results)} users")
    print(f"   fitted on 60 history days: day-to-day SD of the post-dinner mean "
          f"{np.median(sds):.1f} mg/dL (IQR {np.percentile(sds, 25):.1f}-"
          f"{np.percentile(sds, 75):.1f}), lag-1 autocorrelation {np.median(rhos):.2f} "
          f"(IQR {np.percentile(rhos, 25):.2f}-{np.percentile(rhos, 75):.2f})")  # fmt: skip
    fits = ", ".join(
        f"{name} SD {np.median([u['fits'][name][0] for u in results]):.1f} "
        f"rho {np.median([u['fits'][name][1] for u in results]):.2f}"
        for name in NOISE_SPECS
    )
    print(f"   medians of every outcome's fit: {fits}")
    for block, pairs in DESIGNS[slow]:
        design_table(results, block, pairs)
    for effect in PLANNED_EFFECTS:
        cell = [u for res in results for u in res["planned"] if u["effect"] == effect]
        ran = [c for c in cell if c["days"] is not None]
        if not ran:
            print(f"   planned for {effect:.0f} mg/dL: no user could reach 80% in 240 days")
            continue
        power = np.mean([c["status"] == "helped" for c in ran])
        days = np.array([c["days"] for c in ran])
        print(f"   planned with the calculator ({BLOCK}-day blocks) for {effect:.0f} mg/dL at 80%: "
              f"median {np.median(days):.0f} days (IQR {np.percentile(days, 25):.0f}-"
              f"{np.percentile(days, 75):.0f}); measured power {pct(power)} "
              f"({len(ran)} of {len(cell)} users could reach 80% within 240 days)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--schedules", type=int, default=4, help="random orders per user and effect")
    ap.add_argument("--null-schedules", type=int, default=40, help="orders per user, no effect")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    t0 = time.perf_counter()
    for scenario, slow in (("demo", False), ("demo+slow", True)):
        jobs = [(seed, slow, a) for seed in range(1, a.users + 1)]
        with mp.get_context("fork").Pool(min(a.workers, 2)) as pool:
            results = pool.map(run_user, jobs, chunksize=2)
        table(results, scenario, slow)
    print(f"\n   wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
