"""``WS /ws/alerts``: one channel per user carrying new readings and alert changes.

The protocol is in docs/realtime.md. In short: the client's first message is
``{"type": "auth", "token": <access JWT or API key with 'read'>, "last_seq": <int|null>}``
within ``ws_auth_timeout_s`` (tokens never go in the URL, which proxies log); the server
answers ``hello``, replays what the client missed since ``last_seq`` (or sends
``replay.gap``), then streams. It pings every ``ws_heartbeat_s`` and closes without a pong in
twice that; at each ping it also checks that the session or API key still stands (4403), and
it closes with 4401 when the access JWT expires unless a new ``auth`` message renewed it.

The messages come from the process's hub (core/hub.py); this module only subscribes a
connection and sends what arrives, each message serialised once by the hub. The reading
broadcaster (``on_data_changed``) lives in alerts/live_reading.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, WebSocket
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.websockets import WebSocketDisconnect, WebSocketState

from glucolens.auth.deps import API_KEY_PREFIX, SCOPE_READ, _from_api_key, _from_jwt
from glucolens.auth.models import ApiKey, User, UserSession
from glucolens.auth.tokens import InvalidToken, verify_access_token
from glucolens.core import metrics
from glucolens.core.config import Settings, get_settings
from glucolens.core.db import get_sessionmaker
from glucolens.core.errors import DomainError
from glucolens.core.hub import Hub, HubUnavailable, Subscription, control_message, get_hub

log = logging.getLogger("glucolens.realtime")
access_log = logging.getLogger("glucolens.access")
router = APIRouter()

PATH = "/ws/alerts"
CLOSE_TOO_BIG = 1009
CLOSE_UNSUPPORTED = 1003
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_PONG = 4408
CLOSE_TOO_MANY = 4429
CLOSE_TRY_LATER = 1013


@dataclasses.dataclass
class Identity:
    user_id: uuid.UUID
    session_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    expires_at: dt.datetime | None  # the access JWT's; None for an API key


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def allowed_origins(settings: Settings) -> set[str]:
    extra = {o.strip().rstrip("/").lower() for o in settings.ws_allowed_origins.split(",")}
    public = urlsplit(settings.resolved_public_url)
    return {o for o in extra if o} | {f"{public.scheme}://{public.netloc}".lower()}


def origin_allowed(headers: Headers, settings: Settings) -> bool:
    """Browsers send Origin on every WebSocket handshake: a page of another site may not
    open this channel (cross-site WebSocket hijacking). Clients that are not browsers send
    none and are judged by their token alone."""
    origin = headers.get("origin")
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    parts = urlsplit(origin)
    same_origin = parts.scheme in ("http", "https") and parts.netloc == (
        headers.get("host", "").lower()
    )
    return same_origin or origin in allowed_origins(settings)


def verify_credential(raw: str) -> Identity:
    """The caller behind an access JWT or API key, with the 'read' scope; Refused if not."""
    expires_at: dt.datetime | None = None
    with get_sessionmaker()() as db:
        try:
            if raw.startswith(API_KEY_PREFIX):
                subject = _from_api_key(db, raw)
            else:
                expires_at = verify_access_token(raw).expires_at
                subject = _from_jwt(db, raw)
        except (DomainError, InvalidToken):
            raise Refused(CLOSE_UNAUTHENTICATED, "invalid or expired credential") from None
    if SCOPE_READ not in subject.scopes:
        raise Refused(CLOSE_FORBIDDEN, "this credential lacks the 'read' scope")
    return Identity(subject.user_id, subject.session_id, subject.api_key_id, expires_at)


def still_valid(identity: Identity) -> bool:
    """The session (or API key) is not revoked and the account still active: one indexed
    row read, done at each heartbeat."""
    with get_sessionmaker()() as db:
        if identity.api_key_id is not None:
            stmt = select(ApiKey.revoked_at, User.is_active).join(User, User.id == ApiKey.user_id)
            row = db.execute(stmt.where(ApiKey.id == identity.api_key_id)).first()
        else:
            stmt = select(UserSession.revoked_at, User.is_active).join(
                User, User.id == UserSession.user_id
            )
            row = db.execute(stmt.where(UserSession.id == identity.session_id)).first()
    return row is not None and row[0] is None and bool(row[1])


def parse_auth(text: str) -> tuple[str, int | None] | None:
    """(token, last_seq) of an auth message, or None when it is not one."""
    try:
        msg = json.loads(text)
    except ValueError:
        return None
    if not isinstance(msg, dict) or msg.get("type") != "auth":
        return None
    token, last_seq = msg.get("token"), msg.get("last_seq")
    if not isinstance(token, str) or not token:
        return None
    if last_seq is not None and (
        not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0
    ):
        return None
    return token, last_seq


class AlertSocket:
    """One accepted connection: authenticate, then three tasks until one says to close."""

    def __init__(self, websocket: WebSocket, hub: Hub, settings: Settings) -> None:
        self.ws = websocket
        self.hub = hub
        self.settings = settings
        self.identity: Identity | None = None
        self.last_pong = time.monotonic()
        self._send_lock = asyncio.Lock()
        self.close_code = 1000  # the server's, when it closed; else the client went away

    async def serve(self) -> None:
        try:
            with anyio.fail_after(self.settings.ws_auth_timeout_s):
                first = await self._receive()
            auth = parse_auth(first)
            if auth is None:
                raise Refused(CLOSE_UNAUTHENTICATED, "the first message must be auth")
            self.identity = await run_in_threadpool(verify_credential, auth[0])
            user_id = self.identity.user_id
            if self.hub.local_connections(user_id) >= self.settings.ws_max_connections_per_user:
                raise Refused(CLOSE_TOO_MANY, "too many connections for this account")
        except TimeoutError:
            await self._close(CLOSE_UNAUTHENTICATED, "no auth message in time")
            return
        except SQLAlchemyError:
            await self._close(CLOSE_TRY_LATER, "the database is unavailable; reconnect later")
            return
        except Refused as exc:
            await self._close(exc.code, exc.reason)
            return
        except WebSocketDisconnect:
            return
        sub = self.hub.subscribe(user_id)
        metrics.WS_CONNECTIONS.inc()
        try:
            await self._run(sub, auth[1])
        finally:
            metrics.WS_CONNECTIONS.dec()
            self.hub.unsubscribe(sub)

    async def _run(self, sub: Subscription, last_seq: int | None) -> None:
        ended: list[Exception] = []

        async def until_done(work: Callable[[], Awaitable[None]]) -> None:
            try:
                await work()
            except Exception as exc:  # noqa: BLE001 - judged below; cancellation passes
                ended.append(exc)
            tg.cancel_scope.cancel()  # the first task to end ends the connection

        # An anyio task group, so the server's (or TestClient's) cancellation reaches all three.
        async with anyio.create_task_group() as tg:
            tg.start_soon(until_done, self._read_loop)
            tg.start_soon(until_done, functools.partial(self._pump, sub, last_seq))
            tg.start_soon(until_done, self._keep_alive)
        exc = ended[0] if ended else None
        if isinstance(exc, Refused):
            await self._close(exc.code, exc.reason)
        elif exc is not None and not isinstance(exc, WebSocketDisconnect | OSError):
            log.error("websocket failed", extra={"fields": {"error": type(exc).__name__}})
            await self._close(1011, "internal error")

    # -- client to server --------------------------------------------------------------

    async def _receive(self) -> str:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        text, data = message.get("text"), message.get("bytes")
        size = len(text.encode()) if text is not None else len(data or b"")
        if size > self.settings.ws_max_message_bytes:
            raise Refused(CLOSE_TOO_BIG, "message too big")
        if text is None:
            raise Refused(CLOSE_UNSUPPORTED, "text messages only")
        return str(text)

    async def _read_loop(self) -> None:
        while True:
            text = await self._receive()
            auth = parse_auth(text)
            if auth is not None:
                metrics.WS_MESSAGES.labels(direction="in", type="auth").inc()
                await self._renew(auth[0])
                continue
            try:
                kind = json.loads(text).get("type")
            except (ValueError, AttributeError):
                kind = None
            # Only known types as labels: a client must not be able to mint series.
            label = kind if kind == "pong" else "other"
            metrics.WS_MESSAGES.labels(direction="in", type=label).inc()
            if kind == "pong":
                self.last_pong = time.monotonic()
            else:
                await self._send_control("error", {"code": "unknown_message"})

    async def _renew(self, token: str) -> None:
        assert self.identity is not None
        try:
            renewed = await run_in_threadpool(verify_credential, token)
        except SQLAlchemyError:
            # The database blinked: keep the current credential (its expiry still holds).
            await self._send_control("error", {"code": "renew_failed"})
            return
        if renewed.user_id != self.identity.user_id:
            raise Refused(CLOSE_FORBIDDEN, "a connection belongs to one account")
        self.identity = renewed
        self.last_pong = time.monotonic()

    # -- server to client --------------------------------------------------------------

    async def _send(self, text: str, type_: str = "stream") -> None:
        async with self._send_lock:
            await self.ws.send_text(text)
        metrics.WS_MESSAGES.labels(direction="out", type=type_).inc()

    async def _send_control(self, type_: str, data: dict[str, Any] | None = None) -> None:
        await self._send(control_message(self._sent or 0, type_, data), type_)

    _sent: int | None = None  # seq of the last stream message sent; None: not known

    async def _pump(self, sub: Subscription, last_seq: int | None) -> None:
        assert self.identity is not None
        user_id = self.identity.user_id
        try:
            start = await self.hub.catch_up(user_id, last_seq)
        except HubUnavailable:
            self._sent = None
            hello = {"user_id": str(user_id), "last_seq": last_seq, "heartbeat_s": self._hb}
            await self._send(control_message(last_seq or 0, "hello", hello), "hello")
            if last_seq is not None:
                await self._send_control("replay.gap", {"last_seq": None})
        else:
            hello_seq = start.current if start.gap or last_seq is None else last_seq
            hello = {"user_id": str(user_id), "last_seq": start.current, "heartbeat_s": self._hb}
            await self._send(control_message(hello_seq, "hello", hello), "hello")
            await self._deliver(start.messages, start.gap, start.current)
        while True:
            item = await sub.queue.get()
            if item is None:
                await self._catch_up()
                continue
            seq, text = item
            if self._sent is not None and seq <= self._sent:
                continue  # already sent by a replay
            if self._sent is not None and seq > self._sent + 1:
                await self._catch_up()  # a hole: fill it from the buffer first
                if self._sent is not None and seq <= self._sent:
                    continue
            await self._send(text)
            self._sent = seq

    async def _catch_up(self) -> None:
        assert self.identity is not None
        try:
            result = await self.hub.catch_up(self.identity.user_id, self._sent)
        except HubUnavailable:
            return  # the listener asks again once Redis is back
        gap = result.gap or self._sent is None
        await self._deliver(result.messages, gap, result.current)

    async def _deliver(self, messages: list[tuple[int, str]], gap: bool, current: int) -> None:
        if gap:
            self._sent = current
            await self._send_control("replay.gap", {"last_seq": current})
            return
        for seq, text in messages:
            await self._send(text)
            self._sent = seq
        self._sent = max(self._sent or 0, current)

    @property
    def _hb(self) -> float:
        return self.settings.ws_heartbeat_s

    async def _keep_alive(self) -> None:
        """Pings, the pong deadline, the token's expiry and the revocation check."""
        # The first ping at a random point of the period, so connections opened together
        # (a restart) do not check their sessions at the same instant ever after.
        next_ping = time.monotonic() + self._hb * random.uniform(0.5, 1.0)
        while True:
            wake = next_ping - time.monotonic()
            expires_at = self.identity.expires_at if self.identity else None
            if expires_at is not None:
                wake = min(wake, (expires_at - dt.datetime.now(dt.UTC)).total_seconds())
            await asyncio.sleep(max(wake, 0.0))
            assert self.identity is not None
            expires_at = self.identity.expires_at
            if expires_at is not None and dt.datetime.now(dt.UTC) >= expires_at:
                raise Refused(CLOSE_UNAUTHENTICATED, "access token expired")
            if time.monotonic() < next_ping:
                continue
            if time.monotonic() - self.last_pong > 2 * self._hb:
                raise Refused(CLOSE_NO_PONG, "no pong")
            try:
                valid = await run_in_threadpool(still_valid, self.identity)
            except SQLAlchemyError:
                valid = True  # a database outage is not a revocation: check at the next ping
            if not valid:
                raise Refused(CLOSE_FORBIDDEN, "session revoked")
            await self._send_control("ping")
            next_ping += self._hb

    async def _close(self, code: int, reason: str) -> None:
        self.close_code = code
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await self.ws.close(code=code, reason=reason)


@router.websocket(PATH)
async def alerts_socket(websocket: WebSocket) -> None:
    """Readings and alert changes of the caller, live (see docs/realtime.md)."""
    settings = get_settings()
    started = time.perf_counter()
    if not origin_allowed(websocket.headers, settings):
        # Closing before accept refuses the handshake: the browser sees HTTP 403.
        await websocket.close(code=1008)
        _log_access(1008, started)
        return
    await websocket.accept()
    hub = getattr(websocket.app.state, "hub", None) or get_hub()
    socket = AlertSocket(websocket, hub, settings)
    try:
        await socket.serve()
    finally:
        _log_access(socket.close_code, started)


def _log_access(code: int, started: float) -> None:
    # The access log's shape (core/logging.log_requests, which only sees HTTP): the close
    # code as the status; never the token, the user or a message.
    ms = round((time.perf_counter() - started) * 1000, 2)
    access_log.info("websocket", extra={"fields": {"route": PATH, "status": code, "ms": ms}})
