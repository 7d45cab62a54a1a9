"""Per-meal glucose responses on simglucose (UVA/Padova) virtual patients, where the true
response is known: GlucoLens' estimator against a naive one, both scored against the same
measures computed on the simulator's noise-free glucose.

Each patient eats from a fixed menu of recurring foods (carbohydrates per food vary ±15%
from meal to meal) three times a day at jittered times, with an afternoon snack on some
days that overlaps lunch's response, under a basal-bolus controller. The sensor is
simglucose's Dexcom noise model read every 5 minutes. On a third of the days a sensor
dropout of 40–70 minutes is cut out of the readings after a random meal.

Truth: the definitions of glucolens.analytics.meal_response (median baseline over the 30
minutes before, peak rise and time to peak in 2 h, iAUC over 2 h, back to baseline within
3 h) applied to the patient's noise-free subcutaneous glucose, sampled every minute, not
smoothed. Estimators, from the noisy 5-minute readings:

- glucolens: ``meal_responses`` (15-minute centred moving average, median baseline);
- naive: the reading nearest the meal as baseline, the highest raw reading in 2 h, and
  trapezoids of the raw readings above the baseline.

Reported: median absolute error (MdAE) of each measure, iAUC error relative to the median
true iAUC, Spearman rank agreement of meals and of foods (per patient, then the median),
and the errors of high- and low-confidence meals separately.

The estimator's constants were chosen on development patients (adolescent#004, adult#005,
adult#006, child#004, seeds 100+), not on the ten benchmark patients scored here.

Run: .venv/bin/python bench/meal_response.py [--days 10 --workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
import types
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from glucolens.analytics.meal_ranking import rank_meals  # noqa: E402
from glucolens.analytics.meal_response import (  # noqa: E402
    meal_responses,
    measure_meal,
    naive_response,
)

PATIENTS = [f"adolescent#{i:03d}" for i in (1, 2, 3)] + [f"adult#{i:03d}" for i in (1, 2, 3, 4)]
PATIENTS += [f"child#{i:03d}" for i in (1, 2, 3)]
SENSOR_MIN = 5
MENU = {  # food: (grams of carbohydrate, which meals it is eaten at)
    "oats with milk": (45, "breakfast"),
    "toast and jam": (35, "breakfast"),
    "pancakes": (70, "breakfast"),
    "pasta": (85, "lunch dinner"),
    "chicken salad": (15, "lunch dinner"),
    "rice bowl": (65, "lunch dinner"),
    "pizza": (100, "dinner"),
}
SLOTS = {"breakfast": (7.0, 0.75), "lunch": (12.5, 0.75), "dinner": (19.0, 1.0)}
SNACK_G, SNACK_P = 20, 0.3


def _shims() -> None:
    """simglucose 0.2.11 imports pkg_resources and gym's registry (see bench/forecast.py)."""
    import importlib.resources

    pkg = types.ModuleType("pkg_resources")
    pkg.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)  # type: ignore[attr-defined]
    sys.modules.setdefault("pkg_resources", pkg)
    gym, envs, reg = (types.ModuleType(n) for n in ("gym", "gym.envs", "gym.envs.registration"))
    reg.register = lambda **_: None  # type: ignore[attr-defined]
    gym.envs, envs.registration = envs, reg  # type: ignore[attr-defined]
    for name, module in (("gym", gym), ("gym.envs", envs), ("gym.envs.registration", reg)):
        sys.modules.setdefault(name, module)


def plan_meals(days: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for d in range(days):
        for slot, (hour, sd) in SLOTS.items():
            foods = [f for f, (_, when) in MENU.items() if slot in when]
            food = foods[rng.integers(len(foods))]
            minute = round((d * 24 + hour + rng.normal(0, sd / 2)) * 60 / SENSOR_MIN) * SENSOR_MIN
            grams = MENU[food][0] * rng.uniform(0.85, 1.15)
            rows.append((minute, food, round(grams)))
            if slot == "lunch" and rng.random() < SNACK_P:  # overlaps lunch's response
                rows.append((minute + SENSOR_MIN * int(rng.integers(12, 21)), "snack", SNACK_G))
    return pd.DataFrame(rows, columns=["minute", "description", "carbs_g"])


def simulate(name: str, days: int, seed: int, meals: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(noise-free glucose every minute, sensor readings every 5 minutes), by minute."""
    _shims()
    from simglucose.actuator.pump import InsulinPump
    from simglucose.controller.basal_bolus_ctrller import BBController
    from simglucose.patient.t1dpatient import T1DPatient
    from simglucose.sensor.cgm import CGMSensor
    from simglucose.simulation.env import T1DSimEnv
    from simglucose.simulation.scenario import CustomScenario
    from simglucose.simulation.sim_engine import SimObj

    patient = T1DPatient.withName(name)
    params = patient._params
    fast = types.SimpleNamespace(**params.to_dict())
    fast.iloc = params.iloc  # same values; pandas attribute reads are slow (bench/forecast.py)
    patient._params = fast
    truth: dict[int, float] = {}
    readings: dict[int, float] = {}

    class Sensor(CGMSensor):
        def measure(self, patient):  # type: ignore[no-untyped-def]
            value = super().measure(patient)
            truth[int(patient.t)] = float(patient.observation.Gsub)
            if patient.t % self.sample_time == 0:
                readings[int(patient.t)] = float(value)
            return value

    sensor_params = CGMSensor.withName("Dexcom")._params.copy()
    sensor_params["sample_time"] = SENSOR_MIN
    start = datetime(2024, 1, 1)
    plan = zip(meals.minute, meals.carbs_g, strict=True)
    scenario = CustomScenario(start, [(timedelta(minutes=int(m)), float(g)) for m, g in plan])
    env = T1DSimEnv(
        patient, Sensor(sensor_params, seed=seed), InsulinPump.withName("Insulet"), scenario
    )
    SimObj(env, BBController(), timedelta(days=days), animate=False, path=None).simulate()
    return pd.Series(truth).sort_index(), pd.Series(readings).sort_index()


def evaluate(args: tuple[str, int, int]) -> dict:
    name, days, seed = args
    rng = np.random.default_rng(seed)
    meals = plan_meals(days, rng)
    t0 = time.perf_counter()
    truth, cgm = simulate(name, days, seed, meals)
    sim_s = time.perf_counter() - t0
    meals = meals[meals.minute < cgm.index[-1] - 180].reset_index(drop=True)
    meals["id"] = np.arange(1, len(meals) + 1)
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    meals["ts"] = [epoch + timedelta(minutes=int(m)) for m in meals.minute]
    # sensor dropouts: on a third of the days, 40-70 minutes missing after a random meal
    drop = np.zeros(len(cgm), bool)
    for d in range(days):
        if rng.random() < 1 / 3:
            todays = meals[(meals.minute >= d * 1440) & (meals.minute < (d + 1) * 1440)]
            if len(todays):
                at = int(todays.minute.iloc[rng.integers(len(todays))]) + int(rng.integers(0, 60))
                drop |= (cgm.index >= at) & (cgm.index < at + int(rng.integers(40, 71)))
    cgm = cgm[~drop]
    secs = epoch.timestamp() + cgm.index.to_numpy(float) * 60
    est, _ = meal_responses(secs, cgm.to_numpy(float), meals)
    tm, tv = truth.index.to_numpy(float), truth.to_numpy(float)
    rows = []
    for r, (_, meal) in zip(est, meals.iterrows(), strict=True):
        true, _ = measure_meal(r.meal_id, r.ts, tm - meal.minute, tv, 1.0, smooth_half_min=0)
        m = cgm.index.to_numpy(float) - meal.minute
        near = np.abs(m) <= 180
        naive = naive_response(m[near], cgm.to_numpy(float)[near])
        rows.append(
            {
                "food": meal.description,
                "confidence": r.confidence,
                "gappy": "gappy" in r.reasons,
                "overlap": bool({"meal_before", "meal_after"} & set(r.reasons)),
                "true_rise": true.peak_rise_mgdl,
                "true_ttp": true.time_to_peak_min,
                "true_iauc": true.iauc_mgdl_min,
                "true_back": true.back_to_baseline_min,
                "gl_rise": r.peak_rise_mgdl,
                "gl_ttp": r.time_to_peak_min,
                "gl_iauc": r.iauc_mgdl_min,
                "gl_back": r.back_to_baseline_min,
                "nv_rise": None if naive is None else naive[0],
                "nv_ttp": None if naive is None else naive[1],
                "nv_iauc": None if naive is None else naive[2],
            }
        )
    df = pd.DataFrame(rows)
    ranking = rank_meals(est, meals, "UTC")
    return {"name": name, "sim_s": sim_s, "rows": df, "n_foods_ranked": len(ranking.foods)}


def _spearman(a: pd.Series, b: pd.Series) -> float:
    ok = a.notna() & b.notna()
    if ok.sum() < 3 or a[ok].nunique() < 2 or b[ok].nunique() < 2:
        return float("nan")  # a constant column has no rank order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.spearmanr(a[ok], b[ok]).statistic)


def report(results: list[dict]) -> None:
    df = pd.concat([r["rows"].assign(patient=r["name"]) for r in results], ignore_index=True)
    print(
        f"\n{len(df)} meals; high confidence {np.mean(df.confidence == 'high'):.0%}, "
        f"gappy {np.mean(df.gappy):.0%}, overlapping {np.mean(df.overlap):.0%}"
    )

    def mdae(sub: pd.DataFrame, est: str, true: str) -> tuple[float, int]:
        e, t = pd.to_numeric(sub[est]), pd.to_numeric(sub[true])
        ok = e.notna() & t.notna()
        return float(np.median(np.abs(e[ok] - t[ok]))), int(ok.sum())

    for label, sub in (
        ("all measured meals", df),
        ("high confidence", df[df.confidence == "high"]),
        ("low confidence", df[df.confidence == "low"]),
        ("  of which gappy", df[df.gappy]),
        ("  of which overlapping another meal", df[df.overlap]),
    ):
        print(f"\n{label}: median absolute error against the noise-free truth")
        print(f"  {'measure':<24} {'n':>5} {'glucolens':>10} {'naive':>10}")
        for measure, unit in (("rise", "mg/dL"), ("ttp", "min"), ("iauc", "mg/dL·min")):
            g, n = mdae(sub, f"gl_{measure}", f"true_{measure}")
            v, _ = mdae(sub, f"nv_{measure}", f"true_{measure}")
            print(f"  {measure + ' (' + unit + ')':<24} {n:>5} {g:>10.1f} {v:>10.1f}")
        med_true = float(np.median(pd.to_numeric(sub.true_iauc).dropna()))
        print(f"  {'(median true iAUC)':<24} {'':>5} {med_true:>10.0f}")
        g, _ = mdae(sub, "gl_iauc", "true_iauc")
        v, _ = mdae(sub, "nv_iauc", "true_iauc")
        print(
            f"  {'iauc, % of median truth':<24} {'':>5} "
            f"{100 * g / med_true:>9.1f}% {100 * v / med_true:>9.1f}%"
        )
        both = sub[sub.gl_back.notna() & sub.true_back.notna()]
        g, n = mdae(both, "gl_back", "true_back")
        found = np.mean(sub.gl_back.notna() == sub.true_back.notna())
        print(
            f"  {'back to baseline (min)':<24} {n:>5} {g:>10.1f} {'—':>10}  "
            f"(found/not-found agree {found:.0%})"
        )

    print("\nrank agreement (Spearman), median over patients [min, max]")
    for label, est in (("glucolens", "gl"), ("naive", "nv")):
        per_meal = [_spearman(r["rows"][f"{est}_iauc"], r["rows"].true_iauc) for r in results]
        per_food = []
        for r in results:
            rows = r["rows"][r["rows"].food != "snack"]
            if est == "gl":
                rows = rows[rows.confidence == "high"]
            g = rows.groupby("food")[[f"{est}_iauc", "true_iauc"]].median()
            per_food.append(_spearman(g[f"{est}_iauc"], g.true_iauc))
        print(
            f"  {label:<10} meals by iAUC {np.nanmedian(per_meal):.3f} "
            f"[{np.nanmin(per_meal):.3f}, {np.nanmax(per_meal):.3f}]   "
            f"foods by median iAUC {np.nanmedian(per_food):.3f} "
            f"[{np.nanmin(per_food):.3f}, {np.nanmax(per_food):.3f}]"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--patients", type=int, default=len(PATIENTS))
    a = ap.parse_args()
    t0 = time.perf_counter()
    jobs = [(name, a.days, i + 1) for i, name in enumerate(PATIENTS[: a.patients])]
    with mp.get_context("fork").Pool(min(a.workers, 2)) as pool:
        results = pool.map(evaluate, jobs)
    print(
        f"simglucose: {len(jobs)} patients x {a.days} days, Dexcom noise, 5-min readings; "
        f"wall {time.perf_counter() - t0:.0f} s "
        f"(simulation {sum(r['sim_s'] for r in results):.0f} CPU-s)"
    )
    report(results)


if __name__ == "__main__":
    main()
