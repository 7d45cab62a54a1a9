"""Nights from Apple Health sleep samples (HKCategoryTypeIdentifierSleepAnalysis).

A night's samples overlap: since iOS 16 the Watch writes Core/Deep/REM/Awake stages and the
iPhone (or the Watch) writes InBed over the same hours, and a second app (AutoSleep, Oura,
Pillow...) may write its own version of the same night. Adding samples up would count the
same sleep two or three times, so:

- each source's samples are cut into sessions where nothing is recorded for more than 3 h;
- sessions of different sources that overlap in time are one night, and ONE source tells
  it: the one with stage detail (Core/Deep/REM), then the one with the most time asleep;
- within the chosen session minutes are lengths of interval unions, so overlapping samples
  of one stage count once; in-bed time comes from another source of the same night when
  the chosen one wrote none (the Watch writes stages, the iPhone's schedule writes InBed).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

IN_BED, ASLEEP, CORE, DEEP, REM, AWAKE = "in_bed", "asleep", "core", "deep", "rem", "awake"
STAGES = {
    "HKCategoryValueSleepAnalysisInBed": IN_BED,
    "HKCategoryValueSleepAnalysisAsleep": ASLEEP,  # before iOS 16
    "HKCategoryValueSleepAnalysisAsleepUnspecified": ASLEEP,
    "HKCategoryValueSleepAnalysisAsleepCore": CORE,
    "HKCategoryValueSleepAnalysisAsleepDeep": DEEP,
    "HKCategoryValueSleepAnalysisAsleepREM": REM,
    "HKCategoryValueSleepAnalysisAwake": AWAKE,
}
_SLEEPING = frozenset({ASLEEP, CORE, DEEP, REM})
_DETAIL = frozenset({CORE, DEEP, REM})
_IN_BED = frozenset({IN_BED})
_AWAKE = frozenset({AWAKE})
SESSION_GAP = dt.timedelta(hours=3)

Interval = tuple[dt.datetime, dt.datetime]


@dataclasses.dataclass(slots=True)
class Sample:
    source: str
    start: dt.datetime
    end: dt.datetime
    stage: str
    line: int


@dataclasses.dataclass(slots=True)
class _Session:
    source: str
    samples: list[Sample]
    start: dt.datetime
    end: dt.datetime

    def intervals(self, stages: frozenset[str]) -> list[Interval]:
        return [(s.start, s.end) for s in self.samples if s.stage in stages]

    @property
    def has_detail(self) -> bool:
        return any(s.stage in _DETAIL for s in self.samples)


def union_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals merged, in time order."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _minutes(merged: list[Interval]) -> float:
    return sum((end - start).total_seconds() for start, end in merged) / 60


def _sessions(samples: list[Sample]) -> list[_Session]:
    by_source: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_source[s.source].append(s)
    sessions: list[_Session] = []
    for source, items in by_source.items():
        items.sort(key=lambda s: (s.start, s.end))
        current: _Session | None = None
        for s in items:
            if current is None or s.start - current.end > SESSION_GAP:
                current = _Session(source, [s], s.start, s.end)
                sessions.append(current)
            else:
                current.samples.append(s)
                current.end = max(current.end, s.end)
    return sessions


def _nights(sessions: list[_Session]) -> Iterator[list[_Session]]:
    """Groups sessions that overlap in time (whatever their source)."""
    sessions.sort(key=lambda s: (s.start, s.source))
    group: list[_Session] = []
    group_end: dt.datetime | None = None
    for s in sessions:
        if group_end is not None and s.start < group_end:
            group.append(s)
            group_end = max(group_end, s.end)
        else:
            if group:
                yield group
            group, group_end = [s], s.end
    if group:
        yield group


def _asleep_minutes(sessions: list[_Session]) -> float:
    return _minutes(union_intervals(iv for s in sessions for iv in s.intervals(_SLEEPING)))


def _row(session: _Session, borrowed_in_bed: list[Interval]) -> dict[str, Any]:
    asleep = union_intervals(session.intervals(_SLEEPING))
    awake = union_intervals(session.intervals(_AWAKE))
    in_bed = union_intervals(session.intervals(_IN_BED)) or borrowed_in_bed
    start = min([session.start, *(s for s, _ in in_bed)])
    end = max([session.end, *(e for _, e in in_bed)])
    row: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if in_bed:
        row["in_bed_min"] = round(_minutes(in_bed), 1)
    if asleep:
        row["asleep_min"] = round(_minutes(asleep), 1)
    if awake:
        # Awake minutes that are not also covered by a sleep stage (never counted twice).
        row["awake_min"] = round(_minutes(union_intervals(awake + asleep)) - _minutes(asleep), 1)
    if session.has_detail:
        for stage in (DEEP, CORE, REM):
            row[f"{stage}_min"] = round(
                _minutes(union_intervals(session.intervals(frozenset({stage})))), 1
            )
    return row


def build_nights(samples: list[Sample]) -> Iterator[tuple[int, dict[str, Any], str]]:
    """Yields (line of the first sample, SleepIn item without source, source app) per session,
    in time order."""
    for night in _nights(_sessions(samples)):
        by_source: dict[str, list[_Session]] = defaultdict(list)
        for s in night:
            by_source[s.source].append(s)
        chosen = min(
            by_source,
            key=lambda src: (
                not any(s.has_detail for s in by_source[src]),
                -_asleep_minutes(by_source[src]),
                src,
            ),
        )
        for session in by_source[chosen]:
            borrowed: list[Interval] = []
            if not session.intervals(_IN_BED):
                others = (
                    iv
                    for src, group in by_source.items()
                    if src != chosen
                    for s in group
                    for iv in s.intervals(_IN_BED)
                    if iv[0] < session.end and iv[1] > session.start
                )
                borrowed = union_intervals(others)
            yield min(s.line for s in session.samples), _row(session, borrowed), chosen
