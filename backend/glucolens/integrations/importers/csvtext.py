"""Reading CSV exports as they reach people's disks: the bytes, the delimiter and the numbers.

Device exports are UTF-8 (Clarity with a BOM, LibreView without), but many files have been
opened and saved again in Excel first, which changes them:

- "CSV UTF-8" keeps UTF-8 with a BOM; plain "CSV" on Windows writes cp1252;
- "Unicode Text" writes UTF-16 little-endian with a BOM and tabs between fields;
- European locales separate fields with ``;`` and write decimals with a comma ("5,6");
- an optional ``sep=;`` first line tells Excel the delimiter.

:func:`open_rows` undoes all of that and yields ``(line, fields)`` one row at a time, so a file
is never held in memory. Times and dates are in :mod:`.wallclock`.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
from collections.abc import Callable, Iterator
from typing import IO, TypeVar

from glucolens.integrations.importers.base import FileRejected

HEAD_BYTES = 64 * 1024
# Rows read ahead to settle a per-file question (date order, unit): two months of 5-minute
# readings, seven months of 15-minute history; a few MB at most.
LOOKAHEAD_ROWS = 20_000
DELIMITERS = (",", ";", "\t")
# csv's default limit of 128 KiB per field stands (a longer field is not a device export);
# it is process-wide state, so importers never change it.

T = TypeVar("T")


def detect_encoding(head: bytes) -> str:
    """The codec for a file starting with ``head``: a BOM decides; UTF-16 without one shows as
    NUL bytes in every other position; text that is valid UTF-8 is UTF-8; the rest is what
    Excel's "CSV" writes on Windows (cp1252, where every byte means something)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and picks the byte order
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) * 3 > len(sample):
        # ASCII text in UTF-16: the zero byte comes second (LE) or first (BE).
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    try:
        # A multibyte character cut at the end of the head is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def head_text(head: bytes) -> str:
    """``head`` decoded for a sniffer (never fails: undecodable bytes become U+FFFD)."""
    decoder = codecs.getincrementaldecoder(detect_encoding(head))(errors="replace")
    return str(decoder.decode(head, final=False))


def head_lines(head: bytes, limit: int = 8) -> list[str]:
    """The first ``limit`` non-empty lines of ``head`` as text (for sniffers)."""
    lines = [line for line in head_text(head).splitlines()[: limit * 4] if line.strip()]
    return lines[:limit]


def looks_binary(head: bytes) -> bool:
    """Images, archives, PDFs and other non-text: their magic numbers, or control bytes that
    no text file has (UTF-16 text is recognised first, its NULs are expected)."""
    if head.startswith((b"\x89PNG", b"PK\x03\x04", b"%PDF", b"\x1f\x8b", b"GIF8", b"\xff\xd8")):
        return True
    if detect_encoding(head).startswith("utf-16"):
        return False
    sample = head[:4096]
    controls = sum(sample.count(bytes([b])) for b in (0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16))
    return controls > 0


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (> 1) of fields.

    Counting characters alone fails on "time;value" rows with decimal commas ("5,6"): both
    characters appear once a line. Splitting with each candidate and asking how many lines
    agree on one field count (the header included) tells them apart: with ``,`` the header
    has one field and the rows two. Ties go to the comma, then ``;``, then tab."""
    best, best_score = ",", (0, 0)
    for delim in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delim)]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (counts.count(modal), modal)
        if score > best_score:
            best, best_score = delim, score
    return best


class _Rejoined(io.RawIOBase):
    """The head already read for detection, then the rest of the stream: a stream that cannot
    seek back (a zip member being inflated, an upload) is still read once, front to back."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class CsvRows:
    """A delimited text file, row by row: ``for line, fields in rows``.

    ``line`` is the 1-based physical line where the row ends (a quoted field may span lines),
    what people see in a text editor or spreadsheet. ``encoding`` and ``delimiter`` say what
    was detected. Rows whose fields are all empty are skipped."""

    def __init__(self, stream: IO[bytes], head_size: int = HEAD_BYTES) -> None:
        head = stream.read(head_size)
        self.encoding = detect_encoding(head)
        text = io.TextIOWrapper(
            io.BufferedReader(_Rejoined(head, stream), 1 << 16),
            encoding=self.encoding,
            errors="replace",
            newline="",
        )
        sample = head_text(head).splitlines()
        self._skip_first = False
        first = sample[0].strip() if sample else ""
        if first.lower().startswith("sep=") and len(first) == 5:
            self.delimiter = first[4]  # Excel's hint line names the delimiter
            self._skip_first = True
        else:
            # The last line of the head may be cut off; leave it out.
            self.delimiter = detect_delimiter([s for s in sample[:40][:-1] or sample if s])
        self._reader = csv.reader(text, delimiter=self.delimiter)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = self._reader
        if self._skip_first:
            next(reader, None)
        try:
            for row in reader:
                for field in row:
                    if field:
                        break
                else:
                    continue  # blank line or only delimiters
                yield reader.line_num, row
        except csv.Error as exc:  # a NUL byte, an unterminated quote at the end of the file
            raise FileRejected(
                f"The file cannot be read as CSV at line {reader.line_num}: {exc}."
            ) from exc


def parse_number(raw: str) -> float:
    """A decimal in either notation: "5.6", "5,6" (European Excel), " 120 ". Raises ValueError
    for text, several commas, thousands separators, NaN, infinity and Python-only forms
    ("1_000", "1e3" is allowed: Excel writes it for tiny and huge numbers)."""
    s = raw.strip()
    if "_" in s:
        raise ValueError(raw)
    try:
        value = float(s)
    except ValueError:
        if s.count(",") != 1 or "." in s:
            raise
        value = float(s.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def quoted(raw: str, limit: int = 40) -> str:
    """A cell for a problem reason: quoted, cut to ``limit`` characters."""
    text = raw.strip()
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def lookahead(rows: Iterator[T], limit: int, done: Callable[[T], bool]) -> Iterator[T]:
    """Reads up to ``limit`` items now, stopping early when ``done(item)`` is true, and returns
    an iterator over them followed by the rest: a decision that needs the first rows (date
    order, unit) is made before any row is emitted, with a bounded buffer, not the whole file."""
    buffered: list[T] = []
    for item in rows:
        buffered.append(item)
        if done(item) or len(buffered) >= limit:
            break
    return itertools.chain(buffered, rows)
