"""GET/POST /api/v1/alerts/config: effective defaults, the user's unit, partial upserts and
every validation rule of issue 14 (each refusal a 422 naming its field)."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest
from sqlalchemy import select

from glucolens.alerts.defaults import KINDS, TEST
from glucolens.alerts.models import AlertConfig, AlertSettings
from glucolens.alerts.rules import PERSIST_KINDS
from glucolens.alerts.schemas import AlertKind, HistoryKind
from glucolens.main import create_app

CONFIG = "/api/v1/alerts/config"


def kind(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(k for k in body["kinds"] if k["kind"] == name)


def post(client: Any, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(CONFIG, json=body, headers=headers)


def error_field(r: Any) -> str:
    assert r.status_code == 422, r.text
    return str(r.json()["error"]["details"][0]["field"])


@pytest.fixture(scope="module")
def app() -> Any:
    """One app per module: building an app and its first request cost ~0.4 s, and these
    tests share nothing through it (the database is cleaned between tests)."""
    return create_app()


@pytest.fixture
def headers(make_user, auth_headers) -> dict[str, str]:
    return auth_headers(make_user())


@pytest.fixture
def mmol_headers(make_user, auth_headers) -> dict[str, str]:
    return auth_headers(make_user(unit="mmol/L"))


def test_untouched_config_shows_the_issue_defaults(client, headers):
    body = client.get(CONFIG, headers=headers).json()
    assert [k["kind"] for k in body["kinds"]] == [
        "urgent_low", "urgent_low_soon", "low", "high", "urgent_high",
        "rising_fast", "falling_fast", "stale_data", "pattern",
    ]  # fmt: skip
    summary = {k["kind"]: (k["enabled"], k["threshold"], k["repeat_min"]) for k in body["kinds"]}
    assert summary["urgent_low"] == (True, 55.0, 5)
    assert summary["low"] == (True, 70.0, 15)
    assert summary["high"] == (True, 250.0, 60)
    assert summary["urgent_high"] == (False, 300.0, 30)
    assert summary["rising_fast"] == (False, 2.0, 30)
    assert summary["stale_data"] == (True, 20.0, 20)
    assert kind(body, "stale_data")["options"]["urgent_after_min"] == 60


def test_untouched_settings_have_push_on_and_no_quiet_hours(client, headers):
    settings = client.get(CONFIG, headers=headers).json()["settings"]
    assert settings["channels"] == {"email": False, "push": True, "webhook": False}
    assert settings["quiet_start"] is None and settings["mute_until"] is None


def test_quiet_hours_silence_low_and_high_until_kinds_are_chosen(client, headers):
    settings = client.get(CONFIG, headers=headers).json()["settings"]
    assert settings["quiet_kinds"] == ["low", "high"]


def test_mmol_user_sees_thresholds_and_bounds_in_mmol(client, mmol_headers):
    body = client.get(CONFIG, headers=mmol_headers).json()
    low = kind(body, "low")
    assert body["unit"] == "mmol/L" and low["threshold_unit"] == "mmol/L"
    assert low["threshold"] == pytest.approx(3.88, abs=0.01) and low["threshold_mgdl"] == 70.0
    assert low["bounds"] == {"min": 2.77, "max": 6.1}
    assert kind(body, "rising_fast")["threshold_unit"] == "mmol/L/min"
    assert kind(body, "stale_data")["threshold_unit"] == "min"


def test_mmol_threshold_is_stored_in_whole_mgdl(client, mmol_headers, db):
    r = post(client, mmol_headers, {"kinds": [{"kind": "urgent_low", "threshold": 3.0}]})
    assert r.status_code == 200, r.text
    assert kind(r.json(), "urgent_low")["threshold"] == 3.0
    stored = db.execute(select(AlertConfig.threshold).where(AlertConfig.kind == "urgent_low"))
    assert stored.scalar_one() == 54.0


@pytest.mark.parametrize("name", ["high", "falling_fast", "urgent_low_soon"])
def test_mmol_bounds_shown_are_accepted_as_thresholds(client, mmol_headers, name):
    bounds = kind(client.get(CONFIG, headers=mmol_headers).json(), name)["bounds"]
    for value in (bounds["min"], bounds["max"]):
        r = post(client, mmol_headers, {"kinds": [{"kind": name, "threshold": value}]})
        assert r.status_code == 200, (value, r.text)


def test_mmol_rate_threshold_is_stored_per_minute_in_mgdl(client, mmol_headers):
    r = post(client, mmol_headers, {"kinds": [{"kind": "falling_fast", "threshold": 0.17}]})
    assert kind(r.json(), "falling_fast")["threshold_mgdl"] == 3.1


def test_partial_update_keeps_the_other_fields_and_kinds(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "high", "threshold": 220}]})
    high = kind(r.json(), "high")
    assert (high["threshold"], high["repeat_min"], high["enabled"]) == (220.0, 60, True)
    assert kind(r.json(), "low")["threshold"] == 70.0


def test_second_post_updates_the_same_row(client, headers, db):
    post(client, headers, {"kinds": [{"kind": "low", "repeat_min": 20}]})
    post(client, headers, {"kinds": [{"kind": "low", "persist_min": 10}]})
    rows = db.execute(select(AlertConfig).where(AlertConfig.kind == "low")).scalars().all()
    assert [(r.repeat_min, r.persist_min) for r in rows] == [(20, 10)]


def test_put_is_the_same_upsert_as_post(client, headers):
    r = client.put(
        CONFIG, json={"kinds": [{"kind": "urgent_high", "enabled": True}]}, headers=headers
    )
    assert r.status_code == 200 and kind(r.json(), "urgent_high")["enabled"] is True


def test_get_reflects_a_saved_change(client, headers):
    post(client, headers, {"kinds": [{"kind": "rising_fast", "enabled": True, "threshold": 3}]})
    rising = kind(client.get(CONFIG, headers=headers).json(), "rising_fast")
    assert (rising["enabled"], rising["threshold"]) == (True, 3.0)


# -- validation -----------------------------------------------------------------------------


def test_threshold_outside_bounds_is_422_naming_the_kind_and_range(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "urgent_low", "threshold": 30}]})
    assert error_field(r) == "kinds[urgent_low].threshold"
    assert "between 40 and 70 mg/dL" in r.json()["error"]["message"]


def test_mmol_threshold_outside_bounds_names_the_range_in_mmol(client, mmol_headers):
    r = post(client, mmol_headers, {"kinds": [{"kind": "high", "threshold": 25}]})
    assert error_field(r) == "kinds[high].threshold"
    assert "mmol/L" in r.json()["error"]["message"]


def test_urgent_low_at_or_above_low_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "urgent_low", "threshold": 70}]})
    assert error_field(r) == "kinds[urgent_low].threshold"
    assert "below the low threshold" in r.json()["error"]["message"]


def test_low_lowered_under_urgent_low_names_low(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "low", "threshold": 55}]})
    assert error_field(r) == "kinds[low].threshold"


def test_high_at_or_above_enabled_urgent_high_is_422(client, headers):
    body = {"kinds": [{"kind": "urgent_high", "enabled": True}, {"kind": "high", "threshold": 300}]}
    r = post(client, headers, body)
    assert error_field(r) == "kinds[high].threshold"
    assert "below the urgent_high threshold" in r.json()["error"]["message"]


def test_order_between_kinds_is_checked_across_a_whole_request(client, headers):
    body = {"kinds": [{"kind": "low", "threshold": 60}, {"kind": "urgent_low", "threshold": 50}]}
    assert post(client, headers, body).status_code == 200


def test_repeat_outside_the_kinds_bounds_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "urgent_low", "repeat_min": 30}]})
    assert error_field(r) == "kinds[urgent_low].repeat_min"
    assert "between 1 and 15 minutes" in r.json()["error"]["message"]


def test_persist_on_a_kind_without_persist_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "urgent_low", "persist_min": 5}]})
    assert error_field(r) == "kinds[urgent_low].persist_min"


def test_persist_is_offered_for_the_kinds_the_engine_honours_it_on(client, headers):
    offered = {
        k["kind"] for k in client.get(CONFIG, headers=headers).json()["kinds"] if k["persists"]
    }
    assert offered == PERSIST_KINDS


def test_persist_over_the_low_limit_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "low", "persist_min": 45}]})
    assert error_field(r) == "kinds[low].persist_min"
    assert "at most 30 minutes" in r.json()["error"]["message"]


def test_pattern_has_no_threshold(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "pattern", "threshold": 1}]})
    assert error_field(r) == "kinds[pattern].threshold"


def test_stale_urgent_after_must_exceed_its_threshold(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "stale_data", "urgent_after_min": 15}]})
    assert error_field(r) == "kinds[stale_data].urgent_after_min"


def test_kind_twice_in_one_request_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "low"}, {"kind": "low"}]})
    assert error_field(r) == "kinds"


def test_unknown_kind_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "sideways"}]})
    assert error_field(r).startswith("kinds[0].kind")


def test_turning_urgent_low_off_without_confirmation_is_422_saying_how(client, headers, db):
    r = post(client, headers, {"kinds": [{"kind": "urgent_low", "enabled": False}]})
    assert error_field(r) == "confirm_disable_urgent_low"
    assert '"confirm_disable_urgent_low": true' in r.json()["error"]["message"]
    assert db.execute(select(AlertConfig)).first() is None


def test_turning_urgent_low_off_with_confirmation_works(client, headers):
    body = {"kinds": [{"kind": "urgent_low", "enabled": False}], "confirm_disable_urgent_low": True}
    r = post(client, headers, body)
    assert r.status_code == 200 and kind(r.json(), "urgent_low")["enabled"] is False


def test_changing_a_disabled_urgent_low_needs_no_new_confirmation(client, headers):
    off = {"kinds": [{"kind": "urgent_low", "enabled": False}], "confirm_disable_urgent_low": True}
    post(client, headers, off)
    r = post(client, headers, {"kinds": [{"kind": "urgent_low", "threshold": 50}]})
    assert r.status_code == 200, r.text


# -- settings -------------------------------------------------------------------------------


def test_settings_round_trip(client, headers):
    settings = {
        "quiet_start": "22:30",
        "quiet_end": "06:45",
        "quiet_kinds": ["high", "rising_fast"],
        "channels": {"email": True},
        "webhook_url": "https://hooks.example.org/glucose",
        "emergency_contact_name": "Sam",
        "emergency_contact_email": "Sam@Example.org",
    }
    out = post(client, headers, {"settings": settings}).json()["settings"]
    assert out["quiet_start"] == "22:30" and out["quiet_kinds"] == ["high", "rising_fast"]
    assert out["channels"] == {"email": True, "push": True, "webhook": False}
    assert out["emergency_contact_email"] == "sam@example.org"


@pytest.mark.parametrize("value", ["24:00", "7:00", "07:60", "noon"])
def test_quiet_hours_not_hh_mm_are_422(client, headers, value):
    r = post(client, headers, {"settings": {"quiet_start": value, "quiet_end": "07:00"}})
    assert error_field(r) == "settings.quiet_start"


def test_quiet_start_without_end_is_422(client, headers):
    r = post(client, headers, {"settings": {"quiet_start": "22:00"}})
    assert error_field(r) == "settings.quiet_end"


def test_quiet_kinds_cannot_include_urgent_low_or_stale_data(client, headers):
    body = {"settings": {"quiet_kinds": ["high", "urgent_low", "stale_data"]}}
    r = post(client, headers, body)
    assert error_field(r) == "settings.quiet_kinds"
    assert "stale_data, urgent_low" in r.json()["error"]["message"]


def test_mute_for_minutes_sets_mute_until(client, headers):
    out = post(client, headers, {"settings": {"mute_minutes": 90}}).json()["settings"]
    until = dt.datetime.fromisoformat(out["mute_until"])
    left = until - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=89) < left <= dt.timedelta(minutes=90)


def test_mute_over_12_hours_is_422(client, headers):
    r = post(client, headers, {"settings": {"mute_minutes": 12 * 60 + 1}})
    assert error_field(r) == "settings.mute_minutes"
    assert "720 minutes (12 h)" in r.json()["error"]["message"]


def test_mute_until_over_12_hours_ahead_is_422(client, headers):
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=13)).isoformat()
    r = post(client, headers, {"settings": {"mute_until": until}})
    assert error_field(r) == "settings.mute_until"


def test_mute_zero_unmutes(client, headers):
    post(client, headers, {"settings": {"mute_minutes": 30}})
    out = post(client, headers, {"settings": {"mute_minutes": 0}}).json()["settings"]
    assert out["mute_until"] is None


@pytest.mark.parametrize(
    "url", ["http://hooks.example.org/x", "ftp://example.org", "not a url", "https://"]
)
def test_webhook_must_be_https(client, headers, url):
    r = post(client, headers, {"settings": {"webhook_url": url}})
    assert error_field(r) == "settings.webhook_url"


def test_webhook_may_be_plain_http_to_localhost(client, headers):
    r = post(client, headers, {"settings": {"webhook_url": "http://localhost:8123/api/webhook/x"}})
    assert r.status_code == 200, r.text


def test_webhook_channel_without_a_url_is_422(client, headers):
    r = post(client, headers, {"settings": {"channels": {"webhook": True}}})
    assert error_field(r) == "settings.channels.webhook"


def test_emergency_contact_must_be_an_email_address(client, headers):
    r = post(client, headers, {"settings": {"emergency_contact_email": "not-an-address"}})
    assert error_field(r) == "settings.emergency_contact_email"


def test_null_clears_the_emergency_contact(client, headers, db):
    post(client, headers, {"settings": {"emergency_contact_email": "sam@example.org"}})
    post(client, headers, {"settings": {"emergency_contact_email": None}})
    assert db.execute(select(AlertSettings.emergency_contact_email)).scalar_one() is None


def test_a_refused_request_changes_nothing(client, headers, db):
    body = {"kinds": [{"kind": "high", "threshold": 200}], "settings": {"quiet_start": "22:00"}}
    assert post(client, headers, body).status_code == 422
    assert kind(client.get(CONFIG, headers=headers).json(), "high")["threshold"] == 250.0


def test_confirmation_must_be_json_true_not_1(client, headers):
    body = {"kinds": [{"kind": "urgent_low", "enabled": False}], "confirm_disable_urgent_low": 1}
    assert error_field(post(client, headers, body)) == "confirm_disable_urgent_low"


def test_threshold_given_as_a_string_is_422(client, headers):
    r = post(client, headers, {"kinds": [{"kind": "high", "threshold": "200"}]})
    assert error_field(r) == "kinds[0].threshold"


def test_threshold_too_large_for_a_float_is_422(client, headers):
    raw = b'{"kinds": [{"kind": "high", "threshold": 1' + b"0" * 400 + b"}]}"
    r = client.post(CONFIG, content=raw, headers={**headers, "content-type": "application/json"})
    assert error_field(r) == "kinds[0].threshold"


def test_the_api_accepts_exactly_the_kinds_the_defaults_define():
    assert get_args(AlertKind) == KINDS
    assert get_args(HistoryKind) == (*KINDS, TEST)
