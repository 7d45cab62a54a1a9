"""Real-time and alerts (issue 14, "Measured"): every figure beside a baseline measured in the
same run.

1. ``ws``  (bench/_realtime_ws.py): reading accepted to WebSocket delivery with 1,000 clients
   across 2 server processes over Redis (p50/p95), beside the same fan-out with 10 clients
   and a bare Redis PUBLISH round trip; connections held per process; RSS per connection.
2. ``alerts`` (bench/_realtime_alerts.py): alert evaluation per batch (one live reading,
   SQLite and PostgreSQL) beside the ingest of that reading without subscribers; the
   stale-data tick for 10,000 users on PostgreSQL (steady, idle, an outage making everyone
   stale at once) beside the bare indexed SELECT of stale users.

Run: .venv/bin/python bench/realtime.py [ws] [alerts]      (default: both)
Each figure is printed as one line of ``key=value`` pairs and, at the end, as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

PARTS = ("ws", "alerts")


def _line(fig: dict[str, Any]) -> str:
    name = fig.get("figure", "?")
    rest = "  ".join(f"{k}={v}" for k, v in fig.items() if k != "figure")
    return f"{name}\n    {rest}"


def main(argv: list[str]) -> None:
    os.environ.setdefault("GLUCOLENS_LOG_LEVEL", "WARNING")
    wanted = [a for a in argv if a in PARTS] or list(PARTS)
    unknown = [a for a in argv if a not in PARTS]
    if unknown:
        raise SystemExit(f"unknown part(s) {unknown}; choose from {PARTS}")
    figures: list[dict[str, Any]] = []
    for part in wanted:
        start = time.perf_counter()
        if part == "ws":
            import _realtime_ws

            got = _realtime_ws.run()
        else:
            import _realtime_alerts

            got = _realtime_alerts.run()
        print(f"== {part} ({time.perf_counter() - start:.0f} s)", flush=True)
        for fig in got:
            print(_line(fig), flush=True)
        figures += got
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
