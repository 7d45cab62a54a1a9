"""Shared benchmark harness: fresh databases, a real `glucolens serve` process, a user token."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def database(kind: str, pg_name: str | None = None) -> Iterator[tuple[str, Path]]:
    """Yields (url, data_dir) for a fresh, migrated database of ``kind`` (sqlite|postgres).
    ``pg_name``: the PostgreSQL database to (re)create and drop, default one per process."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"glucolens-bench-{kind}-"))
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.db'}"
    else:
        from sqlalchemy import create_engine, text

        name = pg_name or f"glucolens_bench_{os.getpid()}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            c.execute(text(f"CREATE DATABASE {name}"))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    env = bench_env(url, data_dir)
    subprocess.run(
        [str(BIN / "glucolens"), "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    try:
        yield url, data_dir
    finally:
        if kind != "sqlite":
            with admin.connect() as c:
                c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def bench_env(url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GLUCOLENS_DATABASE_URL=url,
        GLUCOLENS_DATA_DIR=str(data_dir),
        GLUCOLENS_API_RATE_LIMIT="1000000/minute",
        GLUCOLENS_UPLOADER_RATE_LIMIT="1000000/minute",
        GLUCOLENS_LOG_LEVEL="WARNING",
        GLUCOLENS_INSIGHTS_DEBOUNCE_S="86400",
    )
    return env


@contextlib.contextmanager
def server(url: str, data_dir: Path, **extra_env: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "glucolens"), "serve", "--port", str(port)],
        env={**bench_env(url, data_dir), **extra_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    import httpx2

    try:
        for _ in range(200):
            try:
                if httpx2.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def make_users(url: str, data_dir: Path, emails: list[str]) -> list[tuple[str, str]]:
    """Create users (one session each) directly in the database, in one process; returns
    (user_id, access token) per email, in order."""
    code = (
        "from glucolens.auth.models import User, UserSession\n"
        "from glucolens.auth.tokens import issue_access_token\n"
        "from glucolens.core.db import get_sessionmaker\n"
        "db = get_sessionmaker()()\n"
        f"for email in {emails!r}:\n"
        "    u = User(email=email, password_hash='x', timezone='Europe/London')\n"
        "    db.add(u); db.commit()\n"
        "    s = UserSession(user_id=u.id, device='bench'); db.add(s); db.commit()\n"
        "    print(u.id, issue_access_token(u.id, s.id)[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=bench_env(url, data_dir),
        check=True,
        capture_output=True,
        text=True,
    )
    words = out.stdout.split()
    return list(zip(words[0::2], words[1::2], strict=True))


def make_user_token(url: str, data_dir: Path, email: str = "bench@example.org") -> tuple[str, str]:
    """Create a user directly in the database; returns (user_id, access token)."""
    return make_users(url, data_dir, [email])[0]


def year_of_readings(days: int = 365, seed: int = 1) -> list[dict]:
    """5-minute CGM-like readings ending now: 288 × days items (105,120 for a year)."""
    rng = np.random.default_rng(seed)
    n = 288 * days
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=5)
    start = end - dt.timedelta(minutes=5 * (n - 1))
    t = np.arange(n)
    values = 140 + 40 * np.sin(2 * np.pi * t / 288) + rng.normal(0, 15, n).cumsum() * 0.05
    values = np.clip(values + rng.normal(0, 8, n), 40, 400).round()
    return [
        {
            "timestamp": (start + dt.timedelta(minutes=5 * i)).isoformat(),
            "value": float(values[i]),
            "source": "bench",
            "external_id": f"b{i}",
        }
        for i in range(n)
    ]


def pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples), q))
