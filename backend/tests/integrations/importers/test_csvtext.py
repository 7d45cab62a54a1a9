"""The shared CSV helpers: bytes to rows (encodings Excel writes, delimiters, decimal commas)
and wall-clock times to instants (date formats, per-file date order, DST gap and repeated
hour). Excel's behaviours follow Microsoft's "Save as" descriptions (CSV UTF-8 with BOM,
CSV in the ANSI code page, Unicode Text = UTF-16 LE with tabs, list separator ";" where the
decimal separator is ","), as the Clarity and LibreView tests cite."""

from __future__ import annotations

import codecs
import datetime as dt
import itertools

import pytest

from glucolens.integrations.importers import csvtext
from glucolens.integrations.importers.base import FileRejected
from glucolens.integrations.importers.wallclock import (
    DateOrderVote,
    LocalClock,
    LocalTimeError,
    stamp_parser,
)
from tests.integrations.importers._parse import PNG, OneWay

TEXT = "time,value\r\n2024-03-12 08:05,5.6\r\n2024-03-12 08:10,Café\r\n"


def rows_of(data: bytes) -> tuple[csvtext.CsvRows, list[tuple[int, list[str]]]]:
    source = csvtext.CsvRows(OneWay(data))  # type: ignore[arg-type]
    return source, list(source)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + TEXT.encode(), "utf-8-sig"),
        (TEXT.encode(), "utf-8"),
        (TEXT.encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_every_encoding_excel_writes_reads_back_the_same_rows(data: bytes, encoding: str) -> None:
    source, rows = rows_of(data)
    assert source.encoding == encoding
    assert rows == [
        (1, ["time", "value"]),
        (2, ["2024-03-12 08:05", "5.6"]),
        (3, ["2024-03-12 08:10", "Café"]),
    ]


def test_a_multibyte_character_cut_by_the_head_is_still_utf8() -> None:
    data = ("x" * 4095 + "é").encode()  # "é" straddles the 4096-byte sample
    assert csvtext.detect_encoding(data[:4096]) == "utf-8"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("time,value\n2024-03-12 08:05,120\n", ","),
        ("time;value\n2024-03-12 08:05;5,6\n2024-03-12 08:10;5,9\n", ";"),
        ("time\tvalue\n2024-03-12 08:05\t5,6\n", "\t"),
        ('"Index","Glucose Value (mmol/L)"\n"1","5,6"\n"2","5,4"\n', ","),
        ("Device;Serial;Value\nA;1;5,6\nA;1;5,4\n", ";"),
    ],
)
def test_delimiter(text: str, delimiter: str) -> None:
    assert csvtext.detect_delimiter(text.splitlines()) == delimiter


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row() -> None:
    source, rows = rows_of(b"sep=;\r\ntime;value\r\n2024-03-12 08:05;5,6\r\n")
    assert source.delimiter == ";"
    assert rows == [(2, ["time", "value"]), (3, ["2024-03-12 08:05", "5,6"])]


def test_line_numbers_count_physical_lines_and_skip_blank_rows() -> None:
    data = b'a,b\n\n1,"two\nlines"\n,\n3,4\n'
    _, rows = rows_of(data)
    assert rows == [(1, ["a", "b"]), (4, ["1", "two\nlines"]), (6, ["3", "4"])]


def test_a_field_too_long_for_csv_is_rejected_with_its_line() -> None:
    with pytest.raises(FileRejected, match="line 2"):
        rows_of(b"a,b\n1," + b"x" * (1024 * 1024 + 1) + b"\n")


@pytest.mark.parametrize(
    ("raw", "value"),
    [("5.6", 5.6), ("5,6", 5.6), (" 120 ", 120.0), ("-0,1", -0.1), ("1e2", 100.0), ("7", 7.0)],
)
def test_numbers_in_either_notation(raw: str, value: float) -> None:
    assert csvtext.parse_number(raw) == value


@pytest.mark.parametrize("raw", ["", "abc", "1,2,3", "1.234,5", "nan", "inf", "1_000", "5 6"])
def test_not_numbers(raw: str) -> None:
    with pytest.raises(ValueError):
        csvtext.parse_number(raw)


def test_lookahead_reads_until_decided_and_replays_everything() -> None:
    source = iter(range(100))
    seen: list[int] = []
    replay = csvtext.lookahead(source, 50, lambda n: seen.append(n) or n == 7)
    assert seen == list(range(8))  # stopped at the deciding item, before yielding any
    assert list(replay) == list(range(100))


def test_lookahead_stops_at_its_limit() -> None:
    source = iter(range(100))
    replay = csvtext.lookahead(source, 10, lambda n: False)
    assert next(source) == 10  # nothing past the limit was read ahead
    assert list(itertools.islice(replay, 3)) == [0, 1, 2]


def test_binary_and_text() -> None:
    assert csvtext.looks_binary(PNG)
    assert csvtext.looks_binary(b"PK\x03\x04\x14\x00")
    assert csvtext.looks_binary(b"%PDF-1.7\n")
    assert not csvtext.looks_binary(TEXT.encode("utf-16-le"))
    assert not csvtext.looks_binary(TEXT.encode("cp1252"))


# --- wall clock --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        ("2024-03-12T08:05:00", "YMD", dt.datetime(2024, 3, 12, 8, 5)),
        ("2024-03-12 08:05", "DMY", dt.datetime(2024, 3, 12, 8, 5)),
        ("2025-05-01 0:01:47", "YMD", dt.datetime(2025, 5, 1, 0, 1, 47)),  # Excel's re-save
        ("2024/03/12 8:05 PM", "YMD", dt.datetime(2024, 3, 12, 20, 5)),
        ("03/12/2024 08:05", "MDY", dt.datetime(2024, 3, 12, 8, 5)),
        ("3/12/2024 8:05 AM", "MDY", dt.datetime(2024, 3, 12, 8, 5)),
        ("3/12/2024 12:05 AM", "MDY", dt.datetime(2024, 3, 12, 0, 5)),
        ("3/12/2024 12:30 pm", "MDY", dt.datetime(2024, 3, 12, 12, 30)),
        ("03-12-2024 08:05 AM", "MDY", dt.datetime(2024, 3, 12, 8, 5)),
        ("12-03-2024 08:05", "DMY", dt.datetime(2024, 3, 12, 8, 5)),
        ("12/03/2024 08:05", "DMY", dt.datetime(2024, 3, 12, 8, 5)),
        ("12.03.2024 08:05:30", "DMY", dt.datetime(2024, 3, 12, 8, 5, 30)),
        ("12/03/24 08:05", "DMY", dt.datetime(2024, 3, 12, 8, 5)),
    ],
)
def test_date_formats(raw: str, order: str, expected: dt.datetime) -> None:
    assert stamp_parser(order)(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw", ["2024-02-30 08:00", "13/13/2024 08:00", "hello", "2024-03-12", "3/12/2024 13:05 PM"]
)
def test_not_dates(raw: str) -> None:
    with pytest.raises(ValueError):
        stamp_parser("DMY")(raw)


def _vote(*stamps: str) -> DateOrderVote:
    vote = DateOrderVote()
    for s in stamps:
        if vote.observe(s):
            break
    return vote


def test_date_order_settled_by_the_data() -> None:
    assert _vote("03/12/2024 08:05", "13/12/2024 08:05").result(None, "America/Chicago") == (
        "DMY",
        "a date starts with day 13",
    )
    assert _vote("03/12/2024 08:05", "03/13/2024 08:05").result("mmol/L", "Europe/Berlin")[0] == (
        "MDY"
    )
    assert _vote("2024-03-12T08:05:00").result(None, "Europe/Berlin")[0] == "YMD"


def test_date_order_from_the_locale_when_no_day_is_above_12() -> None:
    assert _vote("03.12.2024 08:05").result(None, "America/Chicago")[0] == "DMY"
    assert _vote("03-12-2024 08:05 AM").result("mmol/L", "Europe/London")[0] == "MDY"
    assert _vote("03/12/2024 08:05").result("mmol/L", "America/Toronto")[0] == "DMY"
    assert _vote("03/12/2024 08:05").result("mg/dL", "America/Chicago")[0] == "MDY"
    assert _vote("03/12/2024 08:05").result("mg/dL", "Europe/Berlin")[0] == "DMY"


def test_steady_hours_carry_their_offset() -> None:
    clock = LocalClock("Europe/Berlin")
    assert clock.iso(dt.datetime(2024, 1, 15, 8, 5)) == "2024-01-15T08:05:00+01:00"
    assert clock.iso(dt.datetime(2024, 7, 15, 8, 5, 33)) == "2024-07-15T08:05:33+02:00"
    text = "2024-07-15T08:10:00"
    assert clock.iso(dt.datetime.fromisoformat(text), text=text) == text + "+02:00"
    aware = dt.datetime(2024, 7, 15, 8, 5, tzinfo=dt.UTC)
    assert clock.iso(aware) == "2024-07-15T08:05:00+00:00"


def test_a_time_in_the_spring_gap_is_named_as_not_existing() -> None:
    clock = LocalClock("Europe/Berlin")
    with pytest.raises(LocalTimeError, match=r"2024-03-31 02:30 does not exist in Europe/Berlin"):
        clock.iso(dt.datetime(2024, 3, 31, 2, 30))
    assert clock.iso(dt.datetime(2024, 3, 31, 1, 59)) == "2024-03-31T01:59:00+01:00"
    assert clock.iso(dt.datetime(2024, 3, 31, 3, 0)) == "2024-03-31T03:00:00+02:00"


def _autumn(minutes: list[int]) -> list[dt.datetime]:
    return [dt.datetime(2024, 10, 27, 1, 0) + dt.timedelta(minutes=m) for m in minutes]


def test_the_repeated_hour_follows_the_file_order() -> None:
    clock = LocalClock("Europe/Berlin")
    # 01:50, then 02:00-02:50 twice (summer, then winter time), then 03:00
    walls = _autumn([50, 60, 90, 110, 60, 90, 110, 120])
    out = [clock.iso(w) for w in walls]
    assert [o[-6:] for o in out] == ["+02:00"] * 4 + ["+01:00"] * 4
    instants = [dt.datetime.fromisoformat(o) for o in out]
    assert instants == sorted(instants) and len(set(instants)) == len(instants)


def test_same_wall_time_twice_stays_in_its_pass() -> None:
    # A carbs row and an insulin row at the same minute of the first pass.
    clock = LocalClock("Europe/Berlin")
    walls = _autumn([80, 95, 95, 100])
    assert [clock.iso(w)[-6:] for w in walls] == ["+02:00"] * 4


def test_each_key_has_its_own_file_order() -> None:
    # LibreView: history of a sensor, then its scans starting over in time.
    clock = LocalClock("Europe/Berlin")
    assert clock.iso(_autumn([100])[0], key="history")[-6:] == "+02:00"
    assert clock.iso(_autumn([70])[0], key="history")[-6:] == "+01:00"  # went back: 2nd pass
    assert clock.iso(_autumn([70])[0], key="scans")[-6:] == "+02:00"  # a new run: 1st pass


def test_an_expected_instant_beats_the_file_order() -> None:
    clock = LocalClock("Europe/Berlin")
    second_pass = dt.datetime(2024, 10, 27, 1, 30, tzinfo=dt.UTC)  # 02:30 CET
    assert clock.iso(_autumn([90])[0], near=lambda: second_pass)[-6:] == "+01:00"
    first_pass = dt.datetime(2024, 10, 27, 0, 30, tzinfo=dt.UTC)  # 02:30 CEST
    assert clock.iso(_autumn([90])[0], near=lambda: first_pass)[-6:] == "+02:00"


def test_later_crosses_a_clock_change() -> None:
    clock = LocalClock("Europe/Berlin")
    assert clock.later("2024-10-27T01:30:00+02:00", dt.timedelta(hours=2)) == (
        "2024-10-27T02:30:00+01:00"
    )


def test_unknown_zone_is_rejected() -> None:
    with pytest.raises(FileRejected, match="Mars/Olympus"):
        LocalClock("Mars/Olympus")
