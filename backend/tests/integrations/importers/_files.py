"""Small export files for the import-job tests, written in the shapes of the real exports.

Dexcom Clarity: the "Export" CSV of clarity.dexcom.com (header row, then patient/device
preamble rows with empty timestamps, then EGV rows of local wall time), as documented by
the parsers' own tests (tests/integrations/importers/test_clarity.py cites the sources).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

CLARITY_HEADER = (
    "Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info,Device Info,"
    "Source Device ID,Glucose Value (mg/dL),Insulin Value (u),Carb Value (grams),"
    "Duration (hh:mm:ss),Glucose Rate of Change (mg/dL/min),Transmitter Time (Long Integer),"
    "Transmitter ID"
)


def clarity_csv(start: dt.datetime, n: int, *, bad_rows: tuple[int, ...] = ()) -> bytes:
    """``n`` EGV rows every 5 minutes from the local wall time ``start``."""
    lines = [
        CLARITY_HEADER,
        "1,,FirstName,,Jane,,,,,,,,,",
        "2,,LastName,,Doe,,,,,,,,,",
        "3,,Device,,,Mobile App,iOS G6,,,,,,,",
    ]
    session_start = dt.datetime(2023, 1, 1)  # the transmitter's clock counts from its start
    for i in range(n):
        t = start + dt.timedelta(minutes=5 * i)
        tx_time = int((t - session_start).total_seconds())
        value = "abc" if i in bad_rows else str(100 + (i * 7) % 80)
        lines.append(
            f"{i + 4},{t:%Y-%m-%dT%H:%M:%S},EGV,,,Mobile App,iOS G6,{value},,,,,{tx_time},8XXXXX"
        )
    return ("\n".join(lines) + "\n").encode()


def zipped(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()
