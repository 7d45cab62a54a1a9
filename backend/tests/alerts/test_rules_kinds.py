"""The decision rules of issue 14 (alerts/rules.py, alerts/stale_rules.py), continued: rule 7
(escalation) and the kinds table, one behaviour per test, no database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glucolens.alerts import rules, stale_rules
from glucolens.alerts.defaults import effective_configs
from glucolens.alerts.rules import UserAlerting, evaluate
from tests.alerts._rules_support import MIN, NOW, by_kind, ep, series, user


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """These tests touch no database: skip conftest's per-test table cleanup (over a
    second per test on a busy PostgreSQL)."""
    yield


# Rule 7: escalation


def test_rule7_urgent_low_unacknowledged_ten_minutes_escalates_to_the_contact():
    d = stale_rules.escalation(
        ep(rules.URGENT_LOW, opened_at=NOW - 10 * MIN), user(has_emergency_contact=True), NOW
    )
    assert d is not None and d.notify and d.purpose == "escalate"


def test_rule7_escalation_without_contact_is_recorded_with_reason():
    d = stale_rules.escalation(ep(rules.URGENT_LOW, opened_at=NOW - 11 * MIN), user(), NOW)
    assert d is not None and not d.notify and d.reason == "no_contact"


def test_rule7_no_escalation_when_acknowledged_early_or_already_escalated():
    u = user(has_emergency_contact=True)
    assert stale_rules.escalation(ep(rules.URGENT_LOW, opened_at=NOW - 9 * MIN), u, NOW) is None
    assert stale_rules.escalation(ep(rules.URGENT_LOW, acknowledged_at=NOW - MIN), u, NOW) is None
    assert stale_rules.escalation(ep(rules.URGENT_LOW, escalated_at=NOW - MIN), u, NOW) is None


# Rule 8 (rows and attempts) is the engine's and delivery's: see test_engine*.py. Kinds:


def test_kind_urgent_low_repeats_every_five_minutes():
    open_ul = {
        rules.URGENT_LOW: ep(rules.URGENT_LOW, last_notified_at=NOW - 5 * MIN, notify_count=1)
    }
    assert by_kind(evaluate(series(50), open_ul, user(), NOW))[rules.URGENT_LOW].notify


def test_kind_urgent_low_soon_from_the_damped_trend_while_falling_below_110():
    out = by_kind(evaluate(series(100, 92, 84, 76, 68, 61), {}, user(), NOW))
    soon = out[rules.URGENT_LOW_SOON]
    assert soon.action == "open" and soon.notify and soon.details["forecast_mgdl"] <= 55


def test_kind_urgent_low_soon_not_when_above_110_or_not_falling():
    assert rules.URGENT_LOW_SOON not in by_kind(
        evaluate(series(160, 145, 130, 115), {}, user(), NOW)
    )
    assert rules.URGENT_LOW_SOON not in by_kind(
        evaluate(series(62, 61, 62, 62, 61), {}, user(), NOW)
    )


def test_kind_urgent_low_soon_closes_when_urgent_low_comes_true():
    open_soon = {
        rules.URGENT_LOW_SOON: ep(
            rules.URGENT_LOW_SOON, last_notified_at=NOW - 5 * MIN, notify_count=1
        )
    }
    out = by_kind(evaluate(series(70, 62, 54), open_soon, user(), NOW))
    assert out[rules.URGENT_LOW].action == "open"
    assert (
        out[rules.URGENT_LOW_SOON].action == "close"
        and out[rules.URGENT_LOW_SOON].reason == "escalated"
    )


def test_kind_urgent_high_is_off_by_default_and_repeats_every_thirty_minutes_when_on():
    assert rules.URGENT_HIGH not in by_kind(evaluate(series(320), {}, user(), NOW))
    on = user(overrides={rules.URGENT_HIGH: {"enabled": True}})
    assert by_kind(evaluate(series(320), {}, on, NOW))[rules.URGENT_HIGH].notify
    open_uh = {
        rules.URGENT_HIGH: ep(rules.URGENT_HIGH, last_notified_at=NOW - 29 * MIN, notify_count=1)
    }
    assert rules.URGENT_HIGH not in by_kind(evaluate(series(320), open_uh, on, NOW))


def test_kind_falling_fast_on_three_consecutive_readings_only_below_150():
    on = user(overrides={rules.FALLING_FAST: {"enabled": True}})
    fast = series(140, 129, 118, 107, every_min=5)  # 2.2 mg/dL/min each
    assert by_kind(evaluate(fast, {}, on, NOW))[rules.FALLING_FAST].notify
    high_up = series(240, 229, 218, 207, every_min=5)
    assert rules.FALLING_FAST not in by_kind(evaluate(high_up, {}, on, NOW))


def test_kind_rising_fast_on_the_fifteen_minute_slope_only_above_150():
    on = user(overrides={rules.RISING_FAST: {"enabled": True}})
    # One of the last three steps is below the rate (1.6), the 15-min slope is 2.24.
    rising = series(160, 172, 180, 193, 205, every_min=5)
    assert by_kind(evaluate(rising, {}, on, NOW))[rules.RISING_FAST].notify
    low_side = series(60, 72, 84, 96, 108, every_min=5)
    assert rules.RISING_FAST not in by_kind(evaluate(low_side, {}, on, NOW))


def test_kind_rates_are_off_by_default():
    out = by_kind(evaluate(series(140, 129, 118, 107), {}, user(), NOW))
    assert rules.FALLING_FAST not in out


def test_kind_effective_configs_over_user_rows_feed_the_rules():
    class Row:
        kind, enabled, threshold, repeat_min, persist_min, options = (
            rules.LOW,
            True,
            80.0,
            None,
            None,
            {},
        )

    u = UserAlerting(configs=effective_configs([Row()]))
    assert by_kind(evaluate(series(78), {}, u, NOW))[rules.LOW].notify


def test_kind_urgent_low_soon_path_is_the_forecasters_damped_trend():
    from glucolens.analytics.forecast import _damped_delta, damped_trend_path

    readings = series(100, 92, 84, 76)
    path = damped_trend_path([r.at for r in readings], [r.value_mgdl for r in readings], 20)
    assert [m for m, _ in path] == [5, 10, 15, 20]
    for minutes, value in path:
        assert value == pytest.approx(76 + float(_damped_delta(-1.6, minutes)))
