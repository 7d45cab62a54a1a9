"""The app's long-lived resources: built when the server starts, closed when it stops.

The hub (core/hub.py) owns this process's Redis pub/sub connection and the queues of its
WebSocket connections; the scheduler runner (core/scheduler.py) claims periodic slots. Both
live on ``app.state`` for as long as the app serves; ``get_hub()`` returns the same hub to
code that has no request at hand (after-commit subscribers).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from glucolens.core.config import Settings
from glucolens.core.gcpolicy import served_process, settle_heap
from glucolens.core.hub import Hub, set_hub
from glucolens.core.scheduler import start_scheduler


def app_lifespan(
    settings: Settings,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub = Hub(settings)
        await hub.start()
        set_hub(hub)
        app.state.hub = hub
        runner = start_scheduler(settings)
        app.state.scheduler = runner
        if served_process():
            settle_heap()  # core/gcpolicy: start-up's heap out of the collector's sight
        try:
            yield
        finally:
            if runner is not None:
                # A job in progress finishes first; joined off the loop so sockets still close.
                await asyncio.to_thread(runner.stop)
            set_hub(None)
            await hub.close()

    return lifespan
