"""`glucolens backup` / `glucolens restore` round trips, through the real command on the
suite's database kind (SQLite by default; PostgreSQL with pg_dump/psql when the suite runs
on PostgreSQL). Each test uses databases of its own, never the suite's."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

BIN = Path(sys.executable).parent
SUITE_URL = os.environ["GLUCOLENS_DATABASE_URL"]
ON_PG = SUITE_URL.startswith("postgresql")


def _cli(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GLUCOLENS_DATA_DIR": str(data_dir), "GLUCOLENS_DATABASE_URL": url}
    return subprocess.run(  # noqa: S603
        [str(BIN / "glucolens"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def _admin_sql(*statements: str) -> None:
    """Runs statements (CREATE/DROP DATABASE) on the server's ``postgres`` database."""
    admin = create_engine(
        make_url(SUITE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as c:
            for statement in statements:
                c.execute(text(statement))
    finally:
        admin.dispose()


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One migrated database with the demo's two days in it and its data dir, made once
    for the module (two subprocesses, the slow part); tests take copies of it."""
    root = tmp_path_factory.mktemp("seeded")
    if ON_PG:
        name = f"bk_tpl_{uuid.uuid4().hex[:8]}"
        _admin_sql(f"CREATE DATABASE {name}")
        url = make_url(SUITE_URL).set(database=name).render_as_string(hide_password=False)
    else:
        (root / "db").mkdir()
        url = f"sqlite:///{root / 'db' / 'glucolens.db'}"
    try:
        yield url, _seeded(root, url)
    finally:
        if ON_PG:
            _admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def new_db(tmp_path: Path, seeded_template: tuple[str, Path]) -> Iterator[Callable[..., str]]:
    """A factory of databases of the suite's kind, dropped afterwards: empty, or (with
    ``seeded=True``) a copy of the seeded template."""
    made: list[str] = []

    def make(name: str, seeded: bool = False) -> str:
        if not ON_PG:
            path = tmp_path / name / "glucolens.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            if seeded:  # through SQLite's backup API: the rows may still be in the WAL
                src = sqlite3.connect(make_url(seeded_template[0]).database or "")
                dst = sqlite3.connect(path)
                with dst:
                    src.backup(dst)
                src.close()
                dst.close()
            return f"sqlite:///{path}"
        db = f"bk_{name}_{uuid.uuid4().hex[:8]}"
        template = f" TEMPLATE {make_url(seeded_template[0]).database}" if seeded else ""
        _admin_sql(f"CREATE DATABASE {db}{template}")
        made.append(db)
        return make_url(SUITE_URL).set(database=db).render_as_string(hide_password=False)

    yield make
    if made:
        _admin_sql(*(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)" for db in made))


def _seeded_copy(
    tmp_path: Path, new_db: Callable[..., str], seeded_template: tuple[str, Path]
) -> tuple[str, Path]:
    """A copy of the seeded template: its database and its data dir (the keys)."""
    url = new_db("src", seeded=True)
    data = tmp_path / "src"
    shutil.copytree(seeded_template[1], data, dirs_exist_ok=True)
    return url, data


def _tables(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, sorted, as comparable tuples."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for name in sorted(inspect(conn).get_table_names()):
                rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()  # noqa: S608
                out[name] = sorted(tuple(map(repr, r)) for r in rows)
            return out
    finally:
        engine.dispose()


def _seeded(tmp_path: Path, url: str) -> Path:
    data = tmp_path / "src"
    data.mkdir(parents=True, exist_ok=True)
    for args in (("db", "upgrade"), ("demo", "--days", "2")):
        done = _cli(data, url, *args)
        assert done.returncode == 0, done.stderr
    (data / "jwt_keys").write_text("k1:" + "s" * 43 + "\n")
    return data


def test_backup_then_restore_reproduces_every_table_and_the_keys(tmp_path, new_db, seeded_template):
    src_url, src_data = _seeded_copy(tmp_path, new_db, seeded_template)
    dst_url = new_db("dst")
    archive = tmp_path / "out" / "backup.tar.gz"

    done = _cli(src_data, src_url, "backup", "--output", str(archive))
    assert done.returncode == 0, done.stderr
    assert archive.stat().st_mode & 0o777 == 0o600
    dst_data = tmp_path / "dst"
    dst_data.mkdir(exist_ok=True)
    done = _cli(dst_data, dst_url, "restore", str(archive))
    assert done.returncode == 0, done.stderr

    before, after = _tables(src_url), _tables(dst_url)
    assert sum(len(rows) for rows in before.values()) > 500  # the demo's data is in it
    assert before == after
    assert (dst_data / "jwt_keys").read_text() == (src_data / "jwt_keys").read_text()
    assert (dst_data / "jwt_keys").stat().st_mode & 0o777 == 0o600


def test_restore_refuses_a_database_with_data_unless_told_to_replace_it(
    tmp_path, new_db, seeded_template
):
    url, data = _seeded_copy(tmp_path, new_db, seeded_template)
    archive = tmp_path / "b.tar.gz"
    assert _cli(data, url, "backup", "-o", str(archive), "--no-keys").returncode == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM glucose_readings WHERE id IN "
                "(SELECT id FROM glucose_readings ORDER BY id LIMIT 5)"
            )
        )
    engine.dispose()
    changed = _tables(url)

    refused = _cli(data, url, "restore", str(archive))
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert _tables(url) == changed

    assert _cli(data, url, "restore", str(archive), "--yes").returncode == 0
    assert len(_tables(url)["glucose_readings"]) == len(changed["glucose_readings"]) + 5


def test_a_damaged_backup_is_refused_and_leaves_the_database_as_it_was(
    tmp_path, new_db, seeded_template
):
    url, data = _seeded_copy(tmp_path, new_db, seeded_template)
    archive = tmp_path / "b.tar.gz"
    assert _cli(data, url, "backup", "-o", str(archive)).returncode == 0
    before = _tables(url)
    # Same manifest, but the database inside cut short: the restore must fail whole.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            body = src.extractfile(member)
            assert body is not None
            raw = body.read()
            if member.name.startswith("database."):
                raw = raw[: len(raw) // 2]
            member.size = len(raw)
            dst.addfile(member, io.BytesIO(raw))

    done = _cli(data, url, "restore", str(damaged), "--yes")
    assert done.returncode == 2
    assert "error:" in done.stderr
    assert _tables(url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, new_db):
    url = new_db("dst")
    bogus = tmp_path / "x.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        tar.add(__file__, arcname="notes.txt")
    done = _cli(tmp_path, url, "restore", str(bogus))
    assert done.returncode == 2
    assert "not a GlucoLens backup" in done.stderr
