"""Garbage collection for a serving process: the heap built at start-up is frozen, and the
young generation collected less often.

After start-up the API process holds some 280,000 objects that live as long as it does
(modules, the app, routes, schemas, SQLAlchemy mappers). CPython's full collection walks
all of them, and under load it runs every few seconds: the objects of the requests in
flight at each young collection survive it and count towards the next full one. Measured
on one worker at 100 clients (docs/performance.md), the full collections took 24% of the
process's time, 400 ms each, and were the p95 and p99 of every endpoint.

``gc.freeze()`` moves the start-up heap out of the collector's sight (it is never garbage:
it lives until the process ends), so a full collection walks only what came later. A larger
first threshold means fewer young collections, so fewer in-flight requests are promoted.
Reference cycles are still collected, only in larger batches.

Only a process started by ``glucolens serve`` does this (core/lifespan): test processes,
which build many apps, must be able to collect the old ones.
"""

from __future__ import annotations

import gc
import os

# Allocations minus deallocations between two young collections (CPython's default: 700).
YOUNG_THRESHOLD = 20_000


def served_process() -> bool:
    """True in a process started by ``glucolens serve`` (cli.serve sets the variable)."""
    return "GLUCOLENS_SERVE_WORKERS" in os.environ


def settle_heap() -> None:
    """Collect what start-up left behind, freeze the rest, and raise the first threshold."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
