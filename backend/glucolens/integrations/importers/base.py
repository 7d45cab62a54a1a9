"""What every file-format parser gives the import job: a stream of records and row problems.

A parser is a module with a ``FORMAT`` (a :class:`FileFormat`), a ``sniff(head)`` test on
the content (never the file name) and a ``parse(stream, ctx)`` generator. ``stream`` is a
binary file object already unwrapped from any zip (with size and ratio limits against zip
bombs, see detect.py). A parser reads it as a stream (never the whole file into memory), yields one
:class:`Record` per row it understands and one :class:`Problem` per row it cannot, and
writes what it learns about the file (device, unit, time zone used) into ``ctx.meta``.

A record's ``item`` is exactly the bulk-ingest item of its ``type`` (the JSON the bulk
endpoints accept), so every import goes through the same validation as the API:

- ``glucose``: ``timestamp`` (ISO 8601 with offset), ``value``, ``unit``, ``source``, and
  optional ``kind`` ("cgm" sensor readings, "scan" Libre scans, "meter" fingersticks),
  ``period_min`` (the sensor's sampling period: 5 Dexcom, 15 Libre history), ``trend``,
  ``device``, ``external_id``.
- ``insulin``: ``timestamp``, ``units``, ``kind`` ("bolus" | "basal"), ``insulin_type``.
- ``meal``: ``timestamp``, ``carbs_g`` and the other fields of MealIn.
- ``sleep``: ``start``, ``end``, ``asleep_min`` ... (SleepIn).
- ``activity``: ``start``, ``end``, ``activity_type``, ``kcal``, ``steps`` ... (ActivityIn).

Every item carries ``source`` (the importer's source name, e.g. "dexcom_clarity") and, when
the file gives each row a stable id, ``external_id``; otherwise (source, time) is the
row's idempotency key, so importing the same or an overlapping export again adds only new rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import IO, Any, Literal, Protocol

RecordType = Literal["glucose", "insulin", "meal", "sleep", "activity"]
RECORD_TYPES: tuple[RecordType, ...] = ("glucose", "insulin", "meal", "sleep", "activity")


@dataclasses.dataclass(frozen=True, slots=True)
class FileFormat:
    name: str  # machine name, stored on the job: "dexcom_clarity"
    label: str  # shown to people: "Dexcom Clarity CSV"
    source: str  # the rows' source: "dexcom_clarity"


@dataclasses.dataclass(slots=True)
class Record:
    type: RecordType
    line: int  # 1-based line (CSV) or record number (XML, JSON) for reports
    item: dict[str, Any]


@dataclasses.dataclass(slots=True)
class Problem:
    line: int
    reason: str
    type: RecordType | None = None


class FileRejected(ValueError):
    """The whole file cannot be imported (not one row): the message says why, for people."""


class NeedsMapping(FileRejected):
    """A CSV whose time and value columns cannot be told from its header: the person picks
    them (``ctx.options["timestamp_column"]``, ``"value_column"``, optional ``"unit"``)."""

    def __init__(self, message: str, columns: list[str]) -> None:
        super().__init__(message)
        self.columns = columns


@dataclasses.dataclass(slots=True)
class ParseContext:
    timezone: str  # the user's IANA zone, for files that write local wall time
    unit: str = "mg/dL"  # the user's display unit, a hint for unit-less files
    options: dict[str, Any] = dataclasses.field(default_factory=dict)  # e.g. CSV column mapping
    # Filled by the parser: device, serial, unit, timezone (the zone actually used), ...
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)


class Parser(Protocol):
    FORMAT: FileFormat

    def sniff(self, head: bytes) -> bool:
        """True when ``head`` (the first 64 KiB of the file or zip member) is this format."""
        ...

    def parse(self, stream: IO[bytes], ctx: ParseContext) -> Iterator[Record | Problem]: ...
