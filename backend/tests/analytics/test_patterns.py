import json

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics import patterns
from glucolens.analytics.patterns import (
    IncrementalProfile,
    find_discords,
    find_motifs,
    label_shape,
    pattern_report,
    regularize,
)

M = 24  # 2-hour window keeps the series (and the tests) small


def _times(n: int, start: str = "2024-03-01") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="5min", tz="UTC")


def _noisy(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 2, n))
    return 130 + walk - np.linspace(0, walk[-1], n) + rng.normal(0, 3, n)


def _spike() -> np.ndarray:
    x = np.arange(M)
    return 60 * np.sin(np.pi * x / (M - 1)) ** 2 * np.exp(-x / M)


def test_regularize_interpolates_short_gaps_only():
    times = _times(20).delete([5, 6, 12, 13, 14, 15])  # 15-min gap, then 25-min gap
    values = np.arange(20, dtype=float)[np.isin(np.arange(20), [5, 6, 12, 13, 14, 15], invert=True)]
    grid, series = regularize(times, values)
    assert len(grid) == 20
    assert series[5] == pytest.approx(5.0) and series[6] == pytest.approx(6.0)
    assert np.isnan(series[12:16]).all()


def test_nan_window_is_never_motif_discord_or_neighbour():
    n = 600
    values = _noisy(n)
    values[300:330] = 400.0  # would be the top discord if it were matchable
    values[300:330] = np.nan
    times = _times(n)
    profile = patterns._compute_profile(times, values, M)
    bad = np.arange(300 - M + 1, 330)
    assert np.isinf(profile.mp[bad]).all()
    assert (profile.neighbours[bad] == -1).all()
    assert not np.isin(profile.neighbours, bad).any()
    for a in find_discords(times, values, M, k=5):
        start = times.get_loc(pd.Timestamp(a.start))
        assert start not in bad
    for motif in find_motifs(times, values, M, k=3):
        for occ in motif.occurrences:
            assert times.get_loc(pd.Timestamp(occ)) not in bad


def test_planted_motif_is_found_with_raw_mean_shape():
    n = 800
    values = _noisy(n, seed=1)
    starts = [100, 300, 520, 700]
    for s in starts:
        values[s : s + M] += _spike() * 1.5
    times = _times(n)
    motifs = find_motifs(times, values, M, k=1)
    found = {times.get_loc(pd.Timestamp(t)) for t in motifs[0].occurrences}
    assert sum(any(abs(f - s) <= M // 2 for f in found) for s in starts) >= 3
    assert max(motifs[0].mean_shape) - min(motifs[0].mean_shape) > 35  # planted peak: 54


def test_planted_anomaly_is_top_discord():
    n = 800
    values = 130 + 40 * np.sin(2 * np.pi * np.arange(n) / 96)
    values += np.random.default_rng(2).normal(0, 2, n)
    values[400:412] = 60.0
    anomaly = find_discords(_times(n), values, M, k=1)[0]
    start = _times(n).get_loc(pd.Timestamp(anomaly.start))
    assert 400 - M < start < 412
    assert anomaly.z_score > 2


def test_incremental_profile_matches_batch_recomputation():
    n, history, m = 420, 250, M
    values = _noisy(n, seed=3)
    values[150:158] = np.nan
    times = _times(n)
    inc = IncrementalProfile(times[:history], values[:history], m)
    for v in values[history:]:
        inc.update(v)
    # Brute force: z-normalised distance to every window held at the same time.
    w = np.lib.stride_tricks.sliding_window_view(values, m)
    finite = np.isfinite(w).all(axis=1)
    z = (w - w.mean(axis=1, keepdims=True)) / w.std(axis=1, keepdims=True)
    d = np.sqrt(np.maximum(0.0, 2 * m * (1 - (z @ z.T) / m)))
    flat = w.std(axis=1) < patterns.FLAT_SD_MGDL
    d[flat, :] = np.sqrt(m)
    d[:, flat] = np.sqrt(m)
    d[np.ix_(flat, flat)] = 0.0
    d[~finite, :] = np.inf
    d[:, ~finite] = np.inf
    lag = np.abs(np.subtract.outer(np.arange(len(w)), np.arange(len(w))))
    windows_held = history - m + 1
    d[(lag <= int(np.ceil(m / 4))) | (lag > windows_held - 1)] = np.inf
    expected = d.min(axis=1)[-windows_held:]
    got = inc.profile
    assert (np.isfinite(got) == np.isfinite(expected)).all()
    assert np.allclose(got[np.isfinite(got)], expected[np.isfinite(expected)], atol=1e-6)
    assert inc.left_profile[-1] == pytest.approx(got[-1])


def test_incremental_update_bridges_short_gaps_and_marks_long_ones():
    values = _noisy(200, seed=4)
    times = _times(200)
    inc = IncrementalProfile(times, values, M)
    inc.update(100.0, at=times[-1] + pd.Timedelta(minutes=15))  # two slots missed
    assert inc.series[-3:] == pytest.approx(
        [values[-1] + (100 - values[-1]) * f for f in (1 / 3, 2 / 3, 1)]
    )
    assert np.isfinite(inc.profile[-1])
    inc.update(100.0, at=inc.last_time + pd.Timedelta(minutes=30))  # five slots missed
    assert inc.last_time == times[-1] + pd.Timedelta(minutes=45)
    assert np.isinf(inc.profile[-6:]).all()  # every window holding a missed slot
    assert np.isfinite(inc.profile[-7])


@pytest.mark.parametrize(
    ("shape", "start_hour", "label"),
    [
        (
            np.r_[np.full(12, 100.0), np.linspace(100, 170, 12), np.linspace(170, 110, 12)],
            12.0,
            "Spike after lunch (around 13:55)",
        ),
        (
            np.r_[np.full(12, 90.0), np.full(12, 62.0), np.full(12, 85.0)],
            1.0,
            "Recurring overnight low (around 02:00)",
        ),
        (np.linspace(100, 135, 36), 3.0, "Dawn rise (around 05:55)"),
        (np.linspace(100, 135, 36), 14.0, "Recurring pattern (around 14:00)"),
        (np.linspace(290, 60, 36), 15.0, "Fall into a low (around 17:55)"),
        (np.r_[np.full(18, 80.0), np.full(18, 64.0)], 15.0, "Recurring daytime low (around 16:30)"),
        # A low first, then a big fall that stays in range: the low was not fallen into.
        (
            np.r_[np.full(6, 64.0), np.full(15, 220.0), np.full(15, 150.0)],
            15.0,
            "Recurring daytime low (around 15:00)",
        ),
        (np.linspace(220, 140, 36), 15.0, "Steep fall (around 17:55)"),
        (np.linspace(140, 100, 36), 15.0, "Recurring pattern (around 15:00)"),
    ],
)
def test_label_shape_rules(shape, start_hour, label):
    assert label_shape(shape, start_hour) == label


def test_pattern_report_short_history_is_insufficient_not_an_error():
    times = _times(288)
    report = pattern_report(times, _noisy(288), tz="Europe/London")
    by_window = {w.window_minutes: w for w in report.windows}
    assert report.status == "partial"
    assert by_window[1440].status == "insufficient_data"
    assert "readings" in by_window[1440].reason
    assert by_window[180].status == "ok"
    json.dumps(report.to_dict())


def test_pattern_report_empty_input():
    report = pattern_report(pd.DatetimeIndex([], tz="UTC"), np.array([]))
    assert report.status == "insufficient_data"


def test_to_dict_has_utc_z_times_and_no_nan():
    times = _times(500)
    values = _noisy(500, seed=5)
    d = find_discords(times, values, M, k=1)[0].to_dict()
    assert d["start"].endswith("Z") and "+" not in d["start"]
    json.dumps(d, allow_nan=False)


def test_flat_compression_low_is_a_discord():
    # Quiet days at ~120 with a flat 5-hour compression low at 45 mg/dL. A window inside
    # the low is "flat" to the z-normalised profile (distance 0 to every quiet window),
    # so only the mg/dL profile can flag it.
    n = 1200
    rng = np.random.default_rng(6)
    values = 120 + 3 * np.sin(2 * np.pi * np.arange(n) / 288) + rng.normal(0, 1.5, n)
    values[600:660] = 45 + rng.normal(0, 1.5, 60)
    times = _times(n)
    profile = patterns._compute_profile(times, values, M)
    inside = 620  # window 620..643 lies entirely in the low
    assert profile.mp[inside] == pytest.approx(0.0, abs=1e-6)
    assert patterns._anomaly_scores(profile)[inside] > 3
    anomaly = find_discords(times, values, M, k=1)[0]
    start = times.get_loc(pd.Timestamp(anomaly.start))
    assert 600 - M < start < 660
    assert min(anomaly.shape) < 50
    assert anomaly.z_score > 2


def test_motif_occurrences_have_similar_amplitude():
    # The same spike shape at full size 4 times and at a fifth of the size 4 times:
    # z-normalised they are identical, but a 12 mg/dL bump is not an occurrence of a
    # 90 mg/dL spike.
    n = 1000
    values = _noisy(n, seed=7)
    big, small = [100, 320, 560, 800], [200, 440, 680, 900]
    for s in big:
        values[s : s + M] += _spike() * 2
    for s in small:
        values[s : s + M] += _spike() * 0.4
    times = _times(n)
    for motif in find_motifs(times, values, M, k=3):
        found = [times.get_loc(pd.Timestamp(t)) for t in motif.occurrences]
        near_big = [any(abs(f - s) <= M // 2 for s in big) for f in found]
        near_small = [any(abs(f - s) <= M // 2 for s in small) for f in found]
        assert not (any(near_big) and any(near_small))


def test_separated_family_outranks_a_continuum_of_near_twins():
    # 40 spikes of random size and speed (a continuum with many close pairs) and a
    # two-hump shape 5 times: the two-hump family has a gap around it, the spikes do not.
    n = 4000
    rng = np.random.default_rng(8)
    values = _noisy(n, seed=8)
    x = np.arange(n, dtype=float)
    for s in rng.choice(np.arange(50, n - 100, 60), size=40, replace=False):
        tau = rng.uniform(4, 12)
        on = x > s
        values[on] += rng.uniform(40, 90) * ((x[on] - s) / tau) * np.exp(1 - (x[on] - s) / tau)
    planted = [330, 1290, 2010, 2970, 3630]
    hump = 40 * np.sin(2 * np.pi * np.arange(M) / (M - 1) * 2) * np.hanning(M)
    for s in planted:
        values[s : s + M] = 120 + hump + rng.normal(0, 2, M)
    times = _times(n)
    motifs = find_motifs(times, values, M, k=3)
    found = {times.get_loc(pd.Timestamp(t)) for t in motifs[0].occurrences}
    assert sum(any(abs(f - s) < M // 2 for f in found) for s in planted) >= 4
    assert motifs[0].separation > 1.5
    # The top k are different families: no occurrence is listed by two motifs.
    starts = [times.get_loc(pd.Timestamp(t)) for m in motifs for t in m.occurrences]
    assert all(abs(a - b) >= M for i, a in enumerate(starts) for b in starts[i + 1 :])
