"""Logs carry method, route template, status and timing: never bodies, tokens, query
strings or health values."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.core.db import get_session
from glucolens.core.logging import JsonFormatter
from glucolens.lifestyle.models import Meal


def test_request_logs_hold_no_payload_token_or_query(client, make_user, auth_headers, caplog):
    headers = auth_headers(make_user(email="private.person@example.org"))
    token = headers["Authorization"].split()[1]
    caplog.set_level(logging.DEBUG)
    client.post(
        "/api/v1/glucose",
        json={"timestamp": "2026-01-01T00:00:00Z", "value": 271.5, "device": "SecretDevice"},
        headers=headers,
    )
    client.get("/api/v1/glucose?start=2025-12-31T23:59:00Z&limit=7", headers=headers)
    client.post(
        "/api/v1/auth/login",
        json={"email": "private.person@example.org", "password": "hunter2-hunter2"},
    )
    text = "\n".join(r.getMessage() + " " + str(getattr(r, "fields", "")) for r in caplog.records)
    assert "/api/v1/glucose" in text  # the request was logged ...
    for secret in (token, "271.5", "SecretDevice", "2025-12-31", "hunter2", "private.person"):
        assert secret not in text  # ... but nothing it carried


# --- failures: the log says what broke and where, never with which values ---------------

LEAKY_EMAIL = "leaky.person@example.org"
LEAKY_HASH = "$argon2id$v=19$m=65536,t=2,p=1$LEAKYSALT$LEAKYHASHVALUE"
LEAKY_NAME = "Leaky Display Name"
LEAKY_MEAL = "secret pancakes with maple syrup"
LEAKY_VALUES = (LEAKY_EMAIL, "leaky.person", LEAKY_HASH, "LEAKYHASHVALUE", LEAKY_NAME, LEAKY_MEAL)


def add_failing_routes(app: Any) -> None:
    """Routes that fail the way real bugs do: a unique violation, a foreign-key violation,
    a driver error quoting its input, and a plain exception quoting a value."""
    router = APIRouter()

    @router.post("/test-fail/duplicate-user")
    def duplicate_user(db: Annotated[Session, Depends(get_session)]) -> None:
        db.add(User(email=LEAKY_EMAIL, password_hash=LEAKY_HASH, display_name=LEAKY_NAME))
        db.flush()

    @router.post("/test-fail/orphan-meal")
    def orphan_meal(db: Annotated[Session, Depends(get_session)]) -> None:
        ts = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        db.add(Meal(user_id=uuid.uuid4(), ts=ts, description=LEAKY_MEAL))
        db.flush()

    @router.post("/test-fail/bad-cast")
    def bad_cast(db: Annotated[Session, Depends(get_session)]) -> None:
        # PostgreSQL quotes the input: invalid input syntax for type integer: "...".
        db.execute(text("SELECT CAST(:meal AS integer) + 1"), {"meal": LEAKY_MEAL})
        raise RuntimeError(f"{LEAKY_MEAL} could not be cast")  # SQLite casts it to 0

    @router.post("/test-fail/plain")
    def plain() -> None:
        raise ValueError(f"no meal like {LEAKY_MEAL} for {LEAKY_EMAIL}")

    app.include_router(router)
    app.router.routes[:] = [*router.routes, *app.router.routes[: -len(router.routes)]]


@pytest.mark.parametrize("route", ["duplicate-user", "orphan-meal", "bad-cast", "plain"])
def test_failures_are_logged_without_values_and_answered_as_json_500(app, make_user, caplog, route):
    make_user(email=LEAKY_EMAIL, display_name=LEAKY_NAME)
    add_failing_routes(app)
    caplog.set_level(logging.DEBUG)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        r = c.post(f"/test-fail/{route}")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert r.headers["X-Content-Type-Options"] == "nosniff"  # the headers middleware ran
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(record)) for record in caplog.records]
    access = [x for x in lines if x["logger"] == "glucolens.access"]
    assert [(x["route"], x["status"]) for x in access] == [(f"/test-fail/{route}", 500)]
    errors = [x for x in lines if x.get("exc")]
    assert errors, "the failure is logged with its traceback"
    assert all("Traceback" in x["exc"] and x["exc_type"] for x in errors)
    text_out = "\n".join(json.dumps(x) for x in lines)
    for value in LEAKY_VALUES:
        assert value not in text_out
