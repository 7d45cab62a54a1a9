"""The insight pipeline: one user's frames in, one JSON-ready result per insight kind out.

Each step is independent: a failure in one is recorded as that kind's ``failed`` result
and the others still run. Steps run in stages, cheapest first (``STAGES``), and the job
stores each stage's results when it ends, so a page shows its insight as soon as that
part is ready.

Each step imports its analytics module inside the step function: those modules pull in
tigramite, stumpy and numba, which only the process that runs jobs (a Celery worker, or the
in-process pool) should load, never the API on start-up. ``predict`` is imported in its step
for the same reason (it imports the forecast module).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from glucolens.core.units import MGDL
from glucolens.insights.repository import UserFrames

log = logging.getLogger(__name__)

# Stored insights keep glucose in mg/dL (a unit change must not need a recomputation);
# every payload names it and clients convert for display.
# Results are stored in mg/dL; the API converts them to the user's unit on the way out.
GLUCOSE_UNIT = MGDL
KINDS = ("correlations", "causal_graph", "recurring_patterns", "anomalies", "predictions")


@dataclass
class StepResult:
    kind: str
    status: str  # ok | insufficient_data | failed
    data: dict[str, Any]
    duration_s: float


def _daily(frames: UserFrames, cache: dict[str, Any]) -> Any:
    if "daily" not in cache:
        from glucolens.analytics.features import daily_frame

        cache["daily"] = daily_frame(
            frames.glucose,
            frames.sleep,
            frames.meals,
            frames.activities,
            frames.insulin,
            tz=frames.tz,
        )
    return cache["daily"]


def correlations_step(frames: UserFrames, cache: dict[str, Any]) -> dict[str, Any]:
    from glucolens.analytics.correlations import lagged_correlations

    daily = _daily(frames, cache)
    have = int(daily.outcomes.notna().any(axis=1).sum())
    if have < 14:
        return {
            "status": "insufficient_data",
            "reason": f"Correlations need at least 14 days with glucose data; you have {have}.",
        }
    return {"status": "ok", **lagged_correlations(daily.features, daily.outcomes).to_dict()}


def causal_step(frames: UserFrames, cache: dict[str, Any]) -> dict[str, Any]:
    from glucolens.analytics.causal import discover_daily

    daily = _daily(frames, cache)
    graph = discover_daily(daily).to_dict()
    return {**graph, "unit": GLUCOSE_UNIT, "intraday": _intraday(frames)}


INTRADAY_DAYS = 60


def _intraday(frames: UserFrames) -> dict[str, Any]:
    """15-minute PCMCI (carbs, activity, insulin → glucose, lags up to 3 h) on the last
    60 days; reported beside the daily graph."""
    from glucolens.analytics.causal import discover_intraday
    from glucolens.analytics.features import intraday_frame

    g = frames.glucose
    if g.empty:
        return {"status": "insufficient_data", "reason": "No glucose readings yet."}
    since = g["timestamp"].max() - pd.Timedelta(days=INTRADAY_DAYS)
    frame = intraday_frame(
        g[g["timestamp"] >= since],
        frames.meals[frames.meals["timestamp"] >= since],
        frames.activities[frames.activities["start"] >= since],
        frames.insulin[frames.insulin["timestamp"] >= since],
    )
    return discover_intraday(frame).to_dict()


def _pattern_report(frames: UserFrames, cache: dict[str, Any]) -> dict[str, Any]:
    if "pattern_report" not in cache:
        from glucolens.analytics.patterns import pattern_report

        times = pd.DatetimeIndex(frames.glucose["timestamp"])
        values = frames.glucose["value_mgdl"].to_numpy(dtype=float)
        cache["pattern_report"] = pattern_report(times, values, tz=frames.tz).to_dict()
    return cache["pattern_report"]


def _windows_summary(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"window_minutes": w["window_minutes"], "status": w["status"], "reason": w["reason"]}
        for w in report["windows"]
    ]


def patterns_step(frames: UserFrames, cache: dict[str, Any]) -> dict[str, Any]:
    report = _pattern_report(frames, cache)
    motifs = []
    for w in report["windows"]:
        for m in w["motifs"]:
            motifs.append(
                {
                    **{k: v for k, v in m.items() if k != "occurrences"},
                    "id": f"{w['window_minutes']}-{m['id']}",
                    "occurrences": [{"start": t} for t in m["occurrences"]],
                }
            )
    status = "ok" if motifs else "insufficient_data"
    return {
        "status": status,
        "reason": None if motifs else (report.get("reason") or "No recurring patterns yet."),
        "unit": GLUCOSE_UNIT,
        "windows": _windows_summary(report),
        "motifs": motifs,
    }


def _novelty(frames: UserFrames) -> dict[str, Any] | None:
    """Novelty of the newest 3 hours from the streaming profile, continuing the state
    saved by the previous run when it still fits the readings (see
    ``analytics.streaming.update_novelty``). A failure here never hides the batch
    anomalies."""
    from glucolens.analytics.profile import WINDOW_3H
    from glucolens.analytics.streaming import update_novelty

    if frames.glucose.empty:
        return None
    store = frames.stream_store
    try:
        times = pd.DatetimeIndex(frames.glucose["timestamp"])
        values = frames.glucose["value_mgdl"].to_numpy(dtype=float)
        state = store.load(WINDOW_3H) if store is not None else None
        novelty, new_state = update_novelty(state, times, values, WINDOW_3H)
    except Exception:  # noqa: BLE001 - the batch anomalies still stand
        log.exception("novelty update failed")
        return None
    if store is not None and new_state is not None:
        store.save(WINDOW_3H, new_state, times.max().to_pydatetime())
    return None if novelty is None else novelty.to_dict()


def anomalies_step(frames: UserFrames, cache: dict[str, Any]) -> dict[str, Any]:
    report = _pattern_report(frames, cache)
    anomalies = [a for w in report["windows"] for a in w["anomalies"]]
    anomalies.sort(key=lambda a: a.get("z_score") or 0, reverse=True)
    status = "ok" if anomalies else "insufficient_data"
    return {
        "status": status,
        "reason": None if anomalies else (report.get("reason") or "Not enough data yet."),
        "unit": GLUCOSE_UNIT,
        "windows": _windows_summary(report),
        "anomalies": anomalies,
        "novelty": _novelty(frames),
    }


def predictions_step(frames: UserFrames, cache: dict[str, Any]) -> dict[str, Any]:
    from glucolens.insights.predict import fit_and_forecast

    return fit_and_forecast(frames)


Step = Callable[[UserFrames, dict[str, Any]], dict[str, Any]]

# The job runs in two stages and stores each stage's results as soon as it ends, so the
# cheap answers (seconds) do not wait for the expensive ones (PCMCI and the matrix
# profile, minutes on a cold start while numba compiles STUMPY). Weights are each step's
# share of a typical run, for the job's progress.
STAGES: list[tuple[str, list[tuple[str, Step, float]]]] = [
    (
        "quick",
        [
            ("correlations", correlations_step, 0.05),
            ("predictions", predictions_step, 0.1),
        ],
    ),
    # PCMCI before the matrix profile: on a cold start numba compiles STUMPY in a
    # background thread (insights/warmup.py) meanwhile.
    ("causal", [("causal_graph", causal_step, 0.45)]),
    (
        "patterns",
        [
            ("recurring_patterns", patterns_step, 0.35),
            ("anomalies", anomalies_step, 0.05),
        ],
    ),
]
STEPS = [step for _, steps in STAGES for step in steps]
STAGE_OF = {kind: stage for stage, steps in STAGES for kind, _, _ in steps}
PartState = Literal["ready", "pending", "failed"]


def part_states(stored: set[str], job_status: str) -> dict[str, PartState]:
    """Each insight kind's state within one job: ``ready`` once this job stored its result
    (whatever that result says, ``insufficient_data`` included), ``pending`` while the job
    may still store it, ``failed`` when the job ended without storing it."""
    ended = job_status in ("done", "failed")
    return {
        kind: "ready" if kind in stored else ("failed" if ended else "pending") for kind in KINDS
    }


def _run_step(kind: str, step: Step, frames: UserFrames, cache: dict[str, Any]) -> StepResult:
    started = time.perf_counter()
    try:
        data = dict(step(frames, cache))
        status = str(data.pop("status", "ok"))
    except Exception:  # noqa: BLE001 - one failing analysis must not sink the others
        log.exception("insight step failed", extra={"fields": {"kind": kind}})
        data, status = {"reason": "This analysis failed; it will be retried."}, "failed"
    return StepResult(kind, status, data, time.perf_counter() - started)


def run_pipeline(
    frames: UserFrames,
    progress: Callable[[float, str], None] | None = None,
    on_stage: Callable[[str, list[StepResult]], None] | None = None,
) -> list[StepResult]:
    """Every step, stage by stage; ``on_stage(stage, results)`` is called when a stage
    ends (the job stores and publishes those results before the next stage starts)."""
    cache: dict[str, Any] = {}
    results: list[StepResult] = []
    done = 0.0
    for stage, steps in STAGES:
        stage_results = []
        for kind, step, weight in steps:
            if progress:
                progress(done, kind)
            stage_results.append(_run_step(kind, step, frames, cache))
            done += weight
        results.extend(stage_results)
        if on_stage:
            on_stage(stage, stage_results)
    if progress:
        progress(1.0, "done")
    return results
