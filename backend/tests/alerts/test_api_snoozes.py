"""GET/POST /api/v1/alerts/snoozes and DELETE /snoozes/{id}: per-kind snoozes with the
issue's limits (urgent lows at most 30 min, the others 12 h), cancellable, rows kept."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from glucolens.alerts.models import AlertSnooze
from glucolens.main import create_app

S = "/api/v1/alerts/snoozes"


@pytest.fixture(scope="module")
def app() -> Any:
    """One app per module: building an app and its first request cost ~0.4 s, and these
    tests share nothing through it (the database is cleaned between tests)."""
    return create_app()


@pytest.fixture
def headers(make_user, auth_headers):
    return auth_headers(make_user())


def snooze(client, headers, kinds, minutes):
    return client.post(S, json={"kinds": kinds, "minutes": minutes}, headers=headers)


def test_snooze_lasts_the_minutes_asked(client, headers):
    body = snooze(client, headers, ["high"], 60).json()
    created = dt.datetime.fromisoformat(body["created_at"])
    until = dt.datetime.fromisoformat(body["until"])
    assert until - created == dt.timedelta(minutes=60) and body["active"] is True


def test_snooze_covers_exactly_the_kinds_named(client, headers):
    body = snooze(client, headers, ["high", "rising_fast"], 60).json()
    assert body["kinds"] == ["high", "rising_fast"]


def test_urgent_low_snooze_over_30_minutes_is_422_naming_the_limit(client, headers):
    r = snooze(client, headers, ["urgent_low"], 31)
    assert r.status_code == 422
    detail = r.json()["error"]["details"][0]
    assert (detail["field"], detail["reason"]) == ("minutes", "at most 30 for urgent_low")


def test_urgent_low_soon_snooze_over_30_minutes_is_422(client, headers):
    assert snooze(client, headers, ["urgent_low_soon"], 45).status_code == 422


def test_urgent_low_snooze_of_30_minutes_is_allowed(client, headers):
    assert snooze(client, headers, ["urgent_low"], 30).status_code == 201


def test_snooze_with_an_urgent_low_takes_its_stricter_limit(client, headers):
    r = snooze(client, headers, ["low", "urgent_low"], 60)
    assert r.status_code == 422 and "urgent_low" in r.json()["error"]["message"]


def test_high_snooze_over_12_hours_is_422(client, headers):
    r = snooze(client, headers, ["high"], 12 * 60 + 1)
    assert r.status_code == 422 and "at most 720 minutes" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kinds": [], "minutes": 10}, "kinds"),
        ({"kinds": ["nope"], "minutes": 10}, "kinds[0]"),
        ({"kinds": ["high"], "minutes": 0}, "minutes"),
    ],
)
def test_bad_snooze_bodies_are_422_naming_the_field(client, headers, body, field):
    r = client.post(S, json=body, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == field


def test_active_snoozes_are_listed(client, headers):
    made = snooze(client, headers, ["high"], 60).json()
    assert [s["id"] for s in client.get(S, headers=headers).json()["items"]] == [made["id"]]


def test_cancel_ends_the_snooze_and_keeps_the_row(client, headers, db):
    made = snooze(client, headers, ["high"], 60).json()
    r = client.delete(f"{S}/{made['id']}", headers=headers)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get(S, headers=headers).json()["items"] == []
    row = db.execute(select(AlertSnooze)).scalar_one()
    assert row.cancelled_at is not None


def test_cancel_twice_keeps_the_first_cancellation_time(client, headers):
    made = snooze(client, headers, ["high"], 60).json()
    first = client.delete(f"{S}/{made['id']}", headers=headers).json()["cancelled_at"]
    second = client.delete(f"{S}/{made['id']}", headers=headers).json()["cancelled_at"]
    assert first == second


def test_cancelling_another_users_snooze_is_404_and_leaves_it(
    client, headers, make_user, auth_headers
):
    made = snooze(client, headers, ["high"], 60).json()
    r = client.delete(f"{S}/{made['id']}", headers=auth_headers(make_user()))
    assert r.status_code == 404
    assert len(client.get(S, headers=headers).json()["items"]) == 1


def test_cancelling_an_unknown_snooze_is_404(client, headers):
    assert client.delete(f"{S}/{uuid.uuid4()}", headers=headers).status_code == 404
