"""The SQLite database file is owner-only (0600), like the JWT key file.

SQLite would create it with the process umask (usually 0644: readable by every local
user), and it holds every reading, meal and password hash. So the file is created 0600
before SQLite first opens it, and an existing one is tightened. SQLite gives the ``-wal``
and ``-shm`` files it creates the database file's mode; existing ones are tightened too.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

OWNER_ONLY = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")

log = logging.getLogger(__name__)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory ones."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def secure_sqlite_file(url: str) -> None:
    path = sqlite_path(url)
    if path is None or not path.parent.is_dir():
        return  # SQLite will fail to open it and say why
    try:
        if not path.exists():
            # Only a new file is opened here: closing any descriptor of a database file drops
            # every POSIX lock this process's SQLite connections hold on it (fcntl semantics),
            # and another process could then checkpoint the WAL away under them.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, OWNER_ONLY))  # never truncates
        for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
            if candidate.exists():
                candidate.chmod(OWNER_ONLY)
    except OSError as exc:  # e.g. a file owned by another account: run on, but say so
        log.warning(
            "could not make the SQLite file owner-only", extra={"fields": {"error": str(exc)}}
        )
