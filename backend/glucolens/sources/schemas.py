"""Per-source counts and deletions."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from glucolens.core.schemas import SOURCE_MAX_LENGTH, SOURCE_PATTERN, QueryTime

SourceName = Annotated[
    str, Field(min_length=1, max_length=SOURCE_MAX_LENGTH, pattern=SOURCE_PATTERN)
]


class KindCounts(BaseModel):
    glucose: int = 0
    insulin: int = 0
    sleep: int = 0
    meals: int = 0
    activities: int = 0


class SourceOut(BaseModel):
    source: str
    counts: KindCounts
    glucose_duplicates: int = Field(
        default=0,
        description="How many of counts.glucose are copies of readings another source holds "
        "at a higher priority: kept, but left out of the canonical stream.",
    )


class SourcesOut(BaseModel):
    sources: list[SourceOut]


class SourceDeleted(BaseModel):
    source: str
    deleted: KindCounts


class DeletionPreview(BaseModel):
    counts: KindCounts


class DeleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: SourceName | None = None
    start: QueryTime | None = Field(default=None, description="inclusive, ISO 8601 with offset")
    end: QueryTime | None = Field(default=None, description="exclusive, ISO 8601 with offset")
    confirm: bool = Field(
        default=False, description="must be true; without it the answer is 409 with the counts"
    )


class DataDeleted(BaseModel):
    deleted: KindCounts
