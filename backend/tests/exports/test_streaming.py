"""The export streams: the response is a StreamingResponse without Content-Length, its
memory does not grow with the history (tracemalloc over 4,000 vs 32,000 readings), and a
client that goes away mid-download releases the export's snapshot session.

Readings are inserted straight into glucose_readings (the columns of readings/models.py),
since building 80,000 through the API would test the ingest, not the export."""

from __future__ import annotations

import datetime as dt
import io
import json
import tracemalloc
import uuid
import zipfile
from collections.abc import Iterator

from fastapi.responses import StreamingResponse
from sqlalchemy import insert
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.exports.endpoints import router
from glucolens.exports.service import open_export
from glucolens.exports.writers import CHUNK_BYTES, json_stream, zip_stream
from glucolens.readings.models import GlucoseReading

START = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


def add_readings(db: Session, user_id: uuid.UUID, n: int, first: int = 0) -> None:
    now = dt.datetime.now(dt.UTC)
    for lo in range(first, first + n, 20_000):
        rows = [
            {
                "user_id": user_id,
                "ts": START + dt.timedelta(minutes=5 * i),
                "value_mgdl": 80.0 + i % 150,
                "source": "dexcom_clarity",
                "external_id": f"r{i}",
                "utc_offset_min": 60,
                "created_at": now,
                "kind": "cgm",
            }
            for i in range(lo, min(lo + 20_000, first + n))
        ]
        db.execute(insert(GlucoseReading), rows)
    db.commit()


def peak_bytes(chunks: Iterator[bytes]) -> tuple[int, int]:
    """(peak traced bytes while consuming ``chunks``, total bytes streamed)."""
    total = 0
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for chunk in chunks:
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, total


def test_the_route_streams_without_content_length(client, make_user, auth_headers, db):
    route = next(r for r in router.routes if getattr(r, "path", "") == "/api/v1/export")
    assert getattr(route, "response_class", None) is StreamingResponse
    user = make_user()
    add_readings(db, user.id, 5_000)
    with client.stream("GET", "/api/v1/export", headers=auth_headers(user)) as r:
        assert r.status_code == 200
        assert "content-length" not in r.headers
        body = b"".join(r.iter_bytes())
    rows = zipfile.ZipFile(io.BytesIO(body)).read("glucose.csv").decode().splitlines()
    assert len(rows) == 5_001


def test_memory_stays_flat_as_the_history_grows(make_user, db):
    small, big = make_user(), make_user()
    add_readings(db, small.id, 4_000)
    add_readings(db, big.id, 32_000)
    peaks = {}
    for name, user in (("small", small), ("big", big)):
        u = db.get(User, user.id)
        assert u is not None
        zip_peak, zip_total = peak_bytes(zip_stream(open_export(u, with_account=True)))
        json_peak, json_total = peak_bytes(json_stream(open_export(u, with_account=True)))
        peaks[name] = (zip_peak, json_peak)
        if name == "big":
            assert zip_total > 200_000 and json_total > 10_000_000  # really streamed
    # Eight times the rows, (almost) the same peak: a page of rows and a chunk, not the file.
    for small_peak, big_peak in zip(peaks["small"], peaks["big"], strict=True):
        assert big_peak < small_peak * 1.5 + 1_000_000, peaks
        assert big_peak < 12 * 2**20, peaks


def test_a_dropped_download_releases_the_snapshot(make_user, db):
    user = make_user()
    add_readings(db, user.id, 30_000)
    ctx = open_export(db.get(User, user.id), with_account=False)  # type: ignore[arg-type]
    stream = json_stream(ctx)
    first = next(stream)
    assert len(first) >= CHUNK_BYTES and first.startswith(b'{"format":"glucolens-export"')
    assert ctx.db.in_transaction()
    stream.close()  # what the server does when the client disconnects
    assert not ctx.db.in_transaction()


def test_the_export_is_one_snapshot(make_user, db):
    """Rows written while an export streams are not in it, on any file: the counts in the
    header and the rows that follow agree."""
    user = make_user()
    add_readings(db, user.id, 6_000)
    ctx = open_export(db.get(User, user.id), with_account=False)  # type: ignore[arg-type]
    stream = json_stream(ctx)
    parts = [next(stream)]
    add_readings(db, user.id, 3_000, first=6_000)  # committed mid-export
    parts.extend(stream)
    doc = json.loads(b"".join(parts))
    assert doc["counts"]["glucose"] == len(doc["glucose"]) == 6_000
