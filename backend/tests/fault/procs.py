"""Real processes the fault tests start, kill with SIGKILL and start again: a PostgreSQL
cluster of their own, a redis-server of their own, the app (`glucolens serve`) and a Celery
worker (`glucolens worker`). Never the shared PostgreSQL or Redis.

Each process leads its own process group, so ``kill9`` takes its children with it (the
postmaster's backends, the worker's pool processes), as a crash or an OOM kill of a
container would.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx2

BIN = Path(__file__).resolve().parents[3] / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    ready: Callable[[], bool], timeout_s: float, what: str, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} not ready after {timeout_s} s\n{tail}")


class Proc:
    """A command run in its own process group, its output in ``log``."""

    def __init__(self, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.argv, self.log, self.env = argv, log, env
        self.user: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.user,
                group=self.user,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL to the whole process group, then wait until every member is gone."""
        assert self.proc is not None
        pgid = self.proc.pid
        _signal_group(pgid, signal.SIGKILL)
        self.proc.wait(10)
        wait_until(lambda: not _group_alive(pgid), 10, f"process group {pgid} to exit")

    def stop(self) -> None:
        if self.proc is None or not self.alive:
            return
        _signal_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.kill9()

    def tail(self, n_chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n_chars:]
        except OSError:
            return ""


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class PgCluster(Proc):
    """A throwaway PostgreSQL cluster (initdb refuses root: it runs as ``postgres``)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="glucolens-fault-pg-"))
        run_as = "postgres" if os.geteuid() == 0 else None
        if run_as:
            shutil.chown(self.dir, run_as, run_as)
        bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        data = self.dir / "data"
        subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, user=run_as, group=run_as,
        )  # fmt: skip
        argv = [
            str(bindir / "postgres"), "-D", str(data), "-p", str(self.port),
            "-k", str(self.dir), "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=200", "-c", "fsync=on",
        ]  # fmt: skip
        super().__init__(argv, self.dir / "postgres.log")
        self.user = run_as

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(
                f"host=127.0.0.1 port={self.port} user=postgres", connect_timeout=1
            ):
                return True
        except psycopg.OperationalError:
            return False

    def start_ready(self) -> None:
        self.start()
        # Crash recovery after a SIGKILL replays the WAL first (slow on a busy disk).
        wait_until(self.ready, 180, f"PostgreSQL on {self.port}", self.log)

    def create_db(self, name: str) -> str:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user=postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer(Proc):
    """redis-server with an append-only file, as deploy/docker-compose.yml runs it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        argv = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "yes", "--dir", str(workdir),
        ]  # fmt: skip
        super().__init__(argv, workdir / "redis.log")

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def start_ready(self) -> None:
        self.start()
        wait_until(self.ready, 30, f"redis-server on {self.port}", self.log)


class AppServer(Proc):
    """`glucolens serve` on a free loopback port."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [str(BIN / "glucolens"), "serve", "--port", str(self.port), "--workers", "1"]
        super().__init__(argv, workdir / "app.log", env)

    def ready(self) -> bool:
        try:
            return httpx2.get(self.base + "/healthz", timeout=1).status_code == 200
        except httpx2.HTTPError:
            return False

    def start_ready(self) -> None:
        self.start()
        wait_until(self.ready, 60, f"glucolens serve on {self.port}", self.log)


class Worker(Proc):
    """`glucolens worker` (prefork, one pool process), ready once Celery says so."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        argv = [str(BIN / "glucolens"), "worker", "--concurrency", "1"]
        super().__init__(argv, workdir / "worker.log", env)
        self._log_offset = 0

    def start_ready(self) -> None:
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        self.start()
        wait_until(self._says_ready, 90, "celery worker", self.log)

    def _says_ready(self) -> bool:
        if not self.alive:
            raise RuntimeError(f"worker exited:\n{self.tail()}")
        with open(self.log, "rb") as f:
            f.seek(self._log_offset)
            return b" ready." in f.read()


def app_env(data_dir: Path, database_url: str, redis: RedisServer | None) -> dict[str, str]:
    """The environment of the app and worker: the test run's GLUCOLENS_* removed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GLUCOLENS_")}
    env.update(
        GLUCOLENS_DATA_DIR=str(data_dir),
        GLUCOLENS_DATABASE_URL=database_url,
        GLUCOLENS_API_RATE_LIMIT="1000000/minute",
        GLUCOLENS_UPLOADER_RATE_LIMIT="1000000/minute",
        GLUCOLENS_LOG_LEVEL="WARNING",
        # Jobs start only when the test asks (POST /insights/refresh).
        GLUCOLENS_INSIGHTS_DEBOUNCE_S="86400",
    )
    if redis is not None:
        env["GLUCOLENS_REDIS_URL"] = redis.url(0)
        env["GLUCOLENS_CELERY_BROKER_URL"] = redis.url(1)
    return env
