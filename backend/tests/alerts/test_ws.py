"""WS /ws/alerts (alerts/realtime.py) in the embedded mode (in-memory hub), through
TestClient's websocket_connect: auth, replay, heartbeat, limits and closes. The same socket
over Redis between two real server processes is in test_two_processes.py."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from glucolens.auth.api_keys import create_key, revoke_key
from glucolens.auth.models import User, UserSession
from glucolens.auth.tokens import issue_access_token
from glucolens.core.config import Settings
from glucolens.core.hub import get_hub
from tests.conftest import clear_caches

PATH = "/ws/alerts"
Token = Callable[..., str]


@pytest.fixture
def ws_settings(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"GLUCOLENS_{name.upper()}", value)
        clear_caches()

    return apply


@pytest.fixture
def live(ws_settings: Callable[..., None]) -> Iterator[Callable[[], TestClient]]:
    """A started app (its lifespan builds the hub), made after the test set its settings."""
    started: list[Any] = []

    def start() -> TestClient:
        from glucolens.main import create_app

        client = TestClient(create_app(), base_url="https://testserver")
        started.append(client.__enter__())
        return started[-1]

    yield start
    for client in started:
        client.__exit__(None, None, None)


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def token(db: Session, user: User) -> Token:
    def make(ttl_s: int | None = None) -> str:
        session = UserSession(user_id=user.id, device="pytest", ip="127.0.0.1")
        db.add(session)
        db.commit()
        settings = Settings(access_token_ttl_s=ttl_s) if ttl_s else None  # type: ignore[call-arg]
        return issue_access_token(user.id, session.id, settings)[0]

    return make


def _auth(ws: Any, token: str, last_seq: int | None = None) -> dict[str, Any]:
    ws.send_json({"type": "auth", "token": token, "last_seq": last_seq})
    hello: dict[str, Any] = ws.receive_json()
    assert hello["type"] == "hello", hello
    return hello


def _close_code(ws: Any, limit: int = 50) -> int:
    """Read (pings included) until the server closes; its close code."""
    with pytest.raises(WebSocketDisconnect) as closed:
        for _ in range(limit):
            ws.receive_json()
    return closed.value.code


def test_an_access_token_in_the_first_message_gets_hello_with_the_stream_position(
    live, token, user
):
    client = live()
    get_hub().publish(user.id, "alert.raised", {"id": "a"})
    with client.websocket_connect(PATH) as ws:
        hello = _auth(ws, token())
    assert hello["data"] == {"user_id": str(user.id), "last_seq": 1, "heartbeat_s": 25.0}
    assert hello["seq"] == 1


def test_a_message_published_for_the_user_arrives_with_its_envelope(live, token, user):
    client = live()
    with client.websocket_connect(PATH) as ws:
        _auth(ws, token())
        get_hub().publish(user.id, "alert.resolved", {"id": "a", "value": 65})
        message = ws.receive_json()
    assert message["seq"] == 1 and message["type"] == "alert.resolved"
    assert message["data"] == {"id": "a", "value": 65}
    assert dt.datetime.fromisoformat(message["at"].replace("Z", "+00:00"))


def test_another_users_messages_never_arrive(live, token, make_user):
    client = live()
    other = make_user()
    with client.websocket_connect(PATH) as ws:
        _auth(ws, token())
        get_hub().publish(other.id, "alert.raised", {"id": "theirs"})
        ws.send_json({"type": "hello?"})  # answered after anything already queued
        assert ws.receive_json()["type"] == "error"


def test_reconnecting_with_last_seq_replays_what_was_missed(live, token, user):
    client = live()
    for i in range(4):
        get_hub().publish(user.id, "alert.updated", {"i": i})
    with client.websocket_connect(PATH) as ws:
        hello = _auth(ws, token(), last_seq=2)
        replayed = [ws.receive_json() for _ in range(2)]
    assert hello["seq"] == 2 and hello["data"]["last_seq"] == 4
    assert [(m["seq"], m["data"]["i"]) for m in replayed] == [(3, 2), (4, 3)]


def test_a_last_seq_the_buffer_no_longer_holds_gets_replay_gap(live, ws_settings, token, user):
    ws_settings(hub_replay_max="2")
    client = live()
    for _ in range(5):
        get_hub().publish(user.id, "alert.updated", {})
    with client.websocket_connect(PATH) as ws:
        _auth(ws, token(), last_seq=1)
        gap = ws.receive_json()
    assert gap["type"] == "replay.gap" and gap["seq"] == 5 and gap["data"] == {"last_seq": 5}


def test_no_auth_message_in_time_closes_4401(live, ws_settings):
    ws_settings(ws_auth_timeout_s="0.2")
    with live().websocket_connect(PATH) as ws:
        assert _close_code(ws) == 4401


def test_a_bad_token_closes_4401(live):
    with live().websocket_connect(PATH) as ws:
        ws.send_json({"type": "auth", "token": "eyJhbGciOiJub25lIn0.e30.", "last_seq": None})
        assert _close_code(ws) == 4401


def test_a_first_message_that_is_not_auth_closes_4401(live, token):
    with live().websocket_connect(PATH) as ws:
        ws.send_json({"type": "pong", "token": token()})
        assert _close_code(ws) == 4401


def test_an_api_key_with_read_scope_connects(live, db, user):
    _, raw = create_key(db, user.id, "dashboard", ["read"])
    db.commit()
    with live().websocket_connect(PATH) as ws:
        assert _auth(ws, raw)["data"]["user_id"] == str(user.id)


def test_an_api_key_without_read_scope_closes_4403(live, db, user):
    _, raw = create_key(db, user.id, "uploader", ["write:readings"])
    db.commit()
    with live().websocket_connect(PATH) as ws:
        ws.send_json({"type": "auth", "token": raw})
        assert _close_code(ws) == 4403


def test_a_renewed_token_keeps_the_connection_past_the_first_ones_expiry(live, token, user):
    """(Without renewal it closes 4401: test_two_processes.py, on a real server.)"""
    with live().websocket_connect(PATH) as ws:
        _auth(ws, token(ttl_s=2))
        ws.send_json({"type": "auth", "token": token()})
        time.sleep(2.2)
        get_hub().publish(user.id, "alert.raised", {"id": "late"})
        assert ws.receive_json()["data"] == {"id": "late"}


def test_a_revoked_session_closes_4403_at_the_next_heartbeat(live, ws_settings, token, db, user):
    ws_settings(ws_heartbeat_s="0.2")
    with live().websocket_connect(PATH) as ws:
        _auth(ws, token())
        db.execute(update(UserSession).where(UserSession.user_id == user.id).values(
            revoked_at=dt.datetime.now(dt.UTC)))  # fmt: skip
        db.commit()
        assert _close_code(ws) == 4403


def test_a_client_that_never_pongs_is_closed(live, ws_settings, token):
    ws_settings(ws_heartbeat_s="0.1")
    with live().websocket_connect(PATH) as ws:
        _auth(ws, token())
        assert _close_code(ws) == 4408


def test_a_client_that_pongs_stays_connected(live, ws_settings, token):
    ws_settings(ws_heartbeat_s="0.1")
    with live().websocket_connect(PATH) as ws:
        _auth(ws, token())
        for _ in range(6):  # past twice the heartbeat, three times over
            assert ws.receive_json()["type"] == "ping"
            ws.send_json({"type": "pong"})


def test_a_message_over_4_kib_closes_1009(live, token):
    with live().websocket_connect(PATH) as ws:
        _auth(ws, token())
        ws.send_text('{"type":"pong","pad":"' + "x" * 4096 + '"}')
        assert _close_code(ws) == 1009


def test_an_oversize_first_message_closes_1009_before_any_auth(live):
    with live().websocket_connect(PATH) as ws:
        ws.send_text("x" * 5000)
        assert _close_code(ws) == 1009


def test_a_page_of_another_site_cannot_open_the_socket(live):
    client = live()
    evil = {"Origin": "https://evil.example"}  # a browser on another site
    opening = client.websocket_connect(PATH, headers=evil)
    with pytest.raises(WebSocketDisconnect) as refused, opening:
        pass
    assert refused.value.code == 1008


def test_the_apps_own_origin_and_the_public_url_may_open_it(live, ws_settings, token):
    ws_settings(public_url="http://glucose.example.org")
    client = live()
    for origin in ("https://testserver", "http://glucose.example.org"):
        with client.websocket_connect(PATH, headers={"Origin": origin}) as ws:
            _auth(ws, token())


def test_more_connections_than_the_per_user_cap_are_refused(live, ws_settings, token):
    ws_settings(ws_max_connections_per_user="2")
    client = live()
    with client.websocket_connect(PATH) as one, client.websocket_connect(PATH) as two:
        _auth(one, token())
        _auth(two, token())
        with client.websocket_connect(PATH) as three:
            three.send_json({"type": "auth", "token": token()})
            assert _close_code(three) == 4429


def test_a_revoked_api_key_closes_4403_at_the_next_heartbeat(live, ws_settings, db, user):
    ws_settings(ws_heartbeat_s="0.2")
    key, raw = create_key(db, user.id, "dashboard", ["read"])
    db.commit()
    with live().websocket_connect(PATH) as ws:
        _auth(ws, raw)
        revoke_key(db, user.id, key.id)
        db.commit()
        assert _close_code(ws) == 4403


def test_a_socket_is_access_logged_with_its_close_code_and_never_its_token(
    live, token, caplog: pytest.LogCaptureFixture
):
    access = token()
    with caplog.at_level(logging.INFO, logger="glucolens.access"):
        with live().websocket_connect(PATH) as ws:
            ws.send_json({"type": "auth", "token": access + "x", "last_seq": None})
            assert _close_code(ws) == 4401
        deadline = time.monotonic() + 2
        while not [r for r in caplog.records if r.msg == "websocket"]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    (record,) = [r for r in caplog.records if r.msg == "websocket"]
    assert record.fields["route"] == PATH and record.fields["status"] == 4401  # type: ignore[attr-defined]
    assert access not in caplog.text
