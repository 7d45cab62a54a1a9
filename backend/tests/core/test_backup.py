"""`glucolens backup` / `glucolens restore` round trips, through the real command on the
suite's database kind (SQLite by default; PostgreSQL with pg_dump/psql when the suite runs
on PostgreSQL). Each test uses databases of its own, never the suite's."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
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


@pytest.fixture
def new_db(tmp_path: Path) -> Iterator[object]:
    """A factory of empty databases of the suite's kind, dropped afterwards."""
    made: list[str] = []

    def make(name: str) -> str:
        if not ON_PG:
            return f"sqlite:///{tmp_path / name / 'glucolens.db'}"
        db = f"bk_{name}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            make_url(SUITE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as c:
            c.execute(text(f"CREATE DATABASE {db}"))
        admin.dispose()
        made.append(db)
        return make_url(SUITE_URL).set(database=db).render_as_string(hide_password=False)

    yield make
    if made:
        admin = create_engine(
            make_url(SUITE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as c:
            for db in made:
                c.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()


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


def test_backup_then_restore_reproduces_every_table_and_the_keys(tmp_path, new_db):
    src_url, dst_url = new_db("src"), new_db("dst")
    src_data = _seeded(tmp_path, src_url)
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


def test_restore_refuses_a_database_with_data_unless_told_to_replace_it(tmp_path, new_db):
    url = new_db("src")
    data = _seeded(tmp_path, url)
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


def test_a_damaged_backup_is_refused_and_leaves_the_database_as_it_was(tmp_path, new_db):
    url = new_db("src")
    data = _seeded(tmp_path, url)
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
