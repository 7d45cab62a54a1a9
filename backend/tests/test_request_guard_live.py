"""Huge bodies against ``glucolens serve`` over real sockets: refused fast, in little
memory, and without stalling other requests. Bodies stream from a generator; the test
never holds more than 64 KiB of one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer, live_server, request, stream_body

HUGE = 200 * 1024 * 1024
# The server's peak RSS may grow by this much over the whole module (48 MiB of it is one
# bulk body read up to its limit); parsing a 200 MiB body in full cost 1.4 GiB.
PEAK_GROWTH_KIB = 160 * 1024
FAST_S = 2.0


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server() as srv:
        srv.start_rss_kib = srv.rss_kib()
        yield srv


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_login_body_gets_413_fast_and_small(server, chunked):
    before_kib = server.peak_rss_kib()
    r = stream_body(server.port, "/api/v1/auth/login", HUGE, chunked=chunked)
    assert r.status == 413
    assert b'"payload_too_large"' in r.body
    assert b"64 KiB" in r.body
    assert r.seconds < FAST_S
    assert r.body_bytes_sent < 16 * 1024 * 1024  # the answer came long before the body ended
    assert server.peak_rss_kib() - before_kib < 32 * 1024


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_unauthenticated_huge_bulk_gets_401_without_reading(server, chunked):
    before_kib = server.peak_rss_kib()
    r = stream_body(server.port, "/api/v1/glucose/bulk", HUGE, chunked=chunked)
    assert r.status == 401
    assert b'"unauthorized"' in r.body
    assert r.headers["connection"] == "close"
    assert r.seconds < FAST_S
    assert server.peak_rss_kib() - before_kib < 32 * 1024


def test_huge_bulk_with_a_credential_is_cut_at_the_bulk_limit(server):
    r = stream_body(
        server.port,
        "/api/v1/glucose/bulk",
        HUGE,
        chunked=True,
        headers={"Authorization": "Bearer forged"},
    )
    assert r.status == 413
    assert b"48 MiB" in r.body
    assert r.body_bytes_sent < 100 * 1024 * 1024


def test_healthz_answers_while_huge_uploads_run(server):
    """Three 200 MiB uploads at once (the reported stall was 12.8 s of /healthz)."""
    statuses: list[int] = []

    def upload(path: str, headers: dict[str, str]) -> None:
        statuses.append(stream_body(server.port, path, HUGE, chunked=True, headers=headers).status)

    uploads = [
        threading.Thread(target=upload, args=("/api/v1/auth/login", {})),
        threading.Thread(target=upload, args=("/api/v1/glucose/bulk", {})),
        threading.Thread(
            target=upload, args=("/api/v1/glucose/bulk", {"Authorization": "Bearer forged"})
        ),
    ]
    for t in uploads:
        t.start()
    worst_s = 0.0
    while any(t.is_alive() for t in uploads):
        start = time.monotonic()
        assert request(server.port, "GET", "/healthz").status == 200
        worst_s = max(worst_s, time.monotonic() - start)
    for t in uploads:
        t.join()
    assert sorted(statuses) == [401, 413, 413]
    assert worst_s < 1.0


def test_server_memory_stayed_bounded(server):
    """Runs last in this module: the peak over every upload above, against the start."""
    assert server.peak_rss_kib() - server.start_rss_kib < PEAK_GROWTH_KIB
