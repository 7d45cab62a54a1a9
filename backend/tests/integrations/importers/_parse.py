"""Running a parser over a fixture in the tests: records, problems and the meta it filled."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path
from types import ModuleType
from typing import Any

from glucolens.integrations.importers.base import ParseContext, Problem, Record

FIXTURES = Path(__file__).parent / "fixtures"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
JSON = b'[{"type": "sgv", "sgv": 120, "dateString": "2024-03-12T08:05:00Z"}]'


class OneWay(io.RawIOBase):
    """A stream that cannot seek and counts what was read (an upload, a zip member)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # type: ignore[override]
        chunk = self._data.read(n)
        self.bytes_read += len(chunk)
        return chunk


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def head(name: str) -> bytes:
    return fixture(name)[: 64 * 1024]


def parse(
    module: ModuleType, data: bytes | str, timezone: str, /, **options: Any
) -> tuple[list[Record], list[Problem], dict[str, Any]]:
    """``data``: a fixture name or the file's bytes."""
    raw = fixture(data) if isinstance(data, str) else data
    ctx = ParseContext(timezone=timezone, options=options)
    records: list[Record] = []
    problems: list[Problem] = []
    for out in module.parse(io.BytesIO(raw), ctx):
        (records if isinstance(out, Record) else problems).append(out)
    return records, problems, ctx.meta


def line_of(name: str, needle: str, encoding: str = "utf-8-sig") -> int:
    """The 1-based line of the fixture where ``needle`` first appears (a text editor's count)."""
    for n, line in enumerate(fixture(name).decode(encoding).splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {name}")


def by_line(problems: list[Problem]) -> dict[int, str]:
    return {p.line: p.reason for p in problems}


def steps(instants: list[dt.datetime]) -> set[dt.timedelta]:
    """The distinct gaps between consecutive instants."""
    return {b - a for a, b in itertools.pairwise(instants)}


def assert_bulk_items(records: list[Record]) -> None:
    """Every record is an item the bulk endpoints accept (the parser contract in base.py)."""
    from glucolens.lifestyle.schemas import ActivityIn, MealIn, SleepIn
    from glucolens.readings.schemas import GlucoseIn, InsulinIn

    schemas = {
        "glucose": GlucoseIn,
        "insulin": InsulinIn,
        "meal": MealIn,
        "sleep": SleepIn,
        "activity": ActivityIn,
    }
    for record in records:
        schemas[record.type].model_validate(record.item)
