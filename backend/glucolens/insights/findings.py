"""Which recurring patterns and anomalies of an insights run are new, by keys stable across
runs (motif ids are positions in one run's ranking, not identities): a pattern is its window,
label and local hour; an anomaly its window and start. The alerts' "pattern" feed gets them
through ``InsightsUpdated`` (core/events), published with the results it describes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

RECENT_ANOMALY = dt.timedelta(days=2)  # an unusual day weeks ago (an import) is not news
PATTERN_KINDS = ("recurring_patterns", "anomalies")
_AROUND = re.compile(r"\s*\(around \d{2}:\d{2}\)$")


def _pattern(m: dict[str, Any]) -> dict[str, Any]:
    label = str(m.get("label") or "recurring pattern")
    hour = m.get("typical_hour")
    hour_i = int(round(float(hour))) % 24 if isinstance(hour, int | float) else None
    # ``kind`` names the shape since issue 16; results stored before it only have a label.
    shape = str(m.get("kind") or "")
    words = label.lower()
    kind = "recurring"
    if shape == "low" or (not shape and "low" in words):
        kind = "recurring_low"
    elif shape in ("spike", "high", "dawn") or (
        not shape and ("spike" in words or "dawn" in words)
    ):
        kind = "recurring_high"
    # The label ends in the hour to the minute ("... (around 03:04)"), which drifts
    # between runs; the key holds the hour once, rounded.
    base = _AROUND.sub("", label)
    key = f"p:{m.get('window_minutes')}:{base}:{hour_i}"
    return {"key": key, "pattern": kind, "label": label, "hour": hour_i}


def _anomaly(a: dict[str, Any]) -> dict[str, Any]:
    start = str(a.get("start"))
    return {"key": f"a:{a.get('window_minutes')}:{start}", "pattern": "anomaly", "start": start}


def findings(kind: str, data: dict[str, Any] | None, now: dt.datetime) -> dict[str, dict]:
    """Key -> finding for one stored result (``recurring_patterns`` or ``anomalies``)."""
    data = data or {}
    if kind == "recurring_patterns":
        return {f["key"]: f for f in map(_pattern, data.get("motifs") or [])}
    out = {}
    for a in data.get("anomalies") or []:
        try:
            start = dt.datetime.fromisoformat(str(a.get("start")).replace("Z", "+00:00"))
        except ValueError:
            continue
        if start.tzinfo is not None and now - start <= RECENT_ANOMALY:
            f = _anomaly(a)
            out[f["key"]] = f
    return out


def new_findings(
    kind: str, before: dict[str, Any] | None, after: dict[str, Any], now: dt.datetime
) -> list[dict[str, Any]]:
    old = findings(kind, before, now)
    return [f for key, f in findings(kind, after, now).items() if key not in old]
