"""The streaming matrix profile kept between insight runs (``update_novelty``)."""

import numpy as np
import pandas as pd
import pytest

from glucolens.analytics.streaming import IncrementalProfile, update_novelty

M = 24
HISTORY = 400


def _times(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2024-03-01", periods=n, freq="5min", tz="UTC")


def _noisy(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0, 2, n))
    return 130 + walk - np.linspace(0, walk[-1], n) + 25 * np.sin(np.arange(n) / 9)


def test_state_round_trip_continues_exactly_like_an_unbroken_stream():
    values = _noisy(600, seed=1)
    times = _times(600)
    unbroken = IncrementalProfile(times[:HISTORY], values[:HISTORY], M)
    restored = IncrementalProfile.from_bytes(
        IncrementalProfile(times[:HISTORY], values[:HISTORY], M).to_bytes()
    )
    for v in values[HISTORY:]:
        unbroken.update(float(v))
        restored.update(float(v))
    assert np.array_equal(restored.profile, unbroken.profile)
    assert np.array_equal(restored.indices, unbroken.indices)
    assert np.array_equal(restored.left_profile, unbroken.left_profile)
    assert restored.last_time == unbroken.last_time == times[-1]


def test_incremental_novelty_equals_a_recomputation_on_the_same_data():
    values = _noisy(700, seed=2)
    values[-M:] = 130 + 40 * np.sign(np.sin(np.arange(M) * np.pi / 2))  # sensor oscillation
    times = _times(700)
    _, state = update_novelty(None, times[:600], values[:600], M, history_points=HISTORY)
    assert state is not None
    incremental, _ = update_novelty(state, times, values, M, history_points=HISTORY)
    batch, _ = update_novelty(None, times, values, M, history_points=HISTORY)
    assert incremental is not None and batch is not None
    assert incremental.mode == "incremental" and incremental.recompute_reason is None
    assert batch.mode == "recomputed"
    # The newest window's best earlier match lies inside both histories.
    assert incremental.distance == pytest.approx(batch.distance, abs=1e-6)
    assert incremental.end == batch.end
    assert incremental.flagged


def test_edited_past_reading_forces_a_recomputation():
    values = _noisy(700, seed=3)
    times = _times(700)
    _, state = update_novelty(None, times[:600], values[:600], M, history_points=HISTORY)
    edited = values.copy()
    edited[550] += 30.0
    novelty, new_state = update_novelty(state, times, edited, M, history_points=HISTORY)
    assert novelty is not None and novelty.mode == "recomputed"
    assert novelty.recompute_reason is not None and "edited" in novelty.recompute_reason
    assert new_state is not None


@pytest.mark.parametrize(
    ("blob", "reason"),
    [(b"not a state", "unreadable"), (None, "no stored state")],
)
def test_missing_or_corrupt_state_falls_back_to_a_full_set_up(blob, reason):
    values = _noisy(500, seed=4)
    novelty, state = update_novelty(blob, _times(500), values, M, history_points=HISTORY)
    assert novelty is not None and novelty.mode == "recomputed"
    assert reason in (novelty.recompute_reason or "")
    assert state is not None


def test_stale_or_deleted_history_falls_back():
    values = _noisy(1000, seed=5)
    times = _times(1000)
    _, state = update_novelty(None, times[:600], values[:600], M, history_points=HISTORY)
    # Newest readings deleted: the grid now ends before the state does.
    novelty, _ = update_novelty(state, times[:590], values[:590], M, history_points=HISTORY)
    assert novelty is not None and "deleted" in (novelty.recompute_reason or "")
    # A state more than a day behind.
    novelty, _ = update_novelty(state, times, values, M, history_points=HISTORY)
    assert novelty is not None and "too old" in (novelty.recompute_reason or "")


def test_gap_after_the_state_is_never_matched():
    values = _noisy(700, seed=6)
    times = _times(700)
    _, state = update_novelty(None, times[:600], values[:600], M, history_points=HISTORY)
    keep = np.r_[np.arange(620), np.arange(640, 700)]  # a 100-minute gap, then readings
    novelty, _ = update_novelty(state, times[keep], values[keep], M, history_points=HISTORY)
    assert novelty is not None and novelty.mode == "incremental"
    inc = IncrementalProfile.from_bytes(
        update_novelty(state, times[keep], values[keep], M, history_points=HISTORY)[1] or b""
    )
    last_start = 700 - M  # window start of profile[-1]
    holding_gap = inc.profile[620 - M + 1 - last_start - 1 : 640 - last_start - 1]
    assert len(holding_gap) == 20 + M - 1 and np.isinf(holding_gap).all()
    assert np.isfinite(inc.profile[-1]) and np.isfinite(inc.profile[620 - M - last_start - 1])


def test_too_little_data_gives_no_novelty():
    assert update_novelty(None, _times(30), _noisy(30), M) == (None, None)
