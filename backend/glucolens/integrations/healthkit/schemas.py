"""Request and response shapes of the HealthKit sync API (docs/healthkit-sync.md).

The batch envelope is validated as a whole (a malformed envelope is a 422). The samples in
it are validated one by one (``SAMPLE_SCHEMAS``), so one bad sample is rejected with its
type, index, UUID and reason and never costs the others.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
)

from glucolens.core.schemas import PastTime, QueryTime, StorableTextIn, UtcTime
from glucolens.sources.priority import MAX_SOURCES, SourceName

SampleType = Literal[
    "blood_glucose", "carbohydrates", "insulin_delivery", "sleep_analysis", "workouts", "steps"
]
SAMPLE_TYPES: tuple[str, ...] = (
    "blood_glucose",
    "carbohydrates",
    "insulin_delivery",
    "sleep_analysis",
    "workouts",
    "steps",
)
MAX_SAMPLES_PER_BATCH = 10_000
MAX_DELETIONS_PER_BATCH = 10_000
MAX_METADATA_KEYS = 64

Text128 = Annotated[str, Field(max_length=128)]
Text64 = Annotated[str, Field(max_length=64)]


# -- one sample (validated one by one; unknown fields are ignored so that a newer client
# can send more than this server reads)


class _Lenient(BaseModel):
    """Unknown fields are ignored. Text is checked for storability once per sample
    (samples.parse_sample), not per field: a batch holds 10,000 samples."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class SourceIn(_Lenient):
    """HKSource: the app that wrote the sample."""

    name: Text128
    bundle_identifier: Text128


class SourceRevisionIn(_Lenient):
    """HKSourceRevision: the source and the version of the app, device and OS that wrote it."""

    source: SourceIn
    version: Text64 | None = None
    product_type: Text64 | None = None
    operating_system_version: Text64 | None = None


class DeviceIn(_Lenient):
    """HKDevice: the hardware that measured the sample (a CGM transmitter, a pump, a Watch)."""

    name: Text128 | None = None
    manufacturer: Text128 | None = None
    model: Text128 | None = None
    hardware_version: Text64 | None = None
    firmware_version: Text64 | None = None
    software_version: Text64 | None = None
    local_identifier: Text128 | None = None
    udi_device_identifier: Text128 | None = None


class _SampleIn(_Lenient):
    uuid: uuid.UUID
    start: PastTime
    end: PastTime
    source_revision: SourceRevisionIn
    device: DeviceIn | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def _bounded(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        if len(metadata) > MAX_METADATA_KEYS:
            raise ValueError(f"at most {MAX_METADATA_KEYS} metadata keys")
        return metadata


class QuantitySampleIn(_SampleIn):
    """HKQuantitySample: blood glucose, carbohydrates, insulin delivery, steps."""

    # Bounded so that a 400-digit integer is refused here, not overflowed into float later.
    value: StrictFloat | StrictInt = Field(ge=-1e9, le=1e9, allow_inf_nan=False)
    unit: Annotated[str, Field(min_length=1, max_length=48)]


class SleepSampleIn(_SampleIn):
    """HKCategorySample of sleepAnalysis: ``value`` is HKCategoryValueSleepAnalysis's raw
    value (0 inBed, 1 asleepUnspecified, 2 awake, 3 asleepCore, 4 asleepDeep, 5 asleepREM)."""

    value: StrictInt = Field(ge=0, le=5)


class QuantityIn(_Lenient):
    value: StrictFloat | StrictInt = Field(ge=0, le=1e9, allow_inf_nan=False)
    unit: Annotated[str, Field(min_length=1, max_length=16)]


class WorkoutIn(_SampleIn):
    """HKWorkout: the activity type (raw value and/or name), duration, energy and distance."""

    workout_activity_type: StrictInt | None = Field(default=None, ge=0, le=100_000)
    workout_activity_type_name: Text64 | None = None
    duration_s: StrictFloat | StrictInt | None = Field(default=None, ge=0, le=86_400 * 2)
    total_energy_burned: QuantityIn | None = None
    total_distance: QuantityIn | None = None


SAMPLE_SCHEMAS: dict[str, type[_SampleIn]] = {
    "blood_glucose": QuantitySampleIn,
    "carbohydrates": QuantitySampleIn,
    "insulin_delivery": QuantitySampleIn,
    "steps": QuantitySampleIn,
    "sleep_analysis": SleepSampleIn,
    "workouts": WorkoutIn,
}


class DeletionIn(BaseModel):
    """HKDeletedObject: the UUID of a sample the device deleted, and its type."""

    model_config = ConfigDict(extra="ignore")

    type: SampleType
    uuid: uuid.UUID


# -- the batch

_ITEMS = (
    "Samples of this type, each an object as described in docs/healthkit-sync.md. Each is "
    "checked on its own: a bad one is listed in `rejected` and never drops the others."
)


def _items() -> Any:
    return Field(default_factory=list, max_length=MAX_SAMPLES_PER_BATCH, description=_ITEMS)


class HealthKitSamplesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    blood_glucose: list[Any] = _items()
    carbohydrates: list[Any] = _items()
    insulin_delivery: list[Any] = _items()
    sleep_analysis: list[Any] = _items()
    workouts: list[Any] = _items()
    steps: list[Any] = _items()


class HealthKitSyncIn(StorableTextIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    batch_id: uuid.UUID = Field(
        description="Made by the client before the first attempt and reused on every retry "
        "of the same batch: a replay gets the stored answer."
    )
    sent_at: QueryTime | None = Field(
        default=None, description="The device's clock when this attempt was sent."
    )
    app_bundle_id: Text128 | None = None
    app_version: Text64 | None = None
    device_model: Text64 | None = Field(default=None, description="e.g. iPhone15,2")
    system_version: Text64 | None = Field(default=None, description="e.g. 17.4.1")
    time_zone: Text64 | None = Field(default=None, description="The device's IANA time zone")
    samples: HealthKitSamplesIn = Field(default_factory=HealthKitSamplesIn)
    deletions: list[Any] = Field(
        default_factory=list,
        max_length=MAX_DELETIONS_PER_BATCH,
        description="Tombstones from HKDeletedObject: {type, uuid}. A UUID the server never "
        "saw is remembered, so the sample cannot arrive later.",
    )


class HealthKitRejectedSample(BaseModel):
    type: str = Field(description="The sample type, or `deletions`")
    index: int | None = Field(description="Position in that type's list; null for a row")
    uuid: str | None
    reason: str


class HealthKitTypeCounts(BaseModel):
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    deleted: int = 0


class HealthKitSyncOut(BaseModel):
    batch_id: uuid.UUID
    accepted: int = Field(description="Samples stored (new, or a newer sync version)")
    duplicates: int = Field(
        description="Samples already stored, or older than a stored sync version, or sent "
        "again after the device deleted them"
    )
    rejected: list[HealthKitRejectedSample]
    deleted: int = Field(description="Stored samples removed by tombstones in this batch")
    by_type: dict[str, HealthKitTypeCounts]
    server_time: UtcTime
    clock_skew_s: float | None = Field(
        description="sent_at minus server time, in seconds (null without sent_at)"
    )
    clock_skew: bool = Field(description="true when the device clock is off by over 5 minutes")


class HealthKitSourceSeen(BaseModel):
    bundle_id: str | None
    name: str | None
    last_seen_at: UtcTime | None


class HealthKitTypeStatus(BaseModel):
    type: str
    enabled: bool
    last_sync_at: UtcTime | None
    stored: int = Field(description="Samples stored and not deleted")
    deleted: int = Field(description="Tombstones (deleted on the device or replaced)")
    last_error: str | None
    last_error_at: UtcTime | None
    sources: list[HealthKitSourceSeen]


class HealthKitStatusOut(BaseModel):
    types: list[HealthKitTypeStatus]
    glucose_source_priority: list[str]
    glucose_source_priority_default: bool
    max_samples_per_batch: int
    max_deletions_per_batch: int
    server_time: UtcTime


class HealthKitConfigureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled_types: list[SampleType] | None = Field(
        default=None,
        max_length=len(SAMPLE_TYPES),
        description="The types to sync; the others are turned off (their samples are "
        "rejected with a reason). Omit to leave unchanged.",
    )
    glucose_source_priority: list[SourceName] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SOURCES,
        description="The canonical glucose stream's source order, highest first (as PUT "
        "/api/v1/data/source-priority; signed-in sessions only). Omit to leave unchanged.",
    )

    @field_validator("enabled_types", "glucose_source_priority")
    @classmethod
    def _unique(cls, items: list[str] | None) -> list[str] | None:
        seen: set[str] = set()
        for item in items or ():
            if item in seen:
                raise ValueError(f"{item!r} is named twice")
            seen.add(item)
        return items
