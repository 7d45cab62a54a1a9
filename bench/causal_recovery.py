"""Recovery of planted daily causal edges: PCMCI vs the lagged-Pearson baseline.

Each simulated user gets its own random graph (glucolens.analytics.scm.random_graph) and
its own SCM draw. An edge counts as recovered only if (source, target, lag) all match.
Precision, recall and F1 are pooled over users (micro-averaged).

    .venv/bin/python bench/causal_recovery.py [--users 50] [--seed 0] [--days 60 90 180]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

try:
    import glucolens  # noqa: F401
except ImportError:  # not installed: run from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from joblib import Parallel, delayed

from glucolens.analytics.causal import discover_daily
from glucolens.analytics.correlations import pearson_baseline_edges
from glucolens.analytics.scm import random_graph, simulate_user

STRENGTH_BINS = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6)]


def run_one(user: int, days: int, seed: int) -> dict:
    user_seed = seed * 100_003 + user
    graph = random_graph(user_seed)
    features, outcomes, true_edges = simulate_user(days, graph, seed=user_seed + 7)
    truth = {e.key for e in true_edges}
    started = time.perf_counter()
    found = discover_daily((features, outcomes)).edge_keys()
    seconds = time.perf_counter() - started
    baseline = set(pearson_baseline_edges(features, outcomes))
    return {
        "days": days,
        "truth": truth,
        "pcmci": found,
        "pearson": baseline,
        "coefs": {e.key: abs(e.coef) for e in true_edges},
        "seconds": seconds,
    }


def scores(results: list[dict], method: str) -> tuple[float, float, float, int, int, int]:
    tp = sum(len(r["truth"] & r[method]) for r in results)
    fp = sum(len(r[method] - r["truth"]) for r in results)
    fn = sum(len(r["truth"] - r[method]) for r in results)
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp, fp, fn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, nargs="+", default=[60, 90, 180])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    jobs = [(u, d) for d in args.days for u in range(args.users)]
    results = Parallel(n_jobs=args.jobs)(delayed(run_one)(u, d, args.seed) for u, d in jobs)
    elapsed = time.perf_counter() - started

    n_edges = sum(len(r["truth"]) for r in results) // len(args.days)
    print(
        f"causal_recovery: {args.users} users x {args.days} days, seed {args.seed}, "
        f"{n_edges} true edges per length (random graphs), alpha = 0.05 (BH)"
    )
    header = f"{'days':>5} {'method':<8} {'precision':>9} {'recall':>7} {'F1':>6} "
    print(header + f"{'TP':>5} {'FP':>5} {'FN':>5} {'s/user':>7}")
    for days in args.days:
        subset = [r for r in results if r["days"] == days]
        per_user = sum(r["seconds"] for r in subset) / len(subset)
        for method in ("pcmci", "pearson"):
            p, r, f1, tp, fp, fn = scores(subset, method)
            timing = f"{per_user:7.2f}" if method == "pcmci" else f"{'':>7}"
            print(
                f"{days:>5} {method:<8} {p:9.3f} {r:7.3f} {f1:6.3f} "
                f"{tp:5d} {fp:5d} {fn:5d} {timing}"
            )
    print("PCMCI recall by true |coef| (effect of 1 feature SD in outcome-noise SDs):")
    print(f"{'days':>5} " + " ".join(f"{f'[{lo},{hi})':>10}" for lo, hi in STRENGTH_BINS))
    for days in args.days:
        subset = [r for r in results if r["days"] == days]
        cells = []
        for lo, hi in STRENGTH_BINS:
            keys = [(r, k) for r in subset for k, c in r["coefs"].items() if lo <= c < hi]
            hit = sum(k in r["pcmci"] for r, k in keys)
            cells.append(f"{hit / len(keys):10.3f}" if keys else f"{'-':>10}")
        print(f"{days:>5} " + " ".join(cells))
    print(f"total wall time {elapsed:.1f} s")


if __name__ == "__main__":
    main()
