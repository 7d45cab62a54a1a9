"""The few places where PostgreSQL and SQLite need different SQL, in one file.

Everything else is dialect-neutral SQLAlchemy. The ingest fast paths (binary COPY on
PostgreSQL, executemany on SQLite) stay in ``readings/repository.py``: they are one operation
with two implementations, not a dialect detail.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, Float, Integer, cast, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def insert_for(db: Session) -> Any:
    """The dialect's ``insert`` (it has ``on_conflict_do_nothing`` / ``_do_update``)."""
    return postgresql.insert if is_postgres(db) else sqlite.insert


def epoch_seconds(db: Session, column: Any) -> Any:
    """UTC seconds since 1970 as a float, computed by the database (cheap to fetch)."""
    if is_postgres(db):
        return cast(func.extract("epoch", column), Float)
    # Whole seconds from strftime, plus the stored fraction ('YYYY-MM-DD HH:MM:SS.ffffff'):
    # julianday() arithmetic would blur instants at midnight by floating-point error.
    whole = cast(func.strftime("%s", column), Integer)
    return whole + cast(func.substr(column, 20), Float)


def epoch_whole_seconds(db: Session, column: Any) -> Any:
    """Whole UTC seconds as BIGINT: epoch seconds leave a 32-bit integer before 1901-12-14
    and after 2038-01-19."""
    if is_postgres(db):
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)


def lock_user_writes(db: Session, user_id: uuid.UUID) -> None:
    """Serialise one user's data writes until commit, taken before any row is written.

    PostgreSQL: a transaction-scoped advisory lock on the user, so overlapping uploads of one
    user run one after another instead of deadlocking on each other's unique-index entries.
    SQLite: a no-change write as the transaction's first write statement takes the database's
    write lock before the transaction reads anything, so what it reads stays current.
    """
    if is_postgres(db):
        key = int.from_bytes(user_id.bytes[:8], "big", signed=True)
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    else:
        db.execute(
            text("UPDATE users SET updated_at = updated_at WHERE id = :id"), {"id": user_id.hex}
        )


def read_snapshot(db: Session) -> None:
    """Make the rest of ``db``'s transaction read one consistent snapshot, whatever commits
    meanwhile (an export reads several tables in many statements and must not mix states).
    Call it before the session has run any statement.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: pysqlite runs SELECTs
    outside any transaction (each statement its own snapshot), so an explicit deferred
    ``BEGIN`` starts one; in WAL mode it never blocks writers.
    """
    if is_postgres(db):
        db.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )
    else:
        db.connection().exec_driver_sql("BEGIN")
