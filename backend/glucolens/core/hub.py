"""The real-time hub: per-user message streams with sequence numbers, replay and fan-out.

``Hub.publish(user_id, type, data)`` is sync and thread-safe (request threads and after-commit
subscribers call it). It gives the message the user's next sequence number, keeps it for
replay, and hands it to every process, whose ``/ws/alerts`` connections of that user send it.

- With ``redis_url``: one Lua script does INCR of the user's sequence, ZADD into the user's
  replay buffer (trimmed to ``hub_replay_max``, expiring ``hub_replay_max_age_s`` after the
  last message) and PUBLISH on one channel, atomically, so the order on the wire is the
  sequence order and what is replayed is exactly what was published. Each process holds ONE
  pub/sub connection (redis.asyncio) and dispatches to its local per-user queues; a process
  without a connection of that user drops the message after a dict lookup.
- Without it (the embedded default): a counter and a deque per user in this process, and
  ``loop.call_soon_threadsafe`` to hand messages to the event loop that owns the queues.

Redis outages: ``publish`` returns 0 (logged once per outage, through the shared breaker) and
the message is lost for WebSocket purposes (alert deliveries record the failure and retry).
The listener reconnects with backoff; once back, every local connection catches up from its
last sequence number (or gets ``replay.gap`` when the buffer cannot fill the hole).

Messages are serialised once per publish, never per connection. Nothing here logs a payload:
it carries glucose values.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio as aioredis

from glucolens.core.config import Settings, get_settings
from glucolens.core.events import Broadcast
from glucolens.core.redisconn import get_redis

log = logging.getLogger("glucolens.hub")

KEY_PREFIX = "glucolens:rt:"
CHANNEL = KEY_PREFIX + "fanout"
QUEUE_MAX = 256  # per connection; a client this far behind is caught up from the buffer
BACKOFF_MIN_S = 0.2
BACKOFF_MAX_S = 10.0
_KEEPALIVE: dict[int, int | bytes] = {
    getattr(socket, name): value
    for name, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3))
    if hasattr(socket, name)  # Linux names; other systems keep their defaults
}

# KEYS: seq, buffer, channel. ARGV: envelope without its '{"seq":N,' head, buffer size,
# buffer ttl, user id. The message on the channel is '<user>|<seq>|<envelope>'.
_PUBLISH_LUA = """
local seq = redis.call('INCR', KEYS[1])
local msg = '{"seq":' .. seq .. ',' .. ARGV[1]
local keep = tonumber(ARGV[2])
if keep > 0 then
  redis.call('ZADD', KEYS[2], seq, msg)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(keep + 1))
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('PUBLISH', KEYS[3], ARGV[4] .. '|' .. seq .. '|' .. msg)
return seq
"""


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def iso_utc(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope_tail(type_: str, data: dict[str, Any], at: dt.datetime) -> str:
    """The envelope's JSON after ``{"seq":N,`` so the sequence number can be put in front
    where it is assigned (inside Redis) without parsing anything."""
    body = json.dumps(
        {"type": type_, "at": iso_utc(at), "data": data},
        separators=(",", ":"),
        default=_json_default,
    )
    return body[1:]


def control_message(seq: int, type_: str, data: dict[str, Any] | None = None) -> str:
    """A control message (``hello``, ``ping``, ``replay.gap``, ``error``): not stored, not
    replayed; its ``seq`` is the last stream message this connection has been sent."""
    return f'{{"seq":{seq},' + envelope_tail(type_, data or {}, dt.datetime.now(dt.UTC))


@dataclass(eq=False)  # identity: a set of them per user
class Subscription:
    """One connection's queue of ``(seq, json)``; ``None`` means: catch up from the buffer."""

    user_id: uuid.UUID
    queue: asyncio.Queue[tuple[int, str] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_MAX)
    )

    def offer(self, item: tuple[int, str]) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.request_catch_up()

    def request_catch_up(self) -> None:
        # What is queued is in the buffer too: drop it and replay from the last seq sent.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass(frozen=True)
class CatchUp:
    """Where a user's stream stands (``current``), and what a client at ``after`` missed:
    ``messages`` in order, or ``gap`` when they cannot be replayed."""

    current: int
    messages: list[tuple[int, str]]
    gap: bool


class HubUnavailable(Exception):
    """Redis did not answer a catch-up; the connection does not know what it missed."""


class Hub:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.redis_url = self.settings.redis_url
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subs: dict[uuid.UUID, set[Subscription]] = collections.defaultdict(set)
        # Embedded mode: the per-user counter and buffer of (seq, json, monotonic time).
        self._seq: dict[uuid.UUID, int] = {}
        self._buffers: dict[uuid.UUID, collections.deque[tuple[int, str, float]]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._aclient: aioredis.Redis | None = None
        self._script: Any = None
        self._publish_failing = False
        self.listening: asyncio.Event | None = None  # made in start(), on the loop

    # -- lifecycle (the app's lifespan) ------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.listening = asyncio.Event()
        if self.redis_url:
            timeout = max(self.settings.redis_timeout_s, 1.0)
            self._aclient = aioredis.Redis.from_url(
                self.redis_url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            self._listener = asyncio.create_task(self._listen(), name="hub-listener")
            # Serve only once subscribed, so nothing published after startup is missed here;
            # with Redis down, start anyway (the listener keeps trying).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.listening.wait(), timeout=2.0)
        else:
            self.listening.set()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._aclient is not None:
            await self._aclient.aclose()  # type: ignore[attr-defined]
            self._aclient = None
        self._loop = None

    # -- publishing (any thread) -------------------------------------------------------

    def publish(self, user_id: uuid.UUID, type_: str, data: dict[str, Any]) -> int:
        """Assign the next seq, keep, fan out; the seq, or 0 when it could not publish."""
        try:
            tail = envelope_tail(type_, data, dt.datetime.now(dt.UTC))
        except (TypeError, ValueError):
            log.error("hub message not serialisable", extra={"fields": {"type": type_}})
            return 0
        if self.redis_url:
            return self._publish_redis(user_id, tail)
        return self._publish_memory(user_id, tail)

    def _publish_memory(self, user_id: uuid.UUID, tail: str) -> int:
        if self._loop is None:
            # No server in this process (the CLI, a worker) and no Redis to reach one: no
            # socket can get this, so say so (0) instead of numbering a message nobody sees.
            self._publish_failed(None)
            return 0
        with self._lock:
            seq = self._seq.get(user_id, 0) + 1
            self._seq[user_id] = seq
            text = f'{{"seq":{seq},' + tail
            if self.settings.hub_replay_max > 0:
                buf = self._buffers.get(user_id)
                if buf is None:
                    buf = self._buffers[user_id] = collections.deque(
                        maxlen=self.settings.hub_replay_max
                    )
                buf.append((seq, text, time.monotonic()))
            loop = self._loop
            # Handed over under the lock, so the loop sees the messages in seq order.
            # RuntimeError: the loop closed in between (shutdown).
            if loop is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._dispatch, user_id, seq, text)
        return seq

    def _publish_redis(self, user_id: uuid.UUID, tail: str) -> int:
        assert self.redis_url is not None
        client, breaker = get_redis(self.redis_url)
        if not breaker.should_try():
            self._publish_failed(None)
            return 0
        if self._script is None:
            self._script = client.register_script(_PUBLISH_LUA)
        uid = str(user_id)
        keys = [f"{KEY_PREFIX}seq:{uid}", f"{KEY_PREFIX}buf:{uid}", CHANNEL]
        args = [tail, self.settings.hub_replay_max, max(self.settings.hub_replay_max_age_s, 1)]
        try:
            seq = int(self._script(keys=keys, args=[*args, uid]))
        except redis.RedisError as exc:
            breaker.failed(exc)
            self._publish_failed(exc)
            return 0
        breaker.succeeded()
        if self._publish_failing:
            self._publish_failing = False
            log.warning("hub publishing through redis again")
        return seq

    def _publish_failed(self, exc: BaseException | None) -> None:
        if not self._publish_failing:
            self._publish_failing = True
            error = type(exc).__name__ if exc else "redis unavailable"
            if not self.redis_url:
                error = "no server in this process and no GLUCOLENS_REDIS_URL"
            log.warning(
                "hub cannot publish; real-time messages are dropped",
                extra={"fields": {"error": error}},
            )

    # -- local connections (event loop) ------------------------------------------------

    def subscribe(self, user_id: uuid.UUID) -> Subscription:
        sub = Subscription(user_id)
        self._subs[user_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.user_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.user_id]

    def local_connections(self, user_id: uuid.UUID | None = None) -> int:
        if user_id is not None:
            return len(self._subs.get(user_id, ()))
        return sum(len(s) for s in self._subs.values())

    def _dispatch(self, user_id: uuid.UUID, seq: int, text: str) -> None:
        for sub in self._subs.get(user_id, ()):
            sub.offer((seq, text))

    def _catch_up_all(self) -> None:
        for subs in self._subs.values():
            for sub in subs:
                sub.request_catch_up()

    async def catch_up(self, user_id: uuid.UUID, after: int | None) -> CatchUp:
        """What a client that last saw ``after`` has missed (nothing when ``after`` is None);
        raises HubUnavailable while Redis is down."""
        if self.redis_url:
            return await self._catch_up_redis(user_id, after)
        max_age = self.settings.hub_replay_max_age_s
        with self._lock:
            current = self._seq.get(user_id, 0)
            if after is None or after == current:
                return CatchUp(current, [], False)
            if after > current:  # the stream restarted (embedded mode: a process restart)
                return CatchUp(current, [], True)
            cutoff = time.monotonic() - max_age
            kept = [
                (s, t) for s, t, at in self._buffers.get(user_id, ()) if s > after and at >= cutoff
            ]
        complete = bool(kept) and kept[0][0] == after + 1 and kept[-1][0] == current
        return CatchUp(current, kept if complete else [], not complete)

    async def _catch_up_redis(self, user_id: uuid.UUID, after: int | None) -> CatchUp:
        assert self._aclient is not None, "Hub.start() was not awaited"
        uid = str(user_id)
        try:
            if after is None:
                raw = await self._aclient.get(f"{KEY_PREFIX}seq:{uid}")
                return CatchUp(int(raw or 0), [], False)
            async with self._aclient.pipeline(transaction=True) as pipe:
                pipe.get(f"{KEY_PREFIX}seq:{uid}")
                pipe.zrangebyscore(f"{KEY_PREFIX}buf:{uid}", f"({after}", "+inf", withscores=True)
                raw, rows = await pipe.execute()
        except (redis.RedisError, OSError) as exc:
            raise HubUnavailable(type(exc).__name__) from None
        current = int(raw or 0)
        if after == current:
            return CatchUp(current, [], False)
        if after > current:
            return CatchUp(current, [], True)
        kept = [(int(score), text.decode()) for text, score in rows]
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self.settings.hub_replay_max_age_s)
        complete = bool(kept) and kept[0][0] == after + 1 and _at(kept[0][1]) >= cutoff
        return CatchUp(current, kept if complete else [], not complete)

    # -- the one pub/sub connection of this process ------------------------------------

    async def _listen(self) -> None:
        assert self.redis_url is not None and self.listening is not None
        delay = BACKOFF_MIN_S
        failed = False
        while True:
            client = aioredis.Redis.from_url(
                self.redis_url,
                socket_connect_timeout=max(self.settings.redis_timeout_s, 1.0),
                # An idle subscription reads nothing for hours: TCP keepalive notices a
                # vanished Redis (or a dropped NAT entry) in ~25 s, not a reset only.
                socket_keepalive=True,
                socket_keepalive_options=_KEEPALIVE,
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                if failed:
                    log.warning("hub listening on redis again; connections catch up")
                    failed = False
                    self._catch_up_all()
                self.listening.set()
                delay = BACKOFF_MIN_S
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._on_wire(message["data"])
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                self.listening.clear()
                if not failed:
                    failed = True
                    log.warning(
                        "hub lost its redis subscription; reconnecting",
                        extra={"fields": {"error": type(exc).__name__}},
                    )
            finally:
                try:
                    await pubsub.aclose()  # type: ignore[attr-defined]
                    await client.aclose()  # type: ignore[attr-defined]
                except (redis.RedisError, OSError):
                    pass
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX_S)

    def _on_wire(self, raw: bytes) -> None:
        try:
            uid, seq, text = raw.split(b"|", 2)
            user_id = uuid.UUID(uid.decode())
        except ValueError:
            return  # not ours
        if user_id in self._subs:
            self._dispatch(user_id, int(seq), text.decode())


def _at(text: str) -> dt.datetime:
    """The ``at`` of a stored envelope (a replay decision, not a hot path)."""
    try:
        return dt.datetime.fromisoformat(json.loads(text)["at"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)


_current: Hub | None = None
_current_lock = threading.Lock()


def get_hub() -> Hub:
    """This process's hub: the one the app's lifespan started, else a publish-only one
    (the CLI, the worker: with Redis their messages still reach every server)."""
    global _current
    if _current is None:
        with _current_lock:
            if _current is None:
                _current = Hub()
    return _current


def set_hub(hub: Hub | None) -> None:
    global _current
    with _current_lock:
        _current = hub


_UNPUBLISHED_MAX = 10_000
# A sender asks right after the commit that published (the same after-commit pass); a failure
# older than this is forgotten, so a reused reference never inherits another's failure.
_UNPUBLISHED_TTL_S = 60.0
_unpublished: collections.OrderedDict[int, float] = collections.OrderedDict()
_unpublished_lock = threading.Lock()


def hub_on_broadcast(evt: Broadcast) -> None:
    """After-commit subscriber of ``Broadcast``: what a transaction announced goes out. A
    message with a ``ref`` that could not be published is remembered, so its sender can
    record the failure instead of a success (``unpublished``)."""
    seq = get_hub().publish(evt.user_id, evt.type, evt.data)
    if seq == 0 and evt.ref is not None:
        with _unpublished_lock:
            _unpublished[evt.ref] = time.monotonic()
            _unpublished.move_to_end(evt.ref)
            while len(_unpublished) > _UNPUBLISHED_MAX:
                _unpublished.popitem(last=False)


def unpublished(refs: Iterable[int]) -> set[int]:
    """Which of ``refs`` this process's hub failed to publish in the last minute (each
    reported once)."""
    oldest = time.monotonic() - _UNPUBLISHED_TTL_S
    with _unpublished_lock:
        while _unpublished and next(iter(_unpublished.values())) < oldest:
            _unpublished.popitem(last=False)
        return {r for r in refs if _unpublished.pop(r, None) is not None}


def forget_unpublished() -> None:
    """Drop remembered failures (tests restart row ids between cases)."""
    with _unpublished_lock:
        _unpublished.clear()
