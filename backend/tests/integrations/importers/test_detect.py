"""Format detection from content: every fixture (built from the public formats, see each
parser's tests for the sources) is recognised as its format, also inside a zip or gzip,
whatever its file name; other files are named for what they are."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from glucolens.integrations.importers import detect
from glucolens.integrations.importers.base import FileRejected

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = {
    "clarity_berlin_mmol_dst.csv": "dexcom_clarity",
    "clarity_excel_fr.csv": "dexcom_clarity",
    "clarity_us_mgdl.csv": "dexcom_clarity",
    "generic_de_semicolon.csv": "csv",
    "generic_headerless.csv": "csv",
    "generic_offsets.csv": "csv",
    "libreview_excel_de_utf16.txt": "libreview",
    "libreview_excel_it.csv": "libreview",
    "libreview_libre3_berlin.csv": "libreview",
    "libreview_uk_mmol.csv": "libreview",
    "libreview_us_mgdl.csv": "libreview",
    "apple_health_export.xml": "apple_health",
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_fixture_is_detected_from_content_not_name(tmp_path, name, fmt):
    data = (FIXTURES / name).read_bytes()
    assert detect.detect(_write(tmp_path, "upload.bin", data)).name == fmt


@pytest.mark.parametrize(("name", "fmt"), sorted(EXPECTED.items()))
def test_fixture_inside_a_zip_is_detected(tmp_path, name, fmt):
    buf = io.BytesIO()
    member = f"apple_health_export/{name.replace('apple_health_', '')}"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("__MACOSX/._x", b"junk")
        zf.writestr(member, (FIXTURES / name).read_bytes())
    assert detect.detect(_write(tmp_path, "export.zip", buf.getvalue())).name == fmt


def test_gzip_is_unpacked(tmp_path):
    data = gzip.compress((FIXTURES / "clarity_us_mgdl.csv").read_bytes())
    assert detect.detect(_write(tmp_path, "x.gz", data)).name == "dexcom_clarity"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4, "a PDF document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(300), "a JPEG image"),
        (b"\x00\x01\x02\x03" * 500, "a binary file"),
    ],
)
def test_other_files_are_named(tmp_path, data, named):
    with pytest.raises(FileRejected, match=named):
        detect.detect(_write(tmp_path, "glucose.csv", data))


def test_zip_with_several_candidates_asks_for_one(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", "timestamp,value\n")
        zf.writestr("b.csv", "timestamp,value\n")
    with pytest.raises(FileRejected, match="several files"):
        detect.detect(_write(tmp_path, "x.zip", buf.getvalue()))


def test_member_declared_past_the_limit_is_refused(tmp_path, monkeypatch):
    from glucolens.core.config import get_settings

    monkeypatch.setenv("GLUCOLENS_IMPORT_MAX_UNZIPPED_MB", "1")
    get_settings.cache_clear()
    try:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("big.csv", b"timestamp,value\n" + b"2024-01-01T00:00:00Z,100\n" * 60_000)
        with pytest.raises(FileRejected, match="unpacks to"):
            detect.detect(_write(tmp_path, "x.zip", buf.getvalue()))
    finally:
        get_settings.cache_clear()


def test_limited_reader_stops_at_the_limit_whatever_a_header_declared():
    reader = detect.LimitedReader(io.BytesIO(b"x" * 5000), limit=4096)
    assert len(reader.read(4096)) == 4096
    with pytest.raises(FileRejected, match="unpacks to more than"):
        reader.read(4096)
