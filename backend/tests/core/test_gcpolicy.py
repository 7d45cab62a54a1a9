"""core/gcpolicy: a process started by ``glucolens serve`` freezes its start-up heap when the
app's lifespan starts; any other process (these tests build many apps) does not.

Run in a child process: a freeze is permanent for the process that makes it, and would keep
every app the rest of the test run builds. The child inherits this run's environment from
tests/conftest.py (SQLite in the run's data dir, scheduler off, no Redis).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = """
import gc, json, os
from fastapi.testclient import TestClient
from glucolens.core.config import Settings
from glucolens.core.gcpolicy import YOUNG_THRESHOLD
from glucolens.main import create_app

out = {"young": YOUNG_THRESHOLD}
os.environ.pop("GLUCOLENS_SERVE_WORKERS", None)
with TestClient(create_app(Settings())) as client:
    client.get("/livez")
out["plain"] = [gc.get_freeze_count(), gc.get_threshold()[0]]
os.environ["GLUCOLENS_SERVE_WORKERS"] = "1"
with TestClient(create_app(Settings())) as client:
    out["livez"] = client.get("/livez").status_code
out["served"] = [gc.get_freeze_count(), gc.get_threshold()[0]]
print(json.dumps(out))
"""


def test_only_a_served_process_freezes_its_heap_and_collects_the_young_less_often():
    env = {k: v for k, v in os.environ.items() if k != "GLUCOLENS_SERVE_WORKERS"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["plain"] == [0, 700]  # CPython's default threshold, nothing frozen
    frozen, young = out["served"]
    assert frozen > 100_000  # the modules, the app and its routes
    assert young == out["young"] > 700
    assert out["livez"] == 200
