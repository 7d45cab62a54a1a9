"""The generic CSV: a time and a glucose value per row, columns found from the header or
picked by the person. The header names follow what backend/glucolens/readings/csv_import.py
(the existing CSV upload) accepts; the German spreadsheet follows Excel's German locale
(";" between fields, decimal commas, dd.mm.yyyy hh:mm, cp1252)."""

from __future__ import annotations

import pytest

from glucolens.integrations.importers import generic_csv
from glucolens.integrations.importers.base import FileRejected, NeedsMapping
from tests.integrations.importers._parse import (
    FIXTURES,
    JSON,
    PNG,
    assert_bulk_items,
    by_line,
    head,
    parse,
)

OFFSETS = "generic_offsets.csv"
GERMAN = "generic_de_semicolon.csv"


def test_times_with_offsets_are_kept_and_units_read_per_row() -> None:
    records, problems, meta = parse(generic_csv, OFFSETS, "Europe/Berlin")
    assert [r.item for r in records] == [
        {
            "timestamp": "2024-03-12T08:05:00+00:00",
            "value": 120.0,
            "unit": "mg/dL",
            "source": "csv",
        },
        {"timestamp": "2024-03-12T08:10:00+01:00", "value": 6.1, "unit": "mmol/L", "source": "csv"},
        {
            "timestamp": "2024-03-12T08:15:00+00:00",
            "value": "Low",
            "unit": "mg/dL",
            "source": "csv",
        },
    ]
    assert by_line(problems) == {
        5: "value 'abc' is not a number",
        6: "unit 'kg' is neither mg/dL nor mmol/L",
        7: "timestamp 'not a time' is not a date and time",
        8: "the row has 1 field; the time and value columns need 2",
    }
    assert all(p.type == "glucose" for p in problems)
    assert meta["columns"] == {"timestamp": "timestamp", "value": "value"}


def test_german_spreadsheet_mmol_by_the_values_and_the_spring_gap() -> None:
    records, problems, meta = parse(generic_csv, GERMAN, "Europe/Berlin")
    assert meta["columns"] == {"timestamp": "Datum/Uhrzeit", "value": "Glukose"}
    assert (meta["delimiter"], meta["encoding"], meta["date_order"]) == (";", "cp1252", "DMY")
    assert meta["unit"] == "mmol/L" and "median below 35" in meta["unit_basis"]
    assert [(r.item["timestamp"], r.item["value"], r.item["unit"]) for r in records] == [
        ("2024-03-12T08:05:00+01:00", 5.6, "mmol/L"),
        ("2024-03-12T08:10:00+01:00", 5.9, "mmol/L"),
        ("2024-03-12T08:15:00+01:00", 6.3, "mmol/L"),
        ("2024-03-31T03:05:00+02:00", 6.2, "mmol/L"),
    ]
    assert by_line(problems) == {
        5: "2024-03-31 02:30 does not exist in Europe/Berlin: the clocks sprang forward over it"
    }


def test_mg_dl_by_the_values() -> None:
    data = b"time,glucose\n2024-03-12 08:05,120\n2024-03-12 08:10,35\n2024-03-12 08:15,140\n"
    records, _, meta = parse(generic_csv, data, "UTC")
    assert meta["unit"] == "mg/dL" and {r.item["unit"] for r in records} == {"mg/dL"}


def test_unit_from_the_header_and_from_the_person() -> None:
    data = b"Time,Glucose (mmol/L)\n2024-03-12 08:05,60\n"  # odd values: the header decides
    records, _, meta = parse(generic_csv, data, "UTC")
    assert records[0].item["unit"] == "mmol/L" and meta["unit_basis"] == "the header"
    data = b"time,value\n2024-03-12 08:05,5.6\n"
    records, _, meta = parse(generic_csv, data, "UTC", unit="mg/dL")
    assert records[0].item["unit"] == "mg/dL" and meta["unit_basis"] == "chosen"


def test_a_header_without_a_clear_pair_needs_mapping() -> None:
    data = b"when,sensor,meter\n2024-03-12 08:05,120,118\n"
    with pytest.raises(NeedsMapping) as caught:
        parse(generic_csv, data, "UTC")
    assert caught.value.columns == ["when", "sensor", "meter"]
    records, problems, meta = parse(
        generic_csv, data, "UTC", timestamp_column="when", value_column="meter"
    )
    assert problems == [] and records[0].item["value"] == 118.0
    assert meta["columns"] == {"timestamp": "when", "value": "meter"}


def test_separate_date_and_time_columns_need_mapping() -> None:
    data = b"Date,Time,Glucose\n2024-03-12,08:05,120\n"
    with pytest.raises(NeedsMapping):
        parse(generic_csv, data, "UTC")


def test_a_picked_column_that_is_not_in_the_file_needs_mapping_again() -> None:
    with pytest.raises(NeedsMapping, match="'Zeit'") as caught:
        parse(generic_csv, OFFSETS, "UTC", timestamp_column="Zeit", value_column="value")
    assert caught.value.columns == ["timestamp", "value", "unit"]


def test_a_file_without_a_header_is_time_then_value() -> None:
    records, problems, meta = parse(generic_csv, "generic_headerless.csv", "Europe/Berlin")
    assert problems == [] and len(records) == 3
    assert records[0].line == 1
    assert records[0].item == {
        "timestamp": "2024-03-12T08:05:00+01:00",
        "value": 120.0,
        "unit": "mg/dL",
        "source": "csv",
    }
    assert meta["unit"] == "mg/dL"


def test_month_first_dates_in_an_american_zone() -> None:
    data = b"timestamp,value\n03/04/2024 8:05 AM,120\n"
    records, _, meta = parse(generic_csv, data, "America/New_York")
    assert meta["date_order"] == "MDY"
    assert records[0].item["timestamp"] == "2024-03-04T08:05:00-05:00"


def test_empty_file_is_rejected() -> None:
    with pytest.raises(FileRejected, match="empty"):
        parse(generic_csv, b"", "UTC")


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in FIXTURES.iterdir()
        if p.name.startswith(("generic_", "clarity_", "libreview_", "apple_"))
    ),
)
def test_sniff_takes_only_what_no_specific_format_takes(name: str) -> None:
    assert generic_csv.sniff(head(name)) is name.startswith("generic_")


@pytest.mark.parametrize(
    "data",
    [PNG, JSON, b"", b'<?xml version="1.0"?><HealthData/>', b"just one line of prose\n"],
)
def test_sniff_says_no_to_what_is_not_delimited_text(data: bytes) -> None:
    assert not generic_csv.sniff(data)


def test_sniff_takes_plain_delimited_text() -> None:
    assert generic_csv.sniff(b"a;b\n1;2\n")
    assert generic_csv.sniff("Zeit\tWert\n12.03.2024 08:05\t5,6\n".encode("utf-16"))


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("generic_"))
)
def test_every_record_is_a_valid_bulk_item(name: str) -> None:
    records, _, _ = parse(generic_csv, name, "Europe/Berlin")
    assert records
    assert_bulk_items(records)
