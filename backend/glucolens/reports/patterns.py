"""The report's "notable patterns": sentences drawn from the stored insight results
(recurring patterns, unusual stretches, established causal links), limited to what those
results actually say about the report's period.

Nothing here computes new findings, and the note that goes with the list never claims more
than the stored results do: no results means "no statement", not "all clear".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.timeutil import zone
from glucolens.insights.models import InsightResult

MAX_MOTIFS = 4
MAX_ANOMALIES = 3
MAX_LINKS = 4
KINDS = ("recurring_patterns", "anomalies", "causal_graph")


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _clock(hour: float) -> str:
    minutes = int(round(hour * 60)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _motifs(data: dict[str, Any], start: dt.datetime, end: dt.datetime) -> list[str]:
    found = []
    for motif in data.get("motifs") or []:
        times = [_when(o.get("start")) for o in motif.get("occurrences") or []]
        inside = sum(1 for t in times if t is not None and start <= t < end)
        if inside:
            found.append((inside, len(times), motif))
    found.sort(key=lambda f: f[0], reverse=True)
    out = []
    for inside, total, motif in found[:MAX_MOTIFS]:
        label = str(motif.get("label") or "recurring pattern")
        hours = int(motif.get("window_minutes") or 0) // 60
        around = motif.get("typical_hour")
        # Labels since issue 16 end in their hour ("... (around 03:00)").
        when = (
            f" around {_clock(float(around))}"
            if around is not None and "(around" not in label
            else ""
        )
        out.append(
            f"Recurring {hours} h shape, {label}{when}: {inside} time"
            f"{'s' if inside != 1 else ''} in this period ({total} in the history analysed)."
        )
    return out


def _anomalies(data: dict[str, Any], start: dt.datetime, end: dt.datetime, tz: str) -> list[str]:
    inside = []
    for a in data.get("anomalies") or []:
        t = _when(a.get("start"))
        if t is not None and start <= t < end:
            inside.append((float(a.get("z_score") or 0.0), t, a))
    inside.sort(key=lambda x: x[0], reverse=True)
    out = []
    for _z, t, a in inside[:MAX_ANOMALIES]:
        local = t.astimezone(zone(tz))
        hours = int(a.get("window_minutes") or 0) // 60
        out.append(
            f"Unusual {hours} h stretch starting {local.strftime('%Y-%m-%d %H:%M')} "
            "(unlike the rest of the trace; worth a look in the day strips)."
        )
    return out


def _links(data: dict[str, Any]) -> list[str]:
    labels = {n.get("id"): n.get("label") or n.get("id") for n in data.get("nodes") or []}
    edges = [e for e in data.get("edges") or [] if e.get("confidence") == "established"]
    edges.sort(key=lambda e: float(e.get("strength") or 0.0), reverse=True)
    out = []
    for e in edges[:MAX_LINKS]:
        lag = e.get("lag")
        later = "the same day" if not lag else f"{lag} day{'s' if lag != 1 else ''} later"
        direction = "higher" if e.get("sign") == "+" else "lower"
        out.append(
            f"More {labels.get(e.get('source'), e.get('source'))} goes with {direction} "
            f"{labels.get(e.get('target'), e.get('target'))} {later} "
            "(causal discovery over the whole history; an association, not proof)."
        )
    return out


def notable_patterns(
    db: Session, user: User, start: dt.datetime, end: dt.datetime
) -> tuple[list[str], str]:
    """(sentences, a note on what they rest on) for the period [start, end)."""
    rows = {
        r.kind: r
        for r in db.execute(
            select(InsightResult).where(
                InsightResult.user_id == user.id, InsightResult.kind.in_(KINDS)
            )
        ).scalars()
    }
    if not rows:
        return [], (
            "No pattern analysis has been run for this account yet, so this report makes no "
            "statement about patterns. An empty list here is not an all-clear."
        )
    items: list[str] = []
    unavailable: list[str] = []
    for kind in KINDS:
        row = rows.get(kind)
        if row is None:
            continue
        if row.status != "ok":
            reason = (row.data or {}).get("reason")
            unavailable.append(f"{kind.replace('_', ' ')}: {reason or row.status}")
            continue
        if kind == "recurring_patterns":
            items += _motifs(row.data, start, end)
        elif kind == "anomalies":
            items += _anomalies(row.data, start, end, user.timezone)
        else:
            items += _links(row.data)
    computed = max(r.computed_at for r in rows.values())
    note = f"From the pattern analysis of {computed.astimezone(zone(user.timezone)):%Y-%m-%d}."
    if user.data_changed_at is not None and user.data_changed_at > computed:
        note += " Data has changed since then; it may not reflect the newest readings."
    if unavailable:
        note += " Not available: " + "; ".join(unavailable) + "."
    if not items:
        note += (
            " It found nothing to list for this period; that is not a statement that "
            "glucose was in order."
        )
    return items, note
