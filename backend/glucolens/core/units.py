"""Glucose units. Values are stored in mg/dL; 1 mmol/L = 18.0182 mg/dL (molar mass of glucose)."""

from __future__ import annotations

MGDL_PER_MMOL = 18.0182
MGDL = "mg/dL"
MMOL = "mmol/L"
UNITS = (MGDL, MMOL)

_ALIASES = {
    "mg/dl": MGDL,
    "mgdl": MGDL,
    "mg": MGDL,
    "mmol/l": MMOL,
    "mmol": MMOL,
    "mmoll": MMOL,
}


def normalize_unit(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return MGDL
    return _ALIASES.get(raw.strip().lower())


def to_mgdl(value: float, unit: str) -> float:
    return value * MGDL_PER_MMOL if unit == MMOL else value


def from_mgdl(value: float | None, unit: str) -> float | None:
    """Convert for responses: mmol/L to two decimals, mg/dL to one. Clients round for display
    (mmol/L to one decimal, mg/dL to whole numbers), so rounding happens once."""
    if value is None:
        return None
    if unit == MMOL:
        return round(value / MGDL_PER_MMOL, 2)
    return round(value, 1)
