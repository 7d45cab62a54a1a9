"""One canonical glucose stream across sources.

The same sensor often reaches GlucoLens twice (a Clarity export and an uploader; Dexcom's app
and Apple Health). Every raw row is kept with its source, and copies are linked to the reading
they copy (``dup_of``), so every reader (aggregates, dashboard, insights, exports) uses one
stream: CGM rows with ``dup_of IS NULL`` (``is_canonical_cgm`` / ``CANONICAL_CGM_SQL``).

The rule (docs/architecture.md, "One glucose stream across sources"):

- Only CGM rows (``kind = 'cgm'``) take part; meter readings and Libre scans are never copies
  and never in the canonical stream.
- Sources are ranked (the user's order, else ``default_priority``). Every row of the
  highest-ranked source is canonical; a row of a lower source is a copy when a canonical row
  of a higher source *claims* it.
- A canonical row claims, in each lower source, the one row nearest in time (then in value)
  that is within 150 s and 1 mg/dL of it (450 s when either row has ``period_min >= 15``:
  15-minute historic data). So one reading has at most one copy per source: a 15-minute
  LibreView history hides one reading per quarter hour of a 1-minute uploader, not a gap.
- A row claimed more than once points to the nearest claimer (then the higher source).
  Rows of the same source are never merged.

The rule is local: a row's status depends only on rows within ``k × 450 s`` (k = number of
sources present), so ``recanonicalize`` recomputes a window exactly from the raw rows,
whatever the history outside it, and the stored links equal a from-scratch computation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import and_, case, func, literal_column, select, text
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.sql import epoch_seconds, is_postgres
from glucolens.core.timeutil import READ_MAX, READ_MIN
from glucolens.readings.models import GlucoseReading

SAME_READING_S = 150.0
HISTORIC_SAME_READING_S = 450.0  # when either row comes from 15-minute historic data
HISTORIC_PERIOD_MIN = 15
SAME_READING_MGDL = 1.0
_EPS = 1e-6  # float slack on the bounds (100.1 - 99.1 is 1.0000000000000142)
# Whole-history recomputations go in pieces: 14 days of 1-minute data from three sources
# is about 60,000 rows in memory at a time.
CHUNK = dt.timedelta(days=14)

# The canonical CGM stream as SQL. The literal 'cgm' (not a bound parameter) lets SQLite use
# the partial index ix_glucose_canonical, whose WHERE clause is exactly this.
CANONICAL_CGM_SQL = "kind = 'cgm' AND dup_of IS NULL"
is_canonical_cgm = and_(
    GlucoseReading.kind == literal_column("'cgm'"), GlucoseReading.dup_of.is_(None)
)

# Default order, highest priority first. Device files and uploaders carry the sensor's own
# record (generic CSV is a device file of unknown origin); any source not named here ranks
# with them, after the named ones. Apple Health holds copies that apps wrote, rounded and
# sometimes shifted; manual entries are typed; demo data is synthetic and must never hide a
# real reading.
DEVICE_SOURCES = ("dexcom_clarity", "libreview", "nightscout", "xdrip", "csv")
HEALTH_APP_SOURCES = ("apple_health", "healthkit")
LAST_SOURCES = ("manual", "demo")
_OTHER_SLOT = len(DEVICE_SOURCES)
_DEFAULT_SLOT = {
    **{s: i for i, s in enumerate(DEVICE_SOURCES)},
    **{s: _OTHER_SLOT + 1 + i for i, s in enumerate(HEALTH_APP_SOURCES + LAST_SOURCES)},
}

Stmt = TypeVar("Stmt")


def canonical_cgm(stmt: Stmt) -> Stmt:
    """``stmt`` (a select over glucose_readings) limited to the canonical CGM stream."""
    return stmt.where(is_canonical_cgm)  # type: ignore[attr-defined,no-any-return]


def default_priority() -> list[str]:
    return [*DEVICE_SOURCES, *HEALTH_APP_SOURCES, *LAST_SOURCES]


def user_priority(user: User) -> list[str] | None:
    """The user's own order, or None for the default."""
    if not user.source_priority:
        return None
    order = json.loads(user.source_priority)
    return [str(s) for s in order] if isinstance(order, list) else None


def source_rank(source: str, order: Sequence[str] | None = None) -> tuple[int, int, str]:
    """Sort key of a source, smallest first = highest priority. Sources the user's order
    names come first, in that order; the rest follow in the default order (unnamed ones in
    the device slot, by name)."""
    if order is not None and source in order:
        return (0, list(order).index(source), "")
    return (1, _DEFAULT_SLOT.get(source, _OTHER_SLOT), source)


def rank_sources(sources: Iterable[str], order: Sequence[str] | None = None) -> list[str]:
    return sorted(set(sources), key=lambda s: source_rank(s, order))


def assign_copies(
    levels: np.ndarray, secs: np.ndarray, values: np.ndarray, periods: np.ndarray
) -> np.ndarray:
    """The rule on arrays of CGM rows, sorted by time: ``levels`` (0 = highest-priority
    source present), epoch seconds, mg/dL, period in minutes (0 = unknown).
    Returns the index of each row's claimer, or -1 for the canonical rows."""
    n = len(secs)
    claimer = np.full(n, -1, dtype=np.int64)
    canonical = np.ones(n, dtype=bool)
    historic = periods >= HISTORIC_PERIOD_MIN
    for level in np.unique(levels)[1:]:
        lower = np.flatnonzero(levels == level)  # sorted by time, as the input is
        cands = np.flatnonzero((levels < level) & canonical)
        if not len(cands):
            continue
        t_low = secs[lower]
        t_c = secs[cands]
        lo = np.searchsorted(t_low, t_c - HISTORIC_SAME_READING_S - _EPS, "left")
        hi = np.searchsorted(t_low, t_c + HISTORIC_SAME_READING_S + _EPS, "right")
        best = np.full(len(cands), -1, dtype=np.int64)
        best_dt = np.full(len(cands), np.inf)
        best_dv = np.full(len(cands), np.inf)
        # Each claimer looks at the few lower rows in its ±450 s window, one offset at a time
        # (vectorised over claimers): the earliest of equally near rows wins.
        for off in range(int((hi - lo).max(initial=0))):
            j = lo + off
            inside = j < hi
            pick = lower[np.where(inside, j, 0)]
            d_t = np.abs(secs[pick] - t_c)
            d_v = np.abs(values[pick] - values[cands])
            limit = np.where(
                historic[pick] | historic[cands], HISTORIC_SAME_READING_S, SAME_READING_S
            )
            same = inside & (d_t <= limit + _EPS) & (d_v <= SAME_READING_MGDL + _EPS)
            better = same & ((d_t < best_dt) | ((d_t == best_dt) & (d_v < best_dv)))
            best = np.where(better, pick, best)
            best_dt = np.where(better, d_t, best_dt)
            best_dv = np.where(better, d_v, best_dv)
        got = best >= 0
        if not got.any():
            continue
        rows, by, d_t = best[got], cands[got], best_dt[got]
        # A row claimed twice keeps the nearest claimer, then the higher source, then the earlier.
        order = np.lexsort((by, levels[by], d_t, rows))
        rows, by, d_t = rows[order], by[order], d_t[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        claimer[rows[first]] = by[first]
        canonical[rows[first]] = False
    return claimer


def _clamp(t: dt.datetime) -> dt.datetime:
    return min(max(t, READ_MIN), READ_MAX)


def _window_is_plain(db: Session, user: User, lo: dt.datetime, hi: dt.datetime) -> bool:
    """One cheap query: True when [lo, hi) holds CGM rows of at most one source and no row
    that points to a copy. Then nothing in or around it can be a copy (the fast path)."""
    g = GlucoseReading
    cgm_source = case((g.kind == "cgm", g.source))
    first, last, links = db.execute(
        select(func.min(cgm_source), func.max(cgm_source), func.count(g.dup_of)).where(
            g.user_id == user.id, g.ts >= lo, g.ts < hi
        )
    ).one()
    return first == last and not links


def _load(db: Session, user: User, lo: dt.datetime, hi: dt.datetime) -> list[Any]:
    g = GlucoseReading
    return list(
        db.connection()
        .execute(
            select(
                g.id,
                g.source,
                epoch_seconds(db, g.ts),
                g.value_mgdl,
                g.period_min,
                g.kind,
                g.dup_of,
            )
            .where(g.user_id == user.id, g.ts >= lo, g.ts < hi)
            .order_by(g.ts, g.id)
        )
        .fetchall()
    )


def _write_links(db: Session, user: User, changes: list[tuple[int, int | None]]) -> None:
    if not changes:
        return
    if is_postgres(db):
        db.execute(
            text(
                "UPDATE glucose_readings AS g SET dup_of = v.dup FROM unnest("
                "CAST(:ids AS bigint[]), CAST(:dups AS bigint[])) AS v(id, dup) "
                "WHERE g.id = v.id AND g.user_id = :u"
            ),
            {"ids": [c[0] for c in changes], "dups": [c[1] for c in changes], "u": user.id},
        )
    else:
        db.execute(
            text("UPDATE glucose_readings SET dup_of = :dup WHERE id = :id"),
            [{"id": i, "dup": d} for i, d in changes],
        )


def _link_fixes(
    db: Session, user: User, lo: dt.datetime, hi: dt.datetime, order: Sequence[str] | None
) -> list[tuple[int, int | None, float, bool]]:
    """The rule, computed exactly for the rows in [lo, hi): (id, right link, epoch seconds,
    entered or left the canonical stream) of every row whose stored link is not right."""
    margin = 2
    while True:
        pad = dt.timedelta(seconds=HISTORIC_SAME_READING_S * margin)
        rows = _load(db, user, lo - pad, hi + pad)
        sources = {r[1] for r in rows if r[5] == "cgm"}
        if len(sources) <= margin:
            break
        margin = len(sources)  # a row's status depends on rows within k × 450 s
    level_of = {s: i for i, s in enumerate(rank_sources(sources, order))}
    cgm = [r for r in rows if r[5] == "cgm"]
    claimer = np.full(0, -1, dtype=np.int64)
    if len(sources) > 1:
        claimer = assign_copies(
            np.fromiter((level_of[r[1]] for r in cgm), dtype=np.int64, count=len(cgm)),
            np.fromiter((r[2] for r in cgm), dtype=float, count=len(cgm)),
            np.fromiter((r[3] for r in cgm), dtype=float, count=len(cgm)),
            np.fromiter((r[4] or 0 for r in cgm), dtype=float, count=len(cgm)),
        )
    new_link = {r[0]: cgm[c][0] for r, c in zip(cgm, claimer.tolist(), strict=False) if c >= 0}
    lo_s, hi_s = lo.timestamp(), hi.timestamp()
    fixes: list[tuple[int, int | None, float, bool]] = []
    for row_id, _source, secs, _v, _p, kind, old in rows:
        if not lo_s <= secs < hi_s:
            continue  # context only: computed exactly by the window that owns it
        new = new_link.get(row_id)
        if new != old:
            fixes.append((row_id, new, secs, kind == "cgm" and (new is None) != (old is None)))
    return fixes


def _recompute(
    db: Session, user: User, lo: dt.datetime, hi: dt.datetime, order: Sequence[str] | None
) -> list[float]:
    """Write the right links of the rows in [lo, hi), in chunks; returns the epoch seconds
    of the rows that entered or left the canonical stream."""
    moved: list[float] = []
    span = dt.timedelta(seconds=2 * HISTORIC_SAME_READING_S)
    while lo < hi:
        stop = min(lo + CHUNK, hi)
        # The fast path, per chunk: one source and no links around it, nothing to do.
        if not _window_is_plain(db, user, lo - span, stop + span):
            fixes = _link_fixes(db, user, lo, stop, order)
            _write_links(db, user, [(f[0], f[1]) for f in fixes])
            moved += [f[2] for f in fixes if f[3]]
        lo = stop
    return moved


def _history(db: Session, user: User) -> tuple[dt.datetime, dt.datetime] | None:
    g = GlucoseReading
    first, last = db.execute(
        select(func.min(g.ts), func.max(g.ts)).where(
            g.user_id == user.id, g.ts >= READ_MIN, g.ts < READ_MAX
        )
    ).one()
    return None if first is None else (first, last)


def stale_links(db: Session, user: User) -> list[dt.datetime]:
    """Instants of the rows whose stored link differs from the rule over the whole history
    (damage from outside the writers: a restore of one table, a hand edit). Reads only."""
    bounds = _history(db, user)
    if bounds is None:
        return []
    order = user_priority(user)
    span = dt.timedelta(seconds=2 * HISTORIC_SAME_READING_S)
    lo, hi = bounds[0], bounds[1] + span
    out: list[float] = []
    while lo < hi:
        stop = min(lo + CHUNK, hi)
        if not _window_is_plain(db, user, lo - span, stop + span):
            out += [f[2] for f in _link_fixes(db, user, lo, stop, order)]
        lo = stop
    return [dt.datetime.fromtimestamp(x, dt.UTC) for x in sorted(out)]


def recanonicalize(
    db: Session, user: User, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """Bring the copy links up to date after the rows in [start, end] changed (inserted,
    deleted, edited), in the caller's transaction (which holds ``lock_user_writes``).

    Returns the instants of the rows that entered or left the canonical stream (their days'
    aggregates must be refreshed). Only rows whose link changed are written."""
    span = dt.timedelta(seconds=2 * HISTORIC_SAME_READING_S)
    lo, hi = _clamp(start) - span, _clamp(end) + span
    order = user_priority(user)

    def run(a: dt.datetime, b: dt.datetime) -> list[float]:
        return _recompute(db, user, a, b, order)

    moved = run(lo, hi)
    # A status change reaches rows up to 2 × 450 s away, so one near an edge of the window
    # may change rows outside it: the window then grows by that much on that side, until a
    # strip brings no change.
    reach = span.total_seconds()
    left, right = lo, hi
    grow_left = any(s < left.timestamp() + reach for s in moved)
    grow_right = any(s >= right.timestamp() - reach for s in moved)
    while grow_left and left > READ_MIN:
        strip = run(left - span, left)
        left -= span
        moved += strip
        grow_left = bool(strip)
    while grow_right and right < READ_MAX:
        strip = run(right, right + span)
        right += span
        moved += strip
        grow_right = bool(strip)
    return [dt.datetime.fromtimestamp(s, dt.UTC) for s in sorted(set(moved))]


def recanonicalize_all(db: Session, user: User) -> list[dt.datetime]:
    """Every CGM row of the user (after the priority order changed), in chunks."""
    bounds = _history(db, user)
    return [] if bounds is None else recanonicalize(db, user, *bounds)


def recanonicalize_instants(
    db: Session, user: User, instants: Iterable[dt.datetime]
) -> list[dt.datetime]:
    """``recanonicalize`` around each group of ``instants`` (e.g. the rows a deletion
    removed): instants closer than a day share one window, so scattered edits do not make
    one window of the whole history."""
    ordered = sorted(instants)
    moved: list[dt.datetime] = []
    gap = dt.timedelta(days=1)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] - ordered[j] <= gap:
            j += 1
        moved += recanonicalize(db, user, ordered[i], ordered[j])
        i = j + 1
    return moved
