"""No more API requests in progress than worker threads; the rest wait in line for at
most ``request_queue_timeout_s``, then get a 503 with Retry-After. Health checks and the
web app never queue behind the API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tests.conftest import clear_caches

SLOW = "/api/v1/test-slow"


@pytest.fixture
def gated(monkeypatch) -> Iterator[tuple[TestClient, threading.Event]]:
    monkeypatch.setenv("GLUCOLENS_THREADS", "2")
    monkeypatch.setenv("GLUCOLENS_REQUEST_QUEUE_TIMEOUT_S", "0.5")
    clear_caches()
    from glucolens.main import create_app

    app = create_app()
    release = threading.Event()
    router = APIRouter()

    @router.get(SLOW)
    def slow() -> dict[str, bool]:
        return {"released": release.wait(10)}

    app.include_router(router)
    app.router.routes.insert(0, app.router.routes.pop())  # before the static catch-all
    with TestClient(app, base_url="https://testserver") as c:
        yield c, release
    release.set()


def test_requests_beyond_the_threads_wait_then_get_503(gated):
    client, release = gated
    for path in ("/healthz", "/readyz"):  # first calls (engine, first connection) out of the timing
        assert client.get(path).status_code == 200
    with ThreadPoolExecutor(max_workers=2) as pool:
        holders = [pool.submit(client.get, SLOW) for _ in range(2)]
        time.sleep(0.3)  # both slots taken
        started = time.monotonic()
        shed = client.get(SLOW)
        waited_s = time.monotonic() - started
        assert 0.4 < waited_s < 2.0
        assert shed.status_code == 503
        assert shed.json()["error"]["code"] == "service_unavailable"
        assert int(shed.headers["Retry-After"]) >= 1
        assert shed.headers["X-Content-Type-Options"] == "nosniff"
        for path in ("/healthz", "/readyz"):  # not gated, and never short of a thread
            started = time.monotonic()
            assert client.get(path).status_code == 200
            assert time.monotonic() - started < 1.0
        release.set()
        assert [h.result().status_code for h in holders] == [200, 200]
    assert client.get(SLOW).json() == {"released": True}


def test_a_waiting_request_is_served_when_a_slot_frees(gated):
    client, release = gated
    with ThreadPoolExecutor(max_workers=3) as pool:
        holders = [pool.submit(client.get, SLOW) for _ in range(2)]
        time.sleep(0.3)
        waiter = pool.submit(client.get, SLOW)
        time.sleep(0.1)
        release.set()
        assert waiter.result().status_code == 200
        assert [h.result().status_code for h in holders] == [200, 200]
