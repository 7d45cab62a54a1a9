"""Import job schemas (what GET /api/v1/imports/{id} reports)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from glucolens.core.schemas import StorableTextIn, UtcTime

ImportStatus = Literal[
    "previewing",
    "awaiting_confirmation",
    "needs_mapping",
    "queued",
    "running",
    "done",
    "failed",
    "cancelled",
]


class TypeCounts(BaseModel):
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0


class ImportProgress(BaseModel):
    phase: Literal["waiting", "previewing", "importing", "done"] = "waiting"
    bytes_read: int = 0
    bytes_total: int = 0
    fraction: float = Field(default=0.0, description="0..1 of the file read")
    counts: dict[str, TypeCounts] = Field(
        default_factory=dict, description="Per record type: glucose, insulin, meal, sleep, activity"
    )


class ImportPreview(BaseModel):
    format: str
    format_label: str
    device: str | None = None
    unit: str | None = None
    timezone: str | None = Field(
        default=None,
        description="The zone local times were read in; 'from file' when rows carry offsets",
    )
    local_times: bool = Field(
        description="True when the file's times are local wall time (timezone applies)"
    )
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    counts: dict[str, int] = Field(description="Records per type that would be imported")
    rejected: int = 0
    estimated: bool = Field(
        default=False,
        description="Counts extrapolated from the first part of a large file "
        "(start and end are of that part)",
    )


class RejectedRow(BaseModel):
    line: int
    type: str | None = None
    reason: str


class ImportJobOut(BaseModel):
    id: uuid.UUID
    status: ImportStatus
    filename: str
    size_bytes: int
    format: str | None
    format_label: str | None
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    error: str | None = Field(description="Why the job failed, in a sentence for people")
    already_imported: bool = Field(
        default=False, description="The same file was imported before: nothing new to add"
    )
    previous_import_at: UtcTime | None = None
    columns: list[str] | None = Field(default=None, description="needs_mapping: the CSV header")
    preview: ImportPreview | None
    progress: ImportProgress
    rejected: list[RejectedRow] = Field(description="The first rejected rows, by line")
    rejected_total: int


class ImportJobList(BaseModel):
    items: list[ImportJobOut]


class ImportStart(StorableTextIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    timezone: str | None = Field(
        default=None, max_length=64, description="IANA zone for local times"
    )
    timestamp_column: str | None = Field(default=None, max_length=200)
    value_column: str | None = Field(default=None, max_length=200)
    unit: Literal["mg/dL", "mmol/L"] | None = None
