"""One SQLite writer at a time per process, queued in Python rather than in SQLite.

SQLite allows one write transaction at a time. Left to itself, each waiting writer polls
the database in its busy handler (sleeps of up to 100 ms) and fails with "database is
locked" when ``busy_timeout`` runs out; under 100 clients that meant 30-second waits and
500s. Here every connection of the engine takes one process-wide lock just before its
transaction's first write statement and gives it back when that transaction commits or
rolls back. Writers wait on the lock (woken as soon as it is free, no polling), readers are
never held (WAL lets them read beside the writer), and a writer that cannot get the lock
within ``wait_s`` gets a 503 with ``Retry-After`` instead of hanging. A thread that opened
a second write transaction while its first is still open would wait for itself: it gets
the same 503 after ``wait_s``.

Why at the first write statement: pysqlite (Python 3.11, SQLAlchemy's default "legacy"
transaction mode) issues ``BEGIN`` only right before the first INSERT/UPDATE/DELETE, and runs
earlier SELECTs outside a transaction. Taking the lock there is therefore equivalent to
``BEGIN IMMEDIATE`` for exactly the transactions that write, which an engine-level ``begin``
hook cannot do: it runs before anyone knows whether the session will write. Other processes
(the CLI, a worker) are still serialised by SQLite's own lock within ``busy_timeout``.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from glucolens.core.errors import ServiceUnavailable

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_HELD = "glucolens.sqlite_write_lock"


class SqliteWriteLock:
    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self._lock = threading.Lock()

    @property
    def locked(self) -> bool:
        return self._lock.locked()

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        # Given back as the transaction ends: not at checkin, because a session runs its
        # after-commit hooks (which may write with a session of their own, on the same
        # thread) before it returns the connection. The event fires just before the DBAPI
        # COMMIT; a writer that gets in during that commit waits a moment in busy_timeout.
        for name in ("commit", "rollback"):
            event.listen(engine, name, self._release_conn)
        # And however else a connection leaves: checked in without either (a pool reset),
        # invalidated after an error, or detached from the pool.
        for name in ("checkin", "invalidate", "detach"):
            event.listen(engine, name, self._release_record)

    def _before_execute(
        self, conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, _many: bool
    ) -> None:
        info = conn.info
        if _HELD in info or not _WRITE.match(statement):
            return
        if not self._lock.acquire(timeout=self.wait_s):
            raise ServiceUnavailable("The database is busy with other writes; try again.", 2)
        info[_HELD] = True

    def _release_conn(self, conn: Any) -> None:
        try:
            info = conn.info
        except SQLAlchemyError:  # invalidated: the "invalidate" event released it already
            return
        if info.pop(_HELD, None):
            self._lock.release()

    def _release_record(self, _dbapi_conn: Any, record: Any, *_args: Any) -> None:
        if record is not None and record.info.pop(_HELD, None):
            self._lock.release()
