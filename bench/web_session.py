"""How many API requests a web session makes (issue 15, item 7): the figure behind the
default per-user limit for signed-in sessions (GLUCOLENS_API_RATE_LIMIT).

Starts `glucolens serve` on a fresh SQLite database with the demo user's 90 days, with the
session limit lifted (so the count is not cut short), and drives Chromium through
bench/web_session.mjs: a dashboard load, the insight pages, a walk through every page, and an
idle minute on the dashboard. Needs the built web app (make frontend) and Debian's chromium.

Run: .venv/bin/python bench/web_session.py
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import BIN, bench_env, database, server

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with database("sqlite") as (url, data_dir):
        out = subprocess.run(
            [str(BIN / "glucolens"), "demo"],
            env=bench_env(url, data_dir),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        email = re.search(r"demo user: (\S+)", out).group(1)  # type: ignore[union-attr]
        password = re.search(r"password:\s+(\S+)", out).group(1)  # type: ignore[union-attr]
        static = {"GLUCOLENS_STATIC_DIR": str(ROOT / "frontend" / "out")}
        with server(url, data_dir, **static) as base:
            print("web session: API requests per step (demo user, 90 days)")
            subprocess.run(
                ["node", str(ROOT / "bench" / "web_session.mjs"), base, email, password],
                cwd=ROOT / "frontend",
                check=True,
            )


if __name__ == "__main__":
    main()
