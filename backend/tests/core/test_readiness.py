"""/readyz names what failed: the database, a schema behind the code, Redis, the broker;
/livez and /readyz tell anonymous callers nothing about the version."""

from __future__ import annotations

import socket

from sqlalchemy import text

from glucolens.core.db import get_engine
from glucolens.core.health import head_revision
from tests.conftest import clear_caches


def test_liveness_answers_without_a_version(client):
    for path in ("/livez", "/healthz"):
        r = client.get(path)
        assert r.status_code == 200
        assert r.json() == {"status": "ok"}


def test_ready_when_database_and_schema_are_current(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["migrations"] == "ok" and body["failed"] == []
    assert "version" not in body


def test_a_schema_behind_the_code_is_not_ready(client):
    head = head_revision()
    assert head is not None
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        r = client.get("/readyz")
    finally:
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
    assert r.status_code == 503
    assert r.json()["failed"] == ["migrations"]
    assert "glucolens db upgrade" in r.json()["error"]["message"]


def test_an_unreachable_broker_degrades_readiness_and_is_named(client, monkeypatch):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GLUCOLENS_CELERY_BROKER_URL", f"redis://127.0.0.1:{port}/0")
    clear_caches()
    try:
        r = client.get("/readyz")
    finally:
        monkeypatch.delenv("GLUCOLENS_CELERY_BROKER_URL")
        clear_caches()
    assert r.status_code == 200
    assert r.json()["status"] == "degraded"
    assert r.json()["broker"] == "unavailable"
    assert r.json()["failed"] == ["broker"]
