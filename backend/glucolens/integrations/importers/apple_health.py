"""Apple Health "Export All Health Data": export.xml (inside apple_health_export/ of the zip).

The file is one ``<HealthData>`` element holding millions of ``<Record>`` elements (steps
and heart rate dominate), ``<Workout>`` and ``<Correlation>`` elements; real exports reach
gigabytes. It is read with expat callbacks, so no element is ever built and memory stays
flat; only the few types GlucoLens imports are looked at, the rest cost a dict lookup.
Unsafe XML (entities, external DTDs) is refused by xml_safety.

What becomes what:

- BloodGlucose -> glucose, mg/dL or mmol/L (Apple writes ``mmol<180.1558800000541>/L``).
  ``kind`` is "cgm" for a CGM app (Dexcom, Libre, xDrip, ...) or a source that writes every
  15 minutes or faster, else "meter"; a source's first readings decide (apple_health_rollups).
- DietaryCarbohydrates -> meal; samples of one app at one instant (a food app writes one
  per food) are added up, with protein, fat and energy of the same instant; when two apps
  wrote the same instant the one with more carbs is kept (they describe the same meal).
- InsulinDelivery -> insulin; HKInsulinDeliveryReason 1 is basal, 2 bolus.
- SleepAnalysis -> one sleep row per night and source (apple_health_sleep).
- Workout -> activity, energy from WorkoutStatistics (iOS 16+) or the old attributes.
- StepCount -> one "steps" activity per hour: the app with the most steps that hour (the
  Watch and the iPhone count the same steps; adding them would double them).

Apple's samples have no ids, so (source, time) is each row's key: times are the file's own,
with the offset the file gives ("2024-03-12 08:05:00 +0100"), so they repeat exactly when
the same or a later export is imported again. Records inside a Correlation are skipped:
Apple writes them at the top level as well.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.parsers import expat

from glucolens.integrations.importers.apple_health_rollups import GlucoseSource, meals, step_hours
from glucolens.integrations.importers.apple_health_sleep import STAGES, Sample, build_nights
from glucolens.integrations.importers.base import (
    FileFormat,
    FileRejected,
    ParseContext,
    Problem,
    Record,
)
from glucolens.integrations.importers.xml_safety import (
    CONTROL_TO_SPACE,
    hardened_parser,
    strip_doctype,
)

FORMAT = FileFormat(name="apple_health", label="Apple Health export", source="apple_health")
SOURCE = FORMAT.source
CHUNK = 1 << 20
MAX_SLEEP_SAMPLES = 1_000_000  # a decade of Watch nights is ~200,000

_Q = "HKQuantityTypeIdentifier"
GLUCOSE, INSULIN, STEPS = f"{_Q}BloodGlucose", f"{_Q}InsulinDelivery", f"{_Q}StepCount"
CARBS, PROTEIN, FAT = f"{_Q}DietaryCarbohydrates", f"{_Q}DietaryProtein", f"{_Q}DietaryFatTotal"
ENERGY = f"{_Q}DietaryEnergyConsumed"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"

_KCAL_PER = {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184}


def sniff(head: bytes) -> bool:
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    return b"<!DOCTYPE HealthData" in head or b"<HealthData" in head


def parse(stream: IO[bytes], ctx: ParseContext) -> Iterator[Record | Problem]:
    yield from _Reader(ctx).run(stream)


def when(raw: str | None) -> dt.datetime:
    """Apple's "2024-03-12 08:05:00 +0100" (Python 3.11 reads it as ISO); also the 12-hour
    form some locales write. Raises ValueError."""
    if not raw:
        raise ValueError("no date")
    try:
        t = dt.datetime.fromisoformat(raw)
    except ValueError:
        t = dt.datetime.strptime(raw.replace("\u202f", " "), "%Y-%m-%d %I:%M:%S %p %z")
    if t.tzinfo is None:
        raise ValueError("date without UTC offset")
    return t


@functools.lru_cache(maxsize=64)
def glucose_unit(raw: str | None) -> str | None:
    if raw == "mg/dL":
        return "mg/dL"
    if raw and raw.startswith("mmol") and raw.endswith("/L"):  # mmol<180.15588...>/L
        return "mmol/L"
    return None


@functools.lru_cache(maxsize=256)
def activity_name(raw: str) -> str:
    """HKWorkoutActivityTypeTraditionalStrengthTraining -> traditional_strength_training."""
    name = raw.removeprefix("HKWorkoutActivityType")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()[:40] or "workout"


def kcal_of(value: str | None, unit: str | None) -> float | None:
    """Energy in kcal from Apple's value and unit (kcal, Cal or kJ); None when unreadable."""
    try:
        return float(value) * _KCAL_PER[unit or "kcal"] if value else None
    except (ValueError, KeyError):
        return None


class _Reader:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.out: list[Record | Problem] = []
        self.parser = hardened_parser()
        self.parser.StartElementHandler = self._start
        self.root: str | None = None
        self.in_correlation = 0
        self.insulin: tuple[dict[str, str], int, dict[str, str]] | None = None
        self.workout: tuple[dict[str, str], int, dict[str, dict[str, str]]] | None = None
        self.glucose: dict[str, GlucoseSource] = {}
        self.steps: dict[str, dict[str, float]] = {}  # "2024-03-12 08 +0100" -> app -> steps
        self.step_lines: dict[str, int] = {}
        self.meals: dict[tuple[str, dt.datetime], dict[str, Any]] = {}
        self.sleep: list[Sample] = []
        self.sleep_overflow = False
        self.names: dict[str, str] = {}  # one string object per app name
        self.units: set[str] = set()
        self.handlers: dict[str, Callable[[dict[str, str], int], None]] = {
            GLUCOSE: self._glucose,
            STEPS: self._steps,
            INSULIN: self._insulin,
            SLEEP: self._sleep,
            CARBS: functools.partial(self._nutrient, "carbs_g"),
            PROTEIN: functools.partial(self._nutrient, "protein_g"),
            FAT: functools.partial(self._nutrient, "fat_g"),
            ENERGY: functools.partial(self._nutrient, "kcal"),
        }
        self.others: dict[str, Callable[[dict[str, str]], None]] = {
            "WorkoutStatistics": self._workout_statistics,
            "Workout": self._workout,
            "Correlation": self._correlation,
            "ExportDate": self._export_date,
        }

    def run(self, stream: IO[bytes]) -> Iterator[Record | Problem]:
        parser = self.parser
        data = strip_doctype(stream)
        try:
            while data:
                parser.Parse(data.translate(CONTROL_TO_SPACE), False)
                if self.out:
                    out, self.out = self.out, []
                    yield from out
                data = stream.read(CHUNK)
        except expat.ExpatError as exc:
            raise FileRejected(
                f"The export is not well-formed XML at line {exc.lineno}: "
                f"{expat.ErrorString(exc.code)}."
            ) from None
        try:
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            if self.root is None:
                raise FileRejected("The file holds no Apple Health data.") from None
            # A cut-off export (a common failure of the Health app): keep what was read.
            self.out.append(
                Problem(
                    exc.lineno,
                    "the file ends in the middle of the data (a damaged or cut-off export?); "
                    "the records before this line were read",
                )
            )
        yield from self.out
        self.out = []
        yield from self._finish()

    # -- expat callbacks. Every element start passes here, so the common cases (a Record of a
    # type not imported, a MetadataEntry of one) return at once; element ends are only
    # watched while something is open that needs its end (insulin, a workout, a correlation).

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "Record":
            handler = self.handlers.get(attrs.get("type", ""))
            if handler is not None and not self.in_correlation:
                handler(attrs, self.parser.CurrentLineNumber)
        elif name == "MetadataEntry":
            if self.insulin is not None:
                self.insulin[2][attrs.get("key", "")] = attrs.get("value", "")
        else:
            other = self.others.get(name)
            if other is not None:
                other(attrs)
            elif self.root is None:
                if name != "HealthData":
                    raise FileRejected("The XML file is not an Apple Health export.")
                self.root = name
                self.ctx.meta["locale"] = attrs.get("locale")

    def _workout_statistics(self, attrs: dict[str, str]) -> None:
        if self.workout is not None:
            self.workout[2][attrs.get("type", "")] = attrs

    def _workout(self, attrs: dict[str, str]) -> None:
        self.workout = (attrs, self.parser.CurrentLineNumber, {})
        self.parser.EndElementHandler = self._end

    def _correlation(self, attrs: dict[str, str]) -> None:
        self.in_correlation += 1
        self.parser.EndElementHandler = self._end

    def _export_date(self, attrs: dict[str, str]) -> None:
        self.ctx.meta["export_date"] = attrs.get("value")

    def _end(self, name: str) -> None:
        if name == "Record":
            if self.insulin is not None:
                self._finish_insulin()
        elif name == "Workout":
            if self.workout is not None:
                self._finish_workout()
        elif name == "Correlation":
            self.in_correlation -= 1
        if self.insulin is None and self.workout is None and not self.in_correlation:
            self.parser.EndElementHandler = None

    # -- record types

    def _name(self, raw: str | None) -> str:
        name = raw or "unknown"
        return self.names.setdefault(name, name) if len(self.names) < 1000 else name

    def _problem(self, line: int, type_: Any, reason: str) -> None:
        self.out.append(Problem(line, reason, type_))

    def _glucose(self, attrs: dict[str, str], line: int) -> None:
        try:
            t = when(attrs.get("startDate"))
            value = float(attrs.get("value", ""))
        except ValueError:
            return self._problem(line, "glucose", "glucose record without a valid date or value")
        unit = glucose_unit(attrs.get("unit"))
        if unit is None:
            return self._problem(line, "glucose", f"unknown glucose unit {attrs.get('unit')!r}")
        self.units.add(unit)
        name = self._name(attrs.get("sourceName"))
        source = self.glucose.get(name)
        if source is None:
            source = self.glucose[name] = GlucoseSource(name)
        item = {"timestamp": t.isoformat(), "value": value, "unit": unit, "source": SOURCE}
        item["device"] = name[:64]
        source.add(t, line, item, self.out)

    def _steps(self, attrs: dict[str, str], line: int) -> None:
        raw = attrs.get("startDate", "")
        try:
            steps = float(attrs.get("value", ""))
            # The local hour as written, with its offset: "2024-03-12 08 +0100".
            key = raw[:13] + raw[19:] if len(raw) == 25 else when(raw).strftime("%Y-%m-%d %H %z")
        except ValueError:
            return self._problem(line, "activity", "step count without a valid date or value")
        name = self._name(attrs.get("sourceName"))
        bucket = self.steps.get(key)
        if bucket is None:
            self.steps[key] = {name: steps}
            self.step_lines[key] = line
        else:
            bucket[name] = bucket.get(name, 0.0) + steps

    def _nutrient(self, field: str, attrs: dict[str, str], line: int) -> None:
        try:
            t = when(attrs.get("startDate"))
            value = float(attrs.get("value", ""))
        except ValueError:
            return self._problem(line, "meal", "nutrition record without a valid date or value")
        if field == "kcal":
            kcal = kcal_of(attrs.get("value"), attrs.get("unit"))
            if kcal is None:
                return self._problem(line, "meal", f"unknown energy unit {attrs.get('unit')!r}")
            value = kcal
        key = (self._name(attrs.get("sourceName")), t)
        meal = self.meals.get(key)
        if meal is None:
            meal = self.meals[key] = {"line": line, "t": t}
        meal[field] = meal.get(field, 0.0) + value

    def _insulin(self, attrs: dict[str, str], line: int) -> None:
        self.insulin = (attrs, line, {})  # finished at </Record>: the reason is a child
        self.parser.EndElementHandler = self._end

    def _finish_insulin(self) -> None:
        assert self.insulin is not None
        attrs, line, meta = self.insulin
        self.insulin = None
        try:
            t = when(attrs.get("startDate"))
            units = float(attrs.get("value", ""))
            reason = int(float(meta.get("HKInsulinDeliveryReason", "0")))
        except ValueError:
            return self._problem(line, "insulin", "insulin record without a valid date or value")
        if units == 0:
            return None  # a zero temp basal (Loop writes them) delivered nothing
        kind = {1: "basal", 2: "bolus"}.get(reason)
        if kind is None:
            return self._problem(
                line, "insulin", "insulin record without a basal (1) or bolus (2) reason"
            )
        self._name(attrs.get("sourceName"))
        item = {"timestamp": t.isoformat(), "units": units, "kind": kind, "source": SOURCE}
        self.out.append(Record("insulin", line, item))

    def _sleep(self, attrs: dict[str, str], line: int) -> None:
        stage = STAGES.get(attrs.get("value", ""))
        if stage is None:
            return self._problem(line, "sleep", f"unknown sleep value {attrs.get('value')!r}")
        try:
            start, end = when(attrs.get("startDate")), when(attrs.get("endDate"))
        except ValueError:
            return self._problem(line, "sleep", "sleep record without valid dates")
        if end <= start:
            return None  # an empty sample says nothing
        if len(self.sleep) >= MAX_SLEEP_SAMPLES:  # memory bound against a crafted file
            if not self.sleep_overflow:
                self._problem(line, "sleep", "more sleep samples than any real export; skipped")
            self.sleep_overflow = True
            return None
        self.sleep.append(Sample(self._name(attrs.get("sourceName")), start, end, stage, line))

    def _finish_workout(self) -> None:
        assert self.workout is not None
        attrs, line, stats = self.workout
        self.workout = None
        try:
            start, end = when(attrs.get("startDate")), when(attrs.get("endDate"))
        except ValueError:
            return self._problem(line, "activity", "workout without valid dates")
        self._name(attrs.get("sourceName"))
        item: dict[str, Any] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "activity_type": activity_name(attrs.get("workoutActivityType", "")),
            "source": SOURCE,
        }
        energy = stats.get(f"{_Q}ActiveEnergyBurned")
        kcal = kcal_of(energy.get("sum"), energy.get("unit")) if energy else None
        if kcal is None:  # before iOS 16 the total was an attribute of the workout
            kcal = kcal_of(attrs.get("totalEnergyBurned"), attrs.get("totalEnergyBurnedUnit"))
        if kcal is not None:
            item["kcal"] = round(kcal, 1)
        heart = stats.get(f"{_Q}HeartRate")
        try:
            if heart and heart.get("average"):
                item["avg_hr"] = round(float(heart["average"]), 1)
        except ValueError:
            pass
        self.out.append(Record("activity", line, item))

    # -- the end: rows built from everything (glucose still pending, meals, nights, hours)

    def _finish(self) -> Iterator[Record | Problem]:
        for source in self.glucose.values():
            if source.pending:
                source.decide(self.out)
        yield from self.out
        self.out = []
        yield from meals(self.meals, SOURCE)
        for line, item, _app in build_nights(self.sleep):
            yield Record("sleep", line, {**item, "source": SOURCE})
        yield from step_hours(self.steps, self.step_lines, SOURCE)
        meta = self.ctx.meta
        meta["sources"] = sorted(self.names)
        meta["device"] = ", ".join(sorted(self.glucose)) or None
        meta["unit"] = ", ".join(sorted(self.units)) or None
        meta["timezone"] = "from file"
