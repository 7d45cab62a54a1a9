"""Time zone helpers: UTC storage, local days that are right across DST changes."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_timezone(name: str) -> bool:
    if name not in _zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def offset_minutes(value: dt.datetime) -> int:
    off = value.utcoffset()
    return 0 if off is None else int(off.total_seconds() // 60)


def local_day_bounds(day: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC instants of local midnight at the start and end of ``day`` (23 h or 25 h on DST days)."""
    z = zone(tz)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=z).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=z).astimezone(dt.UTC)
    return start, end


def local_today(tz: str, now: dt.datetime | None = None) -> dt.date:
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone(tz)).date()


def iso_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
