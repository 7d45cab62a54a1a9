"""Agreement with iglu 4.3.0, the reference implementation of CGM variability metrics:
the maximum relative error per metric over iglu's example data (6 traces: the 1-subject
file and the 5-subject file), for the current ``analytics`` code and, side by side, for the
implementation before issue 16 (read from git at BASELINE_COMMIT) as the baseline.

Run: .venv/bin/python bench/iglu_reference.py

Inputs and reference values: backend/tests/analytics/data/ (README there names their origin
and sha256); the test suite asserts the same table (tests/analytics/test_iglu_reference.py).
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "backend"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from tests.analytics.test_iglu_reference import DATA, compare, subjects  # noqa: E402

BASELINE_COMMIT = "aba1c42"  # analytics/metrics.py before issue 16
# Our metric name -> (the old module's call, the reference metric it was meant to match)
OLD_CALLS = {
    "MAGE": lambda m, t, v: m.mage(t, v),
    "CONGA_n1": lambda m, t, v: m.conga(t, v, hours=1),
    "CONGA_n24": lambda m, t, v: m.conga(t, v, hours=24),
    "MODD": lambda m, t, v: m.modd(t, v),
    "MAG_fn_ndefault": lambda m, t, v: m.mag(t, v),
    "MAG_fn_n60": lambda m, t, v: m.mag(t, v),
    "LBGI": lambda m, t, v: m.lbgi(v),
    "HBGI": lambda m, t, v: m.hbgi(v),
    "ADRR": lambda m, t, v: m.adrr(t, v),
    "J_index": lambda m, t, v: m.j_index(v),
    "GRADE": lambda m, t, v: m.grade(v),
}


def _baseline_module():  # type: ignore[no-untyped-def]
    try:
        source = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:backend/glucolens/analytics/metrics.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    path = Path(tempfile.mkdtemp()) / "metrics_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("metrics_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["metrics_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def baseline_errors() -> dict[str, float]:
    old = _baseline_module()
    if old is None:
        return {}
    ref = pd.read_csv(DATA / "iglu_4.3.0_reference.csv")
    worst: dict[str, float] = {}
    for dataset in ("example_data_1_subject", "example_data_5_subject"):
        for sid, (times, v) in subjects(dataset).items():
            want = ref[(ref.dataset == dataset) & (ref.id == sid)].set_index("metric")["value"]
            for name, call in OLD_CALLS.items():
                if name not in want.index:
                    continue
                got = float(call(old, times, v))
                err = abs(got - want[name]) / abs(want[name]) if np.isfinite(got) else math.inf
                worst[name] = max(worst.get(name, 0.0), err)
    return worst


def main() -> None:
    table = compare()
    now = table.groupby("metric")["rel_err"].agg(["max", "size"])
    before = baseline_errors()
    print("max relative error against iglu 4.3.0 over its example data (6 traces)")
    print(f"{'metric':<22} {'traces':>6} {'now':>11} {'before (' + BASELINE_COMMIT + ')':>17}")
    for name, row in now.sort_index().iterrows():
        old = before.get(str(name))
        old_text = "-" if old is None else f"{100 * old:.3g}%"
        print(f"{name:<22} {int(row['size']):>6} {100 * row['max']:>10.2e}% {old_text:>17}")
    print(f"worst now: {100 * now['max'].max():.2e}% (limit 0.1%)")


if __name__ == "__main__":
    main()
