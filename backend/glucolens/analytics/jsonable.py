"""One way to turn analytics results into what ``json.dumps`` accepts."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(obj: Any, ndigits: int | None = None) -> Any:
    """``obj`` with NaN/inf as ``None``, numpy scalars and arrays as Python ones, floats
    rounded to ``ndigits`` when given, and datetimes as ISO-8601 UTC strings ending in ``Z``."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, ndigits) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [to_jsonable(v, ndigits) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        if not math.isfinite(value):
            return None
        return value if ndigits is None else round(value, ndigits)
    if isinstance(obj, dt.datetime):
        ts = pd.Timestamp(obj)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    return obj
