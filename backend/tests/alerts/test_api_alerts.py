"""History, open alerts, unread count, mark-read and acknowledge, through the HTTP API and
the real database (alert rows written as the engine writes them, see _api_rows.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from glucolens.alerts.models import AlertDecision
from glucolens.core.events import Broadcast, subscribe, unsubscribe
from glucolens.main import create_app
from tests.alerts._api_rows import T0, AlertFactory, make_alert_factory

A = "/api/v1/alerts"


@pytest.fixture(scope="module")
def app() -> Any:
    """One app per module: building an app and its first request cost ~0.4 s, and these
    tests share nothing through it (the database is cleaned between tests)."""
    return create_app()


@pytest.fixture
def make_alert(db) -> AlertFactory:
    return make_alert_factory(db)


@pytest.fixture
def broadcasts() -> Iterator[list[Broadcast]]:
    """The real-time messages published after commit (core/events' real subscriber path)."""
    seen: list[Broadcast] = []
    subscribe(Broadcast, seen.append)
    yield seen
    unsubscribe(Broadcast, seen.append)


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def headers(user, auth_headers):
    return auth_headers(user)


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# -- the alert as shown ---------------------------------------------------------------------


def test_alert_shows_value_and_title_in_mgdl(client, user, headers, make_alert):
    make_alert(user, "urgent_low", value_mgdl=52.0)
    item = client.get(f"{A}/history", headers=headers).json()["items"][0]
    assert (item["value"], item["value_mgdl"], item["unit"]) == (52.0, 52.0, "mg/dL")
    assert item["title"] == "Urgent low: 52 mg/dL" and item["severity"] == "urgent"


def test_alert_shows_value_and_title_in_mmol_for_an_mmol_user(
    client, make_user, auth_headers, make_alert
):
    user = make_user(unit="mmol/L")
    make_alert(user, "low", value_mgdl=63.0)
    item = client.get(f"{A}/history", headers=auth_headers(user)).json()["items"][0]
    assert (item["value"], item["value_mgdl"], item["unit"]) == (3.5, 63.0, "mmol/L")
    assert item["title"] == "Low: 3.5 mmol/L"


def test_stale_alert_title_says_for_how_long(client, user, headers, make_alert):
    make_alert(user, "stale_data", value_mgdl=None, details={"stale_min": 25})
    item = client.get(f"{A}/history", headers=headers).json()["items"][0]
    assert item["title"] == "No glucose data for 25 min"


# -- history --------------------------------------------------------------------------------


def test_history_is_newest_first(client, user, headers, make_alert):
    old = make_alert(user, opened_at=T0)
    new = make_alert(user, "high", opened_at=T0 + minutes(30), value_mgdl=260.0)
    ids = [i["id"] for i in client.get(f"{A}/history", headers=headers).json()["items"]]
    assert ids == [str(new.id), str(old.id)]


def test_history_pages_with_a_cursor_without_gaps_or_repeats(client, user, headers, make_alert):
    made = [make_alert(user, opened_at=T0 + minutes(i)) for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{A}/history", params=params, headers=headers).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [str(a.id) for a in reversed(made)] and cursor is None


def test_history_pages_through_alerts_opened_at_the_same_time(client, user, headers, make_alert):
    made = {str(make_alert(user, opened_at=T0).id) for _ in range(3)}
    first = client.get(f"{A}/history", params={"limit": 2}, headers=headers).json()
    rest = client.get(
        f"{A}/history", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    ).json()
    assert {i["id"] for i in first["items"] + rest["items"]} == made


def test_history_rejects_a_forged_cursor_naming_it(client, headers):
    r = client.get(f"{A}/history", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "cursor"


def test_history_filters_by_kind_status_and_unread(client, user, headers, make_alert):
    low = make_alert(user, "low")
    make_alert(user, "high", value_mgdl=270.0)
    resolved = make_alert(user, "low", status="resolved", resolved_at=T0 + minutes(20))
    read = make_alert(user, "low", read_at=T0)

    def ids(**params: str) -> set[str]:
        items = client.get(f"{A}/history", params=params, headers=headers).json()["items"]
        return {i["id"] for i in items}

    assert ids(kind="low", status="open", unread="true") == {str(low.id)}
    assert ids(status="resolved") == {str(resolved.id)}
    assert ids(unread="false") == {str(read.id)}


def test_history_filters_by_opening_time(client, user, headers, make_alert):
    make_alert(user, opened_at=T0)
    inside = make_alert(user, opened_at=T0 + minutes(60))
    params = {"since": (T0 + minutes(30)).isoformat(), "until": (T0 + minutes(90)).isoformat()}
    items = client.get(f"{A}/history", params=params, headers=headers).json()["items"]
    assert [i["id"] for i in items] == [str(inside.id)]


def test_history_shows_suppressed_notifications_with_their_reasons(
    client, user, headers, make_alert
):
    make_alert(
        user,
        "high",
        value_mgdl=262.0,
        decisions=[("notified", None), ("suppressed", "snoozed"), ("suppressed", "quiet_hours")],
    )
    item = client.get(f"{A}/history", headers=headers).json()["items"][0]
    assert [(x["action"], x["reason"]) for x in item["decisions"]] == [
        ("notified", None),
        ("suppressed", "snoozed"),
        ("suppressed", "quiet_hours"),
    ]
    assert item["decisions"][1]["value"] == 262.0


def test_history_shows_nothing_of_another_user(client, user, make_user, auth_headers, make_alert):
    make_alert(user)
    other = auth_headers(make_user())
    assert client.get(f"{A}/history", headers=other).json()["items"] == []


# -- active and unread ----------------------------------------------------------------------


def test_active_lists_only_open_alerts(client, user, headers, make_alert):
    open_ = make_alert(user, "low")
    make_alert(user, "high", status="resolved", value_mgdl=255.0)
    items = client.get(f"{A}/active", headers=headers).json()["items"]
    assert [i["id"] for i in items] == [str(open_.id)] and items[0]["decisions"] is None


def test_unread_count_counts_alerts_without_read_at(client, user, headers, make_alert):
    make_alert(user)
    make_alert(user, "high", value_mgdl=255.0)
    make_alert(user, read_at=T0)
    assert client.get(f"{A}/unread-count", headers=headers).json() == {"unread": 2}


# -- mark read ------------------------------------------------------------------------------


def test_mark_read_by_id_marks_only_those(client, user, headers, make_alert):
    a, b = make_alert(user), make_alert(user)
    r = client.put(f"{A}/mark-read", json={"ids": [str(a.id)]}, headers=headers)
    assert r.json() == {"updated": 1, "unread": 1}
    unread = client.get(f"{A}/history", params={"unread": "true"}, headers=headers).json()
    assert [i["id"] for i in unread["items"]] == [str(b.id)]


def test_mark_read_all_marks_every_alert(client, user, headers, make_alert):
    for _ in range(3):
        make_alert(user)
    r = client.put(f"{A}/mark-read", json={"all": True}, headers=headers)
    assert r.json() == {"updated": 3, "unread": 0}


def test_mark_read_twice_keeps_the_first_read_time(client, user, headers, make_alert):
    a = make_alert(user)
    client.put(f"{A}/mark-read", json={"ids": [str(a.id)]}, headers=headers)
    first = client.get(f"{A}/history", headers=headers).json()["items"][0]["read_at"]
    again = client.put(f"{A}/mark-read", json={"ids": [str(a.id)]}, headers=headers)
    assert again.json()["updated"] == 0
    assert client.get(f"{A}/history", headers=headers).json()["items"][0]["read_at"] == first


def test_mark_read_ignores_another_users_alert(client, user, make_user, auth_headers, make_alert):
    theirs = make_alert(user)
    r = client.put(
        f"{A}/mark-read", json={"ids": [str(theirs.id)]}, headers=auth_headers(make_user())
    )
    assert r.json()["updated"] == 0
    assert client.get(f"{A}/unread-count", headers=auth_headers(user)).json() == {"unread": 1}


@pytest.mark.parametrize("body", [{}, {"ids": [], "all": True}])
def test_mark_read_needs_ids_or_all_but_not_both(client, headers, body):
    r = client.put(f"{A}/mark-read", json=body, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "ids"


def test_mark_read_broadcasts_to_the_users_channel(client, user, headers, make_alert, broadcasts):
    a = make_alert(user)
    client.put(f"{A}/mark-read", json={"all": True}, headers=headers)
    assert [(b.user_id, b.type, b.data["ids"]) for b in broadcasts] == [
        (user.id, "alert.read", [str(a.id)])
    ]


# -- acknowledge ----------------------------------------------------------------------------


def test_acknowledge_sets_acknowledged_and_read(client, user, headers, make_alert):
    a = make_alert(user, "urgent_low", value_mgdl=50.0)
    body = client.post(f"{A}/{a.id}/acknowledge", headers=headers).json()
    assert body["acknowledged_at"] is not None and body["read_at"] == body["acknowledged_at"]


def test_acknowledge_twice_answers_the_same_time_and_records_once(
    client, user, headers, make_alert, db
):
    a = make_alert(user, "urgent_low", value_mgdl=50.0)
    first = client.post(f"{A}/{a.id}/acknowledge", headers=headers).json()
    second = client.post(f"{A}/{a.id}/acknowledge", headers=headers).json()
    assert first["acknowledged_at"] == second["acknowledged_at"]
    acks = (
        db.execute(
            select(AlertDecision).where(
                AlertDecision.alert_id == a.id, AlertDecision.action == "acknowledged"
            )
        )
        .scalars()
        .all()
    )
    assert len(acks) == 1


def test_acknowledge_shows_in_the_history_decisions(client, user, headers, make_alert):
    a = make_alert(user, "urgent_low", value_mgdl=50.0)
    client.post(f"{A}/{a.id}/acknowledge", headers=headers)
    item = client.get(f"{A}/history", headers=headers).json()["items"][0]
    assert [x["action"] for x in item["decisions"]] == ["notified", "acknowledged"]


def test_acknowledge_broadcasts_once(client, user, headers, make_alert, broadcasts):
    a = make_alert(user, "urgent_low", value_mgdl=50.0)
    client.post(f"{A}/{a.id}/acknowledge", headers=headers)
    client.post(f"{A}/{a.id}/acknowledge", headers=headers)
    assert [(b.type, b.data["id"]) for b in broadcasts] == [("alert.acknowledged", str(a.id))]


def test_acknowledging_another_users_alert_is_404(
    client, user, make_user, auth_headers, make_alert
):
    a = make_alert(user, "urgent_low", value_mgdl=50.0)
    r = client.post(f"{A}/{a.id}/acknowledge", headers=auth_headers(make_user()))
    assert r.status_code == 404
    assert (
        client.get(f"{A}/active", headers=auth_headers(user)).json()["items"][0]["acknowledged_at"]
        is None
    )


def test_acknowledging_an_unknown_alert_is_404(client, headers):
    assert client.post(f"{A}/{uuid.uuid4()}/acknowledge", headers=headers).status_code == 404


def test_acknowledging_a_malformed_id_is_422_naming_it(client, headers):
    r = client.post(f"{A}/not-a-uuid/acknowledge", headers=headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "alert_id"
