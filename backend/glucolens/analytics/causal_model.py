"""What causal discovery reports: the variables in words, an edge with its effect and
evidence, the graph, and the measured error rates of its two confidence tiers.

The discovery itself is in ``causal.py`` (entry points, tigramite's PCMCI intraday) and
``causal_mci.py`` (the daily two-stage MCI procedure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from glucolens.analytics.metrics import clean_json

# Edges with q below this are "established"; the others (q < alpha) are "tentative".
# bench/causal_tiers.py measures how often each tier is wrong (MEASURED_TIERS).
ESTABLISHED_Q = 0.01
MAX_EVIDENCE = 200


# How often each tier was wrong, as measured (not assumed): (links reported, false links)
# per history length, pooled over simulated users with a weekend rhythm, calendar term
# on. The page states these figures. Re-measure with bench/causal_tiers.py after any
# change to the method and copy its last lines here.
# 240 users per length; 95 % Wilson intervals of the error rate: 90 days established
# 0.04-0.12, tentative 0.24-0.39; 180 days established 0.04-0.08, tentative 0.28-0.44.
MEASURED_TIERS: dict[int, dict[str, tuple[int, int]]] = {
    90: {"established": (151, 10), "tentative": (126, 39)},
    180: {"established": (583, 34), "tentative": (137, 49)},
}
MEASURED_TIERS_SOURCE = (
    "bench/causal_tiers.py --users 240 --seed 0 (simulated users with a weekend rhythm, "
    "calendar term on), measured 2026-12-07 at commit b64caf4"
)


def tier_error_rates(n_days: int) -> dict[str, Any]:
    """The measured error rates of both tiers at the benchmark length closest to
    ``n_days`` (days with data), with the counts they rest on."""
    days = min(MEASURED_TIERS, key=lambda d: (abs(d - n_days), d))
    out: dict[str, Any] = {"measured_days": days, "source": MEASURED_TIERS_SOURCE}
    for tier, (links, false_links) in MEASURED_TIERS[days].items():
        out[tier] = {
            "links": links,
            "false_links": false_links,
            "wrong": false_links / links if links else None,
        }
    return out


@dataclass(frozen=True)
class VarInfo:
    label: str
    unit: str
    step: float = 1.0  # the natural unit effects are expressed per
    step_text: str = ""
    prefer_less: bool = False  # phrase effects as "less X" (sleep) rather than "more X"


VARIABLES: dict[str, VarInfo] = {
    "sleep_duration_h": VarInfo("sleep", "h", 1.0, "1 h", True),
    "sleep_efficiency_pct": VarInfo("sleep efficiency", "%", 5.0, "5 points", True),
    "deep_sleep_min": VarInfo("deep sleep", "min", 15.0, "15 min", True),
    "bedtime_h": VarInfo("bedtime (later)", "h after 18:00", 1.0, "1 h", False),
    "total_carbs_g": VarInfo("carbs", "g", 10.0, "10 g"),
    "evening_carbs_g": VarInfo("evening carbs", "g", 10.0, "10 g"),
    "meal_count": VarInfo("meals", "meals", 1.0, "1 meal"),
    "active_min": VarInfo("active time", "min", 30.0, "30 min"),
    "steps": VarInfo("steps", "steps", 1000.0, "1000"),
    "insulin_total_u": VarInfo("insulin", "U", 1.0, "1 U"),
    "carbs_g": VarInfo("carbs", "g", 10.0, "10 g"),
    "insulin_u": VarInfo("insulin", "U", 1.0, "1 U"),
    "mean_glucose": VarInfo("mean glucose", "mg/dL"),
    "tir_pct": VarInfo("time in range", "%"),
    "cv_pct": VarInfo("glucose CV", "%"),
    "fasting_glucose": VarInfo("fasting glucose", "mg/dL"),
    "post_meal_peak": VarInfo("post-meal peak", "mg/dL"),
    "glucose_mgdl": VarInfo("glucose", "mg/dL"),
}
INTRADAY_ACTIVE = VarInfo("active time", "min", 15.0, "15 min")


def _info(name: str, intraday: bool = False) -> VarInfo:
    if intraday and name == "active_min":
        return INTRADAY_ACTIVE
    return VARIABLES.get(name, VarInfo(name.replace("_", " "), ""))


@dataclass
class CausalEdge:
    source: str
    target: str
    lag: int
    strength: float  # MCI partial correlation (signed)
    p: float
    q: float
    effect: float
    effect_text: str
    explanation: str
    evidence: dict[str, Any]
    lag_unit_min: int | None = None  # set for intraday graphs

    @property
    def confidence(self) -> str:
        return "established" if self.q < ESTABLISHED_Q else "tentative"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "target": self.target}
        if self.lag_unit_min is None:
            out["lag"] = self.lag
        else:
            out["lag_min"] = self.lag * self.lag_unit_min
        out.update(
            sign="+" if self.strength >= 0 else "-",
            strength=abs(self.strength),
            p=self.p,
            q=self.q,
            confidence=self.confidence,
            effect=self.effect,
            effect_text=self.effect_text,
            explanation=self.explanation,
            evidence=self.evidence,
        )
        return out


@dataclass
class CausalGraph:
    status: str
    level: str = "daily"
    reason: str | None = None
    nodes: list[dict[str, str]] = field(default_factory=list)
    edges: list[CausalEdge] = field(default_factory=list)
    test: str | None = None
    n_samples: int = 0
    calendar: str | None = None  # "weekend" when every test was conditioned on it

    def edge_keys(self, max_q: float = 1.0) -> set[tuple[str, str, int]]:
        return {(e.source, e.target, e.lag) for e in self.edges if e.q < max_q}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "level": self.level}
        if self.reason:
            out["reason"] = self.reason
        out["nodes"] = self.nodes
        out["edges"] = [e.to_dict() for e in self.edges]
        out["test"] = self.test
        out["n_samples"] = self.n_samples
        if self.level == "daily" and self.status == "ok":
            out["calendar"] = self.calendar
            out["tier_error_rates"] = tier_error_rates(self.n_samples)
        return clean_json(out, ndigits=4)


def _when(lag: int, lag_unit_min: int | None) -> str:
    if lag_unit_min is not None:
        minutes = lag * lag_unit_min
        return f"{minutes} min after"
    return "the day after" if lag == 1 else f"{lag} days after"


def _effect_text(effect: float, source: str, target: str, lag: int, unit_min: int | None) -> str:
    src, tgt = _info(source, unit_min is not None), _info(target)
    more_less = "less" if src.prefer_less else "more"
    shown = -effect if src.prefer_less else effect
    step_text = src.step_text or f"1 {src.unit}".strip()
    noun = src.label if src.label != "steps" else "steps"
    digits = 0 if abs(shown) >= 10 else 1
    return (
        f"{shown:+.{digits}f} {tgt.unit} {tgt.label} {_when(lag, unit_min)} "
        f"{step_text} {more_less} {noun}"
    ).replace("  ", " ")


def _edge(
    source: str,
    target: str,
    lag: int,
    data: pd.DataFrame,
    val: float,
    p: float,
    q: float,
    unit_min: int | None,
) -> CausalEdge:
    x = data[source].shift(lag).to_numpy(dtype=float)
    y = data[target].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    xs, ys = x[ok], y[ok]
    slope = float(np.polyfit(xs, ys, 1)[0]) if xs.size >= 3 and np.ptp(xs) > 0 else math.nan
    info = _info(source, unit_min is not None)
    effect = slope * info.step
    if xs.size > MAX_EVIDENCE:
        keep = np.linspace(0, xs.size - 1, MAX_EVIDENCE).round().astype(int)
        xs, ys = xs[keep], ys[keep]
    tgt = _info(target)
    direction = "higher" if val >= 0 else "lower"
    after = (
        f"{lag * unit_min} min" if unit_min is not None else f"{lag} day{'s' if lag > 1 else ''}"
    )
    explanation = (
        f"When {info.label} was higher, {tgt.label} {after} later tended to be {direction}, "
        f"even after accounting for the recent history of both (partial r = {val:+.2f}, "
        f"q = {q:.3g})."
    )
    return CausalEdge(
        source=source,
        target=target,
        lag=lag,
        strength=float(val),
        p=float(p),
        q=float(q),
        effect=effect,
        effect_text=_effect_text(effect, source, target, lag, unit_min),
        explanation=explanation,
        evidence={
            "x": xs.tolist(),
            "y": ys.tolist(),
            "x_label": f"{info.label} ({info.unit}), {after} before",
            "y_label": f"{tgt.label} ({tgt.unit})",
        },
        lag_unit_min=unit_min,
    )


def _nodes(drivers: list[str], targets: list[str], intraday: bool) -> list[dict[str, str]]:
    out = []
    for kind, names in (("feature", drivers), ("outcome", targets)):
        for name in names:
            info = _info(name, intraday)
            out.append({"id": name, "label": info.label, "kind": kind, "unit": info.unit})
    return out
