"""Two real ``glucolens serve`` processes sharing the test PostgreSQL database and Redis: what one
process accepts reaches WebSockets held by the other (core/hub.py fan-out), replay works
across them, and the socket's limits hold behind a real uvicorn (its handshake, close codes
and frame limit), with the ``websockets`` client a browser-like client would use.

The servers start once for the module; each test makes its own user."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from sqlalchemy import update
from sqlalchemy.orm import Session
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from glucolens.auth.models import User, UserSession
from glucolens.auth.tokens import get_keyring, issue_access_token
from glucolens.core.config import Settings
from tests.conftest import REDIS_URL
from tests.live_server import free_port, request

SERVER_ENV = {
    "GLUCOLENS_REDIS_URL": REDIS_URL,
    "GLUCOLENS_SCHEDULER": "off",
    "GLUCOLENS_WS_AUTH_TIMEOUT_S": "0.5",
    "GLUCOLENS_WS_HEARTBEAT_S": "0.5",
    "GLUCOLENS_LOG_LEVEL": "WARNING",
}


def _start(port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "glucolens.cli", "serve", "--host", "127.0.0.1"]
    return subprocess.Popen(
        [*cmd, "--port", str(port), "--workers", "1"],
        env={**os.environ, **SERVER_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server exited with {proc.returncode}"
        try:
            if request(port, "GET", "/healthz").status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("server did not become healthy")


# On the PostgreSQL lane only: see tests/core/test_scheduler_processes.py.
pytestmark = pytest.mark.skipif(
    not os.environ["GLUCOLENS_DATABASE_URL"].startswith("postgresql"),
    reason="two servers share the database: the PostgreSQL lane runs this",
)


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int]]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("redis is not running")
    get_keyring()  # the JWT key file exists before two servers could race to create it
    pair = (free_port(), free_port())
    procs = [_start(p) for p in pair]
    try:
        for port, proc in zip(pair, procs, strict=True):
            _wait_healthy(port, proc)
        yield pair
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def token(db: Session, user: User) -> Callable[..., str]:
    def make(ttl_s: int | None = None) -> str:
        session = UserSession(user_id=user.id, device="pytest", ip="127.0.0.1")
        db.add(session)
        db.commit()
        settings = Settings(access_token_ttl_s=ttl_s) if ttl_s else None  # type: ignore[call-arg]
        return issue_access_token(user.id, session.id, settings)[0]

    return make


def _url(port: int) -> str:
    return f"ws://127.0.0.1:{port}/ws/alerts"


async def _next(ws: ClientConnection, timeout_s: float = 5.0) -> dict[str, Any]:
    """The next message that is not a ping (pings are answered, as the web app does)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout_s))
        if message["type"] != "ping":
            return message  # type: ignore[no-any-return]
        await ws.send(json.dumps({"type": "pong"}))


async def _auth(ws: ClientConnection, token: str, last_seq: int | None = None) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "auth", "token": token, "last_seq": last_seq}))
    hello = await _next(ws)
    assert hello["type"] == "hello", hello
    return hello


async def _close_code(ws: ClientConnection, timeout_s: float = 5.0) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await _next(ws, timeout_s)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def _post_reading(port: int, token: str, minutes_ago: float, value: float) -> float:
    """POST one live CGM reading; the monotonic time the response arrived."""
    ts = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    body = json.dumps({"timestamp": ts.isoformat(), "value": value, "trend": "Flat"}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answer = request(port, "POST", "/api/v1/glucose", headers, body)
    assert answer.status == 201, answer.body
    return time.monotonic()


def test_a_reading_posted_to_one_process_reaches_a_socket_on_the_other(ports, token):
    a, b = ports
    access = token()

    async def scenario() -> dict[str, Any]:
        async with connect(_url(b)) as ws:
            await _auth(ws, access)
            await asyncio.to_thread(_post_reading, a, access, 5, 110)
            first = await _next(ws)
            await asyncio.to_thread(_post_reading, a, access, 0.1, 120)
            second = await _next(ws)
            assert first["type"] == "reading" and second["seq"] == first["seq"] + 1
            return second

    message = asyncio.run(scenario())
    assert message["type"] == "reading"
    data = message["data"]
    assert data["value_mgdl"] == 120 and data["value"] == 120 and data["unit"] == "mg/dL"
    assert data["trend"] == "Flat" and data["delta_mgdl"] == pytest.approx(10.2, abs=0.3)


def test_reconnecting_to_the_other_process_replays_what_was_missed(ports, token):
    a, b = ports
    access = token()

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        async with connect(_url(a)) as ws:
            seen = (await _auth(ws, access))["data"]["last_seq"]
        for minutes_ago, value in ((2, 100), (1, 104)):  # while no socket is open
            await asyncio.to_thread(_post_reading, a, access, minutes_ago, value)
        async with connect(_url(b)) as ws:
            hello = await _auth(ws, access, last_seq=seen)
            return hello, [await _next(ws) for _ in range(2)]

    hello, replayed = asyncio.run(scenario())
    assert hello["data"]["last_seq"] == hello["seq"] + 2
    assert [m["data"]["value_mgdl"] for m in replayed] == [100, 104]
    assert [m["seq"] for m in replayed] == [hello["seq"] + 1, hello["seq"] + 2]


def test_no_auth_message_in_time_closes_4401(ports):
    async def scenario() -> int:
        async with connect(_url(ports[0])) as ws:
            return await _close_code(ws)

    assert asyncio.run(scenario()) == 4401


def test_a_bad_token_closes_4401(ports):
    async def scenario() -> int:
        async with connect(_url(ports[1])) as ws:
            await ws.send(json.dumps({"type": "auth", "token": "not-a-jwt", "last_seq": None}))
            return await _close_code(ws)

    assert asyncio.run(scenario()) == 4401


def test_an_expired_access_token_closes_4401(ports, token):
    async def scenario() -> int:
        async with connect(_url(ports[0])) as ws:
            await _auth(ws, token(ttl_s=2))
            return await _close_code(ws)

    assert asyncio.run(scenario()) == 4401


def test_signing_out_elsewhere_closes_the_socket_4403(ports, token, db, user):
    access = token()

    async def scenario() -> int:
        async with connect(_url(ports[1])) as ws:
            await _auth(ws, access)
            db.execute(update(UserSession).where(UserSession.user_id == user.id).values(
                revoked_at=dt.datetime.now(dt.UTC)))  # fmt: skip
            db.commit()
            return await _close_code(ws)

    assert asyncio.run(scenario()) == 4403


def test_a_message_over_4_kib_closes_1009(ports, token):
    access = token()

    async def scenario() -> int:
        async with connect(_url(ports[0])) as ws:
            await _auth(ws, access)
            await ws.send(json.dumps({"type": "pong", "pad": "x" * 5000}))
            return await _close_code(ws)

    assert asyncio.run(scenario()) == 1009


def test_a_page_of_another_site_is_refused_at_the_handshake(ports):
    async def scenario() -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(_url(ports[0]), origin="https://evil.example"):  # type: ignore[arg-type]
                pass
        return refused.value.response.status_code

    assert asyncio.run(scenario()) == 403
