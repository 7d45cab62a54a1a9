"""Nightscout JSON parser (entries.json, treatments.json, or an object with both).

Where the fixtures' shapes come from (fixtures/nightscout_entries.json, _treatments.json):
- github.com/nightscout/cgm-remote-monitor lib/server/entries.js (``date`` ms, ``dateString``
  normalised to ``sysTime``, ``utcOffset`` in minutes, types sgv/mbg/cal), lib/server/
  treatments.js (``created_at`` stored as UTC ISO with ``utcOffset``; ``insulin``, ``carbs``,
  ``glucose``/``glucoseType``/``units``, ``duration``) and lib/server/swagger.yaml (Entry and
  Treatment schemas: ``direction``, ``noise``, ``filtered``; units "mg/dl or mmol");
- the uploaders: xDrip (github.com/NightscoutFoundation/xDrip, utilitymodels/
  NightscoutUploader.java: device "xDrip-DexcomG6", filtered/unfiltered/rssi/noise),
  AndroidAPS (SMB corrections with ``isSMB``/``pumpId``, "Temp Basal" with rate/absolute/
  percent/duration) and Loop (NightscoutUploadKit CarbCorrectionNightscoutTreatment:
  ``timestamp`` in UTC, ``syncIdentifier``, "loop://iPhone" as enteredBy). Sensor error
  codes below 39 (5 is "?NC") and 39 = "LOW" are Dexcom's special values as Nightscout shows
  them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tracemalloc
import types
import uuid
from pathlib import Path

import pytest

from glucolens.integrations.importers import nightscout
from glucolens.integrations.importers.base import FileRejected, ParseContext, Problem, Record
from glucolens.lifestyle.schemas import ActivityIn, MealIn
from glucolens.readings.schemas import InsulinIn
from glucolens.readings.validation import glucose_row
from tests.integrations.importers.test_import_jobs import upload, wait

FIXTURES = Path(__file__).parent / "fixtures"
ENTRIES = (FIXTURES / "nightscout_entries.json").read_bytes()
TREATMENTS = (FIXTURES / "nightscout_treatments.json").read_bytes()


def parse(data: bytes, tz: str = "Europe/Berlin"):
    ctx = ParseContext(timezone=tz)
    rows = list(nightscout.parse(io.BytesIO(data), ctx))
    records = [r for r in rows if isinstance(r, Record)]
    return records, [r for r in rows if isinstance(r, Problem)], ctx


def test_entries():
    records, problems, ctx = parse(ENTRIES)
    assert [(r.line, r.type) for r in records] == [
        (1, "glucose"),
        (3, "glucose"),
        (4, "glucose"),
        (5, "glucose"),
        (7, "glucose"),
    ]
    low, rising, flat, meter, share = (r.item for r in records)
    assert low == {
        "timestamp": "2024-03-12T08:15:00+01:00",  # date 07:15Z with utcOffset 60
        "value": "Low",  # sgv 39 is the sensor's LOW
        "unit": "mg/dL",
        "kind": "cgm",
        "source": "nightscout",
        "external_id": "65f00f70c4b1a20a8b6d0001",
        "trend": "singleDown",
        "device": "xDrip-DexcomG6",
    }
    assert (rising["value"], rising["trend"]) == (118.0, "fortyFiveUp")
    assert (flat["timestamp"], flat["trend"]) == ("2024-03-12T08:00:00+01:00", "flat")
    assert (meter["kind"], meter["value"], "trend" in meter) == ("meter", 124.0, False)
    # No utcOffset and no date: the offset written in dateString is kept.
    assert (share["timestamp"], share["device"]) == ("2024-03-12T08:20:00+01:00", "share2")
    assert [(p.line, p.type, p.reason) for p in problems] == [(8, "glucose", "sgv is not a number")]
    assert ctx.meta["skipped"] == {"sensor error code": 1, "cal": 1}
    assert ctx.meta["device"] == "xDrip-DexcomG6"
    assert ctx.meta["timezone"] == "from file"


def test_treatments():
    records, problems, ctx = parse(TREATMENTS)
    got = [(r.line, r.type, r.item) for r in records]

    def row(line: int, type_: str, at: str, **fields: object) -> tuple:
        ids = {"external_id": f"65f0a1b2c3d4e5f6000000{line:02d}"}
        return (
            line,
            type_,
            {"timestamp": f"2024-03-12T{at}", "source": "nightscout", **ids, **fields},
        )

    exercise = {"start": "2024-03-12T18:30:00+01:00", "end": "2024-03-12T19:15:00+01:00"}
    assert got == [
        row(1, "insulin", "12:30:00+01:00", units=5.5, kind="bolus"),
        row(1, "meal", "12:30:00+01:00", carbs_g=55.0, protein_g=20.0, fat_g=10.0,
            description="Pasta"),
        row(2, "insulin", "13:10:00+01:00", units=0.4, kind="bolus"),
        row(4, "meal", "15:40:00+00:00", carbs_g=15.0),  # Loop: no utcOffset, UTC kept
        row(5, "glucose", "18:00:00+01:00", value=6.8, unit="mmol/L", kind="meter"),
        (6, "activity", {**exercise, "activity_type": "exercise", "source": "nightscout",
                         "external_id": "65f0a1b2c3d4e5f600000006"}),
        row(9, "insulin", "20:00:00+01:00", units=1.5, kind="bolus"),  # numbers as strings
        row(9, "meal", "20:00:00+01:00", carbs_g=12.0),
    ]  # fmt: skip
    # The Meal Bolus's sensor glucose is not a meter reading; the temp basal is skipped.
    assert [(p.line, p.type) for p in problems] == [(10, "insulin")]
    assert ctx.meta["skipped"] == {"Temp Basal": 1, "Note": 1, "Site Change": 1}
    assert ctx.meta["device"] == "openaps://AndroidAPS"  # the most frequent enteredBy


def test_object_with_both_lists_and_other_keys():
    bundle = (
        b'{"status": {"version": "15.0.2"}, "entries": '
        + ENTRIES
        + b', "devicestatus": [{"device": "openaps://phone", "created_at": "2024-03-12T07:00Z"}],'
        + b' "treatments": '
        + TREATMENTS
        + b"}"
    )
    records, problems, ctx = parse(bundle)
    assert sum(r.type == "glucose" for r in records) == 6
    assert sum(r.type == "insulin" for r in records) == 3
    assert len(problems) == 2
    assert ctx.meta["skipped"]["Temp Basal"] == 1


def test_chunk_boundaries_anywhere_give_the_same_rows(monkeypatch):
    notes = [{"_id": "a1", "eventType": "Carb Correction", "carbs": 12, "notes": "crème brûlée",
              "created_at": "2024-03-12T15:40:00.000Z", "utcOffset": 60}]  # fmt: skip
    data = json.dumps(json.loads(ENTRIES) + notes, ensure_ascii=False).encode()
    expected = parse(data)[0]
    for chunk in (1, 2, 3, 7, 64):
        monkeypatch.setattr(nightscout, "CHUNK", chunk)
        assert parse(data)[0] == expected, chunk
    assert expected[-1].item["description"] == "crème brûlée"


def test_large_arrays_are_streamed(tmp_path):
    start = 1_710_226_800_000
    items = (
        {"_id": f"{i:024x}", "device": "xDrip-LibreReceiver", "date": start - i * 60_000,
         "sgv": 100 + i % 50, "direction": "Flat", "type": "sgv", "utcOffset": 60}
        for i in range(30_000)
    )  # fmt: skip
    path = tmp_path / "entries.json"
    with path.open("w") as f:
        f.write("[" + ",\n".join(json.dumps(i) for i in items) + "]")
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            count = sum(1 for r in nightscout.parse(f, ParseContext(timezone="UTC")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 30_000
    assert peak < 4 * 1024 * 1024, peak


def test_naive_times_are_read_in_the_persons_zone():
    data = b'[{"_id": "x1", "type": "sgv", "sgv": 150, "dateString": "2024-07-01T08:00:00"}]'
    records, _, ctx = parse(data, tz="Europe/Berlin")
    assert records[0].item["timestamp"] == "2024-07-01T08:00:00+02:00"
    assert ctx.meta["timezone"] == "Europe/Berlin"


def test_mongoexport_ids():
    data = b'[{"_id": {"$oid": "65f00f70c4b1a20a8b6d0009"}, "sgv": 99, "date": 1710226800000}]'
    records, _, _ = parse(data)
    assert records[0].item["external_id"] == "65f00f70c4b1a20a8b6d0009"
    assert records[0].item["timestamp"] == "2024-03-12T07:00:00+00:00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ENTRIES[:-40], "cut off"),
        (b"[]", "no Nightscout entries"),
        (b'"sgv"', "not a JSON array or object"),
        (b'[{"sgv": 1' + b" " * (nightscout.MAX_ITEM_CHARS + 10), "larger than 1 MiB"),
        (b'[{"sgv": "\xff\xfe"}]', "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused(data, message):
    with pytest.raises(FileRejected, match=message):
        parse(data)


def test_every_item_passes_the_api_validators():
    user = types.SimpleNamespace(id=uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    models = {"insulin": InsulinIn, "meal": MealIn, "activity": ActivityIn}
    for data in (ENTRIES, TREATMENTS):
        for r in parse(data)[0]:
            if r.type == "glucose":
                glucose_row(dict(r.item), user, now)  # type: ignore[arg-type]
            else:
                models[r.type].model_validate(r.item)


def test_sniff():
    assert nightscout.sniff(ENTRIES[:65536])
    assert nightscout.sniff(TREATMENTS)
    assert nightscout.sniff(b'\xef\xbb\xbf{"entries": [{"type": "mbg", "mbg": 120}]}')
    apple = (FIXTURES / "apple_health_export.xml").read_bytes()
    for other in (
        apple[:65536],
        b"Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info\n",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b'{"glucose": [{"timestamp": "2024-03-12T07:00:00Z", "value": 120}]}',
        b"timestamp,value\n2024-03-12T07:00:00Z,120\n",
        b"",
    ):
        assert not nightscout.sniff(other), other[:30]


def test_import_job_keys_rows_by_id(client, make_user, auth_headers):
    """Through POST /api/v1/imports: entries then treatments; the same dump again adds nothing."""
    headers = auth_headers(make_user(timezone="Europe/Berlin"))
    expected = {"glucose": 6, "insulin": 3, "meal": 3, "activity": 1}
    bundle = b'{"entries": ' + ENTRIES + b', "treatments": ' + TREATMENTS + b"}"
    for attempt in range(2):
        r = upload(client, headers, bundle + b" " * attempt, "ns.json")
        assert r.status_code == 202, r.text
        job = wait(client, headers, r.json()["id"], until=("done", "failed"))
        assert (job["status"], job["format"]) == ("done", "nightscout"), job
        counts = job["progress"]["counts"]
        key = "inserted" if attempt == 0 else "duplicates"
        assert {t: counts[t][key] for t in expected} == expected, counts
