"""The ``reading`` message (alerts/live_reading.py): posted through the real glucose API,
received on /ws/alerts (embedded mode). One message per live batch, in the user's unit, with
Nightscout's delta (the change over about five minutes, scaled to five minutes); none for
backfilled or late data."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from glucolens.auth.models import User
from glucolens.core.hub import get_hub

PATH = "/ws/alerts"
BULK = "/api/v1/glucose/bulk"


NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(autouse=True)
def _one_clock_per_test() -> None:
    """Every reading of a test is placed from one instant, so deltas are exact however slow
    the run; set per test, since the suite may reach this module long after importing it."""
    global NOW
    NOW = dt.datetime.now(dt.UTC)


def _ago(minutes: float) -> str:
    return (NOW - dt.timedelta(minutes=minutes)).isoformat()


def _row(minutes_ago: float, value: float, **kw: Any) -> dict[str, Any]:
    return {"timestamp": _ago(minutes_ago), "value": value, **kw}


def _post(client: TestClient, headers: dict[str, str], *rows: dict[str, Any]) -> None:
    r = client.post(BULK, json={"items": list(rows)}, headers=headers)
    assert r.status_code == 200 and not r.json()["rejected"], r.text


def _messages_published(user: User) -> int:
    return asyncio.run(get_hub().catch_up(user.id, None)).current


@pytest.fixture
def mmol_user(make_user: Callable[..., User]) -> User:
    return make_user(unit="mmol/L")


def test_a_live_reading_reaches_the_socket_in_the_users_unit_with_trend_and_delta(
    client: TestClient, mmol_user: User, auth_headers
):
    headers = auth_headers(mmol_user)
    _post(client, headers, _row(6, 90))
    with client.websocket_connect(PATH) as ws:
        token = headers["Authorization"].removeprefix("Bearer ")
        ws.send_json({"type": "auth", "token": token, "last_seq": None})
        assert ws.receive_json()["type"] == "hello"
        _post(client, headers, _row(1, 100, trend="FortyFiveUp", device="G7"))
        message = ws.receive_json()
    assert message["type"] == "reading"
    data = message["data"]
    assert data["unit"] == "mmol/L" and data["value_mgdl"] == 100
    assert data["value"] == pytest.approx(100 / 18.0182, abs=0.01)
    assert data["delta_mgdl"] == 10 and data["delta"] == pytest.approx(0.55, abs=0.01)
    assert data["trend"] == "FortyFiveUp" and data["source"] == "manual" and data["flag"] is None
    assert dt.datetime.fromisoformat(data["ts"].replace("Z", "+00:00")) > dt.datetime.now(
        dt.UTC
    ) - dt.timedelta(minutes=2)


def test_the_delta_of_one_minute_data_is_scaled_to_five_minutes(
    client: TestClient, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    _post(client, headers, *(_row(5 - i, 100 + 2 * i) for i in range(5)))  # +2 mg/dL a minute
    result = asyncio.run(get_hub().catch_up(user.id, 0))
    (message,) = [m for _, m in result.messages]
    assert '"delta_mgdl":10.0' in message and '"value_mgdl":108' in message


def test_no_delta_without_a_reading_about_five_minutes_earlier(
    client: TestClient, make_user, auth_headers
):
    user = make_user()
    headers = auth_headers(user)
    _post(client, headers, _row(30, 90))
    _post(client, headers, _row(1, 100))
    (message,) = [m for _, m in asyncio.run(get_hub().catch_up(user.id, 0)).messages]
    assert '"delta_mgdl":null' in message and '"delta":null' in message


def test_a_batch_of_many_live_readings_sends_one_message(
    client: TestClient, make_user, auth_headers
):
    user = make_user()
    _post(client, auth_headers(user), *(_row(5 * i + 1, 100 + i) for i in range(12)))
    assert _messages_published(user) == 1


def test_thirty_days_of_history_with_lows_sends_nothing(
    client: TestClient, make_user, auth_headers
):
    """A first upload (Juggluco's or xDrip's history, a Clarity import) is backfill."""
    user = make_user()
    rows = [_row(60 * 24 * 30 - 15 * i, 50 if i % 40 == 0 else 120) for i in range(2800)]
    _post(client, auth_headers(user), *rows)  # the newest is ~12 hours old
    assert _messages_published(user) == 0


def test_a_late_reading_older_than_ten_minutes_sends_nothing(
    client: TestClient, make_user, auth_headers
):
    user = make_user()
    _post(client, auth_headers(user), _row(15, 100))
    assert _messages_published(user) == 0


def test_meter_readings_are_not_sent_as_the_live_reading(
    client: TestClient, make_user, auth_headers
):
    user = make_user()
    _post(client, auth_headers(user), _row(1, 100, kind="meter"))
    assert _messages_published(user) == 0
