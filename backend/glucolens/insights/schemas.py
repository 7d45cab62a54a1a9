"""Insight envelopes and jobs."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from glucolens.core.schemas import UtcTime


class InsightEnvelope(BaseModel):
    status: Literal["ok", "insufficient_data", "failed", "pending"]
    computed_at: UtcTime | None
    stale: bool
    job_id: uuid.UUID | None
    data: dict[str, Any] | None


class JobOut(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    step: str | None
    error: str | None
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    # Per insight kind (correlations, predictions, causal_graph, recurring_patterns,
    # anomalies): the job stores the quick ones first, and each page reads its own as
    # soon as it is ready.
    parts: dict[str, Literal["ready", "pending", "failed"]] = Field(default_factory=dict)


class JobRef(BaseModel):
    job_id: uuid.UUID
    status: str
