"""Apple Health rows that need more than one record: the kind of a glucose source (from its
cadence), meals (samples of one instant added up) and hourly steps (one app per hour).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any

from glucolens.integrations.importers.base import Problem, Record

# Apps and devices that write CGM readings to Apple Health.
CGM_NAMES = re.compile(
    r"dexcom|libre|xdrip|guardian|eversense|medtronic|minimed|simplera|juggluco|diabox|"
    r"glucose ?direct|spike|sugarmate|shuggah|tomato|miaomiao|bubble|sibionics|nightscout|"
    r"\bloop\b|\btrio\b|\biaps\b|\bg[4-7]\b",
    re.IGNORECASE,
)
CADENCE_SAMPLE = 12  # readings of a source looked at before its kind is decided
CGM_MAX_GAP_MIN = 15.5  # a median gap up to 15 min (Libre history) means a sensor
MEAL_FIELDS = ("carbs_g", "protein_g", "fat_g", "kcal")


def glucose_kind(cgm_name: bool, instants: Iterable[dt.datetime]) -> tuple[str, int | None]:
    """(kind, period_min) of one app's glucose readings: "cgm" for a CGM app (by name) or
    one whose median gap is 15 minutes or less over at least three readings, else "meter";
    the period is the nearest of 1, 5 and 15 minutes when the cadence says it."""
    times = sorted(set(instants))
    gaps = sorted((b - a).total_seconds() / 60 for a, b in zip(times, times[1:], strict=False))
    median = gaps[len(gaps) // 2] if gaps else None
    frequent = median is not None and len(gaps) >= 2 and median <= CGM_MAX_GAP_MIN
    kind = "cgm" if cgm_name or frequent else "meter"
    period = None
    if kind == "cgm" and median is not None and median <= CGM_MAX_GAP_MIN:
        period = min((1, 5, 15), key=lambda p: abs(p - median))
    return kind, period


class GlucoseSource:
    """One app's glucose readings: the first CADENCE_SAMPLE wait until the app's cadence
    says CGM or meter; later ones go straight out."""

    __slots__ = ("cgm_name", "kind", "period", "pending")

    def __init__(self, name: str) -> None:
        self.cgm_name = CGM_NAMES.search(name) is not None
        self.kind: str | None = None
        self.period: int | None = None
        self.pending: list[tuple[dt.datetime, int, dict[str, Any]]] = []

    def add(self, t: dt.datetime, line: int, item: dict[str, Any], out: list[Any]) -> None:
        if self.kind is None:
            self.pending.append((t, line, item))
            if len(self.pending) >= CADENCE_SAMPLE:
                self.decide(out)
            return
        item["kind"] = self.kind
        if self.period is not None:
            item["period_min"] = self.period
        out.append(Record("glucose", line, item))

    def decide(self, out: list[Any]) -> None:
        """Fixes the kind from the readings held so far and sends them out."""
        self.kind, self.period = glucose_kind(self.cgm_name, (t for t, _, _ in self.pending))
        pending, self.pending = self.pending, []
        for t, line, item in pending:
            self.add(t, line, item, out)


def meals(
    by_app_instant: dict[tuple[str, dt.datetime], dict[str, Any]], source: str
) -> Iterator[Record]:
    """One meal per instant. Values are already summed per (app, instant); when two apps
    wrote the same instant they describe the same meal, and the one with more carbs wins
    (adding them would double it). Protein or energy without carbs is not a meal here."""
    best: dict[dt.datetime, dict[str, Any]] = {}
    for meal in by_app_instant.values():
        if "carbs_g" not in meal:
            continue
        other = best.get(meal["t"])
        if other is None or meal["carbs_g"] > other["carbs_g"]:
            best[meal["t"]] = meal
    for t in sorted(best):
        meal = best[t]
        item = {"timestamp": t.isoformat(), "source": source}
        item.update((f, round(meal[f], 1)) for f in MEAL_FIELDS if f in meal)
        yield Record("meal", meal["line"], item)


def step_hours(
    hours: dict[str, dict[str, float]], lines: dict[str, int], source: str
) -> Iterator[Record | Problem]:
    """One "steps" activity per local hour ("2024-03-12 08 +0100" -> app -> steps): the app
    that counted the most, since the Watch and the iPhone count the same steps."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for key in sorted(hours):
        line = lines[key]
        steps = max(hours[key].values())
        if steps < 0.5:
            continue
        try:
            start = dt.datetime.fromisoformat(f"{key[:13]}:00:00{key[13:]}")
        except ValueError:
            yield Problem(line, "step count without a valid date", "activity")
            continue
        end = start + dt.timedelta(hours=1)
        if start < now < end:
            end = now  # the hour the export was made in is not over yet
        item = {"start": start.isoformat(), "end": end.isoformat(), "activity_type": "steps"}
        yield Record("activity", line, {**item, "steps": round(steps), "source": source})
