"""Dexcom Clarity CSV export.

Where the fixtures' shape comes from (Dexcom publishes no specification):
- a real export: github.com/namebrandon/blood_glucose_with_tft,
  data_prep/data/Clarity_Export_2023-11-14_133501.csv (every field double-quoted, EGV rows
  with Transmitter Time and Transmitter ID "8021KL", Source Device ID "android G6", local
  times with seconds, readings 300 s apart);
- github.com/thetahealth/mirobody-gen, docs/DEVICE_FORMATS.md (measured on about twelve
  public exports, G4 to G7, mg/dL and mmol/L): the 14-column header and its mmol/L variant,
  UTF-8 with BOM and CRLF, the untimed preamble (FirstName, LastName, optional DateOfBirth,
  a Device row, seven Alert rows with their values), ragged rows (13 fields except EGV and
  Calibration), Low/High in subtype and value, Exercise rows with Light/Medium/Heavy and a
  duration, Calibration rows with an empty transmitter time, timed rows in time order;
- the University of Michigan CGM export notes it cites:
  https://teamdynamix.umich.edu/TDClient/210/DepressionCenter/Questions/Details/100073;
- Insulin rows with subtype Fast-Acting / Long-Acting and the value in "Insulin Value (u)":
  the Clarity parsers' fixtures indexed by the code search (e.g. rows
  ``7,2024-06-01T10:00:00,Insulin,Fast-Acting,,Dexcom G6,Dexcom G6,,5,,,,``).
Excel re-saves (cp1252, ";" and decimal commas, dd/mm/yyyy hh:mm without seconds, rows
padded to 14 fields) follow what Excel does to any CSV in a French locale.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import pytest

from glucolens.integrations.importers import clarity, generic_csv, libreview
from glucolens.integrations.importers.base import FileRejected, ParseContext, Record
from tests.integrations.importers._parse import (
    FIXTURES,
    JSON,
    PNG,
    OneWay,
    assert_bulk_items,
    by_line,
    fixture,
    head,
    line_of,
    parse,
    steps,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "bench"))
import _import_files  # noqa: E402

US = "clarity_us_mgdl.csv"
BERLIN = "clarity_berlin_mmol_dst.csv"
EXCEL_FR = "clarity_excel_fr.csv"


def items(records: list[Record], type_: str) -> list[dict]:
    return [r.item for r in records if r.type == type_]


def test_us_export_rows_become_items() -> None:
    records, _, meta = parse(clarity, US, "America/New_York")
    glucose = items(records, "glucose")
    assert [(g["timestamp"], g["value"], g["kind"]) for g in glucose] == [
        ("2024-06-03T08:00:33-04:00", 120.0, "cgm"),
        ("2024-06-03T08:05:33-04:00", 118.0, "cgm"),
        ("2024-06-03T08:10:33-04:00", "Low", "cgm"),
        ("2024-06-03T08:15:33-04:00", "High", "cgm"),
        ("2024-06-03T08:16:10-04:00", 112.0, "meter"),  # a calibration fingerstick
        ("2024-06-03T08:25:33-04:00", 131.0, "cgm"),
    ]
    cgm = glucose[0]
    assert cgm == {
        "timestamp": "2024-06-03T08:00:33-04:00",
        "value": 120.0,
        "unit": "mg/dL",
        "source": "dexcom_clarity",
        "kind": "cgm",
        "period_min": 5,
        "device": "Dexcom G6",
    }
    assert "period_min" not in glucose[4]
    assert items(records, "meal") == [
        {"timestamp": "2024-06-03T08:25:00-04:00", "carbs_g": 45.0, "source": "dexcom_clarity"}
    ]
    insulin = items(records, "insulin")
    assert [(i["kind"], i["units"], i["insulin_type"]) for i in insulin] == [
        ("bolus", 4.5, "Fast-Acting"),
        ("basal", 18.0, "Long-Acting"),
    ]
    assert items(records, "activity") == [
        {
            "start": "2024-06-03T17:30:00-04:00",
            "end": "2024-06-03T18:15:00-04:00",
            "activity_type": "exercise",
            "intensity": "high",
            "source": "dexcom_clarity",
        }
    ]
    assert meta["device"] == "Dexcom G6"
    assert meta["unit"] == "mg/dL" and meta["timezone"] == "America/New_York"
    assert meta["date_order"] == "YMD" and meta["encoding"] == "utf-8-sig"
    assert meta["skipped_rows"] == {"Health event": 1}


def test_us_export_problems_by_line() -> None:
    _, problems, _ = parse(clarity, US, "America/New_York")
    assert by_line(problems) == {
        line_of(US, '"abc"'): "Glucose Value 'abc' is not a number",
        line_of(US, '"Insulin",""'): "Insulin subtype '' is neither Fast-Acting nor Long-Acting",
        line_of(US, "T25:00"): "Timestamp '2024-06-03T25:00:00' is not a date and time",
        line_of(US, '"lots"'): "Carb Value 'lots' is not a number",
        line_of(US, '"Exercise","Light"'): "Exercise row has no duration",
    }
    assert [p.line for p in problems] == [18, 25, 26, 27, 28]
    assert [p.type for p in problems] == ["glucose", "insulin", "glucose", "meal", "activity"]


def test_names_in_the_preamble_never_leave_the_parser() -> None:
    records, problems, meta = parse(clarity, US, "America/New_York")
    out = repr([r.item for r in records]) + repr(problems) + repr(meta)
    assert "Jane" not in out and "Doe" not in out and "1990" not in out


def test_mmol_export_across_both_clock_changes_in_berlin() -> None:
    records, problems, meta = parse(clarity, BERLIN, "Europe/Berlin")
    assert meta["unit"] == "mmol/L" and meta["device"] == "Dexcom G7"
    assert by_line(problems) == {
        line_of(BERLIN, "T02:30:00,Carbs"): (
            "2024-03-31 02:30 does not exist in Europe/Berlin: the clocks sprang forward over it"
        )
    }
    egv = [g for g in items(records, "glucose") if g["kind"] == "cgm"]
    assert all(g["unit"] == "mmol/L" for g in egv)
    spring = [g["timestamp"] for g in egv if g["timestamp"].startswith("2024-03-31")]
    assert spring == [
        "2024-03-31T01:50:12+01:00",
        "2024-03-31T01:55:12+01:00",
        "2024-03-31T03:00:12+02:00",
        "2024-03-31T03:05:12+02:00",
    ]
    autumn = [g for g in egv if g["timestamp"].startswith("2024-10-27")]
    instants = [dt.datetime.fromisoformat(g["timestamp"]) for g in autumn]
    # 27 readings, 5 minutes apart in real time, through 02:00-02:59 twice
    assert steps(instants) == {dt.timedelta(minutes=5)}
    assert autumn[13]["timestamp"] == "2024-10-27T02:55:07+02:00"
    assert autumn[14]["timestamp"] == "2024-10-27T02:00:07+01:00"
    assert [autumn[19]["value"], autumn[26]["value"]] == ["Low", "High"]
    # the carbs row has no transmitter clock: the file order puts it in the second pass
    assert items(records, "meal")[-1]["timestamp"] == "2024-10-27T02:27:00+01:00"


def _wall_sorted_autumn() -> bytes:
    """The Berlin autumn rows sorted by their wall-clock text, as an export sorted by local
    time would be: the two passes interleave and only the transmitter clock tells them."""
    lines = fixture(BERLIN).decode("utf-8-sig").splitlines()
    header, egv = lines[0], [ln for ln in lines if ",2024-10-27T" in ln and ",EGV," in ln]
    egv.sort(key=lambda ln: ln.split(",")[1])
    return ("\n".join([header, *egv]) + "\n").encode()


def test_transmitter_clock_places_readings_of_a_file_sorted_by_wall_time() -> None:
    records, problems, _ = parse(clarity, _wall_sorted_autumn(), "Europe/Berlin")
    assert problems == [] and len(records) == 27
    instants = sorted(dt.datetime.fromisoformat(r.item["timestamp"]) for r in records)
    assert steps(instants) == {dt.timedelta(minutes=5)}


def test_without_transmitter_columns_the_file_order_decides() -> None:
    lines = fixture(BERLIN).decode("utf-8-sig").splitlines()
    cut = "\n".join(",".join(ln.split(",")[:12]) for ln in lines) + "\n"
    records, _, _ = parse(clarity, cut.encode(), "Europe/Berlin")
    autumn = [
        dt.datetime.fromisoformat(r.item["timestamp"])
        for r in records
        if r.type == "glucose" and r.item["timestamp"].startswith("2024-10-27")
    ]
    assert steps(autumn) == {dt.timedelta(minutes=5)}


def test_excel_resave_in_a_french_locale() -> None:
    records, problems, meta = parse(clarity, EXCEL_FR, "Europe/Paris")
    assert (meta["encoding"], meta["delimiter"], meta["date_order"]) == ("cp1252", ";", "DMY")
    assert "mmol/L" in meta["date_order_basis"]  # no day above 12: the unit decided
    glucose = items(records, "glucose")
    assert [(g["timestamp"], g["value"]) for g in glucose] == [
        ("2024-03-11T23:50:00+01:00", 5.6),
        ("2024-03-11T23:55:00+01:00", 5.4),
        ("2024-03-12T00:00:00+01:00", "Low"),
        ("2024-03-12T00:05:00+01:00", 6.1),
    ]
    assert items(records, "insulin")[0]["units"] == 4.5
    assert by_line(problems) == {10: "Glucose Value '6,x' is not a number"}


def _excel_us(first_day_above_12_at: int) -> bytes:
    """A mg/dL export re-saved by Excel with d/m or m/d dates and no seconds."""
    header = fixture(US).decode("utf-8-sig").splitlines()[0]
    rows = [header]
    start = dt.datetime(2024, 2, 1, 0, 0)
    for i in range(first_day_above_12_at + 10):
        t = start + dt.timedelta(minutes=5 * i)
        day_first = f"{t.day:02d}/{t.month:02d}/{t.year} {t.hour:02d}:{t.minute:02d}"
        rows.append(f'"{i}","{day_first}","EGV","","","","iOS G6","100","","","","","",""')
    return ("\r\n".join(rows) + "\r\n").encode()


def test_date_order_is_settled_by_a_later_row_for_the_whole_file() -> None:
    # 5-minute rows from 1 February: the 13th begins at row 3456; every row before it is
    # ambiguous, and the time zone alone would have said month first.
    records, problems, meta = parse(clarity, _excel_us(3456), "America/Chicago")
    assert problems == []
    assert meta["date_order"] == "DMY" and meta["date_order_basis"] == "a date starts with day 13"
    assert records[0].item["timestamp"] == "2024-02-01T00:00:00-06:00"


def test_timezone_option_wins_over_the_account_zone() -> None:
    records, _, meta = parse(clarity, US, "Europe/Berlin", timezone="America/Los_Angeles")
    assert meta["timezone"] == "America/Los_Angeles"
    assert records[0].item["timestamp"] == "2024-06-03T08:00:33-07:00"


def test_unknown_timezone_is_rejected() -> None:
    with pytest.raises(FileRejected, match="time zone"):
        parse(clarity, US, "Nowhere/Land")


def test_other_files_are_rejected() -> None:
    with pytest.raises(FileRejected, match="not a Dexcom Clarity export"):
        parse(clarity, "libreview_us_mgdl.csv", "America/Chicago")
    with pytest.raises(FileRejected):
        parse(clarity, b"timestamp,value\n2024-03-12T08:05:00Z,120\n", "UTC")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_sniff_tells_clarity_from_every_other_fixture(name: str) -> None:
    assert clarity.sniff(head(name)) is name.startswith("clarity_")


def test_sniff_says_no_to_images_json_and_emptiness() -> None:
    for data in (PNG, JSON, b"", b"\n\n"):
        assert not clarity.sniff(data)
        assert not libreview.sniff(data)
    assert not generic_csv.sniff(PNG) and not generic_csv.sniff(JSON)


def test_parsing_streams_instead_of_reading_the_file_first(tmp_path: Path) -> None:
    path = tmp_path / "clarity.csv"
    _import_files.clarity_year(path, days=60)
    data = path.read_bytes()
    stream = OneWay(data)
    parsed = clarity.parse(stream, ParseContext(timezone="Europe/Berlin"))  # type: ignore[arg-type]
    next(r for r in parsed if isinstance(r, Record))
    assert stream.bytes_read < len(data) // 4


def test_a_year_of_five_minute_readings_parses_in_well_under_two_seconds(tmp_path: Path) -> None:
    path = tmp_path / "clarity_year.csv"
    counts = _import_files.clarity_year(path)
    start = time.process_time()  # CPU time: other test processes share the machine
    with path.open("rb") as fh:
        records = [r for r in clarity.parse(fh, ParseContext(timezone="Europe/Berlin"))]
    took = time.process_time() - start
    assert sum(1 for r in records if r.type == "glucose" and r.item["kind"] == "cgm") == 105_120
    assert counts["EGV"] == 105_120
    assert all(isinstance(r, Record) for r in records)  # no problems in a clean export
    assert took < 2.0, f"{took:.2f} s"


@pytest.mark.parametrize(
    "name", sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("clarity_"))
)
def test_every_record_is_a_valid_bulk_item(name: str) -> None:
    records, _, _ = parse(clarity, name, "Europe/Berlin")
    assert records
    assert_bulk_items(records)
