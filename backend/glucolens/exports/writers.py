"""The export as a byte stream: a zip of CSV files, or one JSON document.

Both are generators that hold one page of rows and one output chunk at a time. The zip is
written by ``zipfile`` onto a sink that cannot seek, so each entry carries a data descriptor
(sizes and CRC after the data) and nothing is ever rewritten: every byte can leave as soon as
it is made. The generators close the export's session however they end (finished, failed,
or dropped by a client that went away).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

from glucolens.exports.readme import readme_text
from glucolens.exports.service import ExportContext, iter_insights, iter_pages, profile
from glucolens.exports.tables import TABLES, utc_iso

CHUNK_BYTES = 256 * 1024
FORMAT_NAME = "glucolens-export"
FORMAT_VERSION = 1
# zipfile must know before writing an entry whether it may pass 2 GiB (then it needs zip64
# fields, which a few old unzip tools cannot read). A bound on the bytes one CSV row can take:
# a meal's 500-character description in 4-byte UTF-8, or a glucose row's longest fields.
_ROW_BYTES_MAX = {"meals": 4096}
_ROW_BYTES_DEFAULT = 1024
_ZIP64_LIMIT = zipfile.ZIP64_LIMIT


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file that keeps what was written until it is drained."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.pending = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self.pending += len(chunk)
        return len(chunk)

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        self.pending = 0
        return out


def zip_stream(ctx: ExportContext) -> Iterator[bytes]:
    try:
        sink = _Sink()
        with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("README.txt", readme_text(ctx))
            zf.writestr("profile.json", _json_bytes(profile(ctx), indent=2))
            for table in TABLES:
                zip64 = (
                    ctx.counts[table.name] * _ROW_BYTES_MAX.get(table.name, _ROW_BYTES_DEFAULT)
                    >= _ZIP64_LIMIT
                )
                with zf.open(f"{table.name}.csv", mode="w", force_zip64=zip64) as entry:
                    text = io.StringIO()
                    writer = csv.writer(text)
                    writer.writerow(table.header)
                    for page in iter_pages(ctx, table):
                        writer.writerows(map(table.csv_row, page))
                        entry.write(text.getvalue().encode())
                        text.seek(0)
                        text.truncate()
                        if sink.pending >= CHUNK_BYTES:
                            yield sink.drain()
                    entry.write(text.getvalue().encode())  # the header of an empty table
            with zf.open("insights.json", mode="w") as entry:
                entry.write(b"[")
                for i, result in enumerate(iter_insights(ctx)):
                    entry.write((b",\n" if i else b"\n") + _json_bytes(result))
                    if sink.pending >= CHUNK_BYTES:
                        yield sink.drain()
                entry.write(b"\n]\n")
        yield sink.drain()  # the last entry's descriptor and the central directory
    finally:
        ctx.close()


def json_stream(ctx: ExportContext) -> Iterator[bytes]:
    """``{"format", "version", "exported_at_utc", "units", "counts", "profile", "glucose":
    [...], "insulin": [...], "meals": [...], "sleep": [...], "activities": [...],
    "insights": [...]}``; rows are objects keyed like the CSV headers."""
    try:
        head = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "exported_at_utc": utc_iso(ctx.exported_at),
            "units": {"glucose": "mg/dL (value_mgdl); value is in the unit column", "time": "UTC"},
            "counts": ctx.counts,
            "profile": profile(ctx),
        }
        out = io.BytesIO()
        out.write(_json_bytes(head)[:-1])  # leave the object open
        for table in TABLES:
            out.write(f',"{table.name}":['.encode())
            first = True
            for page in iter_pages(ctx, table):
                body = _json_bytes([dict(zip(table.header, row, strict=True)) for row in page])
                out.write((b"" if first else b",") + body[1:-1])
                first = False
                if out.tell() >= CHUNK_BYTES:
                    yield out.getvalue()
                    out = io.BytesIO()
            out.write(b"]")
        out.write(b',"insights":[')
        for i, result in enumerate(iter_insights(ctx)):
            out.write((b"," if i else b"") + _json_bytes(result))
            if out.tell() >= CHUNK_BYTES:
                yield out.getvalue()
                out = io.BytesIO()
        out.write(b"]}\n")
        yield out.getvalue()
    finally:
        ctx.close()


def _json_bytes(value: Any, indent: int | None = None) -> bytes:
    separators = (",", ": ") if indent else (",", ":")
    return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators).encode()
