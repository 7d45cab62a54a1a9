"""Which format a file is, from its content: unwrap a zip or gzip (with limits against
bombs), name what is not importable ("This looks like a PNG image"), and ask each parser's
``sniff`` in turn, the specific formats before the generic CSV.

Zip members are read through :class:`LimitedReader`: the declared size and the packed to
unpacked ratio are checked before opening (``import_max_unzipped_mb``,
``import_max_zip_ratio``), and the bytes actually produced are counted while reading, so a
member whose header lies is stopped at the limit too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from glucolens.core.config import get_settings
from glucolens.integrations.importers import (
    apple_health,
    clarity,
    csvtext,
    generic_csv,
    libreview,
    nightscout,
)
from glucolens.integrations.importers.base import FileFormat, FileRejected

HEAD_BYTES = 64 * 1024
# Specific formats first; the generic CSV takes any delimited text the others refused.
PARSERS: tuple[ModuleType, ...] = (clarity, libreview, nightscout, apple_health, generic_csv)
SUPPORTED = "GlucoLens imports Dexcom Clarity, LibreView, Apple Health, Nightscout and CSV files"
_TEXT_MEMBERS = (".csv", ".txt", ".json", ".xml", ".tsv")
MAX_ZIP_MEMBERS = 100_000

# Leading bytes of files people may pick by mistake, and what to call them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel or Word file (.xls/.doc)"),
    (b"RIFF", "a media file (RIFF)"),
    (b"\x1a\x45\xdf\xa3", "a video file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"\x7fELF", "a program (ELF)"),
    (b"MZ", "a Windows program"),
)


def _describe_binary(head: bytes) -> str | None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "a HEIC image"
    if head[4:8] == b"ftyp":
        return "a video file"
    return None


class LimitedReader:
    """A binary reader that fails (FileRejected) once more than ``limit`` bytes came out,
    and counts them for progress."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        if self.count > self.limit:
            raise FileRejected(
                f"The archive unpacks to more than {self.limit // (1024 * 1024)} MB; "
                "GlucoLens stops there (a damaged or malicious archive)."
            )
        return data

    def read1(self, n: int = -1) -> bytes:
        return self.read(n)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()

    @property
    def closed(self) -> bool:
        return bool(self.raw.closed)


@dataclasses.dataclass
class Opened:
    """The stream a parser reads, what it is, and how far through it the reading is."""

    stream: Any  # IO[bytes]
    member: str | None  # the zip member, when unpacked from a zip
    total_bytes: int  # for progress: the unpacked size when known, else the file's size
    counter: LimitedReader | None = None
    raw_file: IO[bytes] | None = None

    def bytes_read(self) -> int:
        if self.counter is not None:
            return self.counter.count
        return self.raw_file.tell() if self.raw_file is not None else 0


def _pick_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FileRejected(f"The zip holds {len(infos):,} files; {SUPPORTED}.")
    for info in infos:
        # "Export All Health Data" writes apple_health_export/export.xml (and export_cda.xml).
        if info.filename.rsplit("/", 1)[-1] == "export.xml":
            return info
    if any(i.filename.startswith("xl/") for i in infos):
        raise FileRejected(
            "This looks like an Excel workbook (.xlsx); save it as CSV first. " + SUPPORTED + "."
        )
    candidates = [
        i
        for i in infos
        if i.filename.lower().endswith(_TEXT_MEMBERS) and "__MACOSX" not in i.filename
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise FileRejected(f"The zip holds no CSV, JSON or Apple Health export.xml; {SUPPORTED}.")
    names = ", ".join(i.filename for i in candidates[:5])
    raise FileRejected(f"The zip holds several files ({names}); upload one of them. {SUPPORTED}.")


@contextlib.contextmanager
def open_file(path: Path) -> Iterator[Opened]:
    """The importable stream inside ``path``: the file itself, its one zip member, or its
    gunzipped content."""
    settings = get_settings()
    limit = settings.import_max_unzipped_mb * 1024 * 1024
    with path.open("rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(b"PK\x03\x04"):
            try:
                zf = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as exc:
                raise FileRejected("The zip file is damaged and cannot be opened.") from exc
            with zf:
                info = _pick_member(zf)
                if info.file_size > limit:
                    raise FileRejected(
                        f"{info.filename} unpacks to {info.file_size // (1024 * 1024):,} MB, "
                        f"more than the {settings.import_max_unzipped_mb:,} MB GlucoLens accepts."
                    )
                if info.file_size > 1024 * 1024 and info.file_size > (
                    max(info.compress_size, 1) * settings.import_max_zip_ratio
                ):
                    ratio = info.file_size // max(info.compress_size, 1)
                    raise FileRejected(
                        f"{info.filename} is compressed {ratio:,} times over, beyond what real "
                        "exports reach: GlucoLens does not unpack it."
                    )
                try:
                    member = zf.open(info)
                except (NotImplementedError, RuntimeError) as exc:  # encrypted, odd methods
                    raise FileRejected(
                        f"{info.filename} in the zip cannot be unpacked: {exc}"
                    ) from exc
                counter = LimitedReader(member, limit)
                with member:
                    yield Opened(counter, info.filename, info.file_size, counter=counter)
            return
        if magic.startswith(b"\x1f\x8b"):
            size = path.stat().st_size
            counter = LimitedReader(gzip.GzipFile(fileobj=raw), limit)  # type: ignore[arg-type]
            # Unknown unpacked size: progress follows the packed bytes consumed.
            yield Opened(counter, None, size, raw_file=raw)
            return
        yield Opened(raw, None, path.stat().st_size, raw_file=raw)


def head_of(opened: Opened) -> bytes:
    """The first bytes of the stream, for sniffing (read from a fresh open of the file)."""
    return opened.stream.read(HEAD_BYTES)


def detect(path: Path) -> FileFormat:
    """The file's format, or FileRejected naming what the file seems to be."""
    with open_file(path) as opened:
        head = head_of(opened)
        inside = f"{opened.member} in the zip" if opened.member else "The file"
    if not head.strip():
        raise FileRejected(f"{inside} is empty.")
    for parser in PARSERS:
        if parser.sniff(head):
            fmt: FileFormat = parser.FORMAT
            return fmt
    what = _describe_binary(head)
    if what is None and head.startswith(b"PK"):
        what = "a zip archive of an unknown kind"
    if what is None and csvtext.looks_binary(head):  # UTF-16 text is not binary
        what = "a binary file, not text"
    if what is not None:
        raise FileRejected(f"This looks like {what}; {SUPPORTED}.")
    raise FileRejected(f"{inside} is not a format GlucoLens recognises; {SUPPORTED}.")


def parser_for(name: str) -> ModuleType:
    for parser in PARSERS:
        if parser.FORMAT.name == name:
            return parser
    raise KeyError(name)
