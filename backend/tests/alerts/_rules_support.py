"""Shared by the pure rules tests (test_rules*.py): readings, users and episodes.

Readings are 5-minute CGM readings (Dexcom G6/G7 and Libre 2/3 via xDrip+ or Nightscout
uploaders send one every 5 min, some every minute); "now" is just after the newest one."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from glucolens.alerts import rules
from glucolens.alerts.defaults import DEFAULTS
from glucolens.alerts.rules import Episode, Reading, UserAlerting

NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def series(*values: float, every_min: float = 5.0, end: dt.datetime = NOW) -> list[Reading]:
    n = len(values)
    return [Reading(end - (n - 1 - i) * every_min * MIN, float(v)) for i, v in enumerate(values)]


def user(**kw: Any) -> UserAlerting:
    configs = kw.pop("configs", None) or dict(DEFAULTS)
    for kind, changes in kw.pop("overrides", {}).items():
        configs[kind] = replace(configs[kind], **changes)
    return UserAlerting(configs=configs, **kw)


def ep(kind: str, **kw: Any) -> Episode:
    kw.setdefault("is_open", True)
    kw.setdefault("opened_at", NOW - 30 * MIN)
    return Episode(kind=kind, **kw)


def by_kind(evaluation: rules.Evaluation) -> dict[str, rules.Decision]:
    return {d.kind: d for d in evaluation.decisions}
