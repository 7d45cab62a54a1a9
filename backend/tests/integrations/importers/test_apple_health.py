"""Apple Health export.xml parser.

Where the fixture's shape comes from (fixtures/apple_health_export.xml):
- the DOCTYPE of "HealthKit Export Version: 14" and the Record/Workout/Correlation shapes as
  documented in github.com/neiltron/apple-health-mcp pull 27 (the inline DTD of a real
  export, WorkoutStatistics children, the ``mmol<180.1558800000541>/L`` unit) and
  github.com/artxgj/apple_health (README: the export's XML structure);
- ``HKInsulinDeliveryReason`` 1 basal / 2 bolus as Loop writes it:
  github.com/LoopKit/LoopKit InsulinKit/HKQuantitySample+InsulinKit.swift;
- the sleep values from HealthKit's headers (HKCategoryValueSleepAnalysis*, iOS SDK
  HKTypeIdentifiers.h / HKCategoryValues.h);
- the iOS 16 export bugs (a DTD with a missing ``>`` after ``<!ATTLIST VisionPrescription``,
  "syntax error: line 156", and U+000B in names): github.com/markwk/qs_ledger issue 23 and
  github.com/jameno/Simple-Apple-Health-XML-to-CSV pull 3.
Sources named in the fixture: "Jane’s Apple Watch", "Jane’s iPhone", "Dexcom G7",
"Contour Diabetes" (a meter app, mmol/L), "Health Sync" (15-minute readings from an unnamed
app), "MyFitnessPal", "Cronometer", "Loop", "Insulin Log", "AutoSleep", "Strava".
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tracemalloc
import types
import uuid
from pathlib import Path

import pytest

from glucolens.integrations.importers import apple_health
from glucolens.integrations.importers.base import FileRejected, ParseContext, Problem, Record
from glucolens.lifestyle.schemas import ActivityIn, MealIn, SleepIn
from glucolens.readings.schemas import InsulinIn
from glucolens.readings.validation import glucose_row
from tests.integrations.importers.test_import_jobs import upload, wait

FIXTURES = Path(__file__).parent / "fixtures"
EXPORT = (FIXTURES / "apple_health_export.xml").read_bytes()
HEAD = EXPORT[: EXPORT.index(b"<HealthData")]


def parse(data: bytes) -> tuple[list[Record], list[Problem], ParseContext]:
    ctx = ParseContext(timezone="Europe/Berlin")
    rows = list(apple_health.parse(io.BytesIO(data), ctx))
    return (
        [r for r in rows if isinstance(r, Record)],
        [r for r in rows if isinstance(r, Problem)],
        ctx,
    )


def of(records: list[Record], type_: str) -> list[dict]:
    return [r.item for r in records if r.type == type_]


def document(body: str) -> bytes:
    return HEAD + f'<HealthData locale="en_GB">\n{body}\n</HealthData>\n'.encode()


def glucose_record(source: str, when: str, value: str, unit: str = "mg/dL") -> str:
    return (
        f'<Record type="HKQuantityTypeIdentifierBloodGlucose" sourceName="{source}" '
        f'unit="{unit}" startDate="{when}" endDate="{when}" value="{value}"/>'
    )


def _laughs() -> bytes:
    """The classic entity bomb: nine levels of ten references, 10^9 "lol"s if expanded."""
    levels = [' <!ENTITY lol0 "lol">']
    for i in range(1, 10):
        levels.append(f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    dtd = "\n".join(["<!DOCTYPE HealthData [", *levels, "]>"])
    return f'<?xml version="1.0"?>\n{dtd}\n<HealthData>&lol9;</HealthData>\n'.encode()


BILLION_LAUGHS = _laughs()


@pytest.fixture(scope="module")
def parsed():
    return parse(EXPORT)


def test_glucose_kinds_units_and_devices(parsed):
    records, _, _ = parsed
    glucose = of(records, "glucose")
    by_device: dict[str, list[dict]] = {}
    for g in glucose:
        assert g["source"] == "apple_health"
        by_device.setdefault(g["device"], []).append(g)
    dexcom = by_device["Dexcom G7"]
    assert [g["value"] for g in dexcom] == [112.0, 115.0, 121.0, 130.0]
    assert {(g["kind"], g["period_min"], g["unit"]) for g in dexcom} == {("cgm", 5, "mg/dL")}
    assert dexcom[0]["timestamp"] == "2024-03-12T07:00:00+01:00"  # the file's own offset
    meter = by_device["Contour Diabetes"]  # Apple's "mmol<180.1558800000541>/L"
    assert [(g["value"], g["unit"], g["kind"]) for g in meter] == [
        (6.3, "mmol/L", "meter"),
        (8.9, "mmol/L", "meter"),
        (7.1, "mmol/L", "meter"),
    ]
    assert all("period_min" not in g for g in meter)
    # An app not known as a CGM that writes every 15 minutes is a sensor all the same.
    sync = by_device["Health Sync"]
    assert [(g["kind"], g["period_min"]) for g in sync] == [("cgm", 15)] * 4


def test_named_cgm_app_is_cgm_even_when_sparse_and_unknown_sparse_app_is_meter():
    body = "\n".join(
        [
            glucose_record("FreeStyle LibreLink", "2024-03-12 08:00:00 +0100", "101"),
            glucose_record("FreeStyle LibreLink", "2024-03-12 11:00:00 +0100", "140"),
            *(
                glucose_record("One Drop", f"2024-03-12 {h:02d}:00:00 +0100", "120")
                for h in range(6, 22, 2)
            ),
        ]
    )
    records, problems, _ = parse(document(body))
    assert problems == []
    kinds = {(g["device"], g["kind"]) for g in of(records, "glucose")}
    assert kinds == {("FreeStyle LibreLink", "cgm"), ("One Drop", "meter")}


def test_many_readings_of_one_source_are_decided_from_the_first_and_keep_order():
    body = "\n".join(
        glucose_record("Guardian Connect", f"2024-03-12 {m // 60:02d}:{m % 60:02d}:00 +0100", "99")
        for m in range(0, 600, 5)
    )
    records, _, _ = parse(document(body))
    glucose = of(records, "glucose")
    assert len(glucose) == 120
    assert [g["timestamp"] for g in glucose] == sorted(g["timestamp"] for g in glucose)
    assert {(g["kind"], g["period_min"]) for g in glucose} == {("cgm", 5)}


def test_meal_adds_one_apps_samples_of_an_instant_and_keeps_one_app(parsed):
    records, _, _ = parsed
    meals = of(records, "meal")
    # MyFitnessPal wrote 30 g + 25.5 g at 12:30 (one sample per food), with protein and
    # 2092 kJ; Loop wrote 50 g at the same instant (the same meal: not added); the copy
    # inside the Food correlation is not counted again; Cronometer's protein alone is no meal.
    assert meals == [
        {
            "timestamp": "2024-03-12T12:30:00+01:00",
            "source": "apple_health",
            "carbs_g": 55.5,
            "protein_g": 21.0,
            "kcal": 500.0,
        },
        {"timestamp": "2024-03-12T19:00:00+01:00", "source": "apple_health", "carbs_g": 40.0},
    ]


def test_insulin_reasons(parsed):
    records, problems, _ = parsed
    assert of(records, "insulin") == [
        {
            "timestamp": "2024-03-12T12:30:00+01:00",
            "units": 5.5,
            "kind": "bolus",
            "source": "apple_health",
        },
        {
            "timestamp": "2024-03-12T13:00:00+01:00",
            "units": 0.45,
            "kind": "basal",
            "source": "apple_health",
        },
    ]
    no_reason = [p for p in problems if p.type == "insulin"]
    assert len(no_reason) == 1 and "basal (1) or bolus (2)" in no_reason[0].reason
    assert EXPORT.splitlines()[no_reason[0].line - 1].count(b'sourceName="Insulin Log"') == 1


def test_zero_unit_basal_is_no_delivery():
    zero = (
        '<Record type="HKQuantityTypeIdentifierInsulinDelivery" sourceName="Loop" unit="IU" '
        'startDate="2024-03-12 13:00:00 +0100" endDate="2024-03-12 13:30:00 +0100" value="0">'
        '<MetadataEntry key="HKInsulinDeliveryReason" value="1"/></Record>'
    )
    assert parse(document(zero))[:2] == ([], [])


def test_one_source_per_night_with_unions_of_stages(parsed):
    records, _, _ = parsed
    first, *rest = of(records, "sleep")
    # The Watch (stages) tells the night, not AutoSleep (450 min "Asleep") and not the sum;
    # its two overlapping Core samples count once (23:10-01:00 is 110 min, not 120); the
    # in-bed time comes from the iPhone, the only source that wrote it.
    assert first == {
        "start": "2024-03-11T23:00:00+01:00",
        "end": "2024-03-12T07:10:00+01:00",
        "in_bed_min": 490.0,
        "asleep_min": 460.0,
        "awake_min": 10.0,
        "deep_min": 45.0,
        "core_min": 340.0,
        "rem_min": 75.0,
        "source": "apple_health",
    }
    # AutoSleep alone the next night, with a gap of 3.5 h: two sessions.
    assert rest == [
        {
            "start": "2024-03-12T23:00:00+01:00",
            "end": "2024-03-13T02:00:00+01:00",
            "asleep_min": 180.0,
            "source": "apple_health",
        },
        {
            "start": "2024-03-13T05:30:00+01:00",
            "end": "2024-03-13T07:00:00+01:00",
            "asleep_min": 90.0,
            "source": "apple_health",
        },
    ]


def test_nights_do_not_depend_on_record_order(parsed):
    sleep = re.compile(
        rb' <Record type="HKCategoryTypeIdentifierSleepAnalysis"[^>]*?(?:/>|>.*?</Record>)\n', re.S
    )
    records = sleep.findall(EXPORT)
    assert len(records) == 12
    moved = sleep.sub(b"", EXPORT).replace(
        b"</HealthData>", b"".join(reversed(records)) + b"</HealthData>"
    )
    again, _, _ = parse(moved)
    assert of(again, "sleep") == of(parsed[0], "sleep")


def test_workouts_old_attributes_and_new_statistics(parsed):
    records, _, _ = parsed
    workouts = [a for a in of(records, "activity") if a["activity_type"] != "steps"]
    assert workouts == [
        {
            "start": "2024-03-11T18:00:00+01:00",
            "end": "2024-03-11T18:45:00+01:00",
            "activity_type": "cycling",
            "source": "apple_health",
            "kcal": 250.0,  # totalEnergyBurned attribute (before iOS 16)
        },
        {
            "start": "2024-03-12T18:00:00+01:00",
            "end": "2024-03-12T18:30:30+01:00",
            "activity_type": "traditional_strength_training",
            "source": "apple_health",
            "kcal": 342.5,  # WorkoutStatistics ActiveEnergyBurned sum, "Cal" = kcal
            "avg_hr": 128.4,
        },
    ]


def test_steps_per_hour_from_the_app_with_most_steps(parsed):
    records, _, _ = parsed
    steps = [a for a in of(records, "activity") if a["activity_type"] == "steps"]
    # 08:00-09:00: Watch 300 + 200 = 500 against the iPhone's 450 (the same walk): 500.
    assert steps == [
        {
            "start": "2024-03-12T08:00:00+01:00",
            "end": "2024-03-12T09:00:00+01:00",
            "activity_type": "steps",
            "steps": 500,
            "source": "apple_health",
        },
        {
            "start": "2024-03-12T09:00:00+01:00",
            "end": "2024-03-12T10:00:00+01:00",
            "activity_type": "steps",
            "steps": 120,
            "source": "apple_health",
        },
    ]


def test_rows_it_cannot_read_are_problems_with_their_line(parsed):
    _, problems, _ = parsed
    reasons = {(p.type, p.reason.split(" ")[0]) for p in problems}
    assert reasons == {("glucose", "glucose"), ("insulin", "insulin"), ("sleep", "unknown")}
    lines = EXPORT.splitlines()
    glucose_problem = next(p for p in problems if p.type == "glucose")
    assert b'value="lots"' in lines[glucose_problem.line - 1]


def test_every_item_passes_the_api_validators(parsed):
    records, _, _ = parsed
    user = types.SimpleNamespace(id=uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    models = {"insulin": InsulinIn, "meal": MealIn, "sleep": SleepIn, "activity": ActivityIn}
    for r in records:
        if r.type == "glucose":
            row = glucose_row(dict(r.item), user, now)  # type: ignore[arg-type]
            assert 20 <= row["value_mgdl"] <= 600
        else:
            models[r.type].model_validate(r.item)


def test_same_file_gives_identical_rows(parsed):
    again, _, _ = parse(EXPORT)
    assert [(r.type, r.item) for r in again] == [(r.type, r.item) for r in parsed[0]]


def test_meta_names_the_apps(parsed):
    _, _, ctx = parsed
    assert ctx.meta["timezone"] == "from file"
    assert ctx.meta["unit"] == "mg/dL, mmol/L"
    assert ctx.meta["device"] == "Contour Diabetes, Dexcom G7, Health Sync"
    assert {"Dexcom G7", "Jane’s Apple Watch", "AutoSleep", "Strava"} <= set(ctx.meta["sources"])
    assert ctx.meta["export_date"] == "2024-03-14 09:12:44 +0100"


def test_ios16_export_with_broken_dtd_and_control_characters_is_read():
    broken = EXPORT.replace(
        b"  brand            CDATA #IMPLIED\n>", b"  brand            CDATA #IMPLIED\n", 1
    ).replace(b'sourceName="Dexcom G7"', b'sourceName="Dexcom\x0bG7"')
    assert broken != EXPORT
    records, _, _ = parse(broken)
    assert len(of(records, "glucose")) == 11


def test_cut_off_export_keeps_what_was_read():
    cut = EXPORT[: EXPORT.index(b"<Record", EXPORT.index(b"HKCategoryValueSleepAnalysisAsleepREM"))]
    records, problems, _ = parse(cut + b"<Rec")
    assert "cut-off" in problems[-1].reason
    assert len(of(records, "glucose")) == 11
    assert of(records, "sleep")  # the nights read so far are still built


@pytest.mark.parametrize(
    ("name", "doc"),
    [
        (
            "billion laughs",
            BILLION_LAUGHS,
        ),
        (
            "XXE",
            b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n'
            b' <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
            b'<HealthData locale="en"><Record type="HKQuantityTypeIdentifierBloodGlucose" '
            b'sourceName="&xxe;" unit="mg/dL" startDate="2024-03-12 08:00:00 +0100" '
            b'endDate="2024-03-12 08:00:00 +0100" value="100"/></HealthData>\n',
        ),
        (
            "external DTD",
            b'<?xml version="1.0"?>\n<!DOCTYPE HealthData SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
            b'<HealthData locale="en"/>\n',
        ),
        (
            "parameter entity",
            b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n'
            b' <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">\n %remote;\n]>\n'
            b'<HealthData locale="en"/>\n',
        ),
        (
            "entity after a fake end inside a comment",
            b'<?xml version="1.0"?>\n<!DOCTYPE HealthData [ <!-- ]> -->\n'
            b' <!ENTITY a "aaaa">\n]>\n<HealthData locale="en">&a;</HealthData>\n',
        ),
        (
            "undeclared entity",
            b'<?xml version="1.0"?>\n<HealthData locale="en">&a;</HealthData>\n',
        ),
        (
            "second DOCTYPE",
            b'<?xml version="1.0"?>\n<!-- <x> -->\n<!DOCTYPE HealthData [ <!ENTITY a "b"> ]>\n'
            b'<HealthData locale="en">&a;</HealthData>\n',
        ),
    ],
)
def test_unsafe_xml_is_refused(name, doc):
    with pytest.raises(FileRejected):
        parse(doc)


def test_other_xml_is_not_an_apple_export():
    gpx = b'<?xml version="1.0"?>\n<gpx version="1.1"><trk/></gpx>\n'
    with pytest.raises(FileRejected, match="not an Apple Health export"):
        parse(gpx)


def test_memory_stays_flat_no_tree_is_built(tmp_path):
    """40,000 records (~13 MB): a parser that kept elements would hold tens of MB."""
    watch = 'sourceName="Jane’s Apple Watch" sourceVersion="10.3"'
    lines = []
    for i in range(20_000):
        t = f"2024-03-12 {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} +0100"
        lines.append(
            f'<Record type="HKQuantityTypeIdentifierHeartRate" {watch} unit="count/min" '
            f'creationDate="{t}" startDate="{t}" endDate="{t}" value="71">\n'
            '<MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n</Record>'
        )
        lines.append(
            f'<Record type="HKQuantityTypeIdentifierDistanceWalkingRunning" {watch} unit="km" '
            f'creationDate="{t}" startDate="{t}" endDate="{t}" value="0.01"/>'
        )
    path = tmp_path / "export.xml"
    path.write_bytes(document("\n".join(lines)))
    assert path.stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            rows = list(apple_health.parse(f, ParseContext(timezone="UTC")))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == []
    assert peak < 6 * 1024 * 1024, peak


def test_sniff_is_true_for_exports_only():
    assert apple_health.sniff(EXPORT[: 64 * 1024])
    assert apple_health.sniff(b"\xef\xbb\xbf" + EXPORT[:4096])  # a BOM, DOCTYPE in the head
    assert apple_health.sniff(b'<?xml version="1.0"?>\n<HealthData locale="en_US">')
    for other in (
        b"Index,Timestamp (YYYY-MM-DDThh:mm:ss),Event Type,Event Subtype,Patient Info\n",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b'[{"_id":"5f1a","type":"sgv","sgv":120,"date":1710226800000}]',
        b'<?xml version="1.0"?>\n<gpx version="1.1" creator="Apple Health Export"/>',
        b'<?xml version="1.0"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"/>',  # export_cda.xml
        b"",
    ):
        assert not apple_health.sniff(other), other[:30]


def test_import_job_writes_every_row_and_a_second_export_adds_nothing(
    client, make_user, auth_headers
):
    """Through POST /api/v1/imports: Apple's rows have no ids, so (source, time) must repeat
    exactly for a later export of the same data (here: the same file, one byte longer)."""
    headers = auth_headers(make_user(timezone="Europe/Berlin"))
    expected = {"glucose": 11, "insulin": 2, "meal": 2, "sleep": 3, "activity": 4}
    for attempt, data in enumerate((EXPORT, EXPORT + b"\n")):
        r = upload(client, headers, data, "export.xml")
        assert r.status_code == 202, r.text
        job = wait(client, headers, r.json()["id"], until=("done", "failed"))
        assert (job["status"], job["format"]) == ("done", "apple_health"), job
        counts = job["progress"]["counts"]
        key = "inserted" if attempt == 0 else "duplicates"
        assert {t: counts[t][key] for t in expected} == expected, counts
        assert job["rejected_total"] == 3
