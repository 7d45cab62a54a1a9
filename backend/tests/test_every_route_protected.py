"""Every route in the OpenAPI schema refuses bad credentials, and no user reaches another's data.

The test walks ``app.openapi()``, so routes added later are covered without editing it.
A new route with a path parameter fails here until FACTORIES says how to create the
object it addresses.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from glucolens.auth.models import User, UserSession
from glucolens.core.db import get_sessionmaker
from tests.alerts._api_rows import make_alert_factory
from tests.auth.jwt_factory import bad_tokens
from tests.conftest import TEST_PASSWORD

PUBLIC = {
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/forgot-password"),
    ("POST", "/api/v1/auth/reset-password"),
    ("GET", "/healthz"),
    ("GET", "/livez"),
    ("GET", "/readyz"),
}
# Routes whose path parameter is itself the credential (Nightscout's token -> JWT exchange):
# whoever holds the value is its owner, so there is no "another user's object" to address.
# They stay in the bad-credential walk above (a wrong value is a 401); their own tests are in
# tests/integrations/nightscout/test_auth.py.
CREDENTIAL_IN_PATH = {"/api/v2/authorization/request/{token}"}
# Path parameters that are not an object's id: a time (Nightscout v3 history since <ms>).
# Their user isolation is tested in tests/integrations/nightscout/test_v3_*.py.
NOT_AN_ID = re.compile(r"^/api/v3/\w+/history/\{[^}]+\}$")
METHODS = ("get", "post", "put", "patch", "delete")
PARAM = re.compile(r"\{([^}]+)\}")


def operations(app: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method.upper(), path, op


def fill_path(path: str, op: dict[str, Any]) -> str:
    """A syntactically valid value for each path parameter (the object need not exist)."""
    types = {
        p["name"]: p.get("schema", {}) for p in op.get("parameters", []) if p.get("in") == "path"
    }

    def value(match: re.Match[str]) -> str:
        schema = types.get(match.group(1), {})
        if schema.get("type") == "integer":
            return "1"
        return str(uuid.uuid4())

    return PARAM.sub(value, path)


# --- 1. credentials ---------------------------------------------------------------


def test_every_non_public_route_refuses_bad_credentials(app, make_user, db: Session):
    user = make_user()
    session = UserSession(user_id=user.id, device="pytest")
    db.add(session)
    db.commit()
    variants: dict[str, dict[str, str]] = {"no_token": {}}
    for name, token in bad_tokens(user.id, session.id).items():
        variants[name] = {"Authorization": f"Bearer {token}"}

    failures: list[str] = []
    checked = 0
    with TestClient(app, base_url="https://testserver") as client:
        for method, path, op in operations(app):
            if (method, path) in PUBLIC:
                continue
            url = fill_path(path, op)
            for name, headers in variants.items():
                client.cookies.clear()
                r = client.request(method, url, headers=headers)
                checked += 1
                if r.status_code != 401:
                    failures.append(f"{method} {path} [{name}] -> {r.status_code}")
    assert checked > 0
    assert not failures, "routes that did not answer 401:\n" + "\n".join(failures)


def test_public_allow_list_names_real_routes(app):
    """A renamed public route must not silently leave the allow-list stale."""
    present = {(m, p) for m, p, _ in operations(app)}
    assert present >= PUBLIC, PUBLIC - present


# --- 2. ownership -----------------------------------------------------------------


@dataclass
class Owner:
    user: User
    headers: dict[str, str]
    ns_headers: dict[str, str] | None = None  # a Nightscout API secret, made when needed


def nightscout_headers(client: TestClient, owner: Owner) -> dict[str, str]:
    """The Nightscout routes take a Nightscout credential, not a GlucoLens session."""
    if owner.ns_headers is None:
        r = client.post(
            "/api/v1/integrations/nightscout/credentials",
            json={"kind": "secret"},
            headers=owner.headers,
        )
        assert r.status_code == 201, r.text
        owner.ns_headers = {"api-secret": r.json()["api_secret_sha1"]}
    return owner.ns_headers


Create = Callable[[TestClient, Owner], str]
_steps = itertools.count()


def _at(step_min: int = 90) -> dt.datetime:
    """Distinct past instants, so that no factory call collides with another."""
    return dt.datetime(2025, 6, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=next(_steps) * step_min)


def _iso(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _glucose() -> dict[str, Any]:
    return {"timestamp": _iso(_at()), "value": 123}


def _insulin() -> dict[str, Any]:
    return {"timestamp": _iso(_at()), "units": 2.5, "kind": "bolus"}


def _sleep() -> dict[str, Any]:
    start = _at(step_min=24 * 60)
    return {"start": _iso(start), "end": _iso(start + dt.timedelta(hours=7))}


def _meal() -> dict[str, Any]:
    return {
        "timestamp": _iso(_at()),
        "carbs_g": 40,
        "description": "oats",
        "meal_type": "breakfast",
    }


def _activity() -> dict[str, Any]:
    start = _at()
    end = start + dt.timedelta(minutes=45)
    return {"start": _iso(start), "end": _iso(end), "activity_type": "walk"}


def _api_key() -> dict[str, Any]:
    return {"name": "factory key", "scopes": ["read"]}


@dataclass
class Factory:
    create: Create
    body: Callable[[], dict[str, Any]] | None = None  # for PUT/PATCH/POST on the id route
    # Waits for background work the creation started, so none outlives the test.
    settle: Callable[[TestClient, Owner, str], None] | None = None
    # Nightscout v3: called with a Nightscout credential; PUT upserts, so another user's
    # PUT makes their own document (201, asked last) while the owner's stays unchanged.
    nightscout: bool = False
    # Nightscout v1 answers another user's id like an unknown one: 200 with nothing in it
    # ([] or {"n": 0}), as cgm-remote-monitor does; an error would make uploaders resend.
    v1_empty: bool = False


def post(path: str, body: Callable[[], dict[str, Any]], id_field: str = "id") -> Create:
    def create(client: TestClient, owner: Owner) -> str:
        r = client.post(path, json=body(), headers=owner.headers)
        assert r.status_code in (200, 201, 202), f"factory POST {path}: {r.status_code} {r.text}"
        return str(r.json()[id_field])

    return create


def source_with_rows(client: TestClient, owner: Owner) -> str:
    """A source name of the owner's own: one glucose reading from it."""
    body = {**_glucose(), "source": "factory-src"}
    r = client.post("/api/v1/glucose", json=body, headers=owner.headers)
    assert r.status_code == 201, r.text
    return "factory-src"


def new_session(client: TestClient, owner: Owner) -> str:
    r = client.post(
        "/api/v1/auth/login",
        json={"email": owner.user.email, "password": TEST_PASSWORD, "device": "factory"},
    )
    assert r.status_code == 200, r.text
    client.cookies.clear()
    token = r.json()["access_token"]
    sessions = client.get("/api/v1/auth/sessions", headers={"Authorization": f"Bearer {token}"})
    return str(next(s["id"] for s in sessions.json() if s["current"]))


def finished_report(client: TestClient, owner: Owner) -> str:
    """A finished PDF report of the owner's (one recent reading, the last two days)."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    r = client.post(
        "/api/v1/glucose", json={"timestamp": _iso(when), "value": 120}, headers=owner.headers
    )
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/reports", json={"days": 2}, headers=owner.headers)
    assert r.status_code == 202, r.text
    report_id = str(r.json()["id"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(f"/api/v1/reports/{report_id}", headers=owner.headers).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    return report_id


def _v3_entry() -> dict[str, Any]:
    """An AAPS-shaped v3 entry (core/nssdk remotemodel/RemoteEntry.kt)."""
    date = int(_at().timestamp() * 1000)
    return {"type": "sgv", "sgv": 120.0, "date": date, "device": "AAPS-DexcomG6",
            "direction": "Flat", "app": "AAPS", "utcOffset": 0}  # fmt: skip


def _v3_treatment() -> dict[str, Any]:
    """AAPS's carbs (remotemodel/RemoteTreatment.kt)."""
    date = int(_at().timestamp() * 1000)
    return {"date": date, "utcOffset": 0, "app": "AAPS", "eventType": "Carb Correction",
            "carbs": 12.0}  # fmt: skip


def _v3_devicestatus() -> dict[str, Any]:
    date = int(_at().timestamp() * 1000)
    return {"date": date, "app": "AAPS", "device": "openaps://factory", "uploaderBattery": 80}


def _v3_profile() -> dict[str, Any]:
    date = int(_at().timestamp() * 1000)
    return {"date": date, "app": "AAPS", "defaultProfile": "Default", "store": {"Default": {}}}


def v3_post(path: str, body: Callable[[], dict[str, Any]]) -> Create:
    def create(client: TestClient, owner: Owner) -> str:
        r = client.post(path, json=body(), headers=nightscout_headers(client, owner))
        assert r.status_code == 201, f"factory POST {path}: {r.status_code} {r.text}"
        return str(r.json()["identifier"])

    return create


def _v1_treatment() -> dict[str, Any]:
    """A Loop-shaped bolus (NightscoutKit BolusNightscoutTreatment.swift)."""
    when = _iso(_at())
    return {"created_at": when, "timestamp": when, "enteredBy": "loop://iPhone",
            "eventType": "Correction Bolus", "type": "normal", "insulin": 1.0,
            "programmed": 1.0, "duration": 0.0, "automatic": False}  # fmt: skip


def _v1_devicestatus() -> dict[str, Any]:
    """Loop's status (NightscoutKit DeviceStatus.swift), trimmed to device and time."""
    return {"device": "loop://iPhone", "created_at": _iso(_at()),
            "loop": {"name": "Loop", "version": "3.4.1", "timestamp": _iso(_at())}}  # fmt: skip


def _v1_entry() -> dict[str, Any]:
    return {"type": "sgv", "sgv": 120, "date": int(_at().timestamp() * 1000),
            "device": "xDrip-DexcomG5", "direction": "Flat"}  # fmt: skip


def v1_post(path: str, body: Callable[[], dict[str, Any]]) -> Create:
    def create(client: TestClient, owner: Owner) -> str:
        r = client.post(path, json=[body()], headers=nightscout_headers(client, owner))
        assert r.status_code == 200, f"factory POST {path}: {r.status_code} {r.text}"
        return str(r.json()[0]["_id"])

    return create


def nightscout_token(client: TestClient, owner: Owner) -> str:
    body = {"kind": "token", "name": "factory", "role": "read"}
    r = client.post("/api/v1/integrations/nightscout/credentials", json=body, headers=owner.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["credential"]["id"])


def previewed_import(client: TestClient, owner: Owner) -> str:
    """An import job of the owner's, previewed and waiting for confirmation."""
    data = b"timestamp,value\n2024-05-01T08:00:00Z,120\n2024-05-01T08:05:00Z,125\n"
    files = {"file": ("g.csv", data, "text/csv")}
    r = client.post("/api/v1/imports?preview=true", files=files, headers=owner.headers)
    assert r.status_code == 202, r.text
    job_id = str(r.json()["id"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/api/v1/imports/{job_id}", headers=owner.headers).json()
        if status["status"] not in ("previewing", "queued", "running"):
            break
        time.sleep(0.05)
    return job_id


def job_finished(client: TestClient, owner: Owner, job_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = client.get(f"/api/v1/insights/jobs/{job_id}", headers=owner.headers)
        if r.status_code != 200 or r.json().get("status") in ("done", "failed"):
            return
        time.sleep(0.2)


def _snooze() -> dict[str, Any]:
    return {"kinds": ["high"], "minutes": 30}


def _push_subscription() -> dict[str, Any]:
    """A browser's PushSubscription.toJSON() (W3C Push API; RFC 8291 keys), FCM-shaped."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    keys = {"p256dh": point, "auth": os.urandom(16)}
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4().hex}",
        "expirationTime": None,
        "keys": {k: base64.urlsafe_b64encode(v).rstrip(b"=").decode() for k, v in keys.items()},
    }


def engine_alert(client: TestClient, owner: Owner) -> str:
    """An alert of the owner's, written as the alert engine writes one (alerts/engine.py)."""
    with get_sessionmaker()() as db:
        return str(make_alert_factory(db)(owner.user, "urgent_low", value_mgdl=50.0).id)


def _experiment() -> dict[str, Any]:
    return {"title": "Walk after dinner", "intervention": "walk 15 minutes after dinner",
            "outcome": "day_mean", "target_effect": 15, "planned_days": 24}  # fmt: skip


def experiment(client: TestClient, owner: Owner) -> str:
    """An experiment of the owner's; one runs at a time, so any running one ends first."""
    for item in client.get("/api/v1/insights/experiments", headers=owner.headers).json()["items"]:
        client.post(f"/api/v1/insights/experiments/{item['id']}/stop", headers=owner.headers)
    return post("/api/v1/insights/experiments", _experiment)(client, owner)


def _adherence() -> dict[str, Any]:
    return {"day": dt.date.today().isoformat(), "followed": True}


# One entry per route with a path parameter (matched by shape, whatever the parameter is
# called). Entries for routes not in the schema are harmless; a route missing from this
# table fails test_every_id_route_has_a_factory.
FACTORIES: dict[str, Factory] = {
    "/api/v1/glucose/{id}": Factory(post("/api/v1/glucose", _glucose), _glucose),
    "/api/v1/insulin/{id}": Factory(post("/api/v1/insulin", _insulin), _insulin),
    "/api/v1/sleep/{id}": Factory(post("/api/v1/sleep", _sleep), _sleep),
    "/api/v1/meals/{id}": Factory(post("/api/v1/meals", _meal), _meal),
    "/api/v1/activities/{id}": Factory(post("/api/v1/activities", _activity), _activity),
    "/api/v1/auth/api-keys/{id}": Factory(post("/api/v1/auth/api-keys", _api_key)),
    "/api/v1/auth/sessions/{id}": Factory(new_session),
    "/api/v1/data/sources/{id}": Factory(source_with_rows),
    "/api/v1/imports/{id}": Factory(previewed_import),
    "/api/v1/imports/{id}/start": Factory(previewed_import, dict),
    "/api/v1/reports/{id}": Factory(finished_report),
    "/api/v1/integrations/nightscout/credentials/{id}": Factory(nightscout_token),
    "/api/v1/reports/{id}/pdf": Factory(finished_report),
    "/api/v1/entries/{id}": Factory(
        v1_post("/api/v1/entries", _v1_entry), nightscout=True, v1_empty=True
    ),
    "/api/v1/treatments/{id}": Factory(
        v1_post("/api/v1/treatments", _v1_treatment), nightscout=True, v1_empty=True
    ),
    "/api/v1/devicestatus/{id}": Factory(
        v1_post("/api/v1/devicestatus", _v1_devicestatus), nightscout=True, v1_empty=True
    ),
    "/api/v3/entries/{id}": Factory(
        v3_post("/api/v3/entries", _v3_entry), _v3_entry, nightscout=True
    ),
    "/api/v3/treatments/{id}": Factory(
        v3_post("/api/v3/treatments", _v3_treatment), _v3_treatment, nightscout=True
    ),
    "/api/v3/devicestatus/{id}": Factory(
        v3_post("/api/v3/devicestatus", _v3_devicestatus), _v3_devicestatus, nightscout=True
    ),
    "/api/v3/profile/{id}": Factory(
        v3_post("/api/v3/profile", _v3_profile), _v3_profile, nightscout=True
    ),
    "/api/v1/insights/meals/{id}": Factory(post("/api/v1/meals", _meal)),
    "/api/v1/insights/jobs/{id}": Factory(
        post("/api/v1/insights/refresh", dict, "job_id"), settle=job_finished
    ),
    "/api/v1/alerts/snoozes/{id}": Factory(post("/api/v1/alerts/snoozes", _snooze)),
    "/api/v1/insights/experiments/{id}": Factory(experiment),
    "/api/v1/insights/experiments/{id}/adherence": Factory(experiment, _adherence),
    "/api/v1/insights/experiments/{id}/stop": Factory(experiment),
    "/api/v1/alerts/{id}/acknowledge": Factory(engine_alert),
    "/api/v1/alerts/push/subscriptions/{id}": Factory(
        post("/api/v1/alerts/push/subscriptions", _push_subscription)
    ),
}


def shape(path: str) -> str:
    """A route's template with its parameter names erased: /a/{job_id} and /a/{id} match."""
    return PARAM.sub("{}", path)


FACTORY_BY_SHAPE = {shape(path): factory for path, factory in FACTORIES.items()}


def id_routes(app: Any) -> dict[str, list[str]]:
    routes: dict[str, list[str]] = {}
    for method, path, _ in operations(app):
        if PARAM.search(path) and path not in CREDENTIAL_IN_PATH and not NOT_AN_ID.match(path):
            routes.setdefault(path, []).append(method)
    return routes


def test_every_id_route_has_a_factory(app):
    missing = sorted(p for p in id_routes(app) if shape(p) not in FACTORY_BY_SHAPE)
    assert not missing, f"add a FACTORIES entry for: {missing}"
    odd = [p for p in id_routes(app) if len(PARAM.findall(p)) != 1]
    assert not odd, f"routes with several path parameters need test support: {odd}"


def ids_in(payload: Any) -> Iterator[str]:
    """Every value under an ``id``-like key, anywhere in a JSON document."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if (key == "id" or key.endswith("_id")) and isinstance(value, str | int):
                yield str(value)
            else:
                yield from ids_in(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from ids_in(value)


def test_users_cannot_reach_each_others_objects(app, make_user, auth_headers):
    alice = Owner(make_user(), {})
    alice.headers = auth_headers(alice.user)
    bob = Owner(make_user(), {})
    bob.headers = auth_headers(bob.user)
    routes = id_routes(app)
    assert routes, "no route with a path parameter: the ownership walk would prove nothing"
    failures: list[str] = []
    alice_ids: set[str] = {str(alice.user.id)}

    with TestClient(app, base_url="https://testserver") as client:
        for path, methods in sorted(routes.items()):
            factory = FACTORY_BY_SHAPE[shape(path)]
            obj_id = factory.create(client, alice)
            alice_ids.add(obj_id)
            url = PARAM.sub(obj_id, path)
            ns = factory.nightscout
            bob_headers = nightscout_headers(client, bob) if ns else bob.headers
            alice_headers = nightscout_headers(client, alice) if ns else alice.headers
            before = client.get(url, headers=alice_headers).text if ns else None
            # DELETE last (for Nightscout, an upserting PUT after it)
            order = {"DELETE": 1, "PUT": 2 if ns else 0}
            for method in sorted(methods, key=lambda m: order.get(m, 0)):
                body = (
                    factory.body() if factory.body and method in ("PUT", "PATCH", "POST") else None
                )
                r = client.request(method, url, json=body, headers=bob_headers)
                expected = 201 if ns and method == "PUT" else 404
                if factory.v1_empty:
                    answer = r.json() if r.status_code == 200 else None
                    if not (answer == [] or (isinstance(answer, dict) and answer.get("n") == 0)):
                        failures.append(f"{method} {path} as another user -> {r.text[:80]}")
                elif r.status_code != expected:
                    failures.append(f"{method} {path} as another user -> {r.status_code}")
                if ns and method == "PUT" and r.status_code == 201:
                    # Bob's own document under that identifier: gone again, so the list
                    # walk below does not take his id for a leak of Alice's.
                    client.delete(url, headers=bob_headers)
            if "GET" in methods:
                still = client.get(url, headers=alice_headers)
                if still.status_code != 200:
                    failures.append(
                        f"GET {path} as owner after the attempts -> {still.status_code}"
                    )
                elif ns and still.text != before:
                    failures.append(f"{path}: another user's requests changed the owner's")

        # Lists: nothing of Alice's may appear in anything Bob can list.
        listed = 0
        for method, path, _ in operations(app):
            if method != "GET" or PARAM.search(path) or (method, path) in PUBLIC:
                continue
            r = client.get(path, headers=bob.headers)
            if r.status_code not in (200, 202) or "json" not in r.headers.get("content-type", ""):
                continue
            listed += 1
            payload = r.json()
            leaked = alice_ids & set(ids_in(payload))
            if leaked or alice.user.email in r.text:
                failures.append(f"GET {path} as another user shows {leaked or alice.user.email}")
            if r.status_code == 202 and isinstance(payload, dict) and payload.get("job_id"):
                job_finished(client, bob, str(payload["job_id"]))  # a read started a job
    assert listed > 0
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", sorted(FACTORIES))
def test_factory_table_paths_look_like_routes(path):
    # Sub-resources of an object (/api/v1/reports/{id}/pdf) name it once, too.
    prefix = ("/api/v1/", "/api/v3/")  # v3: Nightscout's API at the host root
    assert path.startswith(prefix) and path.count("/{id}") == 1
