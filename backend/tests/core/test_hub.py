"""The hub (core/hub.py) in the embedded in-memory mode, and after-commit delivery of
``Broadcast``. The Redis mode is in test_hub_redis.py."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

from sqlalchemy.orm import Session

from glucolens.core.config import Settings
from glucolens.core.events import Broadcast, publish, subscribe, unsubscribe
from glucolens.core.hub import Hub, get_hub, hub_on_broadcast, set_hub


def _memory_hub(**kw: object) -> Hub:
    """A hub as the app's lifespan makes it (started on an event loop, here a finished one:
    publish still numbers and keeps messages; nothing is dispatched)."""
    hub = Hub(Settings(redis_url=None, **kw))  # type: ignore[arg-type]
    asyncio.run(hub.start())
    return hub


def test_publish_numbers_each_users_messages_from_one():
    hub = _memory_hub()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    assert [hub.publish(alice, "reading", {}) for _ in range(3)] == [1, 2, 3]
    assert hub.publish(bob, "reading", {}) == 1


def test_message_published_from_another_thread_reaches_the_users_subscription():
    async def scenario() -> list[dict[str, object]]:
        hub = Hub(Settings(redis_url=None))  # type: ignore[call-arg]
        await hub.start()
        user = uuid.uuid4()
        sub = hub.subscribe(user)
        other = hub.subscribe(uuid.uuid4())
        thread = threading.Thread(target=hub.publish, args=(user, "alert.raised", {"id": "a1"}))
        thread.start()
        thread.join()
        item = await asyncio.wait_for(sub.queue.get(), 2)
        assert item is not None and other.queue.empty()
        await hub.close()
        return [json.loads(item[1])]

    (message,) = asyncio.run(scenario())
    assert message["seq"] == 1 and message["type"] == "alert.raised"
    assert message["data"] == {"id": "a1"}
    assert isinstance(message["at"], str) and message["at"].endswith("Z")


def test_catch_up_returns_the_missed_messages_in_order():
    hub = _memory_hub()
    user = uuid.uuid4()
    for i in range(5):
        hub.publish(user, "reading", {"i": i})
    result = asyncio.run(hub.catch_up(user, 2))
    assert result.current == 5 and not result.gap
    assert [seq for seq, _ in result.messages] == [3, 4, 5]
    assert [json.loads(text)["data"]["i"] for _, text in result.messages] == [2, 3, 4]


def test_catch_up_reports_a_gap_when_the_buffer_no_longer_holds_the_next_message():
    hub = _memory_hub(hub_replay_max=3)
    user = uuid.uuid4()
    for _ in range(6):
        hub.publish(user, "reading", {})
    result = asyncio.run(hub.catch_up(user, 1))  # 2 was dropped: only 4, 5, 6 are kept
    assert result.gap and result.messages == [] and result.current == 6


def test_catch_up_reports_a_gap_when_the_client_is_ahead_of_a_restarted_stream():
    hub = _memory_hub()
    user = uuid.uuid4()
    hub.publish(user, "reading", {})
    result = asyncio.run(hub.catch_up(user, 40))
    assert result.gap and result.current == 1


def test_catch_up_reports_a_gap_for_messages_older_than_the_replay_age():
    hub = _memory_hub(hub_replay_max_age_s=0)
    user = uuid.uuid4()
    hub.publish(user, "reading", {})
    hub.publish(user, "reading", {})
    assert asyncio.run(hub.catch_up(user, 0)).gap


def test_a_full_queue_turns_into_a_catch_up_request_instead_of_growing():
    async def scenario() -> tuple[int, object]:
        hub = Hub(Settings(redis_url=None))  # type: ignore[call-arg]
        await hub.start()
        user = uuid.uuid4()
        sub = hub.subscribe(user)
        for _ in range(sub.queue.maxsize + 5):
            hub.publish(user, "reading", {})
        await asyncio.sleep(0.05)  # let the loop run the hand-offs
        size = sub.queue.qsize()
        first = sub.queue.get_nowait()
        await hub.close()
        return size, first

    size, first = asyncio.run(scenario())
    assert first is None  # the consumer replays from its last seq instead
    assert size <= 6


def test_without_a_server_or_redis_in_this_process_publish_says_it_reached_nobody():
    """The CLI or a worker without GLUCOLENS_REDIS_URL: no socket can get the message."""
    hub = Hub(Settings(redis_url=None))  # type: ignore[call-arg]
    assert hub.publish(uuid.uuid4(), "alert.raised", {}) == 0


def test_unserialisable_data_is_not_published():
    hub = _memory_hub()
    assert hub.publish(uuid.uuid4(), "reading", {"x": object()}) == 0


def test_broadcast_goes_out_after_commit_and_never_after_rollback(db: Session, make_user):
    user = make_user()
    hub = _memory_hub()
    set_hub(hub)
    subscribe(Broadcast, hub_on_broadcast)
    try:
        publish(db, Broadcast(user.id, "alert.raised", {"id": "x"}))
        assert asyncio.run(hub.catch_up(user.id, None)).current == 0  # not before commit
        db.commit()
        assert asyncio.run(hub.catch_up(user.id, None)).current == 1
        publish(db, Broadcast(user.id, "alert.raised", {"id": "y"}))
        db.rollback()
        assert asyncio.run(hub.catch_up(user.id, None)).current == 1
    finally:
        unsubscribe(Broadcast, hub_on_broadcast)
        set_hub(None)


def test_get_hub_returns_the_process_hub_set_by_the_app():
    hub = _memory_hub()
    set_hub(hub)
    try:
        assert get_hub() is hub
    finally:
        set_hub(None)
