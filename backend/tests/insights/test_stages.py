"""Cheap insights first: the job stores its stages one by one, and the job poll says which
parts are ready. Also where numba keeps STUMPY's compiled code (insights/warmup.py).

Shapes: the CGM trace is ``cgm_days`` of test_insights_api.py (a daily sinusoid with
noise); the empty frames are what ``load_frames`` returns for a user without data."""

from __future__ import annotations

import os
import sys

import pandas as pd
import pytest
from sqlalchemy import select

from glucolens.core.db import get_sessionmaker
from glucolens.insights import pipeline, warmup
from glucolens.insights.models import InsightResult
from glucolens.insights.pipeline import KINDS, STAGES, part_states, run_pipeline
from glucolens.insights.repository import UserFrames
from tests.insights.test_insights_api import cgm_days, wait_for_job


def _empty_frames() -> UserFrames:
    def frame(*cols: str) -> pd.DataFrame:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns, UTC]") for c in cols})

    return UserFrames(
        "UTC",
        frame("timestamp").assign(value_mgdl=pd.Series(dtype=float)),
        frame("start", "end"),
        frame("timestamp"),
        frame("start", "end"),
        frame("timestamp"),
    )


def test_every_kind_runs_in_exactly_one_stage_and_the_quick_stage_is_first():
    kinds = [kind for _, steps in STAGES for kind, _, _ in steps]
    assert sorted(kinds) == sorted(KINDS)
    first_stage, first_steps = STAGES[0]
    assert first_stage == "quick"
    assert {kind for kind, _, _ in first_steps} == {"correlations", "predictions"}
    assert sum(w for _, steps in STAGES for _, _, w in steps) == pytest.approx(1.0)


def test_part_states_are_pending_until_stored_and_failed_when_the_job_ended_without_it():
    running = part_states({"correlations", "predictions"}, "running")
    assert running["correlations"] == running["predictions"] == "ready"
    assert running["causal_graph"] == running["recurring_patterns"] == "pending"
    ended = part_states({"correlations"}, "failed")
    assert ended["correlations"] == "ready" and ended["anomalies"] == "failed"
    assert set(part_states(set(KINDS), "done").values()) == {"ready"}
    assert set(part_states(set(), "queued").values()) == {"pending"}


def test_each_stage_is_handed_over_before_the_next_one_starts():
    events: list[str] = []
    results = run_pipeline(
        _empty_frames(),
        progress=lambda _f, step: events.append(f"step:{step}"),
        on_stage=lambda stage, rs: events.append(f"stage:{stage}:{','.join(r.kind for r in rs)}"),
    )
    assert events.index("stage:quick:correlations,predictions") < events.index("step:causal_graph")
    assert events[-2:] == ["stage:patterns:recurring_patterns,anomalies", "step:done"]
    assert [r.kind for r in results] == [k for _, s in STAGES for k, _, _ in s]


def test_quick_results_are_readable_while_the_deep_stage_runs(
    client, make_user, auth_headers, monkeypatch
):
    """A probe in place of the causal step reads the results from another session (what
    a page's request sees) while the job is still in its later stages."""
    seen: dict[str, set[str]] = {}
    real_causal = pipeline.causal_step

    def probe(frames, cache):  # type: ignore[no-untyped-def]
        with get_sessionmaker()() as other:
            rows = other.execute(select(InsightResult.kind)).scalars().all()
        seen["during_causal"] = set(rows)
        return real_causal(frames, cache)

    stages = [
        (name, [(k, probe if k == "causal_graph" else fn, w) for k, fn, w in steps])
        for name, steps in STAGES
    ]
    monkeypatch.setattr(pipeline, "STAGES", stages)
    user = make_user()
    headers = auth_headers(user)
    client.post("/api/v1/glucose/bulk", json={"items": cgm_days(3)}, headers=headers)
    job_id = client.post("/api/v1/insights/refresh", headers=headers).json()["job_id"]
    job = wait_for_job(client, headers, job_id)
    assert job["status"] == "done", job
    assert seen["during_causal"] == {"correlations", "predictions"}
    assert job["parts"] == dict.fromkeys(KINDS, "ready")


def test_a_queued_job_reports_every_part_pending(client, make_user, auth_headers, db):
    from glucolens.insights.models import InsightJob

    user = make_user()
    job = InsightJob(user_id=user.id, status="queued", progress=0.0)
    db.add(job)
    db.commit()
    body = client.get(f"/api/v1/insights/jobs/{job.id}", headers=auth_headers(user)).json()
    assert body["parts"] == dict.fromkeys(KINDS, "pending")


def test_numba_cache_dir_is_under_the_data_dir(tmp_path, monkeypatch):
    import numba.core.config as numba_config

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(numba_config, "CACHE_DIR", numba_config.CACHE_DIR)
    path = warmup.use_persistent_cache(tmp_path)
    assert path == (tmp_path / "numba-cache").resolve()
    assert os.environ["NUMBA_CACHE_DIR"] == str(path)
    assert str(path) == sys.modules["numba.core.config"].CACHE_DIR


def test_an_operators_numba_cache_dir_wins(tmp_path, monkeypatch):
    import numba.core.config as numba_config

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setattr(numba_config, "CACHE_DIR", numba_config.CACHE_DIR)
    assert warmup.use_persistent_cache(tmp_path) == tmp_path / "elsewhere"
