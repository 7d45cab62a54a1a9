"""One HealthKit sample as sent -> one checked sample with its value in canonical units.

Units are converted once, here: glucose to mg/dL (HealthKit writes mmol/L as
``mmol<180.15588000005408>/L``, read with the Apple Health importer's rule), carbohydrates to
grams, insulin to units (HealthKit's ``IU``), steps as counts, workout energy to kcal (the
importer's kcal/Cal/kJ rule) and distance to metres. Every problem raises ``SampleProblem``
with a reason for the client; nothing here touches the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid
from typing import Any

from pydantic import TypeAdapter, ValidationError

from glucolens.core.schemas import text_problem
from glucolens.integrations.healthkit.schemas import (
    SAMPLE_SCHEMAS,
    QuantitySampleIn,
    SleepSampleIn,
    WorkoutIn,
)
from glucolens.integrations.importers.apple_health import activity_name, glucose_unit, kcal_of
from glucolens.integrations.importers.apple_health_sleep import STAGES
from glucolens.readings.validation import RowError, parse_glucose_value

SYNC_ID = "HKMetadataKeySyncIdentifier"
SYNC_VERSION = "HKMetadataKeySyncVersion"
INSULIN_REASON = "HKMetadataKeyInsulinDeliveryReason"
WAS_USER_ENTERED = "HKMetadataKeyWasUserEntered"
MEAL_TIME = "HKMetadataKeyBloodGlucoseMealTime"
# HKCategoryValueSleepAnalysis raw values -> the importer's stage names.
SLEEP_VALUES = {
    0: "HKCategoryValueSleepAnalysisInBed",
    1: "HKCategoryValueSleepAnalysisAsleepUnspecified",
    2: "HKCategoryValueSleepAnalysisAwake",
    3: "HKCategoryValueSleepAnalysisAsleepCore",
    4: "HKCategoryValueSleepAnalysisAsleepDeep",
    5: "HKCategoryValueSleepAnalysisAsleepREM",
}
_GRAMS_PER = {"g": 1.0, "mg": 0.001, "kg": 1000.0}
_METRES_PER = {"m": 1.0, "km": 1000.0, "cm": 0.01, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048}
MAX_SPAN = {
    "blood_glucose": dt.timedelta(hours=1),
    "carbohydrates": dt.timedelta(hours=24),
    "insulin_delivery": dt.timedelta(hours=24),
    "steps": dt.timedelta(hours=24),
    "sleep_analysis": dt.timedelta(hours=24),
    "workouts": dt.timedelta(hours=24),
}
MAX_CARBS_G = 500.0
MAX_INSULIN_U = 100.0
MAX_STEPS = 200_000.0
_ADAPTERS = {name: TypeAdapter(schema) for name, schema in SAMPLE_SCHEMAS.items()}


class SampleProblem(ValueError):
    """The reason one sample cannot be stored, for the client."""


@dataclasses.dataclass(slots=True)
class Sample:
    type: str
    index: int
    uuid: str
    start: dt.datetime  # with the offset the device sent
    end: dt.datetime
    value: float | None  # canonical: mg/dL, g, U, steps, sleep raw value
    original_value: float | None
    original_unit: str | None
    source_name: str
    bundle_id: str
    details: dict[str, Any]
    sync_identifier: str | None
    sync_version: int | None

    @property
    def app(self) -> str:
        """Which app wrote it: the bundle id (stable), else the name."""
        return self.bundle_id or self.source_name

    def same_content(self, other: Any) -> bool:
        """True when a stored row says what this sample says: a re-send, not an update.
        (HealthKit samples are immutable: an edit is a new UUID, or a new sync version.)"""
        return other.start == self.start and other.end == self.end and other.value == self.value


def _given(fields: dict[str, Any], skip: str = "") -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None and k != skip}


def _reason(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", "invalid")


def _sync_keys(metadata: dict[str, Any]) -> tuple[str | None, int | None]:
    ident = metadata.get(SYNC_ID)
    version = metadata.get(SYNC_VERSION)
    if ident is None and version is None:
        return None, None
    if not isinstance(ident, str) or not 0 < len(ident) <= 128:
        raise SampleProblem(f"metadata.{SYNC_ID} must be a string of 1-128 characters")
    problem = text_problem(ident)
    if problem:
        raise SampleProblem(f"metadata.{SYNC_ID} {problem}")
    if isinstance(version, bool) or not isinstance(version, int | float):
        raise SampleProblem(f"metadata.{SYNC_VERSION} must be a number (HealthKit requires it)")
    # The size first: math.isfinite of a 400-digit integer raises OverflowError.
    if abs(version) >= 2**62 or not math.isfinite(version) or version != int(version):
        raise SampleProblem(f"metadata.{SYNC_VERSION} must be a whole number below 2^62")
    return ident, int(version)


def _flag(metadata: dict[str, Any], key: str) -> bool | None:
    value = metadata.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    raise SampleProblem(f"metadata.{key} must be true or false")


def _quantity(body: QuantitySampleIn, type_: str, fields: dict[str, Any]) -> float:
    value, unit = float(body.value), body.unit
    if type_ == "blood_glucose":
        normal = glucose_unit(unit)
        if normal is None:
            raise SampleProblem(
                f"unit {unit[:48]!r} is not a blood glucose unit; send mg/dL or "
                "mmol<180.15588000005408>/L"
            )
        try:
            mgdl, flag = parse_glucose_value(value, normal)
        except RowError as exc:
            raise SampleProblem(exc.reason) from None
        meal_time = body.metadata.get(MEAL_TIME)
        if meal_time is not None:
            if meal_time not in (1, 2) or isinstance(meal_time, bool):
                raise SampleProblem(f"metadata.{MEAL_TIME} must be 1 (preprandial) or 2")
            fields["meal_time"] = "preprandial" if meal_time == 1 else "postprandial"
        return mgdl
    if type_ == "carbohydrates":
        grams = _GRAMS_PER.get(unit)
        if grams is None:
            raise SampleProblem(f"unit {unit[:48]!r} is not a mass; send g")
        value *= grams
        if not 0 <= value <= MAX_CARBS_G:
            raise SampleProblem(f"{value:g} g of carbohydrates is outside 0-{MAX_CARBS_G:g} g")
        return round(value, 2)
    if type_ == "insulin_delivery":
        if unit not in ("IU", "U"):
            raise SampleProblem(f"unit {unit[:48]!r} is not an insulin unit; send IU")
        if not 0 <= value <= MAX_INSULIN_U:
            raise SampleProblem(f"{value:g} IU of insulin is outside 0-{MAX_INSULIN_U:g} IU")
        reason = body.metadata.get(INSULIN_REASON)
        kind = None
        if isinstance(reason, int | float) and not isinstance(reason, bool):
            kind = {1: "basal", 2: "bolus"}.get(int(reason)) if reason in (1, 2) else None
        if kind is None:
            raise SampleProblem(f"metadata.{INSULIN_REASON} must be 1 (basal) or 2 (bolus)")
        fields["insulin_kind"] = kind
        return value
    # steps
    if unit != "count":
        raise SampleProblem(f"unit {unit[:48]!r} is not a step count; send count")
    if not 0 <= value <= MAX_STEPS:
        raise SampleProblem(f"{value:g} steps in one sample is outside 0-{MAX_STEPS:g}")
    return value


def _workout(body: WorkoutIn, fields: dict[str, Any]) -> None:
    name = body.workout_activity_type_name
    if name:
        fields["activity_type"] = activity_name(name)
    elif body.workout_activity_type is not None:
        fields["activity_type"] = f"workout_{body.workout_activity_type}"
    else:
        raise SampleProblem("workout_activity_type or workout_activity_type_name is required")
    fields["workout_activity_type"] = body.workout_activity_type
    if body.duration_s is not None:
        fields["duration_s"] = float(body.duration_s)
    energy = body.total_energy_burned
    if energy is not None:
        kcal = kcal_of(str(energy.value), energy.unit)
        if kcal is None:
            raise SampleProblem(f"total_energy_burned.unit {energy.unit!r}: send kcal or kJ")
        fields["kcal"] = round(kcal, 1)
    distance = body.total_distance
    if distance is not None:
        metres = _METRES_PER.get(distance.unit)
        if metres is None:
            raise SampleProblem(f"total_distance.unit {distance.unit!r}: send m or km")
        fields["distance_m"] = round(float(distance.value) * metres, 1)


def _check_text(body: Any) -> None:
    """Every text the server keeps must be storable on every backend (no NUL, no lone
    surrogate): the one pass over a sample's strings that StorableTextIn does per field."""
    parts: list[tuple[str, Any]] = [("source_revision", body.source_revision)]
    if body.device is not None:
        parts.append(("device", body.device))
    parts.append(("", body))
    for prefix, model in parts:
        for name, value in model.__dict__.items():
            if isinstance(value, str):
                problem = text_problem(value)
                if problem:
                    raise SampleProblem(f"{prefix + '.' if prefix else ''}{name} {problem}")
    source = body.source_revision.source
    for name in ("name", "bundle_identifier"):
        problem = text_problem(getattr(source, name))
        if problem:
            raise SampleProblem(f"source_revision.source.{name} {problem}")


def parse_sample(type_: str, index: int, raw: Any) -> Sample:
    """Raises SampleProblem (with the UUID when it could be read) for a sample that cannot
    be stored."""
    try:
        body = _ADAPTERS[type_].validate_python(raw)
    except ValidationError as exc:
        raise SampleProblem(_reason(exc)) from None
    _check_text(body)
    if body.end < body.start:
        raise SampleProblem("end is before start")
    if body.end - body.start > MAX_SPAN[type_]:
        raise SampleProblem(f"a {type_} sample cannot last longer than {MAX_SPAN[type_]}")
    ident, version = _sync_keys(body.metadata)
    fields: dict[str, Any] = {}
    user_entered = _flag(body.metadata, WAS_USER_ENTERED)
    if user_entered is not None:
        fields["was_user_entered"] = user_entered
    value: float | None
    original: tuple[float | None, str | None] = (None, None)
    if isinstance(body, QuantitySampleIn):
        value = _quantity(body, type_, fields)
        original = (float(body.value), body.unit)
    elif isinstance(body, SleepSampleIn):
        if body.end == body.start:
            raise SampleProblem("a sleep sample must end after it starts")
        value = float(body.value)
        fields["stage"] = STAGES[SLEEP_VALUES[body.value]]
        original = (float(body.value), None)
    else:
        assert isinstance(body, WorkoutIn)
        if body.end == body.start:
            raise SampleProblem("a workout must end after it starts")
        _workout(body, fields)
        value = None
    revision = body.source_revision
    details: dict[str, Any] = {
        "fields": fields,
        "source_revision": _given(revision.__dict__, skip="source"),
    }
    if body.device is not None:
        details["device"] = _given(body.device.__dict__)
    return Sample(
        type=type_,
        index=index,
        uuid=str(body.uuid).upper(),
        start=body.start,
        end=body.end,
        value=value,
        original_value=original[0],
        original_unit=original[1],
        source_name=revision.source.name,
        bundle_id=revision.source.bundle_identifier,
        details=details,
        sync_identifier=ident,
        sync_version=version,
    )


def uuid_of(raw: Any) -> str | None:
    """The UUID of a sample that could not be read, when it has a readable one."""
    value = raw.get("uuid") if isinstance(raw, dict) else None
    try:
        return str(uuid.UUID(value)).upper() if isinstance(value, str) else None
    except ValueError:
        return None


def printable(reason: str) -> str:
    """A reason that can be stored and sent as JSON whatever input it quotes."""
    return reason.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")[:300]
