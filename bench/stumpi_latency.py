"""Per-reading ``stumpi`` update latency over a 90-day history, as the insight job's
novelty step and the streaming profile pay it, with and without background load.

Two ways of updating the same profile, in the same run, each measured idle and beside
``--busy`` processes that spin on the CPU (the state of a shared 2-core machine):

- ``baseline``: ``stumpy.stumpi.update`` as STUMPY ships it: its one-window mean and
  standard deviation run in a ``parallel=True`` loop, so every update wakes all of
  numba's threads and waits for them.
- ``IncrementalProfile``: ``glucolens.analytics.streaming``'s update, which runs that loop
  on the calling thread alone (``numba.set_num_threads(1)`` around the update).

The first updates (numba compiling or loading the update's functions) are reported apart
and left out of the percentiles. "Idle" means no load added by this bench; the machine's
load average at that moment is printed beside it.

Run: nice -n 10 .venv/bin/python bench/stumpi_latency.py [--updates 1000] [--busy 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

WINDOW = 36  # 3 h of 5-minute readings, the novelty window
HISTORY = 90 * 288
WARMUP_UPDATES = 5


def _spin(stop: mp.synchronize.Event) -> None:  # type: ignore[name-defined]
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x += i * i


def _series(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 140 + 40 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 10, n)


def _measure(update, values: np.ndarray) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    lat = []
    for v in values:
        t0 = time.perf_counter()
        update(float(v))
        lat.append((time.perf_counter() - t0) * 1000)
    return lat[:WARMUP_UPDATES], lat[WARMUP_UPDATES:]


def run(updates: int) -> dict[str, tuple[list[float], list[float]]]:
    from glucolens.analytics.profile import _is_flat, _stumpy
    from glucolens.analytics.streaming import IncrementalProfile

    values = _series(HISTORY + 2 * updates)
    history, stream = values[:HISTORY], values[HISTORY:]
    stumpy = _stumpy()
    base = stumpy.stumpi(history, WINDOW, egress=True, T_subseq_isconstant_func=_is_flat)
    times = pd.date_range("2024-01-01", periods=HISTORY, freq="5min", tz="UTC")
    ours = IncrementalProfile(times, history, WINDOW)
    out = {
        "baseline": _measure(base.update, stream[:updates]),
        "IncrementalProfile": _measure(ours.update, stream[:updates]),
    }
    # Same distances either way: the thread count changes scheduling, not arithmetic.
    assert np.allclose(base.P_, ours.profile, equal_nan=True), "profiles differ"
    return out


def _row(label: str, load: str, first: list[float], rest: list[float]) -> str:
    p50, p95 = np.percentile(rest, 50), np.percentile(rest, 95)
    return (
        f"{label:<20} {load:<26} {p50:7.2f} {p95:7.2f} {max(rest):8.2f}   "
        f"{' '.join(f'{x:.1f}' for x in first)}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=1000)
    ap.add_argument("--busy", type=int, default=2, help="spinning processes for 'loaded'")
    a = ap.parse_args()
    import numba

    print(
        f"stumpi update latency, history {HISTORY:,} points, window {WINDOW}, "
        f"{a.updates} updates; numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} "
        f"threads, {os.cpu_count()} CPUs; target p50 < 5 ms"
    )
    print(f"{'update':<20} {'load':<26} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>8}   first calls ms")
    rows = []
    idle_load = f"idle (loadavg {os.getloadavg()[0]:.1f})"
    for label, (first, rest) in run(a.updates).items():
        rows.append(_row(label, idle_load, first, rest))
    stop = mp.Event()
    procs = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(a.busy)]
    for p in procs:
        p.start()
    try:
        time.sleep(1.0)
        busy_load = f"{a.busy} busy (loadavg {os.getloadavg()[0]:.1f})"
        for label, (first, rest) in run(a.updates).items():
            rows.append(_row(label, busy_load, first, rest))
    finally:
        stop.set()
        for p in procs:
            p.join(5)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
