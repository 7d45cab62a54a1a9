"""Time zone helpers: UTC storage, local days that are right across DST changes."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FUTURE_TOLERANCE = dt.timedelta(minutes=5)

# The one place where plausible times are defined; every validator and read uses these.
# Health data before 2000 is a typo or an epoch zero, not a measurement: consumer CGMs (and
# meters with a memory worth importing) came later.
EARLIEST_DATA = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Range parameters (start/end of a list or chart, cursors) may be wider than the data, but
# stay inside what every backend and pandas' nanosecond clock (1677..2262) can represent.
QUERY_MIN = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
QUERY_MAX = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
# Reads consider only stored rows inside [READ_MIN, READ_MAX): a row written around the
# validators (an older version, a manual SQL edit) is skipped instead of failing the read.
READ_MIN = EARLIEST_DATA
READ_MAX = QUERY_MAX
NEEDS_OFFSET = "needs a UTC offset or Z (e.g. 2026-03-29T07:30:00+01:00)"


def parse_iso_time(raw: object) -> dt.datetime:
    """An ISO 8601 string (or an already parsed datetime); numbers are never read as epochs.
    Raises ValueError with a reason that can be shown to the caller."""
    if isinstance(raw, dt.datetime):
        return raw
    if not isinstance(raw, str):
        raise ValueError("must be an ISO 8601 string with a UTC offset, not a number")
    try:
        return dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw[:40]!r} is not an ISO 8601 time") from None


def data_time_problem(value: dt.datetime, now: dt.datetime) -> str | None:
    """Why ``value`` cannot be the time of a health record, or None when it can."""
    if value.tzinfo is None:
        return NEEDS_OFFSET
    if value < EARLIEST_DATA:
        return "is before 2000-01-01T00:00Z, before consumer CGMs existed; check the year"
    if value - now > FUTURE_TOLERANCE:
        return "is more than 5 minutes in the future"
    return None


def query_time_problem(value: dt.datetime) -> str | None:
    """Why ``value`` cannot bound a range query (start, end, cursor), or None when it can."""
    if value.tzinfo is None:
        return NEEDS_OFFSET
    if not QUERY_MIN <= value < QUERY_MAX:
        return "must be from 1900-01-01T00:00Z up to (not including) 2200-01-01T00:00Z"
    return None


def query_date_problem(day: dt.date) -> str | None:
    """Why ``day`` cannot bound a range of local dates, or None when it can."""
    if not QUERY_MIN.date() <= day < QUERY_MAX.date():
        return "must be from 1900-01-01 up to (not including) 2200-01-01"
    return None


def clamp_to_read_window(
    start: dt.datetime | None, end: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) narrowed to the instants reads consider (see READ_MIN/READ_MAX)."""
    lo = READ_MIN if start is None else max(start, READ_MIN)
    hi = READ_MAX if end is None else min(end, READ_MAX)
    return lo, hi


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
