"""Export of a five-year history (525,888 five-minute readings) through GET /api/v1/export,
as zip and as JSON, on SQLite and PostgreSQL: throughput (MB/s of CSV or JSON text; the zip
sends less) and the server's peak memory, beside a baseline in the same run: the same rows
read with a plain SELECT (the driver, no app) and written as CSV to /dev/null.

Each export gets a fresh server, so its peak RSS (VmHWM) is that export's; "idle server" is
the peak of a server that has only started and answered one small request.

Run: .venv/bin/python bench/export.py [--days 1826] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import bench_env, database, make_user_token, server

COLUMNS = (
    "id, ts, utc_offset_min, value_mgdl, flag, trend, device, kind, period_min, dup_of, "
    "source, external_id, created_at"
)


def fill(url: str, user_id: str, days: int) -> int:
    """Five-minute readings for ``days`` days ending now, written with the driver's fastest
    path (COPY / executemany): the export is measured, not the ingest."""
    from sqlalchemy import create_engine

    n = 288 * days
    rng = np.random.default_rng(7)
    values = np.clip(140 + rng.normal(0, 30, n), 40, 400).round()
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start = end - dt.timedelta(minutes=5 * n)
    now = dt.datetime.now(dt.UTC)
    engine = create_engine(url)
    raw = engine.raw_connection()
    cur = raw.cursor()
    cols = "user_id, ts, value_mgdl, source, external_id, created_at, utc_offset_min, kind"
    if url.startswith("postgresql"):
        uid = uuid.UUID(user_id)
        with cur.copy(f"COPY glucose_readings ({cols}) FROM STDIN") as copy:
            for i in range(n):
                ts = start + dt.timedelta(minutes=5 * i)
                copy.write_row(
                    (uid, ts, float(values[i]), "dexcom_clarity", f"d{i}", now, 60, "cgm")
                )
    else:
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        created = now.strftime(fmt)
        cur.executemany(
            f"INSERT INTO glucose_readings ({cols}) VALUES (?,?,?,?,?,?,?,?)",
            (
                (
                    uuid.UUID(user_id).hex,
                    (start + dt.timedelta(minutes=5 * i)).strftime(fmt),
                    float(values[i]),
                    "dexcom_clarity",
                    f"d{i}",
                    created,
                    60,
                    "cgm",
                )
                for i in range(n)
            ),
        )
    raw.commit()
    if url.startswith("postgresql"):
        # Fresh statistics, as autovacuum gives a running database within a minute of a big
        # import: on a table loaded a moment ago the planner expects a handful of rows and
        # sorts the user's whole remaining history for every page.
        raw.cursor().execute("ANALYZE glucose_readings")
        raw.commit()  # statistics are transactional: a rolled-back ANALYZE leaves none
    raw.close()
    engine.dispose()
    return n


BASELINE = """
import csv, os, resource, sys, time, uuid
from sqlalchemy import create_engine
url, user_id = sys.argv[1], sys.argv[2]
engine = create_engine(url)
raw = engine.raw_connection()
pg = url.startswith("postgresql")
cur = raw.cursor(name="export") if pg else raw.cursor()
key = uuid.UUID(user_id) if pg else uuid.UUID(user_id).hex
mark = "%s" if pg else "?"
t0 = time.perf_counter()
cur.execute(f"SELECT {cols} FROM glucose_readings WHERE user_id = {mark} ORDER BY ts, id", (key,))
rows = 0
with open(os.devnull, "w", newline="") as sink:
    out = csv.writer(sink)
    while batch := cur.fetchmany(2000):
        out.writerows(batch)
        rows += len(batch)
print(rows, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def baseline(url: str, data_dir: Path, user_id: str) -> tuple[int, float, float]:
    """(rows, seconds, peak RSS MiB) of a plain SELECT written as CSV to /dev/null, in a
    process of its own (so its peak is its own)."""
    out = subprocess.run(
        [sys.executable, "-c", BASELINE.replace("{cols}", COLUMNS), url, user_id],
        env=bench_env(url, data_dir),
        check=True,
        capture_output=True,
        text=True,
    )
    rows, seconds, peak_kib = out.stdout.split()
    return int(rows), float(seconds), int(peak_kib) / 1024


def server_pid(port: str) -> int:
    """The `glucolens serve --port <port>` process this script started."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd and port.encode() in cmd:
            return int(proc.name)
    raise RuntimeError("server process not found")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def export(base: str, token: str, fmt: str, target: Path) -> tuple[int, float]:
    """Streams the export to ``target``; (bytes, seconds)."""
    import httpx2

    headers = {"Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    size = 0
    with (
        httpx2.Client(base_url=base, timeout=600) as client,
        client.stream("GET", "/api/v1/export", params={"format": fmt}, headers=headers) as r,
        target.open("wb") as out,
    ):
        r.raise_for_status()
        for chunk in r.iter_raw():
            out.write(chunk)
            size += len(chunk)
    return size, time.perf_counter() - t0


def check(fmt: str, target: Path, n: int) -> int:
    """The file is whole: every reading in the zip's glucose.csv, or a JSON document that
    ends where it should and says how many readings it holds. Returns the bytes of content
    (a zip's uncompressed files)."""
    if fmt == "zip":
        with zipfile.ZipFile(target) as z:
            with z.open("glucose.csv") as f:
                lines = sum(1 for _ in f)
            assert lines == n + 1, (lines, n)
            return sum(i.file_size for i in z.infolist())
    else:
        with target.open("rb") as f:
            head = f.read(4096)
            f.seek(-3, os.SEEK_END)
            tail = f.read()
        assert tail == b"]}\n", tail
        start = head.index(b'"counts":') + len(b'"counts":')
        counts = json.loads(head[start : head.index(b"}", start) + 1])
        assert counts["glucose"] == n, counts
        return target.stat().st_size


def line(
    db: str,
    what: str,
    n: int,
    secs: float | None,
    rss: float,
    sizes: tuple[int, int] | None = None,
) -> str:
    """sizes: (bytes sent, bytes of content: CSV/JSON text before zip compression)."""
    sent = f"{sizes[0] / 1e6:8.1f}" if sizes else " " * 8
    content = f"{sizes[1] / 1e6:8.1f}" if sizes else " " * 8
    rate = f"{sizes[1] / 1e6 / secs:7.1f}" if sizes and secs else " " * 7
    took = f"{secs:7.2f}" if secs else " " * 7
    rows = f"{n / secs:9,.0f}" if secs else " " * 9
    return f"{db:<9} {what:<14} {sent} {content} {took} {rate} {rows} {rss:13.0f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=1826, help="days of 5-minute readings")
    ap.add_argument("--only", choices=["sqlite", "postgres"])
    args = ap.parse_args()
    print(f"export: {288 * args.days:,} readings ({args.days} days at 5 min)")
    print(
        f"{'database':<9} {'what':<14} {'sent MB':>8} {'text MB':>8} {'s':>7} {'MB/s':>7} "
        f"{'rows/s':>9} {'peak RSS MiB':>13}"
    )
    for kind in ("sqlite", "postgres"):
        if args.only and kind != args.only:
            continue
        with database(kind) as (url, data_dir):
            user_id, token = make_user_token(url, data_dir)
            n = fill(url, user_id, args.days)
            rows, secs, rss = baseline(url, data_dir, user_id)
            assert rows == n
            print(line(kind, "SELECT -> CSV", n, secs, rss))
            with server(url, data_dir) as base:
                import httpx2

                pid = server_pid(base.rsplit(":", 1)[1])
                httpx2.get(base + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
                print(line(kind, "idle server", n, None, peak_rss_mib(pid)))
            for fmt in ("zip", "json"):
                with tempfile.TemporaryDirectory() as tmp, server(url, data_dir) as base:
                    pid = server_pid(base.rsplit(":", 1)[1])
                    target = Path(tmp) / f"export.{fmt}"
                    size, secs = export(base, token, fmt, target)
                    rss = peak_rss_mib(pid)
                    content = check(fmt, target, n)
                print(line(kind, f"export {fmt}", n, secs, rss, (size, content)))


if __name__ == "__main__":
    main()
