"""The report's pages: a summary page (period, sensor wear, consensus metrics, time in
ranges), a profile page (glucose by time of day, notable patterns), a variability page
(the dashboard's variability indices with meaning and reference range) and day-by-day
pages of small daily charts. docs/report.md describes each section.

fpdf2 is imported here only, so that processes which never render a report do not load it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from glucolens.core.timeutil import zone
from glucolens.dashboard.schemas import Day, VariabilityMetric
from glucolens.reports import charts, text
from glucolens.reports.charts import INK, MUTED, Box
from glucolens.reports.service import ReportData
from glucolens.reports.text import safe

MARGIN = 15.0
PAGE_W = 210.0
PAGE_H = 297.0
WIDTH = PAGE_W - 2 * MARGIN
HEADER_FILL = (15, 76, 92)
WARN_FILL = (254, 243, 199)
WARN_INK = (146, 64, 14)
DAYS_PER_PAGE = 14  # two columns of seven
FIXED_PAGES = 3  # summary, profile and patterns, variability


def day_pages(n_days: int) -> int:
    return math.ceil(n_days / DAYS_PER_PAGE)


TITLE = "GlucoLens glucose report"


class _Doc(FPDF):
    def __init__(self, data: ReportData) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.data = data
        self.core_fonts_encoding = text.ENCODING
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        local = data.generated_at.astimezone(zone(data.timezone))
        self.generated = f"{local:%Y-%m-%d %H:%M} ({data.timezone})"
        # Known up front: fpdf2's page-count alias is not replaced in text() runs.
        self.total_pages = FIXED_PAGES + day_pages(len(data.days))

    def header(self) -> None:
        self.set_fill_color(*HEADER_FILL)
        self.rect(0, 0, PAGE_W, 11, style="F")
        self.set_text_color(255, 255, 255)
        self.set_font("helvetica", "B", 10)
        self.text(MARGIN, 7.2, TITLE)
        self.set_font("helvetica", size=8.5)
        right = safe(f"{self.data.name}  |  {text.period(self.data.first, self.data.last)}")
        self.text(PAGE_W - MARGIN - self.get_string_width(right), 7.2, right)

    def footer(self) -> None:
        self.set_draw_color(*charts.GRID)
        self.set_line_width(0.2)
        self.line(MARGIN, PAGE_H - 12, PAGE_W - MARGIN, PAGE_H - 12)
        self.set_font("helvetica", size=7.5)
        self.set_text_color(*MUTED)
        self.text(
            MARGIN,
            PAGE_H - 8,
            safe(
                f"Generated {self.generated} by GlucoLens. Not a diagnosis: for review "
                "with a clinician."
            ),
        )
        page = f"Page {self.page_no()} of {self.total_pages}"
        self.text(PAGE_W - MARGIN - self.get_string_width(page) + 3, PAGE_H - 8, page)

    # Small layout helpers -------------------------------------------------------------
    def heading(self, y: float, title: str) -> float:
        self.set_font("helvetica", "B", 13)
        self.set_text_color(*HEADER_FILL)
        self.text(MARGIN, y, safe(title))
        self.set_draw_color(*HEADER_FILL)
        self.set_line_width(0.4)
        self.line(MARGIN, y + 1.8, MARGIN + WIDTH, y + 1.8)
        return y + 8

    def row(self, y: float, cells: list[tuple[str, float, str]], size: float = 9.5) -> float:
        """Cells of (text, width, style) side by side on one line; returns the next y."""
        x = MARGIN
        for value, width, style in cells:
            self.set_font("helvetica", style, size)
            self.set_text_color(*INK)
            self.set_xy(x, y)
            self.cell(width, 5.5, safe(value))
            x += width
        return y + 6.2

    def paragraph(self, y: float, body: str, size: float = 9, colour: tuple = INK) -> float:  # type: ignore[type-arg]
        self.set_font("helvetica", size=size)
        self.set_text_color(*colour)
        self.set_xy(MARGIN, y)
        self.multi_cell(WIDTH, size * 0.5, safe(body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return self.get_y() + 1.5


def _warning(doc: _Doc, y: float, d: ReportData) -> float:
    w = d.window
    days = f"{w.days_with_data} of {d.n_days} days"
    body = (
        f"Sensor data covers {text.pct(w.wear_pct)} of the time, on {days}. The consensus "
        "asks for at least 70% of the time over at least 14 days; with less, these metrics "
        "may not represent the period."
    )
    doc.set_font("helvetica", size=9)
    lines = doc.multi_cell(WIDTH - 8, 4.5, safe(body), dry_run=True, output="LINES")
    assert isinstance(lines, list)  # what output="LINES" returns
    height = 9 + 4.5 * len(lines)
    doc.set_fill_color(*WARN_FILL)
    doc.set_draw_color(*WARN_INK)
    doc.set_line_width(0.4)
    doc.rect(MARGIN, y, WIDTH, height, style="DF")
    doc.set_font("helvetica", "B", 10)
    doc.set_text_color(*WARN_INK)
    doc.text(MARGIN + 4, y + 5.5, "Warning: insufficient data")
    doc.set_font("helvetica", size=9)
    doc.set_xy(MARGIN + 4, y + 7)
    doc.multi_cell(WIDTH - 8, 4.5, safe(body))
    return y + height + 5


def _summary_page(doc: _Doc, d: ReportData) -> None:
    w, unit = d.window, d.unit
    doc.add_page()
    doc.set_font("helvetica", "B", 20)
    doc.set_text_color(*INK)
    doc.text(MARGIN, 24, "Glucose report")
    y = doc.row(28, [("Prepared for", 32, ""), (d.name, WIDTH - 32, "B")])
    y = doc.row(y, [("Period", 32, ""), (text.period(d.first, d.last), WIDTH - 32, "B")])
    y = doc.row(
        y,
        [
            ("Time zone", 32, ""),
            (f"{d.timezone} (all times local)", 80, ""),
            ("Units", 20, ""),
            (unit, 40, ""),
        ],
    )
    y = doc.heading(y + 6, "Sensor wear")
    y = doc.row(y, [("Time with sensor data", 70, ""), (text.pct(w.wear_pct), 40, "B")])
    y = doc.row(
        y, [("Days with data", 70, ""), (f"{w.days_with_data} of {d.n_days} days", 40, "B")]
    )
    y = doc.row(y, [("Readings", 70, ""), (f"{w.reading_count:,}", 40, "B")])
    y += 3
    if not w.sufficient_data:
        y = _warning(doc, y, d)
    y = doc.heading(y + 4, "Glucose statistics")
    rows = [
        ("Mean glucose", text.glucose(w.mean, unit), ""),
        ("Glucose management indicator (GMI)", text.gmi(w.gmi_pct), "estimated from the mean"),
        (
            "Coefficient of variation (CV)",
            text.pct(w.cv_pct),
            f"goal {text.CV_GOAL_PCT:.0f}% or less",
        ),
        ("Standard deviation (SD)", text.glucose(w.sd, unit), ""),
        (
            "Lowest and highest reading",
            f"{text.glucose(w.min, unit, False)} and {text.glucose(w.max, unit)}",
            "",
        ),
    ]
    for label, value, note in rows:
        y = doc.row(y, [(label, 75, ""), (value, 50, "B"), (note, 55, "")])
    y = doc.heading(y + 6, "Time in ranges")
    shares = [getattr(w.bands, k) for k in text.BAND_KEYS]
    charts.tir_bar(doc, Box(MARGIN, y, WIDTH, 9), shares)
    y += 14
    y = doc.row(
        y,
        [
            ("Range", 28, "B"),
            (unit, 30, "B"),
            ("Time", 20, "B"),
            ("Per day", 34, "B"),
            ("Consensus goal", 48, "B"),
            ("Met", 20, "B"),
        ],
        9,
    )
    known = [s or 0.0 for s in shares]
    edges = text.RANGE_EDGES[unit]
    for i, (name, label) in enumerate(zip(text.BAND_NAMES, text.BAND_LABELS[unit], strict=True)):
        goal, check = text.BAND_GOALS[i]
        met = "-" if shares[i] is None else ("yes" if check(known) else "no")
        doc.set_fill_color(*charts.BAND_COLOURS[i])
        doc.rect(MARGIN, y + 1.2, 3, 3, style="F")
        y = doc.row(
            y,
            [
                ("    " + name, 28, ""),
                (label, 30, ""),
                (text.pct(shares[i]), 20, "B"),
                (text.per_day(shares[i]), 34, ""),
                (goal.format(**edges), 48, ""),
                (met, 20, ""),
            ],
            9,
        )
    if (round(d.target_low, 1), round(d.target_high, 1)) != (
        round(text.mgdl_in(70, unit), 1),
        round(text.mgdl_in(180, unit), 1),
    ):
        own = f"{text.glucose(d.target_low, unit, False)}-{text.glucose(d.target_high, unit)}"
        y = doc.row(
            y + 2, [(f"Personal target range {own}", 75, ""), (text.pct(w.target_pct), 30, "B")], 9
        )
    doc.paragraph(
        y + 4,
        "Ranges and goals: 2019 international consensus on time in range "
        "(Battelino et al., Diabetes Care 2019) for most adults with type 1 or type 2 "
        "diabetes; goals for older or pregnant people differ.",
        8,
        MUTED,
    )


def _profile_page(doc: _Doc, d: ReportData) -> None:
    doc.add_page()
    y = doc.heading(22, "Glucose by time of day")
    y = doc.paragraph(
        y - 2,
        (
            f"All {d.n_days} days laid over one day: the line is the median; "
            "the dark band holds the middle half of the readings (25th to 75th "
            "percentile), the light band 90% of them (5th to 95th). The green band is "
            f"the target range; values in {d.unit}."
        ),
        8.5,
        MUTED,
    )
    box = Box(MARGIN + 8, y + 2, WIDTH - 8, 88)
    if d.agp.reading_count:
        charts.profile_chart(doc, box, d.agp, d.target_low, d.target_high)
    else:
        doc.paragraph(y + 10, "No readings in this period.")
    y = doc.heading(box.y + box.h + 16, "Notable patterns")
    for item in d.patterns:
        y = doc.paragraph(y, "-  " + item, 9)
    doc.paragraph(y + 1, d.patterns_note, 8.5, MUTED)


def _metric_value(m: VariabilityMetric, unit: str) -> str:
    if m.value is None:
        return "-"
    if m.unit is None:
        return f"{m.value:.2f}" if m.value < 10 else f"{m.value:.1f}"
    return f"{text.glucose(m.value, unit, False)} {m.unit}"


def _metric_range(m: VariabilityMetric, unit: str) -> str:
    if m.reference_low is None or m.reference_high is None:
        return "none published"
    if m.unit is None:
        return f"{m.reference_low:g}-{m.reference_high:g}"
    lo, hi = (text.glucose(v, unit, False) for v in (m.reference_low, m.reference_high))
    return f"{lo}-{hi} {m.unit}"


def _variability_page(doc: _Doc, d: ReportData) -> None:
    """The dashboard's variability card: value, reference range, meaning, or why not."""
    v = d.variability
    doc.add_page()
    y = doc.heading(22, "Glucose variability")
    y = doc.paragraph(
        y - 2,
        f"Computed over the same {d.n_days} days ({v.whole_days} with at least 70% of their "
        "readings) as the R package iglu 4.3.0 computes them. Reference ranges are those of "
        "adults without diabetes (Hill et al., Diabetes Technol Ther 2011), not treatment "
        "targets.",
        8.5,
        MUTED,
    )
    y = doc.row(y + 1, [("Index", 28, "B"), ("Value", 40, "B"), ("Reference range", 50, "B")], 9)
    for m in v.metrics:
        y = doc.row(
            y,
            [
                (m.label, 28, "B"),
                (_metric_value(m, d.unit), 40, "B"),
                (_metric_range(m, d.unit), 50, ""),
            ],
            9.5,
        )
        note = m.meaning if m.status == "ok" else f"Not enough data: {m.reason}. {m.meaning}"
        y = doc.paragraph(y - 1.5, note, 8, MUTED) + 1
    doc.paragraph(
        y + 2,
        "Sources: MAGE, Fernandes et al. 2022 (moving averages); CONGA, McDonnell et al. 2005; "
        "MODD, Molnar et al. 1972; MAG, Hermanides et al. 2010; LBGI, HBGI and ADRR, "
        "Kovatchev et al.; J-index, Wojcicki 1995; GRADE, Hill et al. 2007.",
        8,
        MUTED,
    )


def _caption(stats: Day | None, unit: str) -> str:
    if stats is None or not stats.reading_count:
        return ""
    b = stats.bands
    low = None if b.very_low_pct is None or b.low_pct is None else b.very_low_pct + b.low_pct
    return (
        f"mean {text.glucose(stats.mean, unit, False)}  |  in range "
        f"{text.pct(b.in_range_pct, 0)}  |  low {text.pct(low, 0)}  |  data "
        f"{text.pct(stats.wear_pct, 0)}"
    )


def _day_pages(doc: _Doc, d: ReportData, progress: Callable[[float], None]) -> None:
    pages = day_pages(len(d.days))
    col_w, gap, top, cell_h = (WIDTH - 6) / 2, 6.0, 28.0, 35.0
    for page in range(pages):
        doc.add_page()
        doc.heading(22, f"Day by day ({page + 1} of {pages})")
        chunk = d.days[page * DAYS_PER_PAGE : (page + 1) * DAYS_PER_PAGE]
        for i, t in enumerate(chunk):
            x = MARGIN + (i % 2) * (col_w + gap)
            y = top + (i // 2) * cell_h
            doc.set_font("helvetica", "B", 8)
            doc.set_text_color(*INK)
            title = text.day_long(t.day)
            hours = round(t.length_min / 60)
            if hours != 24:
                title += f" ({hours}-hour day, clock change)"
            doc.text(x, y + 3, title)
            doc.set_font("helvetica", size=6.5)
            doc.set_text_color(*MUTED)
            caption = _caption(t.stats, d.unit)
            doc.text(x + col_w - doc.get_string_width(caption), y + 3, caption)
            charts.day_strip(
                doc,
                Box(x + 5, y + 4.5, col_w - 5, 25),
                t.minutes,
                t.values,
                t.length_min,
                t.hour_marks,
                d.unit,
                d.target_low,
                d.target_high,
            )
        progress((page + 1) / pages)


def render(data: ReportData, progress: Callable[[float], None] | None = None) -> tuple[bytes, int]:
    """(PDF bytes, page count)."""
    doc = _Doc(data)
    doc.set_title(safe(f"{TITLE}: {text.period(data.first, data.last)}"))
    doc.set_author("GlucoLens")
    doc.set_creator("GlucoLens")
    doc.set_creation_date(data.generated_at.astimezone(dt.UTC))
    _summary_page(doc, data)
    _profile_page(doc, data)
    _variability_page(doc, data)
    _day_pages(doc, data, progress or (lambda _f: None))
    return bytes(doc.output()), doc.page_no()
