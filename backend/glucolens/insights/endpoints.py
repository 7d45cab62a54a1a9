"""Insight routes. Reads return the last result at once; computation happens in jobs."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.core.errors import responses
from glucolens.core.transaction import TransactionalRoute
from glucolens.insights import service
from glucolens.insights.schemas import InsightEnvelope, JobOut, JobRef

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/insights", tags=["insights"])
ERRORS = responses(401, 403, 429)
PENDING: dict[int | str, dict[str, Any]] = {
    202: {"model": InsightEnvelope, "description": "Computing; poll the job"}
}


def _envelope(db: DbSession, auth: ReadAuth, kind: str) -> Response:
    status, body = service.get_insight(db, auth.user, kind)
    model = InsightEnvelope(**body)
    return JSONResponse(status_code=status, content=model.model_dump(mode="json"))


def _route(path: str, kind: str, summary: str, doc: str) -> None:
    def handler(auth: ReadAuth, db: DbSession) -> Response:
        return _envelope(db, auth, kind)

    handler.__doc__ = doc
    handler.__name__ = f"get_{kind}"
    router.add_api_route(
        path,
        handler,
        methods=["GET"],
        response_model=InsightEnvelope,
        responses={**ERRORS, **PENDING},
        summary=summary,
    )


_route(
    "/correlations",
    "correlations",
    "Lagged correlations (heatmap)",
    "Pearson and Spearman correlations of daily features with outcomes, lags 0–7 days.",
)
_route(
    "/causal-graph",
    "causal_graph",
    "Causal graph (PCMCI)",
    "What drives your glucose: PCMCI links with lag, sign, strength and effect.",
)
_route(
    "/recurring-patterns",
    "recurring_patterns",
    "Recurring patterns (motifs)",
    "Recurring glucose shapes found with the matrix profile.",
)
_route(
    "/anomalies",
    "anomalies",
    "Anomalies (discords)",
    "The most unusual stretches of your glucose trace.",
)
_route(
    "/predictions",
    "predictions",
    "Glucose forecast",
    "Glucose 30 and 60 minutes ahead with 80% and 95% intervals, and time to low.",
)


@router.post(
    "/refresh", status_code=202, response_model=JobRef, responses=ERRORS, summary="Recompute now"
)
def refresh(auth: ReadingsWrite, db: DbSession) -> JobRef:
    """Starts a recomputation of all insights (or returns the one already running).

    A recompute is a write (it replaces stored results and costs server time), so it needs
    the write:readings scope; a read-only API key gets 403."""
    job = service.request_refresh(db, auth.user)
    return JobRef(job_id=job.id, status=job.status)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    responses=responses(401, 403, 404, 422, 429),
    summary="Poll an insight job",
)
def get_job(job_id: uuid.UUID, auth: ReadAuth, db: DbSession) -> JobOut:
    """Status and progress (0–1) of one of your insight jobs, and which insights it has
    stored so far (``parts``)."""
    job = service.get_job(db, auth.user, job_id)
    out = JobOut.model_validate(job, from_attributes=True)
    out.parts = service.job_parts(db, job)
    return out
