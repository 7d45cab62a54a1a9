"""File imports: parser throughput and peak memory on large, realistic files.

Run: .venv/bin/python bench/imports.py [apple] [files] [history] [--size-mb 1024] [--keep DIR]
     [--db sqlite,postgres]

Sections (all when none is named):

- ``files``: a one-year Dexcom Clarity export (105,120 EGV rows plus calibrations, carbs,
  insulin, exercise) and a one-year LibreView export (35,040 history rows plus scans, strips,
  insulin, food) uploaded to ``POST /api/v1/imports`` of a real ``glucolens serve``, polled
  as the web page polls, until done: seconds end to end. Target: under 5 s each. Baseline in
  the same run and database: the same number of readings sent as JSON to
  ``POST /api/v1/glucose/bulk`` in 100,000-row batches.
- ``history``: five years of 5-minute CGM history (525,888 readings, a Clarity export)
  through the same endpoint, with how many distinct progress values the poller saw; the
  same baseline.

- ``apple``: a generated Apple Health export.xml of ``--size-mb`` (default 1024) with the
  real DOCTYPE and a realistic mix per day: step counts from the Watch and the iPhone, heart
  rate with motion-context metadata, active/basal energy and distance (ignored types),
  HRV with beat lists, 5-minute Dexcom glucose, meter glucose in mmol/L, Watch sleep stages
  with iPhone in-bed and AutoSleep nights, a workout with WorkoutStatistics, carbs and
  insulin. It is parsed by ``integrations/importers/apple_health.py`` and, side by side, by
  a bare ``xml.etree.ElementTree.iterparse`` pass that only counts ``<Record>`` elements
  (clearing the tree as it goes). Each runs in a child process; its peak RSS is that
  child's ``ru_maxrss`` (``os.wait4``). Targets: >= 50,000 records/s, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
TARGET_RECORDS_PER_S = 50_000
TARGET_RSS_MB = 300

# -- Apple Health ---------------------------------------------------------------------

# The DOCTYPE of a real export (HealthKit Export Version 14), abridged to the elements used.
APPLE_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth                   CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex                 CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType                     CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType           CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse   CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  device                CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutEvent ((MetadataEntry)*)>
<!ATTLIST WorkoutEvent
  type         CDATA #REQUIRED
  date         CDATA #REQUIRED
  duration     CDATA #IMPLIED
  durationUnit CDATA #IMPLIED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  average   CDATA #IMPLIED
  minimum   CDATA #IMPLIED
  maximum   CDATA #IMPLIED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference)*)>
<!ATTLIST WorkoutRoute
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference
  path CDATA #REQUIRED
>
]>
<HealthData locale="en_GB">
 <ExportDate value="{export}"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1985-04-02" \
HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale" \
HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet" \
HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet" \
HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>
"""
Q = "HKQuantityTypeIdentifier"
WATCH = (
    'sourceName="Jane’s Apple Watch" sourceVersion="10.4" device="&lt;&lt;HKDevice: '
    "0x283a5c3c0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
    'hardware:Watch6,2, software:10.4, creation date:2024-03-05 19:37:04 +0000&gt;"'
)
PHONE = (
    'sourceName="Jane’s iPhone" sourceVersion="17.4" device="&lt;&lt;HKDevice: '
    "0x283a5c230&gt;, name:iPhone, manufacturer:Apple Inc., model:iPhone, "
    'hardware:iPhone14,5, software:17.4&gt;"'
)
DEXCOM = 'sourceName="Dexcom G7" sourceVersion="2.3.1"'
METER = 'sourceName="Contour Diabetes" sourceVersion="3.5"'
LOOP = 'sourceName="Loop" sourceVersion="3.2"'
AUTOSLEEP = 'sourceName="AutoSleep" sourceVersion="6.8"'
BERLIN = ZoneInfo("Europe/Berlin")


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S %z")


def _record(kind: str, src: str, unit: str, value: object, a: str, b: str, tail: str = "") -> str:
    unit_attr = f' unit="{unit}"' if unit else ""
    head = (
        f' <Record type="{kind}" {src}{unit_attr} creationDate="{b}" startDate="{a}" '
        f'endDate="{b}" value="{value}"'
    )
    return f"{head}>\n{tail} </Record>\n" if tail else f"{head}/>\n"


def _workout(at, start: int, length: int, day_s: str) -> str:  # noqa: ANN001
    a, b = at(start), at(start + length)
    return (
        f' <Workout workoutActivityType="HKWorkoutActivityTypeRunning" duration="{length}" '
        f'durationUnit="min" {WATCH} creationDate="{b}" startDate="{a}" endDate="{b}">\n'
        '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n'
        f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{a}" duration="{length}" '
        'durationUnit="min"/>\n'
        f'  <WorkoutStatistics type="{Q}ActiveEnergyBurned" startDate="{a}" endDate="{b}" '
        f'sum="{length * 10.5:.1f}" unit="Cal"/>\n'
        f'  <WorkoutStatistics type="{Q}HeartRate" startDate="{a}" endDate="{b}" '
        'average="148" minimum="96" maximum="171" unit="count/min"/>\n'
        f'  <WorkoutRoute {WATCH} startDate="{a}" endDate="{b}">\n'
        f'   <FileReference path="/workout-routes/route_{day_s}_6.01pm.gpx"/>\n'
        "  </WorkoutRoute>\n </Workout>\n"
    )


def _day(day: dt.date, rng: random.Random, out: list[str]) -> int:
    """Appends one day of records (the night starting that evening included); returns the
    number of <Record> elements written."""
    base = dt.datetime.combine(day, dt.time(), BERLIN)
    prefix, offset = day.isoformat(), base.strftime(" %z")
    hms = [f"{prefix} {m // 60:02d}:{m % 60:02d}:00{offset}" for m in range(1440)]

    def at(minute: float) -> str:
        return hms[int(minute)] if minute < 1440 else _stamp(base + dt.timedelta(minutes=minute))

    n = len(out)
    hr_meta = '  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
    for m in range(0, 1440, 5):  # heart rate (ignored), the most common record with steps
        out.append(
            _record(
                f"{Q}HeartRate", WATCH, "count/min", rng.randint(55, 140), at(m), at(m), hr_meta
            )
        )
    for m in range(7 * 60, 23 * 60, 4):  # steps: the Watch every ~4 min, the iPhone every ~6
        out.append(_record(f"{Q}StepCount", WATCH, "count", rng.randint(5, 400), at(m), at(m + 3)))
    for m in range(7 * 60 + 2, 23 * 60, 6):
        out.append(_record(f"{Q}StepCount", PHONE, "count", rng.randint(5, 500), at(m), at(m + 5)))
    for m in range(0, 1440, 10):  # energy and distance (ignored)
        out.append(_record(f"{Q}ActiveEnergyBurned", WATCH, "Cal", 1.2, at(m), at(m + 1)))
        out.append(_record(f"{Q}BasalEnergyBurned", WATCH, "Cal", 1.1, at(m), at(m + 1)))
        out.append(_record(f"{Q}DistanceWalkingRunning", PHONE, "km", 0.03, at(m), at(m + 2)))
    beats = "".join(
        f'   <InstantaneousBeatsPerMinute bpm="{60 + i}" time="8:0{i}:00.00 AM"/>\n'
        for i in range(8)
    )
    hrv = f"  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n"
    for m in (90, 300, 700, 1000, 1300):  # HRV with beat lists (ignored)
        out.append(
            _record(f"{Q}HeartRateVariabilitySDNN", WATCH, "ms", 41.3, at(m), at(m + 1), hrv)
        )
    g = 120.0
    for m in range(0, 1440, 5):  # CGM every 5 minutes
        g = min(380.0, max(45.0, g + rng.gauss(0, 6)))
        out.append(_record(f"{Q}BloodGlucose", DEXCOM, "mg/dL", round(g), at(m), at(m)))
    meal_time = '  <MetadataEntry key="HKMetadataKeyBloodGlucoseMealTime" value="1"/>\n'
    for m in (420, 1260):  # fingersticks in mmol/L, as Apple writes the unit
        unit = "mmol&lt;180.1558800000541&gt;/L"
        value = round(g / 18.02, 1)
        out.append(_record(f"{Q}BloodGlucose", METER, unit, value, at(m), at(m), meal_time))
    bolus = '  <MetadataEntry key="HKInsulinDeliveryReason" value="2"/>\n'
    for m, carbs in ((450, 45), (780, 60), (960, 15), (1140, 70)):
        out.append(_record(f"{Q}DietaryCarbohydrates", LOOP, "g", carbs, at(m), at(m)))
        out.append(_record(f"{Q}InsulinDelivery", LOOP, "IU", carbs / 10, at(m), at(m), bolus))
    basal = '  <MetadataEntry key="HKInsulinDeliveryReason" value="1"/>\n'
    out.append(_record(f"{Q}InsulinDelivery", LOOP, "IU", 1.2, at(0), at(60), basal))
    sleep, value = "HKCategoryTypeIdentifierSleepAnalysis", "HKCategoryValueSleepAnalysis"
    out.append(_record(sleep, PHONE, "", f"{value}InBed", at(1370), at(1440 + 430)))
    m = 1380
    while m < 1440 + 420:  # the Watch's stages through the night
        length, stage = (
            rng.randint(8, 40),
            rng.choice(("AsleepCore", "AsleepDeep", "AsleepREM", "Awake")),
        )
        out.append(_record(sleep, WATCH, "", f"{value}{stage}", at(m), at(m + length)))
        m += length
    for a, b in ((1385, 1440 + 120), (1440 + 125, 1440 + 415)):  # AutoSleep's version
        out.append(_record(sleep, AUTOSLEEP, "", f"{value}Asleep", at(a), at(b)))
    records = len(out) - n
    out.append(_workout(at, 18 * 60 + rng.randint(0, 60), rng.randint(25, 70), prefix))
    return records


def write_apple_export(path: Path, size_mb: int, seed: int = 7) -> int:
    """Writes about ``size_mb`` MB of export.xml ending yesterday; returns its <Record> count."""
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    per_day = sum(len(x) for x in _sample_day())
    days = max(2, target // per_day)
    first = dt.date.today() - dt.timedelta(days=days + 1)
    records = 0
    with path.open("w", encoding="utf-8") as f:
        f.write(APPLE_HEAD.replace("{export}", _stamp(dt.datetime.now(BERLIN))))
        for i in range(days):
            out: list[str] = []
            records += _day(first + dt.timedelta(days=i), rng, out)
            f.write("".join(out))
        f.write("</HealthData>\n")
    return records


def _sample_day() -> list[str]:
    out: list[str] = []
    _day(dt.date(2024, 3, 12), random.Random(0), out)
    return out


def _child_apple(path: str) -> dict[str, object]:
    """Runs in a child process: the GlucoLens parser over the file."""
    sys.path.insert(0, str(ROOT / "backend"))
    from glucolens.integrations.importers import apple_health
    from glucolens.integrations.importers.base import ParseContext, Problem

    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        for row in apple_health.parse(f, ParseContext(timezone="Europe/Berlin")):
            key = "problem" if isinstance(row, Problem) else row.type
            counts[key] = counts.get(key, 0) + 1
    return {"seconds": time.perf_counter() - t0, "counts": counts}


def _child_etree(path: str) -> dict[str, object]:
    """Runs in a child process: a bare iterparse that counts <Record> elements, clearing the
    tree after each top-level element so memory stays flat (the usual idiom)."""
    import xml.etree.ElementTree as ET

    t0 = time.perf_counter()
    records = depth = 0
    root = None
    for event, elem in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = elem
            continue
        depth -= 1
        if elem.tag == "Record":
            records += 1
        if depth == 1 and root is not None:
            root.clear()
    return {"seconds": time.perf_counter() - t0, "counts": {"Record": records}}


CHILDREN = {"apple": _child_apple, "etree": _child_etree}


def run_child(kind: str, path: Path) -> tuple[dict[str, object], float]:
    """(the child's JSON result, its peak RSS in MB)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(path)], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} child failed with {proc.returncode}")
    return json.loads(out), usage.ru_maxrss / 1024  # Linux: KiB


def apple(args: argparse.Namespace) -> None:
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="glucolens-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "export.xml"
    t0 = time.perf_counter()
    records = write_apple_export(path, args.size_mb)
    size_mb = path.stat().st_size / 1024 / 1024
    print(
        f"apple_health: export.xml {size_mb:,.0f} MB, {records:,} <Record> elements "
        f"(generated in {time.perf_counter() - t0:.0f} s)"
    )
    try:
        rows = []
        for label, kind in (("GlucoLens parser", "apple"), ("bare ET.iterparse", "etree")):
            result, rss_mb = run_child(kind, path)
            seconds = float(result["seconds"])  # type: ignore[arg-type]
            rows.append((label, seconds, records / seconds, rss_mb, result["counts"]))
        print(f"{'pass':<20} {'s':>7} {'records/s':>11} {'peak RSS MB':>12}  output")
        for label, seconds, rate, rss_mb, counts in rows:
            print(f"{label:<20} {seconds:7.1f} {rate:11,.0f} {rss_mb:12.0f}  {counts}")
        ours = rows[0]
        ok = ours[2] >= TARGET_RECORDS_PER_S and ours[3] < TARGET_RSS_MB
        print(
            f"targets: >= {TARGET_RECORDS_PER_S:,} records/s, < {TARGET_RSS_MB} MB peak RSS: "
            + ("met" if ok else "NOT met")
        )
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
            tmp.rmdir()


def _kinds(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(k for k in args.db.split(",") if k)


def files(args: argparse.Namespace) -> None:
    import _imports_e2e as e2e
    from _import_files import clarity_year, libreview_year

    tmp = e2e.tmpdir()
    clarity, libre = tmp / "clarity.csv", tmp / "libreview.csv"
    c = clarity_year(clarity)
    lv = libreview_year(libre)
    rows = e2e.run(
        [
            ("Clarity, one year", clarity, c["EGV"] + c["Calibration"], "Europe/Berlin"),
            ("LibreView, one year", libre, lv["0"] + lv["1"] + lv["2"], "America/New_York"),
        ],
        _kinds(args),
    )
    e2e.print_rows(rows)
    slow = [r for r in rows if not r["file"].startswith("baseline") and r["s"] >= 5.0]
    print("target: each file under 5 s end to end: " + ("met" if not slow else "NOT met"))


def history(args: argparse.Namespace) -> None:
    import _imports_e2e as e2e
    from _import_files import clarity_year

    tmp = e2e.tmpdir()
    path = tmp / "clarity-5-years.csv"
    # Five years ending about a week ago (readings in the future are refused).
    c = clarity_year(path, days=1826, start=dt.datetime(2021, 11, 28, 0, 0, 33, tzinfo=dt.UTC))
    rows = e2e.run(
        [("Clarity, five years", path, c["EGV"] + c["Calibration"], "Europe/Berlin")], _kinds(args)
    )
    e2e.print_rows(rows)


SECTIONS = {"apple": apple, "files": files, "history": history}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(CHILDREN[sys.argv[2]](sys.argv[3])))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    ap.add_argument("--size-mb", type=int, default=1024, help="size of generated files")
    ap.add_argument("--keep", help="write generated files to this directory and keep them")
    ap.add_argument("--db", default="sqlite,postgres", help="databases for files/history")
    args = ap.parse_args()
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        ap.error(
            f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}"
        )
    for name in args.sections or SECTIONS:
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
