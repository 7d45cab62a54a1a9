"""``glucolens backup`` and ``glucolens restore``: one file holding the database and the keys.

The file is a gzip'd tar with:

- ``manifest.json``: format version, database kind, Alembic revision, creation time, the row
  count of every table (checked again after a restore);
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the app runs) or
  ``database.pgdump`` (``pg_dump --format=custom``, consistent within one transaction);
- ``keys/``: the generated secrets of the data directory (``jwt_keys``, ``vapid_private.pem``)
  unless ``--no-keys``: without them a restored server signs everyone out and browsers must
  subscribe to push notifications again.

A backup holds every user's health data and the server's secrets: it is written with mode
0600, and docs/backup.md says where to keep it. PostgreSQL passwords go to pg_dump and
pg_restore through ``PGPASSWORD``, never on a command line that ``ps`` shows.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

FORMAT_VERSION = 1
KEY_FILES = ("jwt_keys", "vapid_private.pem")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    database: str  # sqlite | postgresql
    revision: str | None
    created_at: str
    row_counts: dict[str, int]
    keys: list[str]

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def row_counts(url: str) -> dict[str, int]:
    """Rows per table (every table in the database, Alembic's included)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {
                n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one())  # noqa: S608 - names from the catalogue
                for n in names
            }
    finally:
        engine.dispose()


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    conninfo = parsed.set(drivername="postgresql", password=None)
    return conninfo.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    tool = argv[0]
    if shutil.which(tool) is None:
        raise BackupError(f"{what} needs {tool} (PostgreSQL's client tools) on the PATH")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        # pg_dump's messages name objects, never row contents; keep the last lines only.
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{tool} failed ({done.returncode}): {tail}")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _dump(url: str, dest: Path) -> None:
    if _kind(url) == "sqlite":
        src = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)  # page by page, consistent even while the app writes
        finally:
            dst.close()
            src.close()
        return
    conninfo, env = _libpq(url)
    argv = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dest}"]
    _run([*argv, f"--dbname={conninfo}"], env, "a PostgreSQL backup")


def default_backup_path(data_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return data_dir / "backups" / f"glucolens-{stamp}.tar.gz"


def backup(url: str, data_dir: Path, output: Path, *, keys: bool = True) -> Manifest:
    """Write one backup file to ``output`` (mode 0600); returns its manifest."""
    kind = _kind(url)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="glucolens-backup-") as tmp:
        db_file = Path(tmp) / ("database.sqlite3" if kind == "sqlite" else "database.pgdump")
        _dump(url, db_file)
        counts = row_counts(f"sqlite:///{db_file}") if kind == "sqlite" else row_counts(url)
        key_paths = [data_dir / k for k in KEY_FILES if keys and (data_dir / k).is_file()]
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            database=kind,
            revision=_revision(url),
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            row_counts=counts,
            keys=[p.name for p in key_paths],
        )
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            info = tarfile.TarInfo("manifest.json")
            body = manifest.to_json()
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(db_file, arcname=db_file.name)
            for path in key_paths:
                tar.add(path, arcname=f"keys/{path.name}")
        os.replace(partial, output)  # a crash mid-write never leaves a truncated backup
    return manifest


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile("manifest.json")
    except KeyError as exc:
        raise BackupError("not a GlucoLens backup: no manifest.json") from exc
    if member is None:
        raise BackupError("not a GlucoLens backup: manifest.json is not a file")
    data: dict[str, Any] = json.loads(member.read())
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"unsupported backup format {data.get('format_version')!r}")
    return Manifest(**data)


def _is_empty(url: str) -> bool:
    counts = row_counts(url)
    return not any(n for t, n in counts.items() if t != "alembic_version")


def _check_sqlite_copy(db_file: Path, manifest: Manifest) -> None:
    try:
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
        counts = row_counts(f"sqlite:///{db_file}")
    except Exception as exc:  # noqa: BLE001 - any failure to read it means damaged
        raise BackupError("the backup's database is damaged and cannot be read") from exc
    if not verdict or verdict[0] != "ok" or counts != manifest.row_counts:
        raise BackupError("the backup's database is damaged (it fails SQLite's checks)")


def restore(
    url: str, data_dir: Path, source: Path, *, head: str, replace_data: bool = False
) -> Manifest:
    try:
        return _restore(url, data_dir, source, head=head, replace_data=replace_data)
    except (tarfile.TarError, EOFError, json.JSONDecodeError, TypeError) as exc:
        raise BackupError(f"the backup file cannot be read: {type(exc).__name__}") from exc


def _restore(
    url: str, data_dir: Path, source: Path, *, head: str, replace_data: bool = False
) -> Manifest:
    """Replace the database at ``url`` (and the keys in ``data_dir``) with a backup's.

    Refuses a non-empty database unless ``replace_data``, a backup of the other database
    kind, and a backup made by a newer GlucoLens (its revision unknown here). After the
    restore every table's row count must equal the manifest's."""
    kind = _kind(url)
    with (
        tempfile.TemporaryDirectory(prefix="glucolens-restore-") as tmp,
        tarfile.open(source, "r:gz") as tar,
    ):
        manifest = read_manifest(tar)
        if manifest.database != kind:
            raise BackupError(
                f"this backup is of a {manifest.database} database; the target is {kind}"
            )
        if manifest.revision is not None and manifest.revision > head:
            raise BackupError(
                f"the backup is at schema revision {manifest.revision}, newer than this "
                f"GlucoLens ({head}); upgrade GlucoLens first"
            )
        if kind == "sqlite":
            _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        if not replace_data and not _is_empty(url):
            raise BackupError(
                "the target database holds data; pass --yes to replace it with the backup"
            )
        tar.extractall(tmp, filter="data")
        db_file = Path(tmp) / ("database.sqlite3" if kind == "sqlite" else "database.pgdump")
        if kind == "sqlite":
            _check_sqlite_copy(db_file, manifest)  # before the target is touched
            src = sqlite3.connect(db_file)
            dst = sqlite3.connect(_sqlite_path(url))
            try:
                src.backup(dst)  # replaces every page of the target in one transaction
            finally:
                dst.close()
                src.close()
        else:
            conninfo, env = _libpq(url)
            script = Path(tmp) / "restore.sql"
            argv = ["pg_restore", "--no-owner", "--no-privileges", f"--file={script}"]
            _run([*argv, str(db_file)], env, "a PostgreSQL restore")
            # One transaction: empty the schema (tables the backup does not have would
            # otherwise survive and break the upgrade that follows), then the backup's
            # objects and rows. Any error rolls all of it back: the old data stays.
            argv = ["psql", "--no-psqlrc", "--quiet", "--single-transaction"]
            argv += ["-v", "ON_ERROR_STOP=1", "-c", "DROP SCHEMA IF EXISTS public CASCADE"]
            argv += ["-c", "CREATE SCHEMA public", "-f", str(script), f"--dbname={conninfo}"]
            _run(argv, env, "a PostgreSQL restore")
        for name in manifest.keys:
            target = data_dir / name
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "keys" / name, target)
            os.chmod(target, 0o600)
    got = row_counts(url)
    differ = sorted(t for t, n in manifest.row_counts.items() if got.get(t) != n)
    if differ:
        raise BackupError(f"restored row counts differ from the backup in: {', '.join(differ)}")
    return manifest
