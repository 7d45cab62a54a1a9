"""At most ``threads`` API requests in progress at once; the rest wait in line, then 503.

Sync routes run on anyio's worker threads, and one request uses several thread calls in
turn (its dependencies, the handler, the response check, the commit). A request that
holds a lock between two of those calls (SQLite's single writer, or a PostgreSQL row or
advisory lock) must get a thread back to finish. With more requests in progress than
threads, every thread can end up waiting for that lock while its holder waits for a
thread: nothing moves until a timeout fires. Admitting fewer API requests than there are
threads makes that impossible (the pool gives ``SPARE_THREADS`` more threads than slots,
for readiness checks and static files), and with one pooled connection per slot no
admitted request waits for a connection either (see core/db.make_engine).

Waiting happens here, on the event loop, where it costs no thread and no connection; the
line is first come, first served, and a request that waited ``queue_timeout_s`` gets a
503 with ``Retry-After`` instead of a long wait. Only ``/api/`` is gated: health checks and
the static web app never queue behind API load.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from glucolens.core.errors import error_json

API_PREFIX = "/api/"
RETRY_AFTER_S = 2
# Threads beyond the API slots, for what is not gated: readiness checks, static files.
SPARE_THREADS = 8


class AdmissionGate:
    def __init__(self, app: ASGIApp, slots: int, queue_timeout_s: float) -> None:
        self.app = app
        self.slots = slots
        self.queue_timeout_s = queue_timeout_s
        self._semaphore: anyio.Semaphore | None = None

    def _gate(self) -> anyio.Semaphore:
        # More worker threads than slots, so an admitted request always finds a thread (the
        # limiter belongs to the running event loop, hence set from in here).
        threads = anyio.to_thread.current_default_thread_limiter()
        if threads.total_tokens != self.slots + SPARE_THREADS:
            threads.total_tokens = self.slots + SPARE_THREADS
        if self._semaphore is None:
            self._semaphore = anyio.Semaphore(self.slots)
        return self._semaphore

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        gate = self._gate()
        with anyio.move_on_after(self.queue_timeout_s) as waiting:
            await gate.acquire()
        if waiting.cancelled_caught:
            message = "The server is busy; try again shortly."
            headers = {"Retry-After": str(RETRY_AFTER_S)}
            busy = error_json(503, "service_unavailable", message, headers=headers)
            await busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            gate.release()
