"""90 days of CGM-like glucose with two clinically meaningful shapes planted, read through
simglucose's CGM sensor noise model (used by ``bench/patterns.py``).

Background (true glucose, local clock of ``TZ``, which crosses the March DST change):
three meals a day of varying time (sd 45 min), size (x0.5-1.5) and absorption speed; a
slow random walk; a night-time level that varies from night to night; one-off events
that look clinically interesting but do not recur (3 afternoon lows after exercise,
3 very large evening spikes, 2 overnight highs).

Planted:
- a nocturnal low on 7 random nights: from the night level down to a nadir of 52-62
  mg/dL at 03:00 +/- 30 min (local), treated after 10-20 min and back up over ~45 min;
- a post-breakfast spike on 8 of the Saturdays: breakfast at 08:00 +/- 20 min rising
  100-130 mg/dL within ~45 min (replaces that day's ordinary breakfast).

Sensor noise is simglucose's model (``simglucose.sensor.noise_gen.CGMNoise`` with the
GuardianRT/Dexcom parameters of its ``sensor_params.csv``): a 15-minute AR(1) process
(PACF 0.7) through a Johnson SU transform, cubic-interpolated to the 5-minute cadence;
sd about 12 mg/dL. ``noise_scale`` multiplies its deviation (``lambda`` and ``xi``) for
the low-noise variant.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass

import numpy as np
import pandas as pd
from forecast import _install_simglucose_shims

TZ = "America/New_York"
START_LOCAL = "2024-01-20"  # 90 days from here cross the DST change of 2024-03-10
STEP_MIN = 5


@dataclass
class Planted:
    times: pd.DatetimeIndex  # UTC, 5-minute
    values: np.ndarray  # sensor readings, mg/dL
    lows: list[int]  # index of each planted nadir
    spikes: list[int]  # index of each planted peak


def sensor_noise(n: int, seed: int, scale: float) -> np.ndarray:
    """``n`` 5-minute readings of simglucose's CGM noise (mg/dL)."""
    _install_simglucose_shims()
    from simglucose.sensor.noise_gen import CGMNoise

    table = pd.read_csv(importlib.resources.files("simglucose") / "params/sensor_params.csv")
    params = table[table.Name == "GuardianRT"].squeeze().to_dict()
    params["sample_time"] = STEP_MIN  # GuardianRT reads every 5 minutes, as a G6 does
    params["lambda"] *= scale
    params["xi"] *= scale
    gen = CGMNoise(params, seed=seed)
    return np.fromiter((next(gen) for _ in range(n)), dtype=float, count=n)


def _minutes(t0: pd.Timestamp, day: pd.Timestamp, hour: float) -> float:
    """Minutes from ``t0`` (UTC) to ``hour`` o'clock local on ``day``."""
    local = (day + pd.Timedelta(hours=hour)).tz_localize(TZ, nonexistent="shift_forward")
    return (local.tz_convert("UTC") - t0).total_seconds() / 60


def _bump(t: np.ndarray, start: float, amp: float, tau: float) -> np.ndarray:
    d = t - start
    out = np.zeros_like(t)
    on = d > 0
    out[on] = amp * (d[on] / tau) * np.exp(1 - d[on] / tau)
    return out


def planted_series(days: int, seed: int, noise_scale: float = 1.0) -> Planted:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(START_LOCAL, tz=TZ).tz_convert("UTC")
    n = days * 288
    times = pd.date_range(t0, periods=n, freq=f"{STEP_MIN}min")
    t = np.arange(n) * float(STEP_MIN)
    local_days = [pd.Timestamp(START_LOCAL) + pd.Timedelta(days=d) for d in range(days)]
    g = np.full(n, 120.0)
    # The night level (00:00-06:00) drifts from night to night, smoothly.
    for day in local_days:
        mid = _minutes(t0, day, 3.0)
        g += rng.normal(0, 12) * np.exp(-0.5 * ((t - mid) / 100) ** 2)
    saturdays = [d for d, day in enumerate(local_days) if day.dayofweek == 5 and 0 < d < days - 1]
    spike_days = sorted(rng.choice(saturdays, size=8, replace=False).tolist())
    spikes = []
    for d, day in enumerate(local_days):
        for hour, size in ((7.5, 50), (12.5, 70), (19, 80)):
            if hour == 7.5 and d in spike_days:
                start = _minutes(t0, day, 8.0 + rng.normal(0, 1 / 3))
                tau = rng.uniform(40, 50)
                g += _bump(t, start, rng.uniform(100, 130), tau)
                spikes.append(int(round((start + tau) / STEP_MIN)))
                continue
            start = _minutes(t0, day, hour + rng.normal(0, 0.75))
            g += _bump(t, start, size * rng.uniform(0.5, 1.5), rng.uniform(30, 90))
    walk = np.cumsum(rng.normal(0, 0.8, n))
    g += walk - np.convolve(walk, np.ones(577) / 577, "same")
    low_days = sorted(rng.choice(np.arange(1, days - 1), size=7, replace=False).tolist())
    # One-off events: interesting once, not recurring.
    others = [d for d in range(1, days - 1) if d not in spike_days and d not in low_days]
    for d in rng.choice(others, size=3, replace=False):  # exercise lows
        start = _minutes(t0, local_days[d], rng.uniform(14, 17))
        g -= _bump(t, start, rng.uniform(60, 80), rng.uniform(40, 60))
    for d in rng.choice(others, size=3, replace=False):  # a very large dinner
        start = _minutes(t0, local_days[d], rng.uniform(18.5, 20.5))
        g += _bump(t, start, rng.uniform(150, 190), rng.uniform(50, 70))
    for d in rng.choice(others, size=2, replace=False):  # a missed basal
        mid = _minutes(t0, local_days[d], rng.uniform(1, 4))
        g += 110 * np.exp(-0.5 * ((t - mid) / 90) ** 2)
    lows = []
    for d in low_days:
        nadir_min = _minutes(t0, local_days[d], 3.0 + rng.normal(0, 0.5))
        nadir = int(round(nadir_min / STEP_MIN))
        fall = int(rng.uniform(75, 105) / STEP_MIN)
        hold = int(rng.uniform(10, 20) / STEP_MIN)
        rise = int(rng.uniform(35, 55) / STEP_MIN)
        lo = rng.uniform(52, 62)
        a, b = nadir - fall, nadir + hold + rise
        level_a, level_b = g[a], g[b] + 10
        seg = np.r_[
            lo + (level_a - lo) * (1 + np.cos(np.linspace(0, np.pi, fall, endpoint=False))) / 2,
            np.full(hold, lo),
            lo + (level_b - lo) * (1 - np.cos(np.linspace(0, np.pi, rise))) / 2,
        ]
        g[a : a + len(seg)] = seg
        lows.append(nadir)
    values = np.clip(g + sensor_noise(n, seed, noise_scale), 40, 400)
    return Planted(times, values, lows, spikes)


def _old_is_spike(shape: np.ndarray, rise_mgdl: float = 50.0, within_points: int = 24) -> bool:
    n = len(shape)
    for i in range(n):
        stop = min(n, i + within_points + 1)
        j = i + int(np.argmax(shape[i:stop]))
        rise = shape[j] - shape[i]
        if rise >= rise_mgdl and j < n - 1 and shape[j] - shape[j + 1 :].min() >= rise / 2:
            return True
    return False


def old_label(shape: np.ndarray, start_hour_local: float) -> str:
    """The labeller before issue 16 (``label_shape`` at commit a617670), for the
    baseline: the mean shape and the circular mean of the windows' local start hours."""
    shape = np.asarray(shape, dtype=float)
    clock = (start_hour_local + np.arange(len(shape)) * 5 / 60.0) % 24
    if np.any((clock < 6) & (shape < 70)):
        return "nocturnal low"
    if _old_is_spike(shape):
        return "post-meal spike"
    dawn = (clock >= 3) & (clock <= 8)
    if dawn.sum() >= 2:
        seg = shape[dawn]
        if np.max(seg - np.minimum.accumulate(seg)) >= 20:
            return "dawn phenomenon"
    drop = np.maximum.accumulate(shape) - shape
    low = shape < 70
    if np.any(low):
        return "fall into a low" if np.max(drop[low]) >= 60 else "daytime low"
    if shape.size and np.max(drop) >= 60:
        return "steep fall"
    return "recurring pattern"
