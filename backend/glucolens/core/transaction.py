"""One transaction per request, committed before the response is sent.

Every API router uses ``TransactionalRoute``. Services ``flush()``; the route commits the
request's session after the handler returned and before a byte of the response goes out, so a
client that sees 2xx knows the write is durable, and a client that sees an error knows none of
it is. Work for other domains (jobs, mail, pushes) travels as events delivered after that
commit (``core/events``).

PostgreSQL may pick a transaction as a deadlock victim or fail it on a serialisation
conflict. Those are not the client's fault and are safe to repeat (nothing was committed), so
the route rolls back and runs the whole handler again, a few times with a short backoff.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from glucolens.core.db import SESSIONS_KEY
from glucolens.core.errors import ServiceUnavailable

log = logging.getLogger(__name__)

ATTEMPTS = 5
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def is_retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return isinstance(exc, DBAPIError) and getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


def _sessions(request: Request) -> list[Session]:
    sessions: list[Session] = request.scope.get(SESSIONS_KEY, [])
    return sessions


def _commit(request: Request) -> None:
    for session in _sessions(request):
        if session.in_transaction():
            session.commit()


def _discard(request: Request) -> None:
    for session in _sessions(request):
        session.rollback()
        session.close()
    request.scope[SESSIONS_KEY] = []


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    response = await handler(request)
                    if any(s.in_transaction() for s in _sessions(request)):
                        await run_in_threadpool(_commit, request)
                    return response
                except DBAPIError as exc:
                    if not is_retryable(exc):
                        raise
                    if attempt == ATTEMPTS:
                        raise ServiceUnavailable(
                            "The database is busy with conflicting writes; try again.", 1
                        ) from exc
                    await run_in_threadpool(_discard, request)
                    log.warning(
                        "transaction retried",
                        extra={"fields": {"sqlstate": exc.orig.sqlstate, "attempt": attempt}},  # type: ignore[union-attr]
                    )
                    await anyio.sleep(0.02 * attempt * (1 + random.random()))
            raise AssertionError("unreachable")

        return run
