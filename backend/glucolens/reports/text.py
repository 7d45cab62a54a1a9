"""How the report writes numbers, dates and ranges, and text the PDF's fonts can show.

The PDF uses the standard PDF fonts (no font file to ship), which cover Windows-1252 only:
text outside it is folded to its closest Latin letters (é stays, ł becomes l) or '?'.
Glucose is shown as people read it: mg/dL in whole numbers, mmol/L to one decimal.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from glucolens.core.units import MGDL_PER_MMOL, MMOL

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ENCODING = "windows-1252"
# Letters NFKD does not decompose into a base letter plus an accent.
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss"})


def safe(text: str) -> str:
    """``text`` with every character the standard fonts can show (see the module doc)."""
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text.translate(_FOLD):
        try:
            ch.encode(ENCODING)
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        try:
            base.encode(ENCODING)
            out.append(base or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def glucose(value: float | None, unit: str, with_unit: bool = True) -> str:
    """A glucose value already in ``unit``."""
    if value is None:
        return "-"
    shown = f"{value:.1f}" if unit == MMOL else f"{value:.0f}"
    return f"{shown} {unit}" if with_unit else shown


def mgdl_in(value_mgdl: float, unit: str) -> float:
    return value_mgdl / MGDL_PER_MMOL if unit == MMOL else value_mgdl


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}%"


def gmi(value_pct: float | None) -> str:
    """GMI as % and as IFCC mmol/mol (as HbA1c is reported outside the US)."""
    if value_pct is None:
        return "-"
    mmol_mol = (value_pct - 2.152) * 10.929
    return f"{value_pct:.1f}% ({mmol_mol:.0f} mmol/mol)"


def day_long(day: dt.date) -> str:
    """'Mon 24 Nov 2026' (English whatever the server's locale)."""
    return f"{WEEKDAYS[day.weekday()]} {day.day:02d} {MONTHS[day.month - 1]} {day.year}"


def period(first: dt.date, last: dt.date) -> str:
    n = (last - first).days + 1
    return f"{day_long(first)} - {day_long(last)} ({n} day{'s' if n != 1 else ''})"


def per_day(value_pct: float | None) -> str:
    """A share of the time as hours and minutes of an average day."""
    if value_pct is None:
        return ""
    minutes = int(round(value_pct / 100 * 24 * 60))
    if minutes < 60:
        return f"{minutes} min/day"
    return f"{minutes // 60} h {minutes % 60:02d} min/day"


# The 2019 international consensus ranges (Battelino et al., Diabetes Care 2019) as the
# consensus itself writes them in each unit, with its goals for most adults with type 1 or 2.
BAND_LABELS = {
    "mg/dL": ("below 54", "54-69", "70-180", "181-250", "above 250"),
    "mmol/L": ("below 3.0", "3.0-3.8", "3.9-10.0", "10.1-13.9", "above 13.9"),
}
BAND_KEYS = ("very_low_pct", "low_pct", "in_range_pct", "high_pct", "very_high_pct")
BAND_NAMES = ("Very low", "Low", "In range", "High", "Very high")
# (goal text, check) per band; the low and high goals include the band beyond them.
BAND_GOALS = (
    ("less than 1%", lambda b: b[0] < 1),
    ("all below {low}: less than 4%", lambda b: b[0] + b[1] < 4),
    ("more than 70%", lambda b: b[2] > 70),
    ("all above {high}: less than 25%", lambda b: b[3] + b[4] < 25),
    ("less than 5%", lambda b: b[4] < 5),
)
CV_GOAL_PCT = 36.0
# The range edges the goals name, as each unit writes them.
RANGE_EDGES = {"mg/dL": {"low": "70", "high": "180"}, "mmol/L": {"low": "3.9", "high": "10.0"}}
