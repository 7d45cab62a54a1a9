"""Per-source counts and deletions."""

from __future__ import annotations

from pydantic import BaseModel


class KindCounts(BaseModel):
    glucose: int = 0
    insulin: int = 0
    sleep: int = 0
    meals: int = 0
    activities: int = 0


class SourceOut(BaseModel):
    source: str
    counts: KindCounts


class SourcesOut(BaseModel):
    sources: list[SourceOut]


class SourceDeleted(BaseModel):
    source: str
    deleted: KindCounts
