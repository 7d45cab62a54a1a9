"""Request and response shapes shared by every record type."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class BulkIn(BaseModel):
    items: list[Any] = Field(
        description="Rows to create; each is validated on its own, so one bad row never "
        "drops the good ones."
    )


class Rejected(BaseModel):
    index: int
    field: str | None = None
    reason: str


class BulkReport(BaseModel):
    inserted: int
    duplicates: int
    rejected: list[Rejected]
