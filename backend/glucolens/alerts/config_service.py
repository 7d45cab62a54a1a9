"""Alert configuration: each kind's thresholds and timing, and the user's settings (quiet
hours, mute, channels, webhook, emergency contact).

Stored in mg/dL (mg/dL/min for rates, minutes for stale data); read and written in the
user's unit. A partial update is merged over the current effective configuration and the
whole result is validated, so a rule between two kinds (urgent low below low) holds
whichever of them the request changed. Every refusal is a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.alerts import defaults as d
from glucolens.alerts import schemas
from glucolens.alerts.defaults import KindConfig
from glucolens.alerts.models import AlertConfig, AlertSettings
from glucolens.alerts.rules import DEFAULT_QUIET_KINDS
from glucolens.auth.models import User
from glucolens.core.db import utcnow
from glucolens.core.errors import ValidationFailed
from glucolens.core.sql import lock_user_writes
from glucolens.core.units import MGDL_PER_MMOL, MMOL

# Repeat interval bounds (minutes). Urgent lows repeat at least every 15 min until
# acknowledged; the pattern feed never repeats.
REPEAT_BOUNDS: dict[str, tuple[int, int]] = {
    d.URGENT_LOW: (1, 15),
    d.URGENT_LOW_SOON: (1, 15),
    d.LOW: (5, 240),
    d.HIGH: (5, 240),
    d.URGENT_HIGH: (5, 240),
    d.RISING_FAST: (5, 240),
    d.FALLING_FAST: (5, 240),
    d.STALE_DATA: (5, 240),
}
# "Must persist N min" exists for low and high only (the table; rules.PERSIST_KINDS);
# a low may wait less than a high.
PERSIST_MAX_MIN = {d.LOW: 30, d.HIGH: 120}
HORIZON_BOUNDS = (10, 30)  # urgent_low_soon's forecast horizon, within the forecaster's
URGENT_AFTER_MAX_MIN = 24 * 60
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _fail(field: str, message: str, reason: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": field, "reason": reason or message}])


# -- units ----------------------------------------------------------------------------------


def threshold_unit(kind: str, unit: str) -> str | None:
    if kind in d.GLUCOSE_KINDS:
        return unit
    if kind in d.RATE_KINDS:
        return f"{unit}/min"
    return "min" if kind == d.STALE_DATA else None


def _shown(kind: str, stored: float, unit: str) -> float:
    """Stored -> the user's unit (mmol/L and mmol/L/min to 2 decimals)."""
    if unit != MMOL or kind not in d.GLUCOSE_KINDS | d.RATE_KINDS:
        return float(stored)
    return round(stored / MGDL_PER_MMOL, 2)


def _stored(kind: str, value: float, unit: str) -> float:
    """The user's unit -> stored: whole mg/dL (what CGMs report), mg/dL/min to 0.1."""
    mgdl = value * MGDL_PER_MMOL if unit == MMOL and kind not in (d.STALE_DATA,) else value
    if kind in d.GLUCOSE_KINDS:
        return float(round(mgdl))
    return round(mgdl, 1) if kind in d.RATE_KINDS else float(round(mgdl))


def _bounds(kind: str, unit: str) -> schemas.Bounds | None:
    lo_hi = d.THRESHOLD_BOUNDS.get(kind)
    if lo_hi is None:
        return None
    # Shown rounded; a value typed from them is rounded to storage precision before the
    # check, so the bounds shown are themselves accepted.
    return schemas.Bounds(min=_shown(kind, lo_hi[0], unit), max=_shown(kind, lo_hi[1], unit))


# -- reading --------------------------------------------------------------------------------


def _rows(db: Session, user: User) -> dict[str, AlertConfig]:
    rows = db.execute(select(AlertConfig).where(AlertConfig.user_id == user.id)).scalars()
    return {r.kind: r for r in rows}


def _settings_row(db: Session, user: User) -> AlertSettings | None:
    return db.get(AlertSettings, user.id)


def kind_out(cfg: KindConfig, unit: str) -> schemas.KindConfigOut:
    repeat = REPEAT_BOUNDS.get(cfg.kind)
    return schemas.KindConfigOut(
        kind=cfg.kind,
        severity=d.SEVERITY[cfg.kind],
        enabled=cfg.enabled,
        threshold=None if cfg.threshold is None else _shown(cfg.kind, cfg.threshold, unit),
        threshold_mgdl=cfg.threshold,
        threshold_unit=threshold_unit(cfg.kind, unit),
        bounds=_bounds(cfg.kind, unit),
        repeat_min=cfg.repeat_min,
        repeat_bounds=schemas.Bounds(min=repeat[0], max=repeat[1]) if repeat else None,
        persist_min=cfg.persist_min,
        persists=cfg.kind in PERSIST_MAX_MIN,
        options=dict(cfg.options),
        max_snooze_min=d.MAX_SNOOZE_MIN.get(cfg.kind, d.DEFAULT_MAX_SNOOZE_MIN),
        quiet_allowed=cfg.kind not in d.NEVER_QUIET,
        confirm_to_disable=cfg.kind in d.CONFIRM_TO_DISABLE,
    )


def settings_out(row: AlertSettings | None, user: User) -> schemas.SettingsOut:
    now = utcnow()
    mute = row.mute_until if row is not None else None
    return schemas.SettingsOut(
        timezone=user.timezone or "UTC",
        quiet_start=row.quiet_start if row else None,
        quiet_end=row.quiet_end if row else None,
        # None chosen: quiet hours silence what the issue names (rules.DEFAULT_QUIET_KINDS).
        quiet_kinds=[k for k in d.KINDS if k in ((row and row.quiet_kinds) or DEFAULT_QUIET_KINDS)],
        mute_until=mute if mute is not None and mute > now else None,
        channels=schemas.Channels(**d.effective_channels(row.channels if row else None)),
        webhook_url=row.webhook_url if row else None,
        emergency_contact_name=row.emergency_contact_name if row else None,
        emergency_contact_email=row.emergency_contact_email if row else None,
    )


def get_config(db: Session, user: User) -> schemas.ConfigOut:
    """Every kind's effective configuration (defaults where the user chose nothing)."""
    unit = user.unit or "mg/dL"
    configs = d.effective_configs(_rows(db, user).values())
    return schemas.ConfigOut(
        unit=unit,
        kinds=[kind_out(configs[k], unit) for k in d.KINDS],
        settings=settings_out(_settings_row(db, user), user),
    )


# -- validating kinds -----------------------------------------------------------------------


def _merge_kind(cfg: KindConfig, body: schemas.KindConfigIn, unit: str) -> KindConfig:
    kind, given = body.kind, body.model_fields_set
    field = f"kinds[{kind}]"
    out = cfg
    if body.enabled is not None:
        out = replace(out, enabled=body.enabled)
    if body.threshold is not None:
        if kind not in d.THRESHOLD_BOUNDS:
            raise _fail(f"{field}.threshold", f"{kind} has no threshold.")
        stored = _stored(kind, body.threshold, unit)
        lo, hi = d.THRESHOLD_BOUNDS[kind]
        if not lo <= stored <= hi:
            b = _bounds(kind, unit)
            assert b is not None
            shown = threshold_unit(kind, unit)
            raise _fail(
                f"{field}.threshold",
                f"The {kind} threshold must be between {b.min:g} and {b.max:g} {shown}.",
            )
        out = replace(out, threshold=stored)
    if body.repeat_min is not None:
        bounds = REPEAT_BOUNDS.get(kind)
        if bounds is None:
            raise _fail(f"{field}.repeat_min", f"{kind} does not repeat.")
        if not bounds[0] <= body.repeat_min <= bounds[1]:
            raise _fail(
                f"{field}.repeat_min",
                f"The {kind} repeat must be between {bounds[0]} and {bounds[1]} minutes.",
            )
        out = replace(out, repeat_min=body.repeat_min)
    if "persist_min" in given:
        persist = body.persist_min or None  # 0 and null both mean "at once"
        if persist is not None and kind not in PERSIST_MAX_MIN:
            names = ", ".join(PERSIST_MAX_MIN)
            raise _fail(f"{field}.persist_min", f"persist_min applies only to {names}.")
        if persist is not None and persist > PERSIST_MAX_MIN[kind]:
            raise _fail(
                f"{field}.persist_min",
                f"The {kind} persist time must be at most {PERSIST_MAX_MIN[kind]} minutes.",
            )
        out = replace(out, persist_min=persist)
    if body.urgent_after_min is not None:
        if kind != d.STALE_DATA:
            raise _fail(f"{field}.urgent_after_min", "urgent_after_min applies to stale_data only.")
        out = replace(out, options={**out.options, "urgent_after_min": body.urgent_after_min})
    if body.horizon_min is not None:
        lo_h, hi_h = HORIZON_BOUNDS
        if kind != d.URGENT_LOW_SOON:
            raise _fail(f"{field}.horizon_min", "horizon_min applies to urgent_low_soon only.")
        if not lo_h <= body.horizon_min <= hi_h:
            raise _fail(
                f"{field}.horizon_min",
                f"The forecast horizon must be between {lo_h} and {hi_h} minutes.",
            )
        out = replace(out, options={**out.options, "horizon_min": body.horizon_min})
    return out


def _check_order(configs: dict[str, KindConfig], unit: str, changed: set[str]) -> None:
    """Lower-severity limits sit inside the urgent ones (checked when both are on)."""
    for inner, outer in ((d.URGENT_LOW, d.LOW), (d.HIGH, d.URGENT_HIGH)):
        a, b = configs[inner], configs[outer]
        if not (a.enabled and b.enabled) or a.threshold is None or b.threshold is None:
            continue
        if a.threshold < b.threshold:
            continue
        named = inner if inner in changed or outer not in changed else outer
        raise _fail(
            f"kinds[{named}].threshold",
            f"The {inner} threshold ({_shown(inner, a.threshold, unit):g} {unit}) must be "
            f"below the {outer} threshold ({_shown(outer, b.threshold, unit):g} {unit}).",
        )
    stale = configs[d.STALE_DATA]
    urgent_after = stale.options.get("urgent_after_min")
    if stale.threshold is not None and urgent_after is not None and urgent_after <= stale.threshold:
        raise _fail(
            "kinds[stale_data].urgent_after_min",
            f"stale_data's urgent_after_min ({urgent_after}) must be more than its threshold "
            f"({stale.threshold:g} min).",
        )


def _apply_kinds(
    db: Session, user: User, items: list[schemas.KindConfigIn], confirm_disable: bool
) -> None:
    unit = user.unit or "mg/dL"
    kinds = [i.kind for i in items]
    dupes = sorted({k for k in kinds if kinds.count(k) > 1})
    if dupes:
        raise _fail("kinds", f"Each kind at most once per request; repeated: {', '.join(dupes)}.")
    rows = _rows(db, user)
    configs = d.effective_configs(rows.values())
    for item in items:
        before = configs[item.kind]
        after = _merge_kind(before, item, unit)
        turning_off = before.enabled and not after.enabled
        if item.kind in d.CONFIRM_TO_DISABLE and turning_off and not confirm_disable:
            raise _fail(
                "confirm_disable_urgent_low",
                f"Turning {item.kind} off stops every urgent-low alarm; send "
                '"confirm_disable_urgent_low": true to confirm.',
                "required (true) to turn urgent_low off",
            )
        configs[item.kind] = after
    _check_order(configs, unit, set(kinds))
    for kind in kinds:
        cfg, row = configs[kind], rows.get(kind)
        if row is None:
            row = AlertConfig(user_id=user.id, kind=kind)
            db.add(row)
        row.enabled = cfg.enabled
        row.threshold = cfg.threshold
        row.repeat_min = cfg.repeat_min
        row.persist_min = cfg.persist_min
        row.options = dict(cfg.options)


# -- validating settings --------------------------------------------------------------------


def webhook_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a URL"
    if any(c.isspace() for c in url) or not host:
        return "is not a URL"
    if parts.scheme == "https" or (parts.scheme == "http" and host in _LOCAL_HOSTS):
        return None
    return "must be https:// (or http:// to localhost)"


def _mute_until(body: schemas.SettingsIn, now: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """(given, value): mute_minutes or mute_until, at most ``MAX_MUTE_MIN`` ahead."""
    given = body.model_fields_set
    if "mute_minutes" in given and "mute_until" in given:
        raise _fail("settings.mute_until", "Send mute_minutes or mute_until, not both.")
    limit = f"at most {d.MAX_MUTE_MIN} minutes ({d.MAX_MUTE_MIN // 60} h)"
    if "mute_minutes" in given:
        minutes = body.mute_minutes or 0
        if minutes > d.MAX_MUTE_MIN:
            raise _fail("settings.mute_minutes", f"Mute lasts {limit}.", limit)
        return True, (now + dt.timedelta(minutes=minutes)) if minutes else None
    if "mute_until" in given:
        until = body.mute_until
        if until is not None:
            if until <= now:
                raise _fail("settings.mute_until", "mute_until must be in the future.")
            # A minute of slack for the client's clock and the request's travel.
            if until > now + dt.timedelta(minutes=d.MAX_MUTE_MIN + 1):
                raise _fail("settings.mute_until", f"Mute lasts {limit}.", limit)
        return True, until
    return False, None


def _apply_settings(db: Session, user: User, body: schemas.SettingsIn) -> None:
    given = body.model_fields_set
    row = _settings_row(db, user)
    if row is None:
        row = AlertSettings(user_id=user.id, quiet_kinds=[], channels={})
        db.add(row)
    now = utcnow()
    start = body.quiet_start if "quiet_start" in given else row.quiet_start
    end = body.quiet_end if "quiet_end" in given else row.quiet_end
    if (start is None) != (end is None):
        missing = "settings.quiet_end" if end is None else "settings.quiet_start"
        raise _fail(missing, "Quiet hours need both quiet_start and quiet_end (or neither).")
    if start is not None and start == end:
        raise _fail("settings.quiet_end", "quiet_end must differ from quiet_start.")
    row.quiet_start, row.quiet_end = start, end
    if body.quiet_kinds is not None:
        never = sorted(set(body.quiet_kinds) & d.NEVER_QUIET)
        if never:
            raise _fail(
                "settings.quiet_kinds",
                f"Quiet hours can never silence {', '.join(never)}.",
            )
        row.quiet_kinds = list(dict.fromkeys(body.quiet_kinds))
    mute_given, mute = _mute_until(body, now)
    if mute_given:
        row.mute_until = mute
    if "webhook_url" in given:
        url = body.webhook_url or None
        problem = webhook_problem(url) if url else None
        if problem:
            raise _fail("settings.webhook_url", f"webhook_url {problem}.", problem)
        row.webhook_url = url
    if body.channels is not None:
        channels = d.effective_channels(row.channels)
        channels.update({k: v for k, v in body.channels.model_dump().items() if v is not None})
        row.channels = channels
    if d.effective_channels(row.channels)["webhook"] and not row.webhook_url:
        raise _fail("settings.channels.webhook", "The webhook channel needs a webhook_url.")
    if "emergency_contact_name" in given:
        row.emergency_contact_name = body.emergency_contact_name or None
    if "emergency_contact_email" in given:
        email = body.emergency_contact_email
        row.emergency_contact_email = email.strip().lower() if email else None
    row.updated_at = now


def update_config(db: Session, user: User, body: schemas.ConfigIn) -> schemas.ConfigOut:
    """Upsert the kinds and settings given; everything else keeps its value."""
    # One writer per user at a time, so two tabs saving at once cannot both insert a kind's
    # row (the unique constraint would answer 500) or check orders against stale values.
    lock_user_writes(db, user.id)
    if body.kinds:
        _apply_kinds(db, user, body.kinds, body.confirm_disable_urgent_low)
    if body.settings is not None:
        _apply_settings(db, user, body.settings)
    db.flush()
    return get_config(db, user)
