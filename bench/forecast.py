"""Forecast accuracy on simglucose (UVA/Padova) virtual patients: the per-user ridge model
against persistence and linear extrapolation, 30 and 60 minutes ahead.

10 patients (3 adolescents, 4 adults, 3 children), 7 simulated days each with random
meals (RandomScenario), a basal-bolus controller, a Dexcom CGM and an Insulet pump.
Each model is fitted on days 1–5 of its patient and scored on days 6–7 only.

Run: .venv/bin/python bench/forecast.py [--days 7 --train-days 5 --workers 2] [--dev]

``--dev`` runs the development set instead: the 20 simglucose patients that are not in
the benchmark, twice each (seeds 100+i and 200+i). Constants in the model are tuned on
that set only; the benchmark's 10 patients are scored, never tuned on.

simglucose 0.2.11 needs two workarounds here, both local to this script:
- it imports ``pkg_resources`` (gone from recent setuptools) and the obsolete ``gym``
  registry: small stand-ins are placed in ``sys.modules`` before importing it;
- its ODE right-hand side reads ~40 parameters per call as attributes of a pandas
  Series, which is ~10x slower under pandas 3; the patient's parameters are copied
  into a plain namespace (same values, same results).
"""

from __future__ import annotations

import argparse
import importlib.resources
import multiprocessing as mp
import sys
import time
import types
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from glucolens.analytics.forecast import (  # noqa: E402
    ForecastModel,
    clarke_zones,
    interval_bounds,
    linear_extrapolation,
    persistence,
)

PATIENTS = [f"adolescent#{i:03d}" for i in (1, 2, 3)] + [f"adult#{i:03d}" for i in (1, 2, 3, 4)]
PATIENTS += [f"child#{i:03d}" for i in (1, 2, 3)]
DEV_PATIENTS = [f"adolescent#{i:03d}" for i in range(4, 11)]
DEV_PATIENTS += [f"adult#{i:03d}" for i in range(5, 11)]
DEV_PATIENTS += [f"child#{i:03d}" for i in range(4, 11)]
assert not set(DEV_PATIENTS) & set(PATIENTS)
HORIZONS = (30, 60)
SENSOR_MIN = 5  # Dexcom G6 cadence; simglucose's default Dexcom reads every 3 minutes


def _install_simglucose_shims() -> None:
    pkg = types.ModuleType("pkg_resources")
    pkg.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)  # type: ignore[attr-defined]
    sys.modules.setdefault("pkg_resources", pkg)
    gym, envs, registration = (
        types.ModuleType(n) for n in ("gym", "gym.envs", "gym.envs.registration")
    )
    registration.register = lambda **_: None  # type: ignore[attr-defined]
    gym.envs, envs.registration = envs, registration  # type: ignore[attr-defined]
    for name, module in (("gym", gym), ("gym.envs", envs), ("gym.envs.registration", registration)):
        sys.modules.setdefault(name, module)


def simulate(name: str, days: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """The simulator's per-step log and the sensor's own readings (mg/dL, by time).

    The log's ``CGM`` column is not what the sensor read: the environment averages the
    sensor's zero-order-hold output over each step, so each entry mixes the new reading
    with the previous one. The readings are taken from the sensor itself instead. The
    sensor is simglucose's Dexcom (same noise model) read every 5 minutes, as a G6 does,
    so the 5-minute grid needs no interpolation. The record ends at the simulator's own
    terminal condition (BG < 10 or > 600 mg/dL), which ``SimObj`` does not enforce."""
    _install_simglucose_shims()
    from simglucose.actuator.pump import InsulinPump
    from simglucose.controller.basal_bolus_ctrller import BBController
    from simglucose.patient.t1dpatient import T1DPatient
    from simglucose.sensor.cgm import CGMSensor
    from simglucose.simulation.env import T1DSimEnv
    from simglucose.simulation.scenario_gen import RandomScenario
    from simglucose.simulation.sim_engine import SimObj

    patient = T1DPatient.withName(name)
    params = patient._params
    fast = types.SimpleNamespace(**params.to_dict())
    fast.iloc = params.iloc  # used once, by reset()
    patient._params = fast
    start = datetime(2024, 1, 1, 0, 0)
    readings: dict[int, float] = {}

    class Sensor(CGMSensor):
        def measure(self, patient):  # type: ignore[no-untyped-def]
            value = super().measure(patient)
            if patient.t % self.sample_time == 0:
                readings[int(patient.t)] = float(value)  # a reset re-reads t=0: keep last
            return value

    params = CGMSensor.withName("Dexcom")._params.copy()
    params["sample_time"] = SENSOR_MIN
    env = T1DSimEnv(
        patient,
        Sensor(params, seed=seed),
        InsulinPump.withName("Insulet"),
        RandomScenario(start_time=start, seed=seed),
    )
    sim = SimObj(env, BBController(), timedelta(days=days), animate=False, path=None)
    sim.simulate()
    df = sim.results()
    cgm = pd.Series(readings).sort_index()
    cgm.index = pd.DatetimeIndex([start + timedelta(minutes=m) for m in cgm.index])
    dead = np.flatnonzero((df["BG"].to_numpy() < 10) | (df["BG"].to_numpy() > 600))
    if len(dead):
        df = df.iloc[: dead[0]]
        cgm = cgm[cgm.index < df.index[-1] + timedelta(minutes=1)]
    return df, cgm


def to_inputs(
    df: pd.DataFrame, readings: pd.Series
) -> tuple[pd.DatetimeIndex, np.ndarray, pd.DataFrame, pd.DataFrame]:
    """The sensor's 5-min readings as they are, meals and above-basal insulin as events
    (the simulator logs mean rates per step, stamped at the step's end)."""
    grid = pd.DatetimeIndex(readings.index).tz_localize("UTC")
    cgm = readings.to_numpy(dtype=float)
    t = pd.DatetimeIndex(df.index).tz_localize("UTC")
    minutes = np.asarray((t - t[0]) / pd.Timedelta(minutes=1))
    step = float(np.median(np.diff(minutes)))
    cho = df["CHO"].fillna(0).to_numpy() * step
    carbs = pd.DataFrame({"timestamp": t[cho > 0], "carbs_g": cho[cho > 0]})
    rate = df["insulin"].fillna(0).to_numpy()
    extra = (rate - np.min(rate[rate > 0])) * step
    bolus = extra > 1e-6
    insulin = pd.DataFrame({"timestamp": t[bolus], "units": extra[bolus], "kind": "bolus"})
    return grid, cgm, carbs, insulin


def evaluate(args: tuple[str, int, int, int]) -> dict:
    name, days, train_days, seed = args
    t0 = time.perf_counter()
    df, readings = simulate(name, days, seed)
    sim_s = time.perf_counter() - t0
    grid, cgm, carbs, insulin = to_inputs(df, readings)
    split = grid[0] + pd.Timedelta(days=train_days)
    train = grid < split
    model = ForecastModel.fit(
        grid[train], cgm[train], carbs[carbs.timestamp < split], insulin[insulin.timestamp < split]
    )
    _, preds = model.predict_all(grid, cgm, carbs, insulin)
    _, means = model.predict_all(grid, cgm, carbs, insulin, cautious=False)
    out: dict = {
        "name": f"{name} (seed {seed})",
        "sim_s": sim_s,
        "kind": model.kind,
        "days": len(cgm) / 288,
    }
    for h in HORIZONS:
        k = h // 5
        origin = np.flatnonzero(~train)[:-k]  # forecast made in the test part ...
        actual = cgm[origin + k]  # ... about a time also in the test part
        candidates = {
            "model": preds[h][origin],
            "model_mean": means[h][origin],
            "persistence": persistence(cgm, h)[origin],
            "linear": linear_extrapolation(cgm, h)[origin],
        }
        ok = np.isfinite(actual)
        for p in candidates.values():
            ok &= np.isfinite(p)
        out[h] = {key: (actual[ok], p[ok]) for key, p in candidates.items()}
        if model.kind == "ridge":
            # The shipped intervals (per-user calibrated) and the cross-validation ones.
            y = actual[ok]
            for tag, m in (("", model), ("_cv", replace(model, interval_q={}))):
                lo80, hi80, lo95, hi95 = interval_bounds(
                    m, h, candidates["model"][ok], candidates["model_mean"][ok]
                )
                out[h][f"cover80{tag}"] = np.mean((y >= lo80) & (y <= hi80))
                out[h][f"cover95{tag}"] = np.mean((y >= lo95) & (y <= hi95))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--train-days", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dev", action="store_true", help="the development set, not the benchmark")
    a = ap.parse_args()
    t0 = time.perf_counter()
    if a.dev:
        runs = [(name, base + i) for base in (100, 200) for i, name in enumerate(DEV_PATIENTS)]
    else:
        runs = [(name, i + 1) for i, name in enumerate(PATIENTS)]
    jobs = [(name, a.days, a.train_days, seed) for name, seed in runs]
    with mp.get_context("fork").Pool(min(a.workers, 2)) as pool:
        results = pool.map(evaluate, jobs)
    wall = time.perf_counter() - t0
    print(
        f"simglucose{' DEVELOPMENT set' if a.dev else ''}: {len(jobs)} patients x {a.days} "
        f"days (train {a.train_days}, test {a.days - a.train_days}); "
        f"models: {sorted({r['kind'] for r in results})}"
    )
    short = [f"{r['name']} ({r['days']:.2f} d)" for r in results if r["days"] < a.days - 0.01]
    print(f"records ended early by the simulator's terminal condition: {short or 'none'}")
    print(f"wall time {wall:.0f} s (simulation {sum(r['sim_s'] for r in results):.0f} CPU-s)")
    for h in HORIZONS:
        print(f"\n{h} min ahead (pooled over patients, CGM as reference)")
        print(f"  {'method':<12} {'n':>6} {'RMSE':>6} {'MAE':>6} {'A %':>6} {'A+B %':>6}")
        rmse = {}
        for key in ("model", "model_mean", "persistence", "linear"):
            y = np.concatenate([r[h][key][0] for r in results])
            p = np.concatenate([r[h][key][1] for r in results])
            z = clarke_zones(y, p)
            rmse[key] = float(np.sqrt(np.mean((p - y) ** 2)))
            print(
                f"  {key:<12} {len(y):>6} {rmse[key]:>6.2f} {np.mean(np.abs(p - y)):>6.2f} "
                f"{100 * np.mean(z == 'A'):>6.2f} {100 * np.mean(np.isin(z, ['A', 'B'])):>6.2f}"
            )
        print(
            f"  RMSE ratio model/persistence: {rmse['model'] / rmse['persistence']:.3f} "
            f"(target <= 0.80)"
        )
        for tag, name in (("_cv", "cross-validation quantiles"), ("", "calibrated (shipped)")):
            cov80 = np.mean([r[h][f"cover80{tag}"] for r in results if "cover80" in r[h]])
            cov95 = np.mean([r[h][f"cover95{tag}"] for r in results if "cover95" in r[h]])
            print(
                f"  interval coverage on test, {name}: 80% -> {100 * cov80:.1f}%, "
                f"95% -> {100 * cov95:.1f}%"
            )
        per = [
            np.sqrt(np.mean((r[h]["model"][1] - r[h]["model"][0]) ** 2))
            / np.sqrt(np.mean((r[h]["persistence"][1] - r[h]["persistence"][0]) ** 2))
            for r in results
            if len(r[h]["model"][0])  # a record that ended before its test days has none
        ]
        print(
            f"  per-patient RMSE ratio: min {min(per):.3f}, median {np.median(per):.3f}, "
            f"max {max(per):.3f}"
        )


if __name__ == "__main__":
    main()
