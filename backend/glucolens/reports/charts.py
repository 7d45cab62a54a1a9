"""The report's charts, drawn with the PDF's own vector primitives (no plotting library):
the time-in-ranges bar, the glucose profile by time of day and the one-day strips.

Glucose axes run from 0 to 400 mg/dL (22.2 mmol/L), what CGMs report, on every chart, so
a day strip and the profile can be compared by eye; values above are drawn at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from fpdf import FPDF

from glucolens.dashboard.schemas import Agp
from glucolens.reports.text import glucose, mgdl_in

Rgb = tuple[int, int, int]
BAND_COLOURS: tuple[Rgb, ...] = (
    (127, 29, 29),  # very low
    (220, 38, 38),  # low
    (21, 128, 61),  # in range
    (234, 179, 8),  # high
    (194, 65, 12),  # very high
)
INK: Rgb = (31, 41, 55)
MUTED: Rgb = (107, 114, 128)
GRID: Rgb = (209, 213, 219)
TARGET_FILL: Rgb = (220, 252, 231)
TRACE: Rgb = (30, 58, 138)
OUTER_BAND: Rgb = (191, 219, 254)
INNER_BAND: Rgb = (96, 165, 250)
Y_MAX_MGDL = 400.0
REFERENCE_MGDL = (54.0, 70.0, 180.0, 250.0)
# Readings further apart than this are not joined by a line: the gap is shown as a gap.
MAX_JOIN_MIN = 20.0


class Box(NamedTuple):
    x: float
    y: float
    w: float
    h: float


def _y(box: Box, value: float, y_max: float) -> float:
    return box.y + box.h * (1 - min(max(value, 0.0), y_max) / y_max)


def tir_bar(pdf: FPDF, box: Box, shares: Sequence[float | None]) -> None:
    """One horizontal bar split into the five consensus ranges, lowest on the left."""
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    pdf.rect(box.x, box.y, box.w, box.h, style="D")
    total = sum(s or 0.0 for s in shares)
    if total <= 0:
        return
    x = box.x
    for share, colour in zip(shares, BAND_COLOURS, strict=True):
        width = box.w * (share or 0.0) / total
        if width > 0:
            pdf.set_fill_color(*colour)
            pdf.rect(x, box.y, width, box.h, style="F")
        x += width


def _y_axis(
    pdf: FPDF, box: Box, unit: str, y_max: float, font_pt: float, labels: Sequence[float]
) -> None:
    """Grid lines at the consensus edges; ``labels``: the edges (mg/dL) to name."""
    pdf.set_font("helvetica", size=font_pt)
    pdf.set_text_color(*MUTED)
    pdf.set_line_width(0.1)
    for ref in REFERENCE_MGDL:
        v = mgdl_in(ref, unit)
        y = _y(box, v, y_max)
        pdf.set_draw_color(*GRID)
        pdf.line(box.x, y, box.x + box.w, y)
        if ref in labels:
            text = glucose(v, unit, with_unit=False)
            pdf.text(box.x - pdf.get_string_width(text) - 0.8, y + font_pt * 0.12, text)


def _target(pdf: FPDF, box: Box, low: float, high: float, y_max: float) -> None:
    pdf.set_fill_color(*TARGET_FILL)
    top, bottom = _y(box, high, y_max), _y(box, low, y_max)
    pdf.rect(box.x, top, box.w, bottom - top, style="F")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True."""
    runs, start = [], None
    for i, ok in enumerate(mask):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def profile_chart(pdf: FPDF, box: Box, agp: Agp, low: float, high: float) -> None:
    """Median, 25-75% and 5-95% of the readings at each time of day (the dashboard's AGP
    percentiles), over the shaded target range."""
    unit = agp.unit
    y_max = mgdl_in(Y_MAX_MGDL, unit)
    _target(pdf, box, low, high, y_max)
    _y_axis(pdf, box, unit, y_max, 7, REFERENCE_MGDL)
    # Close the day: minute 1440 is minute 0 again.
    bins = [*agp.bins, agp.bins[0].model_copy(update={"minute": 1440.0})]
    xs = np.array([box.x + box.w * b.minute / 1440 for b in bins])

    def col(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(b, name) is None else getattr(b, name) for b in bins])

    p = {k: col(k) for k in ("p5", "p25", "p50", "p75", "p95")}
    for lo, hi, colour in (("p5", "p95", OUTER_BAND), ("p25", "p75", INNER_BAND)):
        pdf.set_fill_color(*colour)
        for a, b in _runs(~np.isnan(p[lo]) & ~np.isnan(p[hi])):
            upper = [(xs[i], _y(box, p[hi][i], y_max)) for i in range(a, b)]
            lower = [(xs[i], _y(box, p[lo][i], y_max)) for i in reversed(range(a, b))]
            if len(upper) > 1:
                pdf.polygon(upper + lower, style="F")
    pdf.set_draw_color(*TRACE)
    pdf.set_line_width(0.6)
    for a, b in _runs(~np.isnan(p["p50"])):
        if b - a > 1:
            pdf.polyline([(xs[i], _y(box, p["p50"][i], y_max)) for i in range(a, b)])
    _frame(pdf, box)
    pdf.set_font("helvetica", size=7)
    pdf.set_text_color(*MUTED)
    for hour in range(0, 25, 3):
        x = box.x + box.w * hour / 24
        pdf.set_draw_color(*GRID)
        pdf.set_line_width(0.1)
        pdf.line(x, box.y + box.h, x, box.y + box.h + 1)
        label = f"{hour:02d}:00"
        pdf.text(x - pdf.get_string_width(label) / 2, box.y + box.h + 4, label)


def _frame(pdf: FPDF, box: Box) -> None:
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.2)
    pdf.rect(box.x, box.y, box.w, box.h, style="D")


def day_strip(
    pdf: FPDF,
    box: Box,
    minutes: np.ndarray,
    values: np.ndarray,
    length_min: float,
    hour_marks: Sequence[tuple[int, float]],
    unit: str,
    low: float,
    high: float,
) -> None:
    """One local day, its width the day's real length (23 or 25 hours on DST days)."""
    y_max = mgdl_in(Y_MAX_MGDL, unit)
    _target(pdf, box, low, high, y_max)
    # 54 and 70 would overlap at this height: the target edges and 250 are named.
    _y_axis(pdf, box, unit, y_max, 5, (70.0, 180.0, 250.0))
    pdf.set_font("helvetica", size=5)
    for hour, at in hour_marks:
        x = box.x + box.w * at / length_min
        pdf.set_draw_color(*GRID)
        pdf.set_line_width(0.1)
        pdf.line(x, box.y, x, box.y + box.h)
        if hour % 6 == 0:
            label = str(hour)
            pdf.set_text_color(*MUTED)
            pdf.text(x - pdf.get_string_width(label) / 2, box.y + box.h + 2.2, label)
    if len(values) == 0:
        pdf.set_font("helvetica", "I", 7)
        pdf.set_text_color(*MUTED)
        msg = "no sensor data"
        pdf.text(box.x + (box.w - pdf.get_string_width(msg)) / 2, box.y + box.h / 2 + 1, msg)
    else:
        xs = box.x + box.w * minutes / length_min
        ys = box.y + box.h * (1 - np.clip(values, 0.0, y_max) / y_max)
        breaks = np.flatnonzero(np.diff(minutes) > MAX_JOIN_MIN) + 1
        pdf.set_draw_color(*TRACE)
        pdf.set_line_width(0.3)
        for seg in np.split(np.arange(len(xs)), breaks):
            if len(seg) > 1:
                pdf.polyline(list(zip(xs[seg].tolist(), ys[seg].tolist(), strict=True)))
            elif len(seg) == 1:
                pdf.set_fill_color(*TRACE)
                pdf.circle(xs[seg[0]] - 0.25, ys[seg[0]] - 0.25, 0.25, style="F")
        # Lows are what a reader looks for first: each low reading gets a red dot.
        lows = np.flatnonzero(values < mgdl_in(70.0, unit))
        pdf.set_fill_color(*BAND_COLOURS[1])
        for i in lows.tolist():
            pdf.circle(float(xs[i]) - 0.35, float(ys[i]) - 0.35, 0.35, style="F")
    _frame(pdf, box)
