"""Local wall-clock times in CSV exports: reading the date formats, and placing them in time.

Clarity and LibreView write the time on the person's clock with no UTC offset, and a file
that went through Excel has its dates rewritten in the computer's locale. Two questions
follow, both answered per file, never per row:

- **Day or month first?** "03/12/2024" is 3 December or 12 March. A first field above 12
  settles it for the whole file (:class:`DateOrderVote` looks at the first rows); otherwise
  the file's locale decides: dotted dates and mmol/L are European (day first), 12-hour times
  with AM/PM are American (month first), then the time zone.
- **Which instant?** :class:`LocalClock` turns a wall time into ISO 8601 with the offset in
  force. A time in the hour skipped when clocks spring forward does not exist: that row is a
  problem. A time in the hour repeated in autumn happened twice: rows are in time order, so
  when the clock goes backwards inside the repeated hour the second pass (PEP 495 ``fold=1``)
  has begun. A parser with an independent clock (Dexcom's transmitter time) can pass the
  instant it expects instead, which also works for files sorted by wall time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterator
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from glucolens.integrations.importers import csvtext
from glucolens.integrations.importers.base import FileRejected, ParseContext

DateOrder = Literal["YMD", "DMY", "MDY"]
Near = Callable[[], "dt.datetime | None"] | None

# 12/03/2024 08:05, 3/12/2024 8:05 AM, 12-03-2024 08:05:00, 12.03.2024 08:05, 2024/03/12 8:05
_STAMP = re.compile(
    r"\s*(\d{1,4})([-/.])(\d{1,2})[-/.](\d{1,4})(?:[T ]+|,\s*)(\d{1,2}):(\d{2})"
    r"(?::(\d{2})(?:[.,]\d*)?)?\s*(?:([AaPp])\.?\s*[Mm]\.?)?\s*$"
)
_AMBIGUOUS_WINDOW = dt.timedelta(hours=2)
_MISSING = object()


class LocalTimeError(ValueError):
    """A wall time that names no instant (in the spring-forward gap); the message says so."""


def canonical_iso(raw: str) -> bool:
    """True when ``raw``, once parsed, is exactly what ``isoformat()`` would write back
    ("2024-03-12T08:05:33"): the parsers then reuse the text instead of formatting."""
    return len(raw) == 19 and raw[10] == "T"


def stamp_parser(order: DateOrder) -> Callable[[str], dt.datetime]:
    """A parser for the file's stamps in ``order``. ISO forms (with or without "T", seconds
    or an offset) go through ``datetime.fromisoformat``; the rest through one pattern. Raises
    ValueError when the text is not a date with a time of day."""

    def parse(raw: str) -> dt.datetime:
        if raw[:4].isdigit() and len(raw) > 10:
            try:
                return dt.datetime.fromisoformat(raw.strip())
            except ValueError:
                pass  # "2024/03/12 8:05", "2024-03-12 8:05 PM"
        m = _STAMP.match(raw)
        if m is None:
            raise ValueError(raw)
        first, _, second, third, hh, mm, ss, ampm = m.groups()
        if len(first) == 4:
            year, month, day = first, second, third
        elif order == "MDY":
            month, day, year = first, second, third
        else:
            day, month, year = first, second, third
        if len(year) == 2:
            full_year = 2000 + int(year)  # Excel's short date; no CGM data predates 2000
        elif len(year) == 4:
            full_year = int(year)
        else:
            raise ValueError(raw)
        hour = int(hh)
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError(raw)
            hour = hour % 12 + (12 if ampm in "Pp" else 0)
        return dt.datetime(full_year, int(month), int(day), hour, int(mm), int(ss or 0))

    return parse


class DateOrderVote:
    """Decides a file's date order from its stamps: ``observe`` each stamp until it returns
    True (settled by the data), then ask :meth:`result`."""

    def __init__(self) -> None:
        self.settled: DateOrder | None = None
        self.basis = ""
        self.stamps = 0
        self._ampm = False
        self._dotted = False

    def observe(self, raw: str) -> bool:
        if self.settled:
            return True
        m = _STAMP.match(raw)
        if m is None:
            # ISO with a "T" or an offset: fromisoformat reads it, year first by definition.
            if raw[:4].isdigit() and raw[4:5] == "-":
                self.settled, self.basis = "YMD", "the year comes first"
            return self.settled is not None
        self.stamps += 1
        first, sep, second = m.group(1), m.group(2), m.group(3)
        self._ampm = self._ampm or m.group(8) is not None
        self._dotted = self._dotted or sep == "."
        if len(first) == 4:
            self.settled, self.basis = "YMD", "the year comes first"
        elif int(first) > 12:
            self.settled, self.basis = "DMY", f"a date starts with day {int(first)}"
        elif int(second) > 12:
            self.settled, self.basis = "MDY", f"a date has day {int(second)} second"
        return self.settled is not None

    def result(self, unit: str | None, timezone: str) -> tuple[DateOrder, str]:
        """The order and why, for ``ctx.meta``: the data when it settled it, else the hints."""
        if self.settled:
            return self.settled, self.basis
        if self._dotted:
            return "DMY", "dates written with dots are day first"
        if self._ampm:
            return "MDY", "12-hour times with AM/PM (US format)"
        if unit == "mmol/L":
            return "DMY", "no day above 12; mmol/L files are from day-first locales"
        if timezone.startswith(("America/", "US/")):
            return "MDY", f"no day above 12; the time zone {timezone} is month-first"
        return "DMY", f"no day above 12; the time zone {timezone} is day-first"


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FileRejected(f"{name!r} is not a known time zone (IANA name).") from exc


def _offset_text(offset: dt.timedelta | None) -> str:
    minutes = int((offset or dt.timedelta()).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


class LocalClock:
    """Wall times in one zone to ISO 8601 strings with their offset.

    Speed matters (a year of 5-minute rows): the offset is computed once per wall-clock hour
    and reused while the hour has no transition; only the two transition hours a year take
    the careful path. ``key`` separates interleaved time-ordered runs in one file (LibreView
    groups rows by sensor and record type, each group in time order)."""

    def __init__(self, timezone: str) -> None:
        self.name = timezone
        self.zone = load_zone(timezone)
        self._hours: dict[tuple[int, int, int, int], str | None] = {}
        self._text_hours: dict[str, str | None] = {}
        # per key: the previous wall time, its fold, whether it was in a repeated hour
        self._last: dict[Hashable, tuple[dt.datetime, int, bool]] = {}

    def iso(
        self, when: dt.datetime, key: Hashable = None, near: Near = None, text: str | None = None
    ) -> str:
        """``when`` as ISO 8601 with offset. An aware ``when`` is kept as given. ``near``, a
        function giving the aware instant the row is expected close to (or None), resolves a
        repeated hour instead of the file order; it is called only inside that hour. ``text``
        is ``when.isoformat()`` when the caller has it already (the file's own ISO text):
        formatting is the dearest step of a row. Raises LocalTimeError for a wall time
        skipped by the clocks."""
        if when.tzinfo is not None:
            return when.isoformat()
        if text is not None:
            suffix = self._text_hours.get(text[:13], _MISSING)  # "2024-03-12T08"
            if suffix is _MISSING:
                suffix = self._text_hours[text[:13]] = self._steady_hour(when)
        else:
            hour_key = (when.year, when.month, when.day, when.hour)
            suffix = self._hours.get(hour_key, _MISSING)
            if suffix is _MISSING:
                suffix = self._hours[hour_key] = self._steady_hour(when)
        if suffix is not None:
            self._last[key] = (when, 0, False)
            return (text or when.isoformat()) + str(suffix)
        return self._transition(when, key, near)

    def _steady_hour(self, when: dt.datetime) -> str | None:
        """The offset text when the whole wall-clock hour of ``when`` has one offset."""
        start = when.replace(minute=0, second=0, microsecond=0, tzinfo=self.zone)
        end = start + dt.timedelta(minutes=59, seconds=59, microseconds=999999)  # wall time
        offsets = {t.replace(fold=f).utcoffset() for t in (start, end) for f in (0, 1)}
        return _offset_text(offsets.pop()) if len(offsets) == 1 else None

    def _transition(self, when: dt.datetime, key: Hashable, near: Near) -> str:
        first = when.replace(tzinfo=self.zone, fold=0)
        second = when.replace(tzinfo=self.zone, fold=1)
        off0, off1 = first.utcoffset(), second.utcoffset()
        assert off0 is not None and off1 is not None  # ZoneInfo always answers
        if off0 == off1:
            self._last[key] = (when, 0, False)
            return when.isoformat() + _offset_text(off0)
        if off0 < off1:
            raise LocalTimeError(
                f"{when:%Y-%m-%d %H:%M} does not exist in {self.name}: the clocks sprang "
                "forward over it"
            )
        previous = self._last.get(key)
        expected = near() if near is not None else None
        if expected is not None:
            target = expected.astimezone(dt.UTC)
            fold = int(abs(second.astimezone(dt.UTC) - target) < abs(first - target))
        elif previous and previous[2] and abs(when - previous[0]) < _AMBIGUOUS_WINDOW:
            fold = 1 if when < previous[0] else previous[1]
        else:
            fold = 0
        self._last[key] = (when, fold, True)
        return when.isoformat() + _offset_text(off1 if fold else off0)

    def later(self, start_iso: str, duration: dt.timedelta) -> str:
        """The wall time ``duration`` after ``start_iso``, with its own offset (an activity
        that spans a clock change ends at the right instant)."""
        end = dt.datetime.fromisoformat(start_iso).astimezone(dt.UTC) + duration
        return end.astimezone(self.zone).isoformat()


Rows = Iterator[tuple[int, list[str]]]


def settle_date_order(
    rows: Rows,
    time_i: int,
    vote: DateOrderVote,
    unit: str,
    clock: LocalClock,
    source: csvtext.CsvRows,
    ctx: ParseContext,
) -> tuple[Rows, Callable[[str], dt.datetime]]:
    """Reads ahead until the timed rows settle day-first or month-first for the whole file
    (a copy saved by Excel writes dates in the computer's format); returns the rows (replayed)
    and the stamp parser, and records the choice and how the file was read in ``ctx.meta``."""

    def settles(entry: tuple[int, list[str]]) -> bool:
        row = entry[1]
        return time_i < len(row) and bool(row[time_i].strip()) and vote.observe(row[time_i])

    rows = csvtext.lookahead(rows, csvtext.LOOKAHEAD_ROWS, settles)
    order, basis = vote.result(unit, clock.name)
    meta: dict[str, Any] = {
        "unit": unit,
        "timezone": clock.name,
        "date_order": order,
        "date_order_basis": basis,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
    }
    ctx.meta.update(meta)
    return rows, stamp_parser(order)
