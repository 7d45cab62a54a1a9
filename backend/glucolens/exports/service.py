"""Reading everything a user has, in bounded memory, from one consistent snapshot.

An export opens a session of its own (the request's session is committed and closed before
the body streams) and makes it one read snapshot (``core.sql.read_snapshot``): files written
minutes apart still agree with each other. Rows are read in keyset pages ordered by
(time, id) over the per-user time indexes, so memory stays at one page whatever the history,
and no statement holds a server-side cursor between pages.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from glucolens.auth.models import ApiKey, User, UserSession
from glucolens.core.db import get_sessionmaker, utcnow
from glucolens.core.sql import read_snapshot
from glucolens.core.timeutil import zone
from glucolens.exports.tables import TABLES, Cell, Table, utc_iso
from glucolens.insights.models import InsightResult
from glucolens.integrations.importers.models import ImportJob

PAGE_ROWS = 2_000


@dataclass
class ExportContext:
    """One export: the snapshot session, whose data, and what the credential may see."""

    db: Session
    user_id: uuid.UUID
    unit: str
    timezone: str
    with_account: bool  # sessions, API keys and import jobs: signed-in users only
    exported_at: dt.datetime = field(default_factory=utcnow)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def local_date(self) -> dt.date:
        return self.exported_at.astimezone(zone(self.timezone)).date()

    def close(self) -> None:
        self.db.close()


def open_export(user: User, *, with_account: bool) -> ExportContext:
    """A snapshot session for ``user``'s export, with the row counts of every table (read in
    the snapshot, so they are exactly the rows the export will write)."""
    db = get_sessionmaker()()
    try:
        read_snapshot(db)
        ctx = ExportContext(
            db=db,
            user_id=user.id,
            unit=user.unit,
            timezone=user.timezone,
            with_account=with_account,
        )
        for table in TABLES:
            ctx.counts[table.name] = count_rows(db, table, user.id)
    except Exception:
        db.close()
        raise
    return ctx


def count_rows(db: Session, table: Table, user_id: uuid.UUID) -> int:
    model = table.model
    return int(
        db.execute(
            select(func.count()).select_from(model).where(model.user_id == user_id)
        ).scalar_one()
    )


def iter_pages(ctx: ExportContext, table: Table) -> Iterator[list[tuple[Cell, ...]]]:
    """The user's rows of ``table`` as output rows, one page at a time, ordered by (time, id).

    Keyset paging on the time alone, ``ORDER BY time`` with ``time > last``: exactly the
    order of the (user_id, time) index, so no plan ever sorts. Ordering by (time, id) in SQL
    made PostgreSQL sort the user's whole remaining history for every page whenever its
    statistics underestimated the user's rows (a new user right after a large import),
    which is quadratic. Rows that share the page's last instant are cut off and read
    whole by that instant (an index lookup), so no instant is ever split across pages.
    """
    model = table.model
    t = getattr(model, table.time_attr)
    base = select(*table.select_columns()).where(model.user_id == ctx.user_id)
    conn = ctx.db.connection()  # Core, not ORM execution: no per-row ORM bookkeeping
    last: dt.datetime | None = None
    while True:
        query = base if last is None else base.where(t > last)
        rows: list[Any] = list(conn.execute(query.order_by(t).limit(PAGE_ROWS)).all())
        full = len(rows) == PAGE_ROWS
        if full:
            edge = rows[-1][1]
            last = edge if edge.tzinfo is not None else edge.replace(tzinfo=dt.UTC)
            rows = [r for r in rows if r[1] != edge]
            rows += conn.execute(base.where(t == last)).all()
        rows.sort(key=_time_then_id)
        if rows:
            yield [table.row(r, ctx.unit) for r in rows]
        if not full:
            return


def _time_then_id(row: Sequence[Any]) -> tuple[Any, Any]:
    return row[1], row[0]


def profile(ctx: ExportContext) -> dict[str, Any]:
    """The account's settings; never the password hash, tokens or key hashes."""
    user = ctx.db.get(User, ctx.user_id)
    assert user is not None  # the request authenticated as this user, in an earlier snapshot
    out: dict[str, Any] = {
        "id": str(user.id),
        "email": user.email,
        "display_name": user.display_name,
        "timezone": user.timezone,
        "unit": user.unit,
        "target_low_mgdl": user.target_low_mgdl,
        "target_high_mgdl": user.target_high_mgdl,
        "source_priority": json.loads(user.source_priority) if user.source_priority else None,
        "created_at_utc": utc_iso(user.created_at),
        "updated_at_utc": utc_iso(user.updated_at),
        "password_changed_at_utc": utc_iso(user.password_changed_at),
        "data_changed_at_utc": utc_iso(user.data_changed_at),
    }
    if ctx.with_account:
        out["account"] = _account(ctx)
    return out


def _account(ctx: ExportContext) -> dict[str, Any]:
    db, uid = ctx.db, ctx.user_id
    sessions = db.scalars(
        select(UserSession).where(UserSession.user_id == uid).order_by(UserSession.created_at)
    )
    keys = db.scalars(select(ApiKey).where(ApiKey.user_id == uid).order_by(ApiKey.created_at))
    imports = db.scalars(
        select(ImportJob).where(ImportJob.user_id == uid).order_by(ImportJob.created_at)
    )
    return {
        "sessions": [
            {
                "device": s.device,
                "ip": s.ip,
                "created_at_utc": utc_iso(s.created_at),
                "last_seen_at_utc": utc_iso(s.last_seen_at),
                "revoked_at_utc": utc_iso(s.revoked_at),
                "revoked_reason": s.revoked_reason,
            }
            for s in sessions
        ],
        "api_keys": [
            {
                "name": k.name,
                "prefix": k.prefix,
                "scopes": list(k.scopes),
                "created_at_utc": utc_iso(k.created_at),
                "last_used_at_utc": utc_iso(k.last_used_at),
                "revoked_at_utc": utc_iso(k.revoked_at),
            }
            for k in keys
        ],
        "imports": [
            {
                "id": str(j.id),
                "filename": j.filename,
                "size_bytes": j.size_bytes,
                "sha256": j.sha256,
                "format": j.format,
                "status": j.status,
                "created_at_utc": utc_iso(j.created_at),
                "finished_at_utc": utc_iso(j.finished_at),
            }
            for j in imports
        ],
    }


def iter_insights(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    """Stored insight results, one at a time (each may be large)."""
    kinds = ctx.db.scalars(
        select(InsightResult.kind)
        .where(InsightResult.user_id == ctx.user_id)
        .order_by(InsightResult.kind)
    ).all()
    for kind in kinds:
        row = ctx.db.execute(
            select(InsightResult).where(
                InsightResult.user_id == ctx.user_id, InsightResult.kind == kind
            )
        ).scalar_one_or_none()
        if row is None:
            continue
        yield {
            "kind": row.kind,
            "status": row.status,
            "computed_at_utc": utc_iso(row.computed_at),
            "data_version": row.data_version,
            "data": row.data,
        }
        ctx.db.expunge(row)  # the identity map would otherwise keep every result
