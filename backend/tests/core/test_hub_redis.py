"""The hub over Redis (core/hub.py): sequence numbers and replay kept in Redis, fan-out
between hubs (one per process; here two in one event loop, each with its own pub/sub
connection), and a Redis outage (a private redis-server, killed and restarted)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
import redis

from glucolens.core.config import Settings
from glucolens.core.hub import Hub
from tests.conftest import REDIS_URL, clear_caches
from tests.core.services import redis_server


@pytest.fixture(autouse=True)
def _redis_available() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("redis is not running")


def _hub(url: str = REDIS_URL, **kw: object) -> Hub:
    return Hub(Settings(redis_url=url, **kw))  # type: ignore[arg-type]


def test_a_message_published_on_one_hub_reaches_a_subscription_on_another():
    async def scenario() -> tuple[int, dict[str, object]]:
        sender, receiver = _hub(), _hub()
        await sender.start()
        await receiver.start()
        user = uuid.uuid4()
        sub = receiver.subscribe(user)
        seq = await asyncio.to_thread(sender.publish, user, "reading", {"value": 1})
        item = await asyncio.wait_for(sub.queue.get(), 5)
        await sender.close()
        await receiver.close()
        assert item is not None and item[0] == seq
        return seq, json.loads(item[1])

    seq, message = asyncio.run(scenario())
    assert seq == 1 and message["seq"] == 1 and message["type"] == "reading"


def test_sequence_and_replay_are_shared_by_every_hub():
    async def scenario() -> tuple[list[int], list[int]]:
        one, two = _hub(), _hub()
        await one.start()
        await two.start()
        user = uuid.uuid4()
        seqs = [one.publish(user, "reading", {}) if i % 2 else two.publish(user, "reading", {})
                for i in range(6)]  # fmt: skip
        result = await two.catch_up(user, 2)
        await one.close()
        await two.close()
        assert not result.gap and result.current == 6
        return seqs, [s for s, _ in result.messages]

    seqs, replayed = asyncio.run(scenario())
    assert seqs == [1, 2, 3, 4, 5, 6]
    assert replayed == [3, 4, 5, 6]


def test_replay_beyond_the_kept_messages_is_a_gap():
    async def scenario() -> object:
        hub = _hub(hub_replay_max=2)
        await hub.start()
        user = uuid.uuid4()
        for _ in range(5):
            hub.publish(user, "reading", {})
        result = await hub.catch_up(user, 1)
        await hub.close()
        return result

    result = asyncio.run(scenario())
    assert result.gap and result.messages == []  # type: ignore[attr-defined]


def test_publish_returns_zero_while_redis_is_down_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GLUCOLENS_REDIS_RETRY_S", "0.01")  # the shared breaker's probe interval
    with redis_server(tmp_path) as server:
        clear_caches()
        hub = _hub(server.url)
        user = uuid.uuid4()
        assert hub.publish(user, "reading", {}) == 1
        server.kill()
        assert hub.publish(user, "reading", {}) == 0
        server.start()
        asyncio.run(asyncio.sleep(0.05))  # past the breaker's retry interval
        assert hub.publish(user, "reading", {}) == 1  # a fresh redis: a new stream


def test_listener_reconnects_after_an_outage_and_asks_connections_to_catch_up(tmp_path: Path):
    async def scenario(server: object) -> tuple[object, object]:
        hub = _hub(server.url)  # type: ignore[attr-defined]
        await hub.start()
        user = uuid.uuid4()
        sub = hub.subscribe(user)
        server.kill()  # type: ignore[attr-defined]
        await asyncio.sleep(0.3)
        server.start()  # type: ignore[attr-defined]
        clear_caches()
        catch_up = await asyncio.wait_for(sub.queue.get(), 15)  # None: replay from last seq
        await asyncio.sleep(0.05)
        seq = await asyncio.to_thread(hub.publish, user, "reading", {})
        live = await asyncio.wait_for(sub.queue.get(), 5)
        await hub.close()
        return catch_up, (seq, live)

    with redis_server(tmp_path) as server:
        clear_caches()
        catch_up, (seq, live) = asyncio.run(scenario(server))
    assert catch_up is None
    assert seq == 1 and live is not None and live[0] == 1  # type: ignore[index]
