"""The Nightscout API v3 protocol, independent of where a collection is stored.

Taken from cgm-remote-monitor lib/api3 (read, not copied): the messages of const.json (AAPS
matches on "Bad or missing utcOffset field" and "cannot be modified by the client"), the
date parsing of ``Collection.parseDate`` (ms, s, numeric strings or ISO 8601, ``created_at``
as the fallback; ``utcOffset`` taken from the parsed time when the client sent none, which
is how LibreLinkUp's and AAPS's devicestatus documents pass), ``validateCommon``, the
UUIDv5 identifiers of ``operationTools.calculateIdentifier`` and the search parameters of
``generic/search/input.js`` (``limit``, ``skip``, ``sort``/``sort$desc``, ``fields``,
``<field>$<op>=<value>``).

Filters are checked against a per-collection whitelist before any query: an unknown field or
operator is a 400 naming it; values are always bound parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from glucolens.integrations.nightscout.auth import NightscoutError

API3_VERSION = "3.0.3-alpha"
MAX_LIMIT = 1000  # API3_MAX_LIMIT: the default and the largest ``limit``
MAX_SKIP = 1_000_000  # beyond any one user's history; keeps OFFSET a sane number
MIN_TIMESTAMP = 946684800000  # 2000-01-01, as Nightscout
MAX_UTC_OFFSET = 1440
# The namespace Nightscout derives every calculated identifier from: 16 ASCII bytes.
NAMESPACE = uuid.UUID(bytes=b"NightscoutRocks!")

MSG_BODY = "Bad or missing request body"
MSG_IDENTIFIER = "Bad or missing identifier field"
MSG_DATE = "Bad or missing date field"
MSG_UTC = "Bad or missing utcOffset field"
MSG_APP = "Bad or missing app field"
MSG_LIMIT = "Parameter limit out of tolerance"
MSG_SKIP = "Parameter skip out of tolerance"
MSG_SORT = "Parameters sort and sort_desc cannot be combined"
MSG_OPERATOR = "Unsupported filter operator {0}"
MSG_IMMUTABLE = "Field {0} cannot be modified by the client"
MSG_LAST_MODIFIED = "Bad or missing Last-Modified header/parameter"
MSG_COLLECTION = "Bad operation or collection"
MSG_READONLY = "Trying to modify read-only document"

# Fields a client may not change once a document exists (update/validate.js).
IMMUTABLE = (
    "identifier", "date", "utcOffset", "eventType", "device", "app",
    "srvCreated", "subject", "srvModified", "modifiedBy", "isValid",
)  # fmt: skip
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")  # "re" is not served
RESERVED = ("token", "sort", "sort$desc", "limit", "skip", "fields", "now")
_FILTER = re.compile(r"(.*)\$([a-zA-Z]+)")


def bad(message: str, status: int = 400) -> NightscoutError:
    """A v3 error: Nightscout's ``{status, message}`` (plus the house ``error`` object)."""
    return NightscoutError(status, message, message)


def envelope(result: Any = None, status: int = 200, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status}
    if result is not None:
        body["result"] = result
    body.update({k: v for k, v in fields.items() if v is not None})
    return body


def ms_of(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def iso_z(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(ms: int) -> str:
    return email.utils.formatdate(ms / 1000.0, usegmt=True)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def parse_instant(value: Any) -> dt.datetime | None:
    """dateTools.parseToMoment: ms or s (numbers or numeric strings) or ISO 8601 / RFC 2822
    text, with its offset kept; None when nothing usable (or before 2000)."""
    if isinstance(value, str) and value.strip():
        with contextlib.suppress(ValueError):
            value = float(value.strip())
    if _is_number(value):
        ms = float(value)
        if ms < MIN_TIMESTAMP:
            ms *= 1000  # Unix seconds
        if not MIN_TIMESTAMP <= ms < 1e14:
            return None
        return dt.datetime.fromtimestamp(math.floor(ms) / 1000.0, dt.UTC)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)  # moment.parseZone without a zone: UTC
        return when if ms_of(when) >= MIN_TIMESTAMP else None
    return None


def parse_date(doc: dict[str, Any]) -> None:
    """Collection.parseDate: ``date`` (else ``created_at``) becomes ms; ``utcOffset`` is the
    parsed time's offset when the client sent none; ``created_at`` the ISO UTC form."""
    when = parse_instant(doc.get("date")) or parse_instant(doc.get("created_at"))
    if when is None:
        return
    doc["date"] = ms_of(when)
    if "utcOffset" not in doc:
        offset = when.utcoffset()
        doc["utcOffset"] = int(offset.total_seconds() // 60) if offset else 0
    doc["created_at"] = iso_z(when)


def _js_text(value: Any) -> str:
    """What JavaScript's string concatenation makes of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def calculate_identifier(doc: Mapping[str, Any]) -> str:
    """UUIDv5 of ``device + '_' + date`` (``+ '_' + eventType`` when set), as Nightscout."""
    device = _js_text(doc["device"]) if "device" in doc else "undefined"
    date = _js_text(doc["date"]) if "date" in doc else "undefined"
    key = f"{device}_{date}"
    if doc.get("eventType"):
        key += f"_{_js_text(doc['eventType'])}"
    return str(uuid.uuid5(NAMESPACE, key))


def resolve_identifier(doc: dict[str, Any]) -> None:
    """The client's identifier is kept (AAPS sends back the one it was given); else the
    calculated one."""
    if not doc.get("identifier"):
        doc["identifier"] = calculate_identifier(doc)


def validate_common(doc: Mapping[str, Any], *, patching: bool = False) -> None:
    if not patching or "date" in doc:
        date = doc.get("date")
        if not _is_number(date) or date <= MIN_TIMESTAMP:
            raise bad(MSG_DATE)
    if not patching or "utcOffset" in doc:
        offset = doc.get("utcOffset")
        if not _is_number(offset) or abs(offset) > MAX_UTC_OFFSET:
            raise bad(MSG_UTC)
    if not patching or "app" in doc:
        app = doc.get("app")
        if not isinstance(app, str) or not app.strip():
            raise bad(MSG_APP)


def validate_new(doc: Mapping[str, Any]) -> None:
    identifier = doc.get("identifier")
    if not isinstance(identifier, str) or not identifier.strip():
        raise bad(MSG_IDENTIFIER)
    validate_common(doc)


def validate_change(
    doc: Mapping[str, Any], stored: Mapping[str, Any], *, patching: bool, dedup: bool = False
) -> None:
    """update/validate.js: read-only documents refuse (422); immutable fields the stored
    document holds must not change (a stored deleted document may change freely)."""
    if any(stored.get(k) is True for k in ("isReadOnly", "readOnly", "readonly")):
        raise bad(MSG_READONLY, 422)
    if stored.get("isValid") is not False:
        for name in IMMUTABLE:
            if name == "identifier" and dedup:
                continue
            # Fields the stored copy does not carry cannot be compared (GlucoLens keeps no
            # ``app``/``subject`` of an entry): they are not a change.
            if name in doc and name in stored and doc[name] != stored[name]:
                raise bad(MSG_IMMUTABLE.replace("{0}", name))
    validate_common(doc, patching=patching)


# --- search --------------------------------------------------------------------------------


@dataclass
class Search:
    limit: int = MAX_LIMIT
    skip: int = 0
    sort_field: str | None = None
    sort_desc: bool = False
    fields: list[str] | None = None  # None: all
    filters: list[tuple[str, str, Any]] = field(default_factory=list)


def parse_limit(params: Mapping[str, str]) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return MAX_LIMIT
    try:
        limit = float(raw)
    except ValueError:
        raise bad(MSG_LIMIT) from None
    if not 0 < limit <= MAX_LIMIT:
        raise bad(MSG_LIMIT)
    return int(limit)


TEXT_FILTERS = ("identifier", "device", "type", "app")


def _value(name: str, raw: str, op: str) -> Any:
    """search/input.js parseValue: numbers, true/false, 'quoted' text; times as ms."""
    if op in ("in", "nin"):
        return [_value(name, part, "eq") for part in raw.split("|")]
    value: Any = raw
    if name in TEXT_FILTERS:  # compared as text: "0042" stays "0042", not 42.0
        quoted = len(raw) >= 2 and raw.startswith("'") and raw.endswith("'")
        return raw[1:-1] if quoted else raw
    try:
        value = float(raw)
    except ValueError:
        if raw in ("true", "false"):
            value = raw == "true"
        elif len(raw) >= 2 and raw.startswith("'") and raw.endswith("'"):
            value = raw[1:-1]
    if name in ("date", "srvModified", "srvCreated", "created_at", "dateString"):
        when = parse_instant(value)
        if when is None:
            raise bad(f"Filter {name}: {raw[:40]!r} is not a time")
        return when
    return value


def parse_search(
    params: Mapping[str, str],
    allowed: Mapping[str, Iterable[str]],
    sortable: Iterable[str] = (),
    *,
    raw_values: bool = False,
) -> Search:
    """``allowed``: field -> the operators it takes; ``sortable``: the fields ``sort`` and
    ``sort$desc`` may name. ``raw_values``: filter values stay the text sent (``in``/``nin``
    split on ``|``), for a store that parses them itself."""
    search = Search(limit=parse_limit(params))
    raw_skip = params.get("skip")
    if raw_skip:
        try:
            search.skip = int(raw_skip)
        except ValueError:
            raise bad(MSG_SKIP) from None
        if not 0 <= search.skip <= MAX_SKIP:
            raise bad(MSG_SKIP)
    if params.get("sort") and params.get("sort$desc"):
        raise bad(MSG_SORT)
    sort = params.get("sort$desc") or params.get("sort")
    if sort:
        if sort not in sortable:
            raise bad(f"Sorting by {sort[:40]!r} is not supported")
        search.sort_field, search.sort_desc = sort, bool(params.get("sort$desc"))
    raw_fields = params.get("fields")
    if raw_fields and raw_fields != "_all":
        search.fields = [f for f in raw_fields.split(",") if f]
    for key, raw in params.items():
        if key in RESERVED:
            continue
        name, op = key, "eq"
        match = _FILTER.fullmatch(key)
        if match:
            name, op = match.group(1), match.group(2)
            if op not in OPERATORS:
                raise bad(MSG_OPERATOR.replace("{0}", op[:20]))
        if name not in allowed:
            raise bad(f"Filtering on {name[:40]!r} is not supported")
        if op not in allowed[name]:
            raise bad(MSG_OPERATOR.replace("{0}", op) + f" for {name[:40]}")
        if raw_values:
            value: Any = raw.split("|") if op in ("in", "nin") else raw
        else:
            value = _value(name, raw, op)
        search.filters.append((name, op, value))
    return search


SYSTEM_FIELDS = ("identifier", "srvCreated", "created_at", "date")


def project(doc: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """fieldsProjector: only the named fields (the system fields only when named too)."""
    if fields is None:
        return doc
    return {k: v for k, v in doc.items() if k in fields}
