"""The decision rules of issue 14 (alerts/rules.py), one behaviour per test, no database.

Readings are 5-minute CGM readings (Dexcom G6/G7 and Libre 2/3 via xDrip+ or Nightscout
uploaders send one every 5 min, some every minute); "now" is just after the newest one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from glucolens.alerts import rules, stale_rules
from glucolens.alerts.rules import Snooze, evaluate
from tests.alerts._rules_support import MIN, NOW, by_kind, ep, series, user


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """These tests touch no database: skip conftest's per-test table cleanup (over a
    second per test on a busy PostgreSQL)."""
    yield


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
