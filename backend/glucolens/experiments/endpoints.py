"""Experiment routes: plan (power preview), create, list, read, mark a day, stop, delete.

Reading needs the ``read`` scope; anything that changes an experiment needs
``write:readings``, as every other write of the user's own records does.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from glucolens.auth.deps import DbSession, ReadAuth, ReadingsWrite
from glucolens.core.errors import responses
from glucolens.core.timeutil import local_today
from glucolens.core.transaction import TransactionalRoute
from glucolens.experiments import service, views
from glucolens.experiments.schemas import (
    OUTCOME_HELP,
    AdherenceIn,
    ClockTime,
    ExperimentIn,
    ExperimentList,
    ExperimentOut,
    Outcome,
    PlanOut,
    UnitIn,
)

# Under /insights: /api/v1/experiments/... belongs to the Nightscout API at the host root
# (GET /api/v1/experiments/test is how uploaders check write access).
router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/insights", tags=["experiments"])


@router.get(
    "/experiment-plan",
    response_model=PlanOut,
    responses=responses(401, 403, 422, 429),
    summary="Days needed for an experiment",
)
def plan_experiment(
    auth: ReadAuth,
    db: DbSession,
    outcome: Annotated[Outcome, Query(description=OUTCOME_HELP)],
    target_effect: Annotated[
        float, Query(gt=0, le=500, description="smallest change you care about")
    ],
    window_start: Annotated[ClockTime | None, Query()] = None,
    window_end: Annotated[ClockTime | None, Query()] = None,
    unit: Annotated[
        UnitIn | None, Query(description="unit of target_effect; yours if absent")
    ] = None,
    block_days: Annotated[int, Query(ge=1, le=7)] = 2,
) -> PlanOut:
    """How many days an experiment needs for an 80% chance to show ``target_effect``, from
    your own day-to-day variation over the last 90 days (a population default when your
    history is short, and it says so)."""
    spec = service.outcome_spec(outcome, window_start, window_end)
    effect = service.to_mgdl(target_effect, spec, unit, auth.user)
    today = local_today(auth.user.timezone)
    plan = service.make_plan(db, auth.user, spec, effect, block_days, today)
    return views.plan_out(plan, spec, auth.user)


@router.post(
    "/experiments",
    status_code=201,
    response_model=ExperimentOut,
    responses=responses(401, 403, 409, 422, 429),
    summary="Start an experiment",
)
def create_experiment(body: ExperimentIn, auth: ReadingsWrite, db: DbSession) -> ExperimentOut:
    """Plans the experiment (days needed, unless planned_days is given) and draws its
    schedule of intervention and baseline blocks. 409 when one is already running."""
    exp = service.create(db, auth.user, body)
    return views.detail(db, auth.user, exp)


@router.get(
    "/experiments",
    response_model=ExperimentList,
    responses=responses(401, 403, 429),
    summary="Your experiments",
)
def list_experiments(auth: ReadAuth, db: DbSession) -> ExperimentList:
    """Your experiments, newest first, with progress and today's assignment."""
    return ExperimentList(items=[views.summary(e) for e in service.list_for(db, auth.user)])


@router.get(
    "/experiments/{experiment_id}",
    response_model=ExperimentOut,
    responses=responses(401, 403, 404, 422, 429),
    summary="An experiment",
)
def get_experiment(experiment_id: uuid.UUID, auth: ReadAuth, db: DbSession) -> ExperimentOut:
    """Schedule with today's assignment, adherence marks, and the result so far (final once
    the planned days are done or it was stopped)."""
    exp = service.get_for(db, auth.user, experiment_id)
    return views.detail(db, auth.user, exp)


@router.put(
    "/experiments/{experiment_id}/adherence",
    response_model=ExperimentOut,
    responses=responses(401, 403, 404, 422, 429),
    summary="Mark a day as followed or not",
)
def mark_adherence(
    experiment_id: uuid.UUID, body: AdherenceIn, auth: ReadingsWrite, db: DbSession
) -> ExperimentOut:
    """Whether you followed the day's assignment (null clears the mark). Days up to today."""
    exp = service.mark_day(db, auth.user, experiment_id, body.day, body.followed)
    return views.detail(db, auth.user, exp)


@router.post(
    "/experiments/{experiment_id}/stop",
    response_model=ExperimentOut,
    responses=responses(401, 403, 404, 409, 422, 429),
    summary="End an experiment",
)
def stop_experiment(experiment_id: uuid.UUID, auth: ReadingsWrite, db: DbSession) -> ExperimentOut:
    """Ends it: the days up to yesterday count (all of them once the plan is done) and the
    result becomes final. 409 when it has already ended."""
    exp = service.stop(db, auth.user, experiment_id)
    return views.detail(db, auth.user, exp)


@router.delete(
    "/experiments/{experiment_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
    summary="Delete an experiment",
)
def delete_experiment(experiment_id: uuid.UUID, auth: ReadingsWrite, db: DbSession) -> Response:
    """Deletes the experiment and its day marks (your readings stay)."""
    service.remove(db, auth.user, experiment_id)
    return Response(status_code=204)
