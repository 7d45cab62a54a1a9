"""Report requests and jobs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from glucolens.core.schemas import QueryDate, UtcTime


class ReportRequest(BaseModel):
    """Either ``days`` (counting back from today, today included) or ``start`` and ``end``."""

    model_config = ConfigDict(extra="forbid")

    start: QueryDate | None = Field(default=None, description="first local date (YYYY-MM-DD)")
    end: QueryDate | None = Field(default=None, description="last local date, inclusive")
    days: int | None = Field(
        default=None,
        ge=1,
        le=90,
        strict=True,
        description="the last N local days up to today (1 to 90)",
    )


class ReportJobOut(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(description="0 to 1")
    step: str | None = Field(description="what the job is doing now")
    error: str | None = Field(description="why it failed, in words")
    start: dt.date = Field(description="first local date of the period")
    end: dt.date = Field(description="last local date of the period")
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    page_count: int | None
    size_bytes: int | None
    pdf_url: str | None = Field(description="where to download the PDF once done")


class ReportList(BaseModel):
    items: list[ReportJobOut]
