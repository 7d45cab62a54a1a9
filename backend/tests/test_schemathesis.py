"""schemathesis over every operation of the API, in-process (ASGI), signed in as a real user
whose account holds data of every kind, so reads run their real code paths.

Every built-in check runs (not_a_server_error, status_code_conformance,
content_type_conformance, response_headers_conformance, response_schema_conformance,
negative_data_rejection, positive_data_acceptance, missing_required_header, ignored_auth,
unsupported_method, allow_header_conformance, ...) on positive and negative data, in the
examples, coverage and fuzzing phases, plus two house rules below. A 500 surfaces as the
server's own exception (the in-process client re-raises it), so it fails the test too.

Bounded so that it takes one to two minutes on two cores: ``GLUCOLENS_FUZZ_MAX_EXAMPLES``
examples per operation and phase (default 25), deterministic so that a failure is the same
failure on the next run, 120 s at most per operation and ``GLUCOLENS_FUZZ_BUDGET_S`` (600 s)
for the whole run. Search deeper by hand with
``GLUCOLENS_FUZZ_MAX_EXAMPLES=300 GLUCOLENS_FUZZ_RANDOM=1``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from glucolens.auth.models import User, UserSession
from glucolens.auth.tokens import issue_access_token
from glucolens.core.db import get_sessionmaker
from glucolens.main import create_app
from tests.alerts._api_rows import make_alert_factory
from tests.conftest import UserFactory

MAX_EXAMPLES = int(os.environ.get("GLUCOLENS_FUZZ_MAX_EXAMPLES", "25"))
# The whole run's bound (it takes 1-2 minutes): an operation that starts after this fails
# instead of letting a slowdown or a hang stretch `make test` without anyone noticing.
BUDGET_S = float(os.environ.get("GLUCOLENS_FUZZ_BUDGET_S", "600"))
_STARTED: list[float] = []
DETERMINISTIC = os.environ.get("GLUCOLENS_FUZZ_RANDOM", "") != "1"
APP = create_app()

# Schema-valid input may still be refused with a 422 for a rule JSON Schema cannot state
# (end after start, unit-dependent value ranges, time bounds relative to now, the password
# policy, an unknown cursor). That 422 must name the field: see the check below.
POSITIVE_OK = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]

schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    APP,
    config=schemathesis.Config.from_dict(
        {
            "base-url": "https://testserver",  # Secure cookies need https, as in production
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": DETERMINISTIC,
                "database": "none",
            },
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_OK}},
            "operations": [
                {
                    # A file part is bytes: schemathesis "breaks" its type by uploading
                    # JSON text as the file, which is a file like any other (its rows are
                    # then rejected one by one in a 200 report, as documented).
                    "include-path": "/api/v1/glucose/import/csv",
                    "checks": {"negative_data_rejection": {"enabled": False}},
                }
            ],
        }
    ),
)


@schemathesis.check
def errors_use_the_documented_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx and 5xx body is {"error": {"code", "message", "details"}} (core/errors.py)."""
    if response.status_code < 400:
        return None
    body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and {"code", "message", "details"} <= set(error), (
        f"{response.status_code} body is not the documented error shape: {body!r:.300}"
    )
    return True


@schemathesis.check
def validation_errors_name_the_field(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 422 says which field (and row, for batches) was wrong."""
    if response.status_code != 422:
        return None
    details = response.json()["error"]["details"]
    assert details and all(d.get("field") for d in details), (
        f"422 without a field name: {response.json()!r:.300}"
    )
    return True


def _seed(user: User) -> None:
    """A day of readings and one of each record, through the API as a client would send
    them; the sleep entry omits the optional fields."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    at = [now - dt.timedelta(minutes=5 * i) for i in range(288)]
    headers = _fresh_bearer(user)
    day = [{"timestamp": t.isoformat(), "value": 90.0 + i % 90} for i, t in enumerate(at)]
    posts: list[tuple[str, dict[str, Any]]] = [
        ("/api/v1/glucose/bulk", {"items": day}),
        ("/api/v1/sleep", {"start": (now - dt.timedelta(hours=9)).isoformat(),
                           "end": (now - dt.timedelta(hours=1)).isoformat()}),
        ("/api/v1/meals", {"timestamp": (now - dt.timedelta(hours=3)).isoformat(),
                           "carbs_g": 40.0, "description": "porridge"}),
        ("/api/v1/activities", {"start": (now - dt.timedelta(hours=5)).isoformat(),
                                "end": (now - dt.timedelta(hours=4)).isoformat(),
                                "activity_type": "walk"}),
        ("/api/v1/insulin", {"timestamp": (now - dt.timedelta(hours=3)).isoformat(),
                             "units": 4.0, "kind": "bolus"}),
    ]  # fmt: skip
    with TestClient(APP, base_url="https://testserver") as client:
        for path, body in posts:
            r = client.post(path, json=body, headers=headers)
            assert r.status_code in (200, 201), (path, r.status_code, r.text)
    # Alerts are written by the engine, not through the API: one open urgent low with a
    # notification and a suppressed repeat, and one resolved high, as alerts/engine.py does.
    with get_sessionmaker()() as db:
        make = make_alert_factory(db)
        make(
            user,
            "urgent_low",
            value_mgdl=52.0,
            opened_at=now - dt.timedelta(minutes=20),
            decisions=[("notified", None), ("suppressed", "snoozed")],
        )
        make(user, "high", value_mgdl=262.0, opened_at=now - dt.timedelta(hours=6),
             status="resolved", resolved_at=now - dt.timedelta(hours=5))  # fmt: skip


def _fresh_bearer(user: User) -> dict[str, str]:
    """A new session per case: logout, logout-all and password changes end the old one."""
    with get_sessionmaker()() as db:
        session = UserSession(user_id=user.id, device="schemathesis", ip="127.0.0.1")
        db.add(session)
        db.commit()
        token, _ = issue_access_token(user.id, session.id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def fuzz_user(make_user: UserFactory) -> User:
    user = make_user(timezone="Europe/Berlin")
    _seed(user)
    return user


@pytest.fixture
def within_budget() -> None:
    _STARTED[:] = _STARTED or [time.monotonic()]
    spent = time.monotonic() - _STARTED[0]
    if spent > BUDGET_S:
        pytest.fail(f"the schemathesis budget of {BUDGET_S:.0f} s was spent ({spent:.0f} s)")


@pytest.mark.timeout(120)
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: Any, fuzz_user: User, within_budget: None) -> None:
    case.call_and_validate(headers=_fresh_bearer(fuzz_user))


# Findings of this fuzzer, pinned as plain tests.


def test_undecodable_body_is_a_documented_422_naming_the_body(client: TestClient) -> None:
    """FastAPI answered a non-UTF-8 body with an undocumented 400."""
    r = client.post(
        "/api/v1/auth/forgot-password",
        content=b"\r.\xf3-\xf6\xfe",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == "body"


def test_malformed_json_names_the_body_not_a_row(client: TestClient) -> None:
    """The decoder's character offset used to come back as field "[10]", row 10."""
    r = client.post(
        "/api/v1/auth/forgot-password",
        content=b'{"email": ',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == "body" and detail["row"] is None
    assert "character 10" in detail["reason"]


def test_broken_multipart_form_is_a_documented_422(
    client: TestClient, make_user: UserFactory, auth_headers: Any
) -> None:
    """Starlette's form parser answered an undocumented 400 "Invalid multipart data."."""
    boundary = "9cc651cd2c8d168349f50fede4c361ac"
    r = client.post(
        "/api/v1/glucose/import/csv",
        content=f"--{boundary}\r\nFalse--{boundary}--\r\n".encode(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            **auth_headers(make_user()),
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == "body"
