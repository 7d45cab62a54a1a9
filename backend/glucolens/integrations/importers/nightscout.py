"""Nightscout JSON dumps: /api/v1/entries.json, /api/v1/treatments.json, or one object
holding both lists ({"entries": [...], "treatments": [...]}).

Field names are cgm-remote-monitor's own (lib/server/entries.js, treatments.js and the
Entry/Treatment schemas of its swagger.yaml):

- entries: ``type`` "sgv" (a CGM reading, ``sgv`` always in mg/dL, ``direction`` its
  trend), "mbg" (a meter reading, ``mbg`` mg/dL), "cal" (a calibration: skipped); time is
  ``date`` (ms since the epoch) or ``dateString``; the server adds ``utcOffset`` (minutes).
- treatments: ``eventType``, ``created_at`` (ISO; the server stores UTC) with ``utcOffset``,
  ``insulin`` (U), ``carbs``/``protein``/``fat`` (g), ``glucose`` with ``units`` ("mg/dl" or
  "mmol") and ``glucoseType`` ("Finger" or "Sensor"), ``duration`` (min), ``notes``.

What becomes what: any treatment with ``insulin`` -> a bolus; with ``carbs`` -> a meal; a
"BG Check" (or any treatment whose ``glucoseType`` is "Finger") -> a meter reading;
"Exercise" with a duration -> an activity. "Temp Basal" treatments are skipped: they record
changes to the pump's rate, not what was delivered (the profile's scheduled basal between
them is not in the treatments), so adding them up would give a wrong basal total. Sensor
error codes (sgv below 39, e.g. 5 "?NC") are not readings and are skipped; 39 is the
sensor's "Low". Skipped items are counted in ``ctx.meta["skipped"]``.

Times keep the offset of the person's phone (``utcOffset``, else the offset written in
``dateString``/``created_at``), so rows show the local time they were recorded at. ``_id``
is each row's external_id. Arrays are read item by item (json raw_decode over a sliding
buffer), never whole.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from glucolens.core.timeutil import zone
from glucolens.integrations.importers.base import (
    FileFormat,
    FileRejected,
    ParseContext,
    Problem,
    Record,
    RecordType,
)

FORMAT = FileFormat(name="nightscout", label="Nightscout JSON", source="nightscout")
SOURCE = FORMAT.source
CHUNK = 256 * 1024
MAX_ITEM_CHARS = 1 << 20  # one entry or treatment; real ones are under 2 KiB
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# Nightscout's directions, in the house trend vocabulary (see demo_data).
_TRENDS = {
    "DoubleUp": "doubleUp",
    "TripleUp": "doubleUp",
    "SingleUp": "singleUp",
    "FortyFiveUp": "fortyFiveUp",
    "Flat": "flat",
    "FortyFiveDown": "fortyFiveDown",
    "SingleDown": "singleDown",
    "DoubleDown": "doubleDown",
    "TripleDown": "doubleDown",
}


def sniff(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] not in (b"[", b"{"):
        return False
    return any(key in head for key in (b'"sgv"', b'"mbg"', b'"eventType"'))


def parse(stream: IO[bytes], ctx: ParseContext) -> Iterator[Record | Problem]:
    tally = _Tally()
    reader = _JsonItems(stream)
    for n, obj in enumerate(reader.items(), start=1):
        yield from _item(obj, n, ctx, tally)
    if reader.count == 0:
        raise FileRejected("The JSON file holds no Nightscout entries or treatments.")
    top = (tally.devices or tally.uploaders).most_common(1)
    ctx.meta["device"] = top[0][0] if top else None
    ctx.meta["unit"] = "mg/dL"
    ctx.meta.setdefault("timezone", "from file")
    ctx.meta["skipped"] = dict(tally.skipped)


class _JsonItems:
    """The objects of a top-level array, or of every array value of a top-level object,
    decoded one at a time from a sliding text buffer."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.decode = codecs.getincrementaldecoder("utf-8-sig")().decode
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.count = 0

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK)
        try:
            text = self.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise FileRejected("The file is not UTF-8 JSON.") from None
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        self.eof = not chunk
        return True

    def _next_char(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise FileRejected(f"The JSON is cut off or invalid: {exc.msg}.") from None
                if len(self.buf) - self.pos > MAX_ITEM_CHARS:
                    raise FileRejected("The JSON holds an item larger than 1 MiB.") from None
                self._fill()
                continue
            if end == len(self.buf) and not self.eof:
                self._fill()  # a number may go on in the next chunk
                continue
            self.pos = end
            return value

    def _array(self) -> Iterator[Any]:
        self.pos += 1  # [
        while True:
            c = self._next_char()
            if c == "]":
                self.pos += 1
                return
            if c == ",":
                self.pos += 1
                continue
            if not c:
                raise FileRejected("The JSON array is cut off before its end.")
            self.count += 1
            yield self._value()

    def items(self) -> Iterator[Any]:
        c = self._next_char()
        if c == "[":
            yield from self._array()
            return
        if c != "{":
            raise FileRejected("The file is not a JSON array or object.")
        self.pos += 1
        while True:
            c = self._next_char()
            if c == "}" or not c:
                return
            if c == ",":
                self.pos += 1
                continue
            self._value()  # the key: "entries", "treatments", ...
            if self._next_char() != ":":
                raise FileRejected("The JSON object is not valid.")
            self.pos += 1
            if self._next_char() == "[":
                yield from self._array()
            else:
                self._value()  # a scalar or an object beside the lists: not data


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _time(obj: dict[str, Any], ctx: ParseContext, *iso_keys: str) -> dt.datetime:
    """The instant (``date`` in ms, else the first ISO field) in the phone's local offset
    (``utcOffset``, else the offset the ISO field was written with). Raises ValueError."""
    written: dt.datetime | None = None
    for key in (*iso_keys, "date"):
        raw = obj.get(key)
        if isinstance(raw, str) and raw.strip():
            try:
                written = dt.datetime.fromisoformat(raw.strip())
            except ValueError:
                continue
            break
    if written is not None and written.tzinfo is None:  # no offset written: the person's zone
        written = written.replace(tzinfo=zone(ctx.timezone))
        ctx.meta["timezone"] = ctx.timezone
    ms = obj.get("date")
    t = written
    if isinstance(ms, int | float) and not isinstance(ms, bool):
        try:
            t = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"date {ms!r} is not a time in milliseconds") from None
    if t is None:
        raise ValueError("no valid time (date, dateString or created_at)")
    offset = obj.get("utcOffset")
    if isinstance(offset, int | float) and not isinstance(offset, bool) and abs(offset) < 24 * 60:
        return t.astimezone(dt.timezone(dt.timedelta(minutes=offset)))
    return t.astimezone(written.tzinfo) if written is not None else t


def _ids(obj: dict[str, Any]) -> dict[str, str]:
    raw = obj.get("_id") or obj.get("identifier")
    if isinstance(raw, dict):  # mongoexport's {"$oid": "..."}
        raw = raw.get("$oid")
    return {"external_id": raw[:128]} if isinstance(raw, str) and raw else {}


@dataclasses.dataclass(slots=True)
class _Tally:
    skipped: Counter[str] = dataclasses.field(default_factory=Counter)
    devices: Counter[str] = dataclasses.field(default_factory=Counter)  # entries' CGM/uploader
    uploaders: Counter[str] = dataclasses.field(default_factory=Counter)  # treatments' enteredBy


def _item(obj: Any, n: int, ctx: ParseContext, tally: _Tally) -> Iterator[Record | Problem]:
    if not isinstance(obj, dict):
        yield Problem(n, "item is not a JSON object")
    elif "eventType" in obj:
        if isinstance(obj.get("enteredBy"), str) and obj["enteredBy"]:
            tally.uploaders[obj["enteredBy"][:64]] += 1
        yield from _treatment(obj, n, ctx, tally.skipped)
    elif obj.get("type") in ("sgv", "mbg") or "sgv" in obj:
        yield from _entry(obj, n, ctx, tally)
    else:
        tally.skipped[str(obj.get("type") or "other")[:20]] += 1  # cal, devicestatus, profile ...


def _entry(
    obj: dict[str, Any], n: int, ctx: ParseContext, tally: _Tally
) -> Iterator[Record | Problem]:
    meter = obj.get("type") == "mbg"
    value = _number(obj.get("mbg" if meter else "sgv"))
    if value is None:
        yield Problem(n, f"{'mbg' if meter else 'sgv'} is not a number", "glucose")
        return
    if not meter and value < 39:
        tally.skipped["sensor error code"] += 1
        return
    try:
        t = _time(obj, ctx, "dateString", "sysTime")
    except ValueError as exc:
        yield Problem(n, str(exc), "glucose")
        return
    item: dict[str, Any] = {
        "timestamp": t.isoformat(),
        "value": "Low" if not meter and value == 39 else value,
        "unit": "mg/dL",
        "kind": "meter" if meter else "cgm",
        "source": SOURCE,
        **_ids(obj),
    }
    direction = obj.get("direction")
    trend = _TRENDS.get(direction) if isinstance(direction, str) else None
    if trend and not meter:
        item["trend"] = trend
    device = obj.get("device")
    if isinstance(device, str) and device:
        item["device"] = device[:64]
        tally.devices[device[:64]] += 1
    yield Record("glucose", n, item)


def _treatment(
    obj: dict[str, Any], n: int, ctx: ParseContext, skipped: Counter[str]
) -> Iterator[Record | Problem]:
    if obj.get("eventType") == "Temp Basal":
        skipped["Temp Basal"] += 1
        return
    try:
        t = _time(obj, ctx, "created_at", "timestamp", "eventTime")
    except ValueError as exc:
        kind: RecordType | None = (
            "insulin" if obj.get("insulin") else "meal" if obj.get("carbs") else None
        )
        yield Problem(n, str(exc), kind)
        return
    records, skip = treatment_records(obj, t, SOURCE)
    if skip:
        skipped[skip] += 1
    for kind, item in records:
        yield Record(kind, n, item)


def treatment_records(
    obj: dict[str, Any], t: dt.datetime, source: str
) -> tuple[list[tuple[RecordType, dict[str, Any]]], str | None]:
    """What one treatment at instant ``t`` becomes (the rules in the module docstring), as
    (record type, bulk item) pairs with ``source`` and the treatment's ``_id`` as external_id;
    with nothing, the reason (its eventType). The live Nightscout API (integrations/nightscout
    /treatments.py) uses the same rules."""
    event = str(obj.get("eventType") or "")
    if event == "Temp Basal":
        return [], "Temp Basal"
    base = {"timestamp": t.isoformat(), "source": source, **_ids(obj)}
    out: list[tuple[RecordType, dict[str, Any]]] = []
    insulin = _number(obj.get("insulin"))
    if insulin:
        out.append(("insulin", {**base, "units": insulin, "kind": "bolus"}))
    carbs = _number(obj.get("carbs"))
    if carbs:
        meal: dict[str, Any] = {**base, "carbs_g": carbs}
        for key, field in (("protein", "protein_g"), ("fat", "fat_g")):
            if (amount := _number(obj.get(key))) is not None:
                meal[field] = amount
        if isinstance(obj.get("notes"), str) and obj["notes"].strip():
            meal["description"] = obj["notes"].strip()[:500]
        out.append(("meal", meal))
    glucose = _number(obj.get("glucose"))
    finger = obj.get("glucoseType") == "Finger" or (
        event == "BG Check" and obj.get("glucoseType") != "Sensor"
    )
    if glucose and finger:
        units = "mmol/L" if str(obj.get("units", "")).lower().startswith("mmol") else "mg/dL"
        out.append(("glucose", {**base, "value": glucose, "unit": units, "kind": "meter"}))
    duration = _number(obj.get("duration"))
    if event == "Exercise" and duration and duration > 0:
        end = t + dt.timedelta(minutes=duration)
        activity = {"start": t.isoformat(), "end": end.isoformat(), "activity_type": "exercise"}
        out.append(("activity", {**activity, "source": source, **_ids(obj)}))
    return out, None if out else (event[:40] or "treatment")
