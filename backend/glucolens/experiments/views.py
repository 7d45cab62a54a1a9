"""An experiment as the API shows it: schedule with today's assignment, progress, the
interim or final result in words, and the power plan, in the user's unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from glucolens.analytics import experiments as ex
from glucolens.analytics.experiment_outcomes import OutcomeSpec, daily_outcomes
from glucolens.auth.models import User
from glucolens.core.timeutil import local_today
from glucolens.experiments import service
from glucolens.experiments.models import Experiment
from glucolens.experiments.schemas import (
    AdherenceOut,
    DayOut,
    ExperimentOut,
    ExperimentSummary,
    NoiseOut,
    PlanOut,
    PowerPoint,
    ResultOut,
    TodayOut,
)

METHOD = (
    "Difference of means between intervention and baseline days, pair of blocks by pair; "
    "p-value and 95% interval from a randomisation test over the coin flips that ordered "
    "each pair (exact whatever the day-to-day correlation). Days count as assigned, "
    "followed or not."
)


def spec_of(exp: Experiment) -> OutcomeSpec:
    return OutcomeSpec(exp.outcome, exp.window_start_min, exp.window_end_min)


def end_date(exp: Experiment) -> dt.date:
    return exp.start_date + dt.timedelta(days=exp.planned_days - 1)


def status_of(exp: Experiment, today: dt.date) -> str:
    if exp.status != "active":
        return "complete" if exp.ended_on and exp.ended_on >= end_date(exp) else "stopped"
    if today < exp.start_date:
        return "scheduled"
    return "complete" if today > end_date(exp) else "running"


def days_done(exp: Experiment, today: dt.date) -> int:
    last = service.last_counted_day(exp, today)
    return max(0, (last - exp.start_date).days + 1)


def assignment_on(exp: Experiment, day: dt.date) -> str | None:
    i = (day - exp.start_date).days
    return exp.schedule[i] if 0 <= i < exp.planned_days and exp.status == "active" else None


def summary(exp: Experiment, now: dt.datetime | None = None) -> ExperimentSummary:
    today = local_today(exp.timezone, now)
    return ExperimentSummary(
        id=exp.id,
        title=exp.title,
        intervention=exp.intervention,
        outcome=exp.outcome,  # type: ignore[arg-type]
        outcome_label=spec_of(exp).label(),
        status=status_of(exp, today),  # type: ignore[arg-type]
        start_date=exp.start_date,
        end_date=end_date(exp),
        planned_days=exp.planned_days,
        days_done=days_done(exp, today),
        today_assignment=assignment_on(exp, today),  # type: ignore[arg-type]
        created_at=exp.created_at,
    )


def plan_out(plan: dict[str, Any], spec: OutcomeSpec, user: User) -> PlanOut:
    unit = service.outcome_unit(spec, user)
    note = (
        f"Fitted on {plan['history_days']} days of your own data."
        if plan["from_history"]
        else f"Your history has fewer than {ex.MIN_HISTORY_DAYS} measured days of this "
        "outcome, so a typical person's day-to-day variation is assumed; the days needed "
        "may be off for you."
    )
    days = plan["days_needed"]
    effect = ex.amount_text(plan["effect"], spec, user.unit)
    message = (
        f"About {days} days ({days // 2} intervention, {days // 2} baseline) give an 80% "
        f"chance to show an effect of {effect} on {spec.label()}, if there is one."
        if days
        else f"An effect of {effect} is too small to show within {service.MAX_DAYS} days "
        "given your day-to-day variation; aim for a larger effect."
    )
    return PlanOut(
        outcome=spec.kind,  # type: ignore[arg-type]
        outcome_label=spec.label(),
        unit=unit,
        target_effect=service.shown(plan["effect"], spec, user) or 0.0,
        block_days=plan["block_days"],
        days_needed=days,
        noise=NoiseOut(
            sd=service.shown(plan["sd"], spec, user) or 0.0,
            rho=round(plan["rho"], 2),
            usable_fraction=round(plan["usable_fraction"], 2),
            history_days=plan["history_days"],
            from_history=plan["from_history"],
            note=note,
        ),
        power_curve=[PowerPoint(**p) for p in plan["curve"]],
        message=message,
    )


def _instruction(exp: Experiment, today: dt.date, assignment: str | None) -> str:
    status = status_of(exp, today)
    if status == "scheduled":
        return f"The experiment starts on {exp.start_date.isoformat()}."
    if assignment == ex.INTERVENTION:
        return f"Intervention day: {exp.intervention}."
    if assignment == ex.BASELINE:
        return f"Baseline day: live as usual, without '{exp.intervention}'."
    return "The experiment is over; no instruction today."


def detail(
    db: Session, user: User, exp: Experiment, now: dt.datetime | None = None
) -> ExperimentOut:
    spec = spec_of(exp)
    today = local_today(exp.timezone, now)
    last = service.last_counted_day(exp, today)
    elapsed = max(0, (last - exp.start_date).days + 1)
    dates = service.days_from(exp.start_date, exp.planned_days)
    outcomes = np.full(exp.planned_days, np.nan)
    if elapsed:
        ts, values = service.load_trace(db, exp.user_id, exp.timezone, dates[0], last)
        outcomes[:elapsed] = daily_outcomes(ts, values, dates[:elapsed], exp.timezone, spec)
    marks = service.marks(db, exp)
    final = exp.status != "active" or elapsed >= exp.planned_days
    res = ex.analyse(outcomes, exp.schedule, exp.block_days, spec.lower_is_better, elapsed, final)
    verdict = ex.verdict_text(res, spec, user.unit, exp.target_effect)
    stopped_early = final and elapsed < exp.planned_days
    if stopped_early and res.status != "not_enough_days":
        verdict += (
            f" Stopped after {elapsed} of {exp.planned_days} days: if it was stopped because "
            "of how the result looked, the 95% is not guaranteed."
        )
    not_followed = sum(1 for d, f in marks.items() if not f and d <= last)
    adherence_note = None
    if elapsed and not_followed / elapsed > 0.2:
        adherence_note = (
            f"{not_followed} of {elapsed} days were not followed: days count as assigned, so "
            "the result understates what following the plan would do."
        )

    def when(i: int, day: dt.date) -> str:
        if i < elapsed:
            return "past"
        if exp.status != "active":
            return "after_end"
        return "today" if day == today else "future"

    assignment = assignment_on(exp, today)
    base = summary(exp, now)
    return ExperimentOut(
        **base.model_dump(),
        window_start=service.min_to_clock(exp.window_start_min) if "window" in spec.kind else None,
        window_end=service.min_to_clock(exp.window_end_min) if "window" in spec.kind else None,
        target_effect=service.shown(exp.target_effect, spec, user) or 0.0,
        unit=service.outcome_unit(spec, user),
        block_days=exp.block_days,
        timezone=exp.timezone,
        plan=plan_out(exp.plan, spec, user),
        today=TodayOut(
            date=today,
            assignment=assignment,  # type: ignore[arg-type]
            instruction=_instruction(exp, today, assignment),
        ),
        days=[
            DayOut(
                date=day,
                assignment=exp.schedule[i],  # type: ignore[arg-type]
                followed=marks.get(day),
                outcome=None if np.isnan(outcomes[i]) else service.shown(outcomes[i], spec, user),
                when=when(i, day),  # type: ignore[arg-type]
            )
            for i, day in enumerate(dates)
        ],
        adherence=AdherenceOut(
            marked_days=len(marks), not_followed_days=not_followed, note=adherence_note
        ),
        result=ResultOut(
            status=res.status,  # type: ignore[arg-type]
            final=res.final,
            difference=service.shown(res.difference, spec, user),
            ci_low=service.shown(res.ci_low, spec, user),
            ci_high=service.shown(res.ci_high, spec, user),
            p_value=None if res.p_value is None else round(res.p_value, 4),
            pairs_used=res.pairs_used,
            min_pairs=res.pairs_needed,
            intervention_days=res.intervention_days,
            baseline_days=res.baseline_days,
            verdict=verdict,
            method=METHOD,
        ),
        ended_at=exp.ended_at,
    )
