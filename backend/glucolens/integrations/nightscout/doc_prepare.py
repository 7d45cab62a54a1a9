"""One Nightscout document as it is stored (documents.py): what is kept of what a client
sent, its identifier, its time and its dedupe key.

The time is ``eventTime`` (treatments), ``created_at``, ``date``/``mills``/``timestamp``
(ms) or ``startDate`` (profiles); ``created_at`` is rewritten as UTC ISO and ``date``/
``utcOffset`` are set, as Nightscout's treatments.js prepareData and api3's date handling
do. A document without a usable time is taken as now, as Nightscout does.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any

from glucolens.integrations.nightscout.entries import REMOVED_FIELDS, source_of

# Served from columns, never taken from what a client sends.
SERVER_FIELDS = ("_id", "identifier", "srvCreated", "srvModified", "isValid", "isReadOnly")
DEDUPE_FIELD = {"treatments": "eventType", "devicestatus": "device", "profile": None}
MAX_DOC_CHARS = 128 * 1024  # Loop's devicestatus is ~4 KiB, an AAPS profile store ~20 KiB
MAX_IDENTIFIER = 128


class DocumentError(ValueError):
    """A document that cannot be stored; ``index`` is its place in the request."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"document {index}: {reason}")
        self.index = index
        self.reason = reason


def now_ms() -> int:
    return int(time.time() * 1000)


def new_identifier() -> str:
    """24 hex digits shaped like a Mongo ObjectId (seconds, then random), as v1 clients expect."""
    return f"{int(time.time()) & 0xFFFFFFFF:08x}{secrets.token_hex(8)}"


def _identifier_of(raw: dict[str, Any]) -> str | None:
    for key in ("identifier", "_id"):
        value = raw.get(key)
        if isinstance(value, dict):  # mongoexport's {"$oid": ...}
            value = value.get("$oid")
        if isinstance(value, str) and 0 < len(value.strip()) <= MAX_IDENTIFIER:
            return value.strip()
    return None


def _parse_iso(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)  # Nightscout reads UTC


def _ms_of(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        ms = float(value)
    except ValueError:
        return None
    return int(ms) if math.isfinite(ms) and 0 < ms < 1e14 else None


def iso_ms(ms: int) -> str:
    when = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _instant(collection: str, raw: dict[str, Any]) -> tuple[int, int | None]:
    """(ms, the offset written in the time field, if any). The time is ``eventTime`` (for
    treatments), ``created_at``, ``date`` (ms), ``mills``, ``timestamp``, ``startDate``
    (profiles); none usable: now, as Nightscout does."""
    keys = ["created_at", "date", "mills", "timestamp"]
    if collection == "treatments":
        keys.insert(0, "eventTime")
    if collection == "profile":
        keys.append("startDate")
    for key in keys:
        value = raw.get(key)
        when = _parse_iso(value)
        if when is not None:
            offset = when.utcoffset()
            minutes = int(offset.total_seconds() // 60) if offset is not None else None
            return int(when.timestamp() * 1000), minutes
        ms = _ms_of(value) if key in ("date", "mills", "timestamp") else None
        if ms is not None:
            return ms, None
    return now_ms(), None


@dataclass
class Prepared:
    content: dict[str, Any]
    identifier: str | None
    dedupe_key: str
    date_ms: int
    source: str | None
    text: str
    invalid: bool  # sent with isValid false, as AAPS marks a removed treatment


def prepare(collection: str, index: int, raw: Any) -> Prepared:
    if not isinstance(raw, dict):
        raise DocumentError(index, "each document must be a JSON object")
    content = {k: v for k, v in raw.items() if k not in REMOVED_FIELDS and k not in SERVER_FIELDS}
    date_ms, written_offset = _instant(collection, raw)
    offset = raw.get("utcOffset")
    if isinstance(offset, bool) or not isinstance(offset, int | float) or abs(offset) > 18 * 60:
        offset = written_offset if written_offset is not None else 0
    content.pop("eventTime", None)  # folded into created_at (treatments.js does the same)
    content["created_at"] = iso_ms(date_ms)
    content["date"] = date_ms
    content["utcOffset"] = int(offset)
    text = json.dumps(content, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if len(text) > MAX_DOC_CHARS:
        raise DocumentError(index, f"larger than {MAX_DOC_CHARS} characters")
    extra = DEDUPE_FIELD[collection]
    key = content["created_at"]
    if extra:
        key += "|" + str(content.get(extra) or "")[:150]
    return Prepared(
        content=content,
        identifier=_identifier_of(raw),
        dedupe_key=key,
        date_ms=date_ms,
        source=source_of(content) if collection == "treatments" else None,
        text=text,
        invalid=raw.get("isValid") is False,
    )
