"""The alert decisions of issue 14 as pure functions (no database, no web framework).

``evaluate`` runs once per accepted batch on the user's newest canonical reading (state, not
rows) and says, per kind, what happens to its episode: ``open`` (a new episode, notified or
suppressed with a reason), ``rejoin`` (the condition came back within 15 minutes of the last
time it held: the old episode continues, no new notification), ``repeat`` (an open episode's
repeat is due: notified or suppressed), ``close`` (back across the threshold by the
hysteresis margin, on a reading) or ``pending`` (waiting for "must persist N min").
The scheduler's rules (stale data, escalation) are in alerts/stale_rules.py.

Every decision not to notify carries its reason, so the engine can record it: nothing is
suppressed silently. The engine records one suppression per episode and reason (not one per
reading): ``Episode.last_suppressed`` is the reason already on record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from glucolens.alerts.defaults import (
    DEFAULT_MAX_SNOOZE_MIN,
    EPISODE_REJOIN_MIN,
    FALLING_FAST,
    HIGH,
    HYSTERESIS_MGDL,
    LOW,
    MAX_MUTE_MIN,
    MAX_SNOOZE_MIN,
    NEVER_QUIET,
    RISING_FAST,
    SEVERITY,
    STALE_READING_MIN,
    URGENT_HIGH,
    URGENT_LOW,
    URGENT_LOW_SOON,
    KindConfig,
)
from glucolens.analytics.forecast_baselines import damped_trend_path, reading_slope
from glucolens.core.timeutil import zone

MINUTE = dt.timedelta(minutes=1)
# Urgent low first: its opening breaks low-side snoozes before the others are decided.
ORDER = (URGENT_LOW, URGENT_LOW_SOON, LOW, HIGH, URGENT_HIGH, RISING_FAST, FALLING_FAST)
BELOW = frozenset({URGENT_LOW, LOW})
ABOVE = frozenset({HIGH, URGENT_HIGH})
PERSIST_KINDS = frozenset({LOW, HIGH})
# Quiet hours with no kinds chosen silence what the issue names: low and high.
DEFAULT_QUIET_KINDS = frozenset({LOW, HIGH})
RATE_CONSECUTIVE = 3  # readings, each falling/rising at least the rate
RATE_SLOPE_MIN = 15.0  # or the least-squares slope over this many minutes
RATE_CLEAR_MARGIN = 0.5  # mg/dL/min below the rate before a rate episode closes


@dataclass(frozen=True)
class Reading:
    at: dt.datetime
    value_mgdl: float


@dataclass(frozen=True)
class Episode:
    """What the rules need of an ``Alert`` row: the user's latest episode of a kind."""

    kind: str
    is_open: bool
    opened_at: dt.datetime
    last_seen_at: dt.datetime | None = None
    last_notified_at: dt.datetime | None = None
    notify_count: int = 0
    acknowledged_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    severity: str = "warning"
    last_suppressed: str | None = None
    # Set when the episode opened rate-limited: no notification before this.
    notify_after: dt.datetime | None = None


@dataclass(frozen=True)
class Snooze:
    kinds: frozenset[str]
    until: dt.datetime
    created_at: dt.datetime | None = None

    def covers(self, kind: str, now: dt.datetime) -> bool:
        """Whether it silences ``kind`` now: only the kinds it names, and never for longer
        than that kind's limit from its creation (urgent low: 30 min), whatever was stored."""
        if kind not in self.kinds or self.until <= now:
            return False
        limit = MAX_SNOOZE_MIN.get(kind, DEFAULT_MAX_SNOOZE_MIN) * MINUTE
        return self.created_at is None or now < self.created_at + limit


@dataclass(frozen=True)
class UserAlerting:
    """A user's settings as the rules read them (configs from ``effective_configs``)."""

    configs: Mapping[str, KindConfig]
    tz: str = "UTC"
    snoozes: Sequence[Snooze] = ()
    quiet_start: str | None = None
    quiet_end: str | None = None
    quiet_kinds: frozenset[str] = frozenset()
    mute_until: dt.datetime | None = None
    has_emergency_contact: bool = False


@dataclass
class Decision:
    kind: str
    action: str  # open | rejoin | repeat | close | pending | escalate | severity
    notify: bool = False
    reason: str | None = None  # why not notified; why closed
    purpose: str | None = None  # raise | repeat | escalate, when notify
    value_mgdl: float | None = None
    severity: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Evaluation:
    decisions: list[Decision]
    pending: dict[str, str]  # kind -> ISO time the condition was first seen (persist)
    holding: set[str] = field(default_factory=set)  # kinds whose condition holds now
    break_low_snoozes: bool = False  # an urgent low opened: low-side snoozes end


def in_quiet_hours(now: dt.datetime, start: str | None, end: str | None, tz: str) -> bool:
    """Wall-clock comparison in the user's zone, so quiet hours follow DST and may span
    midnight (start later than end)."""
    if not start or not end or start == end:
        return False
    local = now.astimezone(zone(tz)).strftime("%H:%M")
    return start <= local < end if start < end else (local >= start or local < end)


def suppression(
    kind: str, now: dt.datetime, user: UserAlerting, *, escalation: bool = False
) -> str | None:
    """Why a notification of ``kind`` must not go out now, or None. A snooze silences only
    the kinds it names (snoozing high never silences a low); ``escalation`` (a new urgent-low
    episode) breaks every snooze."""
    if kind not in NEVER_QUIET:
        # A mute reaching more than 12 h ahead was not set through the API: not honoured.
        if user.mute_until is not None and now < user.mute_until <= now + MAX_MUTE_MIN * MINUTE:
            return "muted"
        quiet_kinds = user.quiet_kinds or DEFAULT_QUIET_KINDS
        if kind in quiet_kinds and in_quiet_hours(now, user.quiet_start, user.quiet_end, user.tz):
            return "quiet_hours"
    if not escalation and any(s.covers(kind, now) for s in user.snoozes):
        return "snoozed"
    return None


def _slope(readings: Sequence[Reading], minutes: float) -> float | None:
    return reading_slope([r.at for r in readings], [r.value_mgdl for r in readings], minutes)


def rate_condition(
    kind: str, readings: Sequence[Reading], cfg: KindConfig
) -> tuple[bool, bool, dict[str, Any]]:
    """(holds, cleared) for rising/falling fast: the last 3 readings each moved at least the
    rate from the one before, or the 15-min slope did; falling only below 150, rising only
    above 150 (``options["only_beyond_mgdl"]``)."""
    rate = float(cfg.threshold or 2.0)
    sign = 1.0 if kind == RISING_FAST else -1.0
    beyond = float(cfg.options.get("only_beyond_mgdl", 150.0))
    value = readings[-1].value_mgdl
    in_zone = value > beyond if kind == RISING_FAST else value < beyond
    tail = readings[-(RATE_CONSECUTIVE + 1) :]
    steps = [
        sign * (b.value_mgdl - a.value_mgdl) / max((b.at - a.at).total_seconds() / 60.0, 1e-9)
        for a, b in zip(tail, tail[1:], strict=False)
        if (b.at - a.at) <= dt.timedelta(minutes=STALE_READING_MIN)
    ]
    consecutive = len(steps) == RATE_CONSECUTIVE and all(s >= rate for s in steps)
    slope = _slope(readings, RATE_SLOPE_MIN)
    signed = None if slope is None else sign * slope
    holds = in_zone and (consecutive or (signed is not None and signed >= rate))
    cleared = not in_zone or signed is None or signed < rate - RATE_CLEAR_MARGIN
    moved = signed if signed is not None else (min(steps) if steps else None)
    details = {"rate_mgdl_per_min": round(sign * moved, 2)} if holds and moved else {}
    return holds, (not holds and cleared), details


def soon_condition(
    readings: Sequence[Reading], cfg: KindConfig
) -> tuple[bool, bool, dict[str, Any]]:
    """(holds, cleared, details) for urgent low soon: the damped-trend forecast reaches the
    threshold within the horizon, only while falling and below ``options["below_mgdl"]``."""
    threshold = float(cfg.threshold or 55.0)
    below = float(cfg.options.get("below_mgdl", 110.0))
    horizon = int(cfg.options.get("horizon_min", 20))
    value = readings[-1].value_mgdl
    path = damped_trend_path([r.at for r in readings], [r.value_mgdl for r in readings], horizon)
    if not path:
        return False, value >= below, {}
    falling = path[-1][1] < value
    lowest = min(v for _, v in path)
    holds = falling and threshold < value < below and lowest <= threshold
    reached = next((m for m, v in path if v <= threshold), None)
    details = {"forecast_mgdl": round(lowest, 1), "in_min": reached} if holds else {}
    margin = HYSTERESIS_MGDL.get(URGENT_LOW_SOON, 5.0)
    cleared = value >= below or not falling or lowest > threshold + margin
    return holds, (not holds and cleared), details


def condition(
    kind: str, readings: Sequence[Reading], cfg: KindConfig
) -> tuple[bool, bool, dict[str, Any]]:
    """(the condition holds on the newest reading, it is cleared with hysteresis, details)."""
    value = readings[-1].value_mgdl
    margin = HYSTERESIS_MGDL.get(kind, 5.0)
    threshold = float(cfg.threshold or 0.0)
    if kind in BELOW:
        return value < threshold, value >= threshold + margin, {}
    if kind in ABOVE:
        return value > threshold, value <= threshold - margin, {}
    if kind == URGENT_LOW_SOON:
        return soon_condition(readings, cfg)
    return rate_condition(kind, readings, cfg)


def value_condition(kind: str, value_mgdl: float, cfg: KindConfig) -> bool:
    """Whether a threshold kind's condition holds on a value (the scheduler's repeats, which
    have the newest value but not the readings)."""
    threshold = float(cfg.threshold or 0.0)
    if kind in BELOW:
        return value_mgdl < threshold
    return kind in ABOVE and value_mgdl > threshold


def repeat_decision(
    kind: str,
    ep: Episode,
    cfg: KindConfig,
    user: UserAlerting,
    now: dt.datetime,
    value_mgdl: float | None = None,
) -> Decision | None:
    """An open episode's next notification, if due: every ``repeat_min`` until acknowledged
    (the first one of an episode opened while suppressed goes out as soon as it may). A
    suppression already on record for this episode and reason is not recorded again."""
    if ep.acknowledged_at is not None or not cfg.repeat_min:
        return None
    if ep.notify_after is not None and now < ep.notify_after:
        return None
    last = ep.last_notified_at
    if last is not None and now - last < cfg.repeat_min * MINUTE:
        return None
    purpose = "repeat" if ep.notify_count else "raise"
    reason = suppression(kind, now, user)
    if reason is not None:
        if reason == ep.last_suppressed:
            return None
        return Decision(kind, "repeat", reason=reason, value_mgdl=value_mgdl)
    return Decision(kind, "repeat", notify=True, purpose=purpose, value_mgdl=value_mgdl)


def _open(
    kind: str,
    prev: Episode | None,
    cfg: KindConfig,
    user: UserAlerting,
    reading: Reading,
    now: dt.datetime,
    details: dict[str, Any],
) -> Decision:
    escalation = kind == URGENT_LOW
    d = Decision(kind, "open", value_mgdl=reading.value_mgdl, details=details)
    d.severity = SEVERITY[kind]
    d.reason = suppression(kind, now, user, escalation=escalation)
    last = prev.last_notified_at if prev is not None else None
    if d.reason is None and last is not None and cfg.repeat_min:
        # At most one notification per kind per repeat interval, across episodes.
        after = last + cfg.repeat_min * MINUTE
        if now < after:
            d.reason = "rate_limited"
            d.details = {**details, "notify_after": after.isoformat()}
    d.notify = d.reason is None
    d.purpose = "raise" if d.notify else None
    return d


def evaluate(
    readings: Sequence[Reading],
    episodes: Mapping[str, Episode],
    user: UserAlerting,
    now: dt.datetime,
    pending: Mapping[str, str] | None = None,
) -> Evaluation:
    """One evaluation on the newest of ``readings`` (ascending, canonical CGM, the last
    30-60 min). ``episodes``: the user's latest episode per kind (open, or the last resolved
    one: rejoin and rate limiting need it). A reading older than 10 minutes decides nothing
    (stale guard): imported or backfilled history never alerts."""
    pend = dict(pending or {})
    if not readings:
        return Evaluation([], pend)
    newest = readings[-1]
    if now - newest.at > STALE_READING_MIN * MINUTE:
        return Evaluation([], pend)
    out = Evaluation([], pend)
    done: set[str] = set()
    for kind in ORDER:
        if kind in done:
            continue
        cfg = user.configs[kind]
        ep = episodes.get(kind)
        open_ep = ep if ep is not None and ep.is_open else None
        if not cfg.enabled:
            pend.pop(kind, None)
            if open_ep is not None:
                out.decisions.append(Decision(kind, "close", reason="disabled"))
            continue
        holds, cleared, details = condition(kind, readings, cfg)
        if holds:
            out.holding.add(kind)
        if open_ep is not None:
            if holds:
                rep = repeat_decision(kind, open_ep, cfg, user, now, newest.value_mgdl)
                if rep is not None:
                    out.decisions.append(rep)
            elif cleared:
                out.decisions.append(
                    Decision(kind, "close", reason="recovered", value_mgdl=newest.value_mgdl)
                )
            continue
        if not holds:
            pend.pop(kind, None)
            continue
        if kind in PERSIST_KINDS and cfg.persist_min:
            first = dt.datetime.fromisoformat(pend.setdefault(kind, newest.at.isoformat()))
            if newest.at - first < cfg.persist_min * MINUTE:
                out.decisions.append(
                    Decision(
                        kind, "pending", reason="persist_pending", value_mgdl=newest.value_mgdl
                    )
                )
                continue
        pend.pop(kind, None)
        if (
            ep is not None
            and ep.last_seen_at is not None
            and newest.at - ep.last_seen_at <= EPISODE_REJOIN_MIN * MINUTE
        ):
            out.decisions.append(
                Decision(kind, "rejoin", reason="episode_open", value_mgdl=newest.value_mgdl)
            )
            # A rejoined episode whose repeat came due meanwhile repeats now.
            rep = repeat_decision(kind, ep, cfg, user, now, newest.value_mgdl)
            if rep is not None:
                out.decisions.append(rep)
            continue
        d = _open(kind, ep, cfg, user, newest, now, details)
        out.decisions.append(d)
        if kind == URGENT_LOW:
            out.break_low_snoozes = True
            # Urgent low soon has come true: its episode ends in the urgent low.
            soon = episodes.get(URGENT_LOW_SOON)
            done.add(URGENT_LOW_SOON)
            if soon is not None and soon.is_open:
                out.decisions.append(Decision(URGENT_LOW_SOON, "close", reason="escalated"))
    return out
