"""Recovery of planted daily causal edges: PCMCI vs the lagged-Pearson baseline.

Each simulated user gets its own random graph (glucolens.analytics.scm.random_graph) and
its own SCM draw. An edge counts as recovered only if (source, target, lag) all match.
Precision, recall and F1 are pooled over users (micro-averaged); the spread over blocks
of 50 users shows how much one block (one "seed") can flatter or hurt the method.

Rows printed per length:
- ``pcmci``: every reported edge (BH q < 0.05), and ``pcmci est.``: the edges the app
  labels "established" (q < 0.01); the rest are labelled "tentative".
- ``pearson``: the lagged-correlation baseline (glucolens.analytics.correlations).
- ``oracle``: the best any test-based method could do on the same data: every
  hypothesis is tested given the outcome's lag 1 and the *true* other parents, and the
  pooled p-value threshold is chosen after the fact to maximise recall at precision
  >= 0.90. It is a ceiling, not a method.

    .venv/bin/python bench/causal_recovery.py [--users 200] [--seed 0] [--days 60 90 180]
        [--coef 0.3 0.6] [--edges N]
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

import numpy as np
from joblib import Parallel, delayed

from glucolens.analytics.causal import ESTABLISHED_Q, _lagged, _partial_corr, discover_daily
from glucolens.analytics.correlations import daily_aligned, pearson_baseline_edges
from glucolens.analytics.features import FEATURE_COLUMNS, OUTCOME_COLUMNS
from glucolens.analytics.scm import random_graph, simulate_user

BLOCK = 50
ORACLE_PRECISION = 0.90


def oracle_pvalues(features, outcomes, true_edges) -> list[tuple[bool, float]]:
    """(is_true, p) for every feature -> outcome hypothesis, tested given the outcome's
    lag 1 and its true parents other than the tested link."""
    features, outcomes = daily_aligned(features, outcomes)
    truth = {e.key for e in true_edges}
    out = []
    for target in OUTCOME_COLUMNS:
        y = outcomes[target].to_numpy(dtype=float)
        parents = [(e.source, e.lag) for e in true_edges if e.target == target]
        for source in FEATURE_COLUMNS:
            x = features[source].to_numpy(dtype=float)
            for lag in range(1, 8):
                conds = [_lagged(y, 1)] + [
                    _lagged(features[s].to_numpy(dtype=float), k)
                    for s, k in parents
                    if (s, k) != (source, lag)
                ]
                _, p = _partial_corr(_lagged(x, lag), y, conds)
                out.append(((source, target, lag) in truth, p))
    return out


def run_one(
    user: int, days: int, seed: int, coef: tuple[float, float], n_edges: int | None
) -> dict:
    user_seed = seed * 100_003 + user
    graph = random_graph(user_seed, n_edges, coef_range=coef)
    features, outcomes, true_edges = simulate_user(days, graph, seed=user_seed + 7)
    started = time.perf_counter()
    graph_found = discover_daily((features, outcomes))
    seconds = time.perf_counter() - started
    return {
        "user": user,
        "days": days,
        "truth": {e.key for e in true_edges},
        "pcmci": graph_found.edge_keys(),
        "pcmci_est": graph_found.edge_keys(max_q=ESTABLISHED_Q),
        "pearson": set(pearson_baseline_edges(features, outcomes)),
        "oracle": oracle_pvalues(features, outcomes, true_edges),
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


def oracle_ceiling(results: list[dict]) -> tuple[float, float, int, int, int]:
    """Max pooled recall at precision >= ORACLE_PRECISION over all p-value thresholds."""
    pairs = [pair for r in results for pair in r["oracle"]]
    is_true = np.array([t for t, _ in pairs])
    order = np.argsort(np.array([p for _, p in pairs]), kind="stable")
    hits = is_true[order]
    tp, fp = np.cumsum(hits), np.cumsum(~hits)
    n_true = int(is_true.sum())
    ok = np.flatnonzero(tp / (tp + fp) >= ORACLE_PRECISION)
    if not ok.size:
        return float("nan"), 0.0, 0, 0, n_true
    best = ok[np.argmax(tp[ok])]
    t, f = int(tp[best]), int(fp[best])
    return t / (t + f), t / n_true, t, f, n_true - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--days", type=int, nargs="+", default=[60, 90, 180])
    parser.add_argument("--coef", type=float, nargs=2, default=[0.3, 0.6], metavar=("LO", "HI"))
    parser.add_argument(
        "--edges", type=int, default=None, help="edges per user graph (default: 2-5 at random)"
    )
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    coef = (args.coef[0], args.coef[1])

    started = time.perf_counter()
    jobs = [(u, d) for d in args.days for u in range(args.users)]
    results = Parallel(n_jobs=args.jobs)(
        delayed(run_one)(u, d, args.seed, coef, args.edges) for u, d in jobs
    )
    elapsed = time.perf_counter() - started

    n_edges = sum(len(r["truth"]) for r in results) // len(args.days)
    print(
        f"causal_recovery: {args.users} users x {args.days} days, seed {args.seed}, "
        f"|coef| ~ U({coef[0]}, {coef[1]}), {n_edges} true edges per length "
        f"(random graphs); PCMCI at BH q < 0.05, 'est.' = established (q < {ESTABLISHED_Q})"
    )
    header = f"{'days':>5} {'method':<11} {'precision':>9} {'recall':>7} {'F1':>6} "
    print(header + f"{'TP':>5} {'FP':>5} {'FN':>5} {'s/user':>7}")
    for days in args.days:
        subset = [r for r in results if r["days"] == days]
        per_user = sum(r["seconds"] for r in subset) / len(subset)
        for method, label in (
            ("pcmci", "pcmci"),
            ("pcmci_est", "pcmci est."),
            ("pearson", "pearson"),
        ):
            p, r, f1, tp, fp, fn = scores(subset, method)
            timing = f"{per_user:7.2f}" if method == "pcmci" else f"{'':>7}"
            print(
                f"{days:>5} {label:<11} {p:9.3f} {r:7.3f} {f1:6.3f} "
                f"{tp:5d} {fp:5d} {fn:5d} {timing}"
            )
        p, r, tp, fp, fn = oracle_ceiling(subset)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{days:>5} {'oracle':<11} {p:9.3f} {r:7.3f} {f1:6.3f} {tp:5d} {fp:5d} {fn:5d}")

    blocks = max(1, args.users // BLOCK)
    if blocks > 1:
        print(f"PCMCI (q < 0.05) spread over {blocks} blocks of {BLOCK} users:")
        for days in args.days:
            cells = []
            for b in range(blocks):
                block = [r for r in results if r["days"] == days and r["user"] // BLOCK == b]
                p, r, *_ = scores(block, "pcmci")
                cells.append(f"{p:.3f}/{r:.3f}")
            print(f"{days:>5} precision/recall: " + "  ".join(cells))

    bins = np.linspace(coef[0], coef[1], 4)
    print("PCMCI recall by true |coef| (effect of 1 feature SD in outcome-noise SDs):")
    labels = [f"[{lo:.2f},{hi:.2f})" for lo, hi in zip(bins[:-1], bins[1:], strict=True)]
    print(f"{'days':>5} " + " ".join(f"{label:>12}" for label in labels))
    for days in args.days:
        subset = [r for r in results if r["days"] == days]
        cells = []
        for i, (lo, hi) in enumerate(zip(bins[:-1], bins[1:], strict=True)):
            last = i == len(bins) - 2
            keys = [
                (r, k)
                for r in subset
                for k, c in r["coefs"].items()
                if lo <= c < hi or (last and c == hi)
            ]
            hit = sum(k in r["pcmci"] for r, k in keys)
            cells.append(f"{hit / len(keys):12.3f}" if keys else f"{'-':>12}")
        print(f"{days:>5} " + " ".join(cells))
    print(f"total wall time {elapsed:.1f} s")


if __name__ == "__main__":
    main()
