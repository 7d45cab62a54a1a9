"""kill -9 of PostgreSQL, Redis, the app and a Celery worker in the middle of a bulk ingest
(four clients, 20,000 unique readings in overlapping batches) and of an insights job. After
recovery and client retries: rows equal the unique readings sent, none twice, every day's
aggregate equals its rows (checked from the tables and by `glucolens db check`), the app
answered only 2xx, 429 or 503 (with Retry-After) meanwhile, connections were refused only
while the app itself was down, and the interrupted job ended so that a new refresh works."""

from __future__ import annotations

import pytest

from tests.fault import scenario
from tests.fault.conftest import Stack


@pytest.mark.timeout(480)
@pytest.mark.parametrize("target", ["postgres", "redis", "app", "worker"])
def test_kill9_during_ingest_and_insights_job(deployed: Stack, target: str) -> None:
    outcome = scenario.run(deployed, target)
    print(outcome.summary())
    if outcome.problems:
        pytest.fail(outcome.summary() + "\n" + deployed.logs(), pytrace=False)


@pytest.mark.timeout(480)
def test_kill9_of_the_embedded_app_on_sqlite(embedded: Stack) -> None:
    """`make run`'s shape: SQLite, no Redis, insight jobs in the app process itself."""
    outcome = scenario.run(embedded, "app")
    print(outcome.summary())
    if outcome.problems:
        pytest.fail(outcome.summary() + "\n" + embedded.logs(), pytrace=False)
