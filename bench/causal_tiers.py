"""How often each confidence tier of a daily causal link is wrong, with and without the
calendar (weekend) term, on simulated users with and without a weekly rhythm.

Each simulated user gets a random graph (glucolens.analytics.scm.random_graph, 2-5
edges, |coef| ~ U(0.3, 0.6), lags 1-7) and is simulated twice from the same seed: once
as in bench/causal_recovery.py ("plain") and once with a weekend rhythm
(scm.WEEKEND_SHIFT: later bedtime, more sleep and carbs, fewer steps, higher glucose on
Saturdays and Sundays; a common cause, never an edge). ``discover_daily`` runs on each
user with ``calendar=False`` (the baseline, as shipped before) and ``calendar=True``.

Per cell it prints, for the two tiers the app shows (established q < 0.01, tentative
0.01 <= q < 0.05) and for all links: links reported, false links, the precision with its
95 % Wilson interval, and for all links the recall and the share of false links at lag 7.
The last lines are the counts to copy into ``causal_model.MEASURED_TIERS``.

    nice -n 10 .venv/bin/python bench/causal_tiers.py [--users 300] [--seed 0]
        [--days 90 180] [--jobs 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

try:
    import glucolens  # noqa: F401
except ImportError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from joblib import Parallel, delayed

from glucolens.analytics.causal import ESTABLISHED_Q, discover_daily
from glucolens.analytics.scm import WEEKEND_SHIFT, random_graph, simulate_user

SCENARIOS = {"plain": None, "weekly": WEEKEND_SHIFT}
TIERS = ("established", "tentative", "all")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def run_one(user: int, days: int, seed: int) -> list[dict]:
    user_seed = seed * 100_003 + user
    graph = random_graph(user_seed)
    out = []
    for scenario, weekly in SCENARIOS.items():
        features, outcomes, true_edges = simulate_user(
            days, graph, seed=user_seed + 7, weekly=weekly
        )
        truth = {e.key for e in true_edges}
        for calendar in (False, True):
            found = discover_daily((features, outcomes), calendar=calendar)
            tiers = {
                "established": found.edge_keys(max_q=ESTABLISHED_Q),
                "all": found.edge_keys(),
            }
            tiers["tentative"] = tiers["all"] - tiers["established"]
            out.append(
                {
                    "days": days,
                    "scenario": scenario,
                    "calendar": calendar,
                    "truth": truth,
                    **tiers,
                }
            )
    return out


def summarise(rows: list[dict], tier: str) -> dict:
    reported = sum(len(r[tier]) for r in rows)
    false = [k for r in rows for k in r[tier] - r["truth"]]
    tp = reported - len(false)
    n_true = sum(len(r["truth"]) for r in rows)
    return {
        "reported": reported,
        "false": len(false),
        "precision": tp / reported if reported else math.nan,
        "interval": wilson(tp, reported),
        "recall": tp / n_true if n_true else math.nan,
        "lag7": sum(k[2] == 7 for k in false),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, nargs="+", default=[90, 180])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    nested = Parallel(n_jobs=args.jobs)(
        delayed(run_one)(u, d, args.seed) for d in args.days for u in range(args.users)
    )
    rows = [row for user_rows in nested for row in user_rows]
    elapsed = time.perf_counter() - started

    print(
        f"causal_tiers: {args.users} users per cell, seed {args.seed}, days {args.days}; "
        f"random graphs of 2-5 edges, |coef| ~ U(0.3, 0.6); tiers: established "
        f"q < {ESTABLISHED_Q}, tentative {ESTABLISHED_Q} <= q < 0.05; precision with a 95 % "
        "Wilson interval; 'no cal.' is the baseline (no calendar term)"
    )
    head = f"{'days':>4} {'SCM':<7} {'tier':<12}"
    cell = "{:>5} {:>4} {:>20}"
    print(
        head
        + " | "
        + cell.format("links", "FP", "precision [95% CI]")
        + " lag7FP recall"
        + " | "
        + cell.format("links", "FP", "precision [95% CI]")
        + " lag7FP recall"
    )
    print(f"{'':>25} | {'no calendar (baseline)':<46} | {'calendar (weekend term)':<46}")
    counts: dict[tuple[str, int], dict[str, tuple[int, int]]] = {}
    for days in args.days:
        for scenario in SCENARIOS:
            for tier in TIERS:
                parts = []
                for calendar in (False, True):
                    subset = [
                        r
                        for r in rows
                        if r["days"] == days
                        and r["scenario"] == scenario
                        and r["calendar"] == calendar
                    ]
                    s = summarise(subset, tier)
                    lo, hi = s["interval"]
                    prec = f"{s['precision']:.3f} [{lo:.2f}, {hi:.2f}]"
                    parts.append(
                        cell.format(s["reported"], s["false"], prec)
                        + f" {s['lag7']:>6} {s['recall']:6.3f}"
                    )
                    if calendar and tier != "all":
                        counts.setdefault((scenario, days), {})[tier] = (
                            s["reported"],
                            s["false"],
                        )
                print(f"{days:>4} {scenario:<7} {tier:<12} | " + " | ".join(parts))
    print("counts with the calendar term, (links, false links) per tier:")
    for (scenario, days), tiers in counts.items():
        print(f"  {scenario} {days}: {tiers}")
    print(f"total wall time {elapsed:.1f} s")


if __name__ == "__main__":
    main()
