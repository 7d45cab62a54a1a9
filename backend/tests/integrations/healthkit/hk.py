"""HealthKit samples as GlucoLensKit serialises them (docs/healthkit-sync.md), built from
Apple's HealthKit documentation (developer.apple.com/documentation/healthkit):

- HKQuantitySample (``uuid``, ``startDate``, ``endDate``, ``quantity`` in an HKUnit whose
  ``unitString`` is ``mg/dL``, ``mmol<180.15588000005408>/L`` (HKUnit.moleUnit(with: .milli,
  molarMass: HKUnitMolarMassBloodGlucose).unitDivided(by: .liter())), ``g``, ``IU``,
  ``count``), HKCategorySample of sleepAnalysis (``value`` =
  HKCategoryValueSleepAnalysis raw value: inBed 0, asleepUnspecified 1, awake 2, asleepCore
  3, asleepDeep 4, asleepREM 5) and HKWorkout (``workoutActivityType`` raw value,
  ``duration``, ``totalEnergyBurned``, ``totalDistance``);
- HKSourceRevision (``source.name``, ``source.bundleIdentifier``, ``version``,
  ``productType``, ``operatingSystemVersion``) and HKDevice (``name``, ``manufacturer``,
  ``model``, ``hardwareVersion``, ``firmwareVersion``, ``softwareVersion``);
- metadata keys HKMetadataKeySyncIdentifier / HKMetadataKeySyncVersion,
  HKMetadataKeyInsulinDeliveryReason (HKInsulinDeliveryReason basal 1, bolus 2),
  HKMetadataKeyWasUserEntered, HKMetadataKeyBloodGlucoseMealTime (preprandial 1,
  postprandial 2); HKWorkoutActivityType raw values running 37, walking 52.

The apps and devices are the ones that write these types in practice: Dexcom G7 (CGM via
its app), a Contour Next One meter (the Contour Diabetes app), Loop (insulin), MyFitnessPal
(carbohydrates), the Apple Watch (sleep stages, workouts, steps) and the iPhone (steps).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

MMOL_UNIT = "mmol<180.15588000005408>/L"
BERLIN = dt.timezone(dt.timedelta(hours=1))

IPHONE_OS = ("iPhone15,2", "17.4.1")


def revision(
    name: str, bundle: str, version: str, device: tuple[str, str] = IPHONE_OS
) -> dict[str, Any]:
    """An HKSourceRevision: the app (HKSource), its version, and the device it ran on."""
    return {
        "source": {"name": name, "bundle_identifier": bundle},
        "version": version,
        "product_type": device[0],
        "operating_system_version": device[1],
    }


def device(
    name: str, manufacturer: str, model: str, hardware: str, software: str
) -> dict[str, Any]:
    """An HKDevice."""
    return {
        "name": name,
        "manufacturer": manufacturer,
        "model": model,
        "hardware_version": hardware,
        "software_version": software,
    }


DEXCOM = revision("Dexcom G7", "com.dexcom.G7", "2.4.0")
DEXCOM_DEVICE = device("G7", "Dexcom", "G7", "1", "2.4.0")
CONTOUR = revision("Contour", "com.ascensia.contour", "3.1")
LOOP = revision("Loop", "com.loopkit.Loop", "3.2.3")
MFP = revision("MyFitnessPal", "com.myfitnesspal.mfp", "24.5.0")
WATCH = revision("Ada's Apple Watch", "com.apple.health.7A1B", "10.4", ("Watch6,18", "10.4"))
WATCH_DEVICE = device("Apple Watch", "Apple Inc.", "Watch", "Watch6,18", "10.4")
IPHONE = revision("Ada's iPhone", "com.apple.health.F00D", "17.4.1")


def iso(t: dt.datetime) -> str:
    return t.astimezone(BERLIN).isoformat()


def new_uuid() -> str:
    return str(uuid.uuid4()).upper()


def quantity(
    start: dt.datetime,
    value: float,
    unit: str,
    source: dict[str, Any],
    *,
    end: dt.datetime | None = None,
    device: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    uid: str | None = None,
) -> dict[str, Any]:
    sample: dict[str, Any] = {
        "uuid": uid or new_uuid(),
        "start": iso(start),
        "end": iso(end or start),
        "value": value,
        "unit": unit,
        "source_revision": source,
        "metadata": metadata or {},
    }
    if device is not None:
        sample["device"] = device
    return sample


def glucose_mmol(start: dt.datetime, mmol: float, **kw: Any) -> dict[str, Any]:
    """What the Dexcom G7 app writes: mmol/L in Europe, one sample per 5 minutes."""
    kw.setdefault("device", DEXCOM_DEVICE)
    return quantity(start, mmol, MMOL_UNIT, kw.pop("source", DEXCOM), **kw)


def glucose_mgdl(start: dt.datetime, mgdl: float, **kw: Any) -> dict[str, Any]:
    return quantity(start, mgdl, "mg/dL", kw.pop("source", DEXCOM), **kw)


def fingerstick(start: dt.datetime, mgdl: float, **kw: Any) -> dict[str, Any]:
    """A Contour meter reading, before a meal (HKBloodGlucoseMealTime.preprandial = 1)."""
    meta = {"HKMetadataKeyBloodGlucoseMealTime": 1, **kw.pop("metadata", {})}
    return quantity(start, mgdl, "mg/dL", CONTOUR, metadata=meta, **kw)


def insulin(start: dt.datetime, units: float, reason: int, **kw: Any) -> dict[str, Any]:
    """Loop's dose samples: IU with HKMetadataKeyInsulinDeliveryReason and a sync id."""
    meta = {
        "HKMetadataKeyInsulinDeliveryReason": reason,
        "HKMetadataKeySyncIdentifier": kw.pop("sync_id", new_uuid()),
        "HKMetadataKeySyncVersion": kw.pop("sync_version", 1),
        **kw.pop("metadata", {}),
    }
    return quantity(start, units, "IU", LOOP, metadata=meta, **kw)


def carbs(start: dt.datetime, grams: float, **kw: Any) -> dict[str, Any]:
    """MyFitnessPal writes one dietaryCarbohydrates sample per food at the meal's time."""
    return quantity(start, grams, "g", kw.pop("source", MFP), **kw)


def steps(start: dt.datetime, count: float, minutes: int = 10, **kw: Any) -> dict[str, Any]:
    end = start + dt.timedelta(minutes=minutes)
    return quantity(start, count, "count", kw.pop("source", IPHONE), end=end, **kw)


def sleep(start: dt.datetime, end: dt.datetime, value: int, **kw: Any) -> dict[str, Any]:
    """An HKCategorySample of sleepAnalysis (Watch stages; the iPhone's schedule writes
    inBed = 0)."""
    sample: dict[str, Any] = {
        "uuid": kw.pop("uid", None) or new_uuid(),
        "start": iso(start),
        "end": iso(end),
        "value": value,
        "source_revision": kw.pop("source", WATCH),
        "metadata": kw.pop("metadata", {}),
    }
    if "device" in kw:
        sample["device"] = kw.pop("device")
    return sample


def workout(start: dt.datetime, minutes: int, **kw: Any) -> dict[str, Any]:
    """An outdoor run recorded by the Watch (HKWorkoutActivityType.running = 37)."""
    end = start + dt.timedelta(minutes=minutes)
    return {
        "uuid": kw.pop("uid", None) or new_uuid(),
        "start": iso(start),
        "end": iso(end),
        "workout_activity_type": kw.pop("activity_type", 37),
        "workout_activity_type_name": kw.pop("activity_name", "HKWorkoutActivityTypeRunning"),
        "duration_s": minutes * 60.0,
        "total_energy_burned": {"value": kw.pop("kcal", 310.0), "unit": "kcal"},
        "total_distance": {"value": kw.pop("km", 5.2), "unit": "km"},
        "source_revision": WATCH,
        "device": WATCH_DEVICE,
        "metadata": {"HKMetadataKeyIndoorWorkout": False},
    }
