"""The report's number, date and text formatting (glucolens/reports/text.py)."""

from __future__ import annotations

import datetime as dt

from glucolens.reports import text


def test_text_outside_the_standard_fonts_is_folded_not_lost():
    assert text.safe("Zoë Müller – 5 €") == "Zoë Müller – 5 €"  # all in Windows-1252
    assert text.safe("Łukasz Dvořák") == "Lukasz Dvorák"  # á is in the fonts, ř is not
    assert text.safe("李 Wei") == "? Wei"
    text.safe("Łukasz Dvořák 李").encode(text.ENCODING)


def test_glucose_is_written_as_people_read_it():
    assert text.glucose(141.46, "mg/dL") == "141 mg/dL"
    assert text.glucose(7.86, "mmol/L") == "7.9 mmol/L"
    assert text.glucose(None, "mg/dL") == "-"
    assert text.gmi(7.0) == "7.0% (53 mmol/mol)"
    assert text.per_day(50.0) == "12 h 00 min/day"
    assert text.per_day(1.0) == "14 min/day"


def test_dates_are_english_whatever_the_locale():
    assert text.day_long(dt.date(2026, 3, 29)) == "Sun 29 Mar 2026"
    assert text.period(dt.date(2026, 3, 29), dt.date(2026, 3, 29)) == (
        "Sun 29 Mar 2026 - Sun 29 Mar 2026 (1 day)"
    )
