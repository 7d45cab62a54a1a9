"""The SQLite database (and its WAL files) is owner-only, like the JWT key file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from glucolens.core.db import make_engine
from glucolens.core.sqlite_file import sqlite_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual default: new files 0644, readable by all
    try:
        yield
    finally:
        os.umask(previous)


def _write(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        engine.dispose()


def test_new_sqlite_file_and_its_wal_are_owner_only(tmp_path, permissive_umask):
    db = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        wal = tmp_path / "new.db-wal"
        assert wal.exists()  # checked while the connection is open
        assert mode(wal) == 0o600
    finally:
        engine.dispose()
    assert mode(db) == 0o600


def test_existing_world_readable_sqlite_files_are_tightened(tmp_path, permissive_umask):
    db, wal = tmp_path / "old.db", tmp_path / "old.db-wal"
    _write(f"sqlite:///{db}")
    for path in (db, wal):
        path.touch()
        path.chmod(0o644)
    engine = make_engine(f"sqlite:///{db}")
    try:
        assert mode(db) == 0o600
        assert mode(wal) == 0o600
        with engine.begin() as conn:
            assert conn.execute(text("SELECT x FROM t")).scalar_one() == 1
    finally:
        engine.dispose()


def test_other_databases_are_left_alone():
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://u@h/db") is None
    assert sqlite_path("sqlite:////var/lib/glucolens/glucolens.db") == Path(
        "/var/lib/glucolens/glucolens.db"
    )


def test_the_test_database_itself_is_owner_only():
    path = sqlite_path(os.environ["GLUCOLENS_DATABASE_URL"])
    if path is None:
        pytest.skip("PostgreSQL run: no database file")
    assert mode(path) == 0o600
