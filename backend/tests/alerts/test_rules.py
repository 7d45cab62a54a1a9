"""The decision rules of issue 14 (alerts/rules.py), one behaviour per test, no database.

Readings are 5-minute CGM readings (Dexcom G6/G7 and Libre 2/3 via xDrip+ or Nightscout
uploaders send one every 5 min, some every minute); "now" is just after the newest one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest

from glucolens.alerts import rules, stale_rules
from glucolens.alerts.defaults import DEFAULTS, effective_configs
from glucolens.alerts.rules import Episode, Reading, Snooze, UserAlerting, evaluate


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """These tests touch no database: skip conftest's per-test table cleanup (over a
    second per test on a busy PostgreSQL)."""
    yield


NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def series(*values: float, every_min: float = 5.0, end: dt.datetime = NOW) -> list[Reading]:
    n = len(values)
    return [Reading(end - (n - 1 - i) * every_min * MIN, float(v)) for i, v in enumerate(values)]


def user(**kw) -> UserAlerting:
    configs = kw.pop("configs", None) or dict(DEFAULTS)
    for kind, changes in kw.pop("overrides", {}).items():
        configs[kind] = replace(configs[kind], **changes)
    return UserAlerting(configs=configs, **kw)


def ep(kind: str, **kw) -> Episode:
    kw.setdefault("is_open", True)
    kw.setdefault("opened_at", NOW - 30 * MIN)
    return Episode(kind=kind, **kw)


def by_kind(evaluation: rules.Evaluation) -> dict[str, rules.Decision]:
    return {d.kind: d for d in evaluation.decisions}


# Rule 1: state, not rows


def test_rule1_one_evaluation_on_the_newest_reading_only():
    # Earlier lows in the batch do not count: the newest reading is in range.
    out = evaluate(series(50, 52, 60, 120), {}, user(), NOW)
    assert out.decisions == []


def test_rule1_newest_reading_low_opens_one_episode():
    out = by_kind(evaluate(series(90, 80, 68), {}, user(), NOW))
    assert out[rules.LOW].action == "open" and out[rules.LOW].notify
    assert out[rules.LOW].purpose == "raise"


# Rule 2: stale guard


def test_rule2_reading_older_than_ten_minutes_raises_nothing():
    readings = series(40, 40, 40, end=NOW - 11 * MIN)
    assert evaluate(readings, {}, user(), NOW).decisions == []


def test_rule2_open_glucose_episode_turns_into_stale_data_at_ten_minutes():
    d = stale_rules.stale_data_decision(
        NOW - 10 * MIN, None, user(), NOW, glucose_episode_open=True
    )
    assert d is not None and d.action == "open" and d.notify and d.kind == stale_rules.STALE_DATA


def test_rule2_stale_data_waits_for_its_threshold_without_open_episode():
    assert stale_rules.stale_data_decision(NOW - 15 * MIN, None, user(), NOW) is None
    d = stale_rules.stale_data_decision(NOW - 20 * MIN, None, user(), NOW)
    assert d is not None and d.severity == "warning"


def test_rule2_stale_data_turns_urgent_at_sixty_minutes_and_notifies_again():
    open_ep = ep(
        stale_rules.STALE_DATA, last_notified_at=NOW - 2 * MIN, notify_count=1, acknowledged_at=NOW
    )
    d = stale_rules.stale_data_decision(NOW - 60 * MIN, open_ep, user(), NOW)
    assert d is not None and d.action == "severity" and d.notify and d.severity == "urgent"


def test_rule2_stale_data_keeps_alerting_at_its_repeat():
    open_ep = ep(stale_rules.STALE_DATA, last_notified_at=NOW - 20 * MIN, notify_count=1)
    d = stale_rules.stale_data_decision(NOW - 40 * MIN, open_ep, user(), NOW)
    assert d is not None and d.action == "repeat" and d.notify and d.purpose == "repeat"


def test_rule2_stale_data_closes_when_data_returns():
    open_ep = ep(stale_rules.STALE_DATA, last_notified_at=NOW - 5 * MIN, notify_count=1)
    d = stale_rules.stale_data_decision(NOW - 1 * MIN, open_ep, user(), NOW)
    assert d is not None and d.action == "close" and d.reason == "data_returned"


# Rule 3: snooze per kind and direction


def test_rule3_snoozing_high_never_silences_low_side_kinds():
    snoozed = user(snoozes=[Snooze(frozenset({rules.HIGH, rules.RISING_FAST}), NOW + 60 * MIN)])
    out = by_kind(evaluate(series(80, 70, 60, 52), {}, snoozed, NOW))
    assert out[rules.URGENT_LOW].notify and out[rules.LOW].notify


def test_rule3_snoozing_low_never_silences_urgent_low():
    snoozed = user(snoozes=[Snooze(frozenset({rules.LOW}), NOW + 60 * MIN)])
    out = by_kind(evaluate(series(60, 58, 54), {}, snoozed, NOW))
    assert out[rules.LOW].reason == "snoozed" and not out[rules.LOW].notify
    assert out[rules.URGENT_LOW].notify


def test_rule3_escalation_to_urgent_low_breaks_the_snooze():
    snoozed = user(snoozes=[Snooze(frozenset({rules.LOW, rules.URGENT_LOW}), NOW + 30 * MIN)])
    low_open = {rules.LOW: ep(rules.LOW, last_seen_at=NOW - 5 * MIN, notify_count=1)}
    out = evaluate(series(66, 60, 54), low_open, snoozed, NOW)
    assert by_kind(out)[rules.URGENT_LOW].notify and out.break_low_snoozes


def test_rule3_snoozed_urgent_low_repeat_is_suppressed_with_reason():
    snoozed = user(snoozes=[Snooze(frozenset({rules.URGENT_LOW}), NOW + 30 * MIN)])
    open_ul = {
        rules.URGENT_LOW: ep(rules.URGENT_LOW, last_notified_at=NOW - 5 * MIN, notify_count=1)
    }
    out = by_kind(evaluate(series(50, 50, 50), open_ul, snoozed, NOW))
    assert out[rules.URGENT_LOW].action == "repeat" and out[rules.URGENT_LOW].reason == "snoozed"


def test_rule3_expired_snooze_silences_nothing():
    expired = user(snoozes=[Snooze(frozenset({rules.LOW}), NOW - MIN)])
    assert by_kind(evaluate(series(68), {}, expired, NOW))[rules.LOW].notify


def test_rule3_urgent_low_snooze_never_lasts_beyond_thirty_minutes():
    # Stored with a longer end (around the API's limit): honoured for 30 min from creation.
    long = Snooze(frozenset({rules.URGENT_LOW}), NOW + 120 * MIN, created_at=NOW - 31 * MIN)
    open_ul = {
        rules.URGENT_LOW: ep(rules.URGENT_LOW, last_notified_at=NOW - 5 * MIN, notify_count=1)
    }
    d = by_kind(evaluate(series(50), open_ul, user(snoozes=[long]), NOW))[rules.URGENT_LOW]
    assert d.notify


# Rule 4: hysteresis and episodes


def test_rule4_low_stays_open_until_five_above_the_threshold():
    open_low = {rules.LOW: ep(rules.LOW, last_notified_at=NOW - 5 * MIN, notify_count=1)}
    assert evaluate(series(68, 72, 74), open_low, user(), NOW).decisions == []
    out = by_kind(evaluate(series(68, 72, 75), open_low, user(), NOW))
    assert out[rules.LOW].action == "close" and out[rules.LOW].reason == "recovered"


def test_rule4_high_closes_only_ten_below_the_threshold():
    open_high = {rules.HIGH: ep(rules.HIGH, last_notified_at=NOW - 5 * MIN, notify_count=1)}
    assert evaluate(series(260, 245, 241), open_high, user(), NOW).decisions == []
    assert (
        by_kind(evaluate(series(260, 245, 240), open_high, user(), NOW))[rules.HIGH].action
        == "close"
    )


def test_rule4_open_episode_does_not_notify_again_before_its_repeat():
    open_low = {rules.LOW: ep(rules.LOW, last_notified_at=NOW - 10 * MIN, notify_count=1)}
    assert evaluate(series(65, 64, 63), open_low, user(), NOW).decisions == []


def test_rule4_recrossing_within_fifteen_minutes_continues_the_episode():
    closed = {
        rules.LOW: ep(
            rules.LOW, is_open=False, last_seen_at=NOW - 14 * MIN, last_notified_at=NOW - 14 * MIN
        )
    }
    out = evaluate(series(76, 72, 68), closed, user(), NOW).decisions
    assert [(d.kind, d.action, d.notify, d.reason) for d in out] == [
        (rules.LOW, "rejoin", False, "episode_open")
    ]


def test_rule4_rejoined_episode_repeats_when_its_repeat_came_due_meanwhile():
    closed = {
        rules.LOW: ep(
            rules.LOW, is_open=False, last_seen_at=NOW - 10 * MIN, last_notified_at=NOW - 20 * MIN
        )
    }
    out = evaluate(series(76, 72, 68), closed, user(), NOW).decisions
    assert [(d.action, d.notify) for d in out] == [("rejoin", False), ("repeat", True)]


def test_rule4_recrossing_after_fifteen_minutes_opens_a_new_episode():
    closed = {
        rules.LOW: ep(
            rules.LOW, is_open=False, last_seen_at=NOW - 16 * MIN, last_notified_at=NOW - 20 * MIN
        )
    }
    d = by_kind(evaluate(series(76, 72, 68), closed, user(), NOW))[rules.LOW]
    assert d.action == "open" and d.notify


def test_rule4_repeat_due_notifies_again():
    open_low = {rules.LOW: ep(rules.LOW, last_notified_at=NOW - 15 * MIN, notify_count=1)}
    d = by_kind(evaluate(series(65), open_low, user(), NOW))[rules.LOW]
    assert d.action == "repeat" and d.notify and d.purpose == "repeat"


def test_rule4_acknowledged_episode_does_not_repeat():
    open_ul = {
        rules.URGENT_LOW: ep(
            rules.URGENT_LOW,
            last_notified_at=NOW - 30 * MIN,
            notify_count=2,
            acknowledged_at=NOW - 20 * MIN,
        )
    }
    assert rules.URGENT_LOW not in by_kind(evaluate(series(50), open_ul, user(), NOW))


def test_rule4_persist_n_minutes_waits_before_opening():
    persist = user(overrides={rules.LOW: {"persist_min": 15}})
    first = evaluate(series(68), {}, persist, NOW)
    assert by_kind(first)[rules.LOW].reason == "persist_pending"
    later = evaluate(series(68, 66, 65, 64), {}, persist, NOW + 15 * MIN, first.pending)
    assert later.decisions == [] or by_kind(later)[rules.LOW].reason == "persist_pending"
    readings = series(68, 66, 65, 64, end=NOW + 15 * MIN)
    opened = by_kind(evaluate(readings, {}, persist, NOW + 15 * MIN, first.pending))[rules.LOW]
    assert opened.action == "open" and opened.notify


def test_rule4_persist_timer_resets_when_the_condition_breaks():
    persist = user(overrides={rules.HIGH: {"persist_min": 10}})
    first = evaluate(series(260), {}, persist, NOW)
    back = evaluate(series(260, 240, end=NOW + 5 * MIN), {}, persist, NOW + 5 * MIN, first.pending)
    assert rules.HIGH not in back.pending


# Rule 5: nothing suppressed silently (each decision not to notify carries its reason)


def test_rule5_rate_limited_when_a_new_episode_follows_a_notification_within_the_repeat():
    closed = {
        rules.HIGH: ep(
            rules.HIGH, is_open=False, last_seen_at=NOW - 20 * MIN, last_notified_at=NOW - 40 * MIN
        )
    }
    d = by_kind(evaluate(series(240, 255), closed, user(), NOW))[rules.HIGH]
    assert d.action == "open" and not d.notify and d.reason == "rate_limited"
    assert d.details["notify_after"] == (NOW + 20 * MIN).isoformat()


def test_rule5_every_suppressed_decision_has_a_reason():
    muted = user(
        mute_until=NOW + 60 * MIN, snoozes=[Snooze(frozenset({rules.URGENT_LOW_SOON}), NOW + MIN)]
    )
    out = evaluate(series(120, 100, 85, 68), {}, muted, NOW)
    assert out.decisions and all(d.notify or d.reason for d in out.decisions)


def test_rule5_a_suppression_already_recorded_is_not_recorded_again():
    open_low = {
        rules.LOW: ep(
            rules.LOW, last_notified_at=NOW - 30 * MIN, notify_count=1, last_suppressed="muted"
        )
    }
    assert evaluate(series(65), open_low, user(mute_until=NOW + MIN), NOW).decisions == []


def test_rule5_disabled_kind_closes_its_open_episode_with_reason():
    off = user(overrides={rules.HIGH: {"enabled": False}})
    open_high = {rules.HIGH: ep(rules.HIGH, last_notified_at=NOW - 5 * MIN, notify_count=1)}
    d = by_kind(evaluate(series(300), open_high, off, NOW))[rules.HIGH]
    assert d.action == "close" and d.reason == "disabled"


# Rule 6: quiet hours and mute


def test_rule6_quiet_hours_silence_low_but_not_urgent_low():
    quiet = user(quiet_start="11:00", quiet_end="13:00")
    out = by_kind(evaluate(series(60, 54), {}, quiet, NOW))
    assert out[rules.LOW].reason == "quiet_hours"
    assert out[rules.URGENT_LOW].notify


def test_rule6_quiet_hours_never_silence_stale_data():
    quiet = user(
        quiet_start="00:00",
        quiet_end="23:59",
        quiet_kinds=frozenset({stale_rules.STALE_DATA, rules.LOW}),
    )
    d = stale_rules.stale_data_decision(NOW - 25 * MIN, None, quiet, NOW)
    assert d is not None and d.notify


def test_rule6_quiet_hours_span_midnight_in_the_users_zone():
    # 23:30 in Berlin on 2026-01-10 is 22:30 UTC.
    at = dt.datetime(2026, 1, 10, 22, 30, tzinfo=dt.UTC)
    assert rules.in_quiet_hours(at, "22:00", "07:00", "Europe/Berlin")
    assert rules.in_quiet_hours(at + 7 * 60 * MIN, "22:00", "07:00", "Europe/Berlin")  # 06:30
    assert not rules.in_quiet_hours(at + 9 * 60 * MIN, "22:00", "07:00", "Europe/Berlin")  # 08:30


def test_rule6_quiet_hours_follow_dst_in_the_users_zone():
    # New York: 06:30 local is 11:30 UTC in winter (EST) and 10:30 UTC in summer (EDT).
    winter = dt.datetime(2026, 1, 15, 11, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 15, 10, 30, tzinfo=dt.UTC)
    for at in (winter, summer):
        assert rules.in_quiet_hours(at, "22:00", "07:00", "America/New_York")
        assert not rules.in_quiet_hours(at + 31 * MIN, "22:00", "07:00", "America/New_York")
    # The night clocks spring forward (2026-03-08, 02:00 -> 03:00): 03:10 EDT is 07:10 UTC.
    assert rules.in_quiet_hours(
        dt.datetime(2026, 3, 8, 7, 10, tzinfo=dt.UTC), "02:30", "07:00", "America/New_York"
    )


def test_rule6_mute_silences_high_but_never_urgent_low_or_urgent_low_soon():
    muted = user(mute_until=NOW + 60 * MIN)
    out = by_kind(evaluate(series(60, 54), {}, muted, NOW))
    assert out[rules.LOW].reason == "muted" and out[rules.URGENT_LOW].notify
    assert by_kind(evaluate(series(260), {}, muted, NOW))[rules.HIGH].reason == "muted"


def test_rule6_mute_reaching_beyond_twelve_hours_is_not_honoured():
    too_long = user(mute_until=NOW + 13 * 60 * MIN)
    assert by_kind(evaluate(series(260), {}, too_long, NOW))[rules.HIGH].notify


def test_rule6_quiet_kinds_choose_what_quiet_hours_silence():
    quiet = user(quiet_start="11:00", quiet_end="13:00", quiet_kinds=frozenset({rules.HIGH}))
    assert by_kind(evaluate(series(68), {}, quiet, NOW))[rules.LOW].notify
    assert by_kind(evaluate(series(260), {}, quiet, NOW))[rules.HIGH].reason == "quiet_hours"


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
