"""Bad input is a 4xx naming the field, never a 500 (issue 9, items 8 and 15).

NUL characters (PostgreSQL rejects them in text), lone surrogates, path ids beyond BIGINT,
integers too large for a float, CSV fields over the csv module's limit, ``/%00`` on the web
app, and coercions (``false`` as 0, ``0`` as 1970). The body and id walks read the OpenAPI
schema, so request bodies and id routes added later are covered or fail here.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from glucolens.core.config import Settings
from glucolens.main import create_app
from tests.alerts._delivery_servers import BrowserKeys
from tests.conftest import TEST_PASSWORD
from tests.test_every_route_protected import operations

T = "2026-01-05T08:00:00Z"
T_END = "2026-01-05T09:00:00Z"
NEW_PASSWORD = "a different long passphrase"

# A valid body, and the route that takes it, for every JSON request schema.
Ctx = dict[str, Any]
BASELINES: dict[str, tuple[str, str, Callable[[Ctx], dict[str, Any]]]] = {
    "GlucoseIn": ("POST", "/api/v1/glucose", lambda c: {"timestamp": T, "value": 110}),
    "InsulinIn": (
        "POST",
        "/api/v1/insulin",
        lambda c: {"timestamp": T, "units": 2.0, "kind": "bolus"},
    ),
    "MealIn": ("POST", "/api/v1/meals", lambda c: {"timestamp": T}),
    "SleepIn": ("POST", "/api/v1/sleep", lambda c: {"start": T, "end": T_END}),
    "ActivityIn": (
        "POST",
        "/api/v1/activities",
        lambda c: {"start": T, "end": T_END, "activity_type": "walk"},
    ),
    "RegisterIn": (
        "POST",
        "/api/v1/auth/register",
        lambda c: {"email": f"new-{uuid.uuid4().hex[:8]}@example.org", "password": TEST_PASSWORD},
    ),
    "LoginIn": (
        "POST",
        "/api/v1/auth/login",
        lambda c: {"email": c["email"], "password": TEST_PASSWORD},
    ),
    "RefreshIn": ("POST", "/api/v1/auth/refresh", lambda c: {"refresh_token": c["refresh"]}),
    "LogoutIn": ("POST", "/api/v1/auth/logout", lambda c: {"refresh_token": c["refresh"]}),
    "ProfileIn": ("PUT", "/api/v1/auth/profile", lambda c: {"display_name": "Ada"}),
    "PasswordChangeIn": (
        "POST",
        "/api/v1/auth/password",
        lambda c: {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
    ),
    "ForgotPasswordIn": ("POST", "/api/v1/auth/forgot-password", lambda c: {"email": c["email"]}),
    "ResetPasswordIn": (
        "POST",
        "/api/v1/auth/reset-password",
        lambda c: {"token": "x" * 43, "new_password": NEW_PASSWORD},
    ),
    "ApiKeyIn": ("POST", "/api/v1/auth/api-keys", lambda c: {"name": "k", "scopes": ["read"]}),
    "AccountDeleteIn": ("DELETE", "/api/v1/account", lambda c: {"password": TEST_PASSWORD}),
    "DeleteIn": ("POST", "/api/v1/data/delete", lambda c: {"source": "manual", "confirm": True}),
    # The body is checked before the job is looked up: any job id shows the 422.
    "ImportStart": (
        "POST",
        f"/api/v1/imports/{uuid.UUID(int=1)}/start",
        lambda c: {"timezone": "Europe/Berlin"},
    ),
    "ReportRequest": ("POST", "/api/v1/reports", lambda c: {"days": 14}),
    "CredentialIn": (
        "POST",
        "/api/v1/integrations/nightscout/credentials",
        lambda c: {"kind": "token", "name": "xdrip"},
    ),
    "HealthKitSyncIn": (
        "POST",
        "/api/v1/integrations/healthkit/sync",
        lambda c: {"batch_id": str(uuid.uuid4()), "app_version": "1.0"},
    ),
    "PushSubscriptionIn": ("POST", "/api/v1/alerts/push/subscriptions", lambda c: _push_json()),
    "ExperimentIn": (
        "POST",
        "/api/v1/insights/experiments",
        lambda c: {
            "title": "t",
            "intervention": "walk",
            "outcome": "day_mean",
            "target_effect": 15,
        },
    ),
    # A date (checked as text) and a boolean; any experiment id shows the body's 422 first.
    "AdherenceIn": (
        "PUT",
        f"/api/v1/insights/experiments/{uuid.UUID(int=1)}/adherence",
        lambda c: {"day": "2026-01-01", "followed": True},
    ),
}


def _push_json() -> dict[str, Any]:
    """A browser's PushSubscription.toJSON() (W3C Push API, RFC 8291 keys)."""
    keys = BrowserKeys.generate()
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4().hex}",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth_b64},
    }


# Bodies that are not plain objects of fields: bulk items are tested below, the CSV upload too;
# a source order is a list of pattern-checked names (tests/sources/test_source_priority.py);
# the HealthKit configuration is a list of type names (an enum) and a source order.
# Alert bodies hold their free text one level down (ConfigIn.settings: SettingsIn), walked by
# test_alert_settings_text_is_422_naming_the_nested_field; mark-read and snooze bodies hold
# ids, kinds (an enum), numbers and booleans only.
NOT_FIELD_BODIES = {
    "BulkIn",
    "SourcePriorityIn",
    "HealthKitConfigureIn",
    "ConfigIn",
    "MarkReadIn",
    "SnoozeIn",
}


def _json_schemas(app: Any) -> set[str]:
    names = set()
    for _m, _p, op in operations(app):
        content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
        names.update(re.findall(r"#/components/schemas/(\w+)", json.dumps(content)))
    return names


def _text_fields(app: Any, schema: str) -> list[str]:
    """Properties that take free text (not enums, times or numbers only)."""
    props = app.openapi()["components"]["schemas"][schema]["properties"]
    out = []
    for name, prop in props.items():
        options = prop.get("anyOf", [prop])
        if any(
            o.get("type") == "string" and "enum" not in o and o.get("format") != "date-time"
            for o in options
        ):
            out.append(name)
    return out


def test_every_json_body_schema_has_a_baseline(app):
    missing = _json_schemas(app) - set(BASELINES) - NOT_FIELD_BODIES
    assert not missing, f"add a BASELINES entry for: {sorted(missing)}"


def _send(client: TestClient, method: str, path: str, body: dict, headers: dict) -> Any:
    client.cookies.clear()
    raw = json.dumps(body).encode()  # escapes lone surrogates as \\ud800, like any client
    return client.request(
        method, path, content=raw, headers={**headers, "content-type": "application/json"}
    )


@pytest.fixture
def ctx(client, make_user, auth_headers) -> Ctx:
    user = make_user()
    login = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": TEST_PASSWORD}
    ).json()
    client.cookies.clear()
    return {"email": user.email, "headers": auth_headers(user), "refresh": login["refresh_token"]}


@pytest.mark.parametrize("schema", sorted(BASELINES))
@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"], ids=["nul", "lone_surrogate"])
def test_unstorable_text_in_any_field_is_422_naming_it(app, client, ctx, schema, bad):
    method, path, baseline = BASELINES[schema]
    fields = _text_fields(app, schema)
    assert fields, f"{schema} has no text field"
    for field in fields:
        body = {**baseline(ctx), field: bad}
        r = _send(client, method, path, body, ctx["headers"])
        assert r.status_code == 422, (schema, field, r.status_code, r.text)
        named = [d["field"] for d in r.json()["error"]["details"]]
        assert field in named, (schema, field, named)


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"], ids=["nul", "lone_surrogate"])
def test_alert_settings_text_is_422_naming_the_nested_field(app, client, ctx, bad):
    fields = _text_fields(app, "SettingsIn")
    assert len(fields) >= 4, fields
    for field in fields:
        body = {"settings": {field: bad}}
        r = _send(client, "POST", "/api/v1/alerts/config", body, ctx["headers"])
        assert r.status_code == 422, (field, r.status_code, r.text)
        named = [d["field"] for d in r.json()["error"]["details"]]
        assert f"settings.{field}" in named, (field, named)


def _id_routes(app: Any) -> list[tuple[str, str, str | None]]:
    """(method, path, request schema) of every route with an integer path id."""
    out = []
    for method, path, op in operations(app):
        params = [p for p in op.get("parameters", []) if p.get("in") == "path"]
        if any(p.get("schema", {}).get("type") == "integer" for p in params):
            refs = re.findall(r"#/components/schemas/(\w+)", json.dumps(op.get("requestBody", {})))
            out.append((method, path, refs[0] if refs else None))
    return out


@pytest.mark.parametrize("bad_id", [str(2**63), str(2**64), "9" * 40])
def test_path_ids_beyond_bigint_are_422_on_every_id_route(app, client, ctx, bad_id):
    routes = _id_routes(app)
    assert len(routes) >= 15, routes
    for method, path, schema in routes:
        body = BASELINES[schema][2](ctx) if schema else None
        url = re.sub(r"\{[^}]+\}", bad_id, path)
        r = client.request(method, url, json=body, headers=ctx["headers"])
        assert r.status_code == 422, (method, path, r.status_code, r.text)
        assert r.json()["error"]["details"][0]["field"] == "id"


@pytest.mark.parametrize("bad_id", ["0", "-1", str(2**63 - 1)])
def test_small_or_largest_ids_are_404_or_422(app, client, ctx, bad_id):
    for method, path, schema in _id_routes(app):
        body = BASELINES[schema][2](ctx) if schema else None
        url = re.sub(r"\{[^}]+\}", bad_id, path)
        r = client.request(method, url, json=body, headers=ctx["headers"])
        assert r.status_code in (404, 422), (method, path, r.status_code, r.text)


HUGE = 10**400  # 401 digits: float(HUGE) raises OverflowError


@pytest.mark.parametrize(
    ("kind", "item", "field"),
    [
        ("glucose", {"timestamp": T, "value": HUGE}, "value"),
        ("glucose", {"timestamp": T, "value": -HUGE, "unit": "mmol/L"}, "value"),
        ("glucose", {"timestamp": T, "value": 100, "external_id": HUGE}, "external_id"),
        ("insulin", {"timestamp": T, "units": HUGE, "kind": "bolus"}, "units"),
        ("meals", {"timestamp": T, "kcal": HUGE}, "kcal"),
        ("sleep", {"start": T, "end": T_END, "asleep_min": HUGE}, "asleep_min"),
        ("activities", {"start": T, "end": T_END, "activity_type": "x", "steps": HUGE}, "steps"),
    ],
)
def test_integers_too_large_for_a_float_are_rejected_rows(client, ctx, kind, item, field):
    body = {"items": [item]}
    r = _send(client, "POST", f"/api/v1/{kind}/bulk", body, ctx["headers"])
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["inserted"] == 0 and report["rejected"][0]["field"] == field, report


@pytest.mark.parametrize("field", ["trend", "device", "source", "external_id", "unit", "value"])
@pytest.mark.parametrize("bad", ["a\x00b", "\ud800"], ids=["nul", "lone_surrogate"])
def test_bulk_glucose_text_is_checked_like_single_create(client, ctx, field, bad):
    item = {"timestamp": T, "value": 100, field: bad}
    r = _send(client, "POST", "/api/v1/glucose/bulk", {"items": [item]}, ctx["headers"])
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["inserted"] == 0 and report["rejected"][0]["field"] == field, report


def test_bulk_glucose_unknown_key_with_a_lone_surrogate_is_reported(client, ctx):
    item = {"timestamp": T, "value": 100, "\ud800": 1}
    r = _send(client, "POST", "/api/v1/glucose/bulk", {"items": [item]}, ctx["headers"])
    assert r.status_code == 200, r.text
    assert r.json()["rejected"][0]["reason"] == "unknown field"


@pytest.mark.parametrize("kind", ["meals", "activities", "insulin"])
def test_generic_bulk_rejects_lone_surrogates_and_nul(client, ctx, kind):
    field = {"meals": "description", "activities": "activity_type", "insulin": "insulin_type"}
    base = {
        "meals": {"timestamp": T},
        "activities": {"start": T, "end": T_END, "activity_type": "walk"},
        "insulin": {"timestamp": T, "units": 1.0, "kind": "basal"},
    }[kind]
    items = [{**base, field[kind]: bad} for bad in ("a\x00b", "\ud800")]
    r = _send(client, "POST", f"/api/v1/{kind}/bulk", {"items": items}, ctx["headers"])
    assert r.status_code == 200, r.text
    assert [x["field"] for x in r.json()["rejected"]] == [field[kind]] * 2


def test_bulk_glucose_enforces_the_source_pattern(client, ctx):
    items = [
        {"timestamp": T, "value": 100, "source": "bad source!"},
        {"timestamp": T, "value": 100, "source": "x" * 33},
        {"timestamp": T, "value": 100, "source": "dexcom:g7"},
    ]
    report = client.post("/api/v1/glucose/bulk", json={"items": items}, headers=ctx["headers"])
    body = report.json()
    assert body["inserted"] == 1
    assert [(x["index"], x["field"]) for x in body["rejected"]] == [(0, "source"), (1, "source")]
    single = client.post("/api/v1/glucose", json=items[0], headers=ctx["headers"])
    assert single.status_code == 422


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("meals", {"timestamp": T, "kcal": False}, "kcal"),
        ("meals", {"timestamp": T, "carbs_g": True}, "carbs_g"),
        ("meals", {"timestamp": T, "carbs_g": "40"}, "carbs_g"),
        ("insulin", {"timestamp": T, "units": True, "kind": "bolus"}, "units"),
        ("glucose", {"timestamp": T, "value": True}, "value"),
        ("sleep", {"start": T, "end": T_END, "asleep_min": False}, "asleep_min"),
        ("activities", {"start": T, "end": T_END, "activity_type": "x", "steps": True}, "steps"),
        ("activities", {"start": T, "end": T_END, "activity_type": "x", "steps": 10.5}, "steps"),
        ("activities", {"start": T, "end": T_END, "activity_type": "x", "avg_hr": True}, "avg_hr"),
    ],
)
def test_booleans_and_strings_are_not_coerced_to_numbers(client, ctx, kind, body, field):
    r = client.post(f"/api/v1/{kind}", json=body, headers=ctx["headers"])
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == field
    bulk = client.post(f"/api/v1/{kind}/bulk", json={"items": [body]}, headers=ctx["headers"])
    assert bulk.json()["inserted"] == 0 and bulk.json()["rejected"][0]["field"] == field


def test_whole_numbers_are_still_numbers(client, ctx):
    r = client.post(
        "/api/v1/meals", json={"timestamp": T, "kcal": 500, "carbs_g": 40.5}, headers=ctx["headers"]
    )
    assert r.status_code == 201 and r.json()["kcal"] == 500.0


def test_csv_field_over_the_csv_limit_is_422_with_its_line(client, ctx):
    data = b"timestamp,value\n2026-01-05T08:00:00Z,100\n2026-01-05T08:05:00Z," + b"1" * 140_000
    r = client.post(
        "/api/v1/glucose/import/csv",
        files={"file": ("g.csv", data, "text/csv")},
        headers=ctx["headers"],
    )
    assert r.status_code == 422, r.text
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == "file" and detail["row"] == 3


@pytest.mark.parametrize("path", ["/%00", "/login%00", "/_next/static/%00.js"])
def test_nul_in_a_web_app_path_is_400(tmp_path, path):
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    for settings in (Settings(static_dir=tmp_path), None):
        with TestClient(create_app(settings)) as client:
            r = client.get(path)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["details"][0]["field"] == "path"
