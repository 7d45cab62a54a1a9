"""The deployed shape of GlucoLens (deploy/docker-compose.yml), as real processes of the
test's own: PostgreSQL, Redis (cache and Celery broker, append-only file), `glucolens serve`
and `glucolens worker`; and the embedded shape (`make run`: SQLite, no Redis, jobs in the
app process)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fault.procs import BIN, AppServer, PgCluster, Proc, RedisServer, Worker, app_env


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    database_url: str
    app: AppServer
    pg: PgCluster | None = None
    redis: RedisServer | None = None
    worker: Worker | None = None

    def target(self, name: str) -> Proc:
        proc = {"postgres": self.pg, "redis": self.redis, "app": self.app, "worker": self.worker}
        found = proc[name]
        assert found is not None, f"this stack has no {name}"
        return found

    def logs(self) -> str:
        parts = [self.app, self.worker, self.redis, self.pg]
        return "\n".join(f"--- {p.log.name}\n{p.tail(1500)}" for p in parts if p is not None)


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "glucolens"), "db", "upgrade"],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster()
    try:
        cluster.start_ready()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def deployed(pg_cluster: PgCluster, request: pytest.FixtureRequest) -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="glucolens-fault-"))
    if not pg_cluster.alive:  # a previous test's kill left it down
        pg_cluster.start_ready()
    url = pg_cluster.create_db(f"fault_{request.node.name.split('[')[-1].strip(']')}")
    redis = RedisServer(workdir)
    redis.start_ready()
    env = app_env(workdir, url, redis)
    _migrate(env)
    stack = Stack(
        workdir, env, url, AppServer(env, workdir), pg_cluster, redis, Worker(env, workdir)
    )
    try:
        stack.app.start_ready()
        assert stack.worker is not None
        stack.worker.start_ready()
        yield stack
    finally:
        for proc in (stack.app, stack.worker, redis):
            if proc is not None:
                proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def embedded() -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="glucolens-fault-sqlite-"))
    url = f"sqlite:///{workdir / 'glucolens.db'}"
    env = app_env(workdir, url, None)
    _migrate(env)
    stack = Stack(workdir, env, url, AppServer(env, workdir))
    try:
        stack.app.start_ready()
        yield stack
    finally:
        stack.app.stop()
        shutil.rmtree(workdir, ignore_errors=True)
