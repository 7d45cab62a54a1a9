"""Request bodies: per-route size limits, and no body read without a credential.

These call the app in-process with a body that streams from a generator (tests/asgi_call),
counting what the app pulled; tests/test_request_guard_live.py does the same against
``glucolens serve`` and measures time and memory.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from glucolens.auth.endpoints import OPEN_PATHS
from glucolens.core.config import Settings
from glucolens.main import create_app
from tests.asgi_call import CHUNK_BYTES, MIB, call, zeros
from tests.conftest import TEST_PASSWORD
from tests.test_every_route_protected import PUBLIC, fill_path, operations

LOGIN = "/api/v1/auth/login"
BULK = "/api/v1/glucose/bulk"
JSON = {"content-type": "application/json"}
MULTIPART = {"content-type": "multipart/form-data; boundary=glucolensboundary"}
BEARER = {"authorization": "Bearer not-checked-before-the-body"}
DEFAULTS = Settings()


def test_declared_oversize_body_is_refused_before_a_byte_is_read(app):
    headers = {**JSON, "content-length": str(200 * MIB)}
    r = call(app, "POST", LOGIN, headers, zeros(200 * MIB))
    assert r.status == 413
    assert r.pulled_bytes == 0
    error = r.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "64 KiB (65536 bytes)" in error["message"]
    assert error["details"] == [{"field": "body", "row": None, "reason": "larger than 65536 bytes"}]
    assert r.headers["connection"] == "close"


def test_streamed_oversize_body_is_cut_at_the_limit(app):
    r = call(app, "POST", LOGIN, JSON, zeros(200 * MIB))  # chunked: no Content-Length
    assert r.status == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert r.pulled_bytes <= DEFAULTS.max_body_auth_bytes + CHUNK_BYTES


def test_streamed_oversize_bulk_with_a_credential_is_cut_at_the_bulk_limit(app):
    r = call(app, "POST", BULK, {**JSON, **BEARER}, zeros(200 * MIB))
    assert r.status == 413
    assert "48 MiB" in r.json()["error"]["message"]
    assert r.pulled_bytes <= DEFAULTS.max_body_bulk_bytes + CHUNK_BYTES


def test_streamed_oversize_csv_upload_is_cut_at_the_csv_limit(app):
    boundary = "glucolensboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="g.csv"\r\n'
        "Content-Type: text/csv\r\n\r\ntimestamp,value\r\n"
    ).encode()
    body = iter([head, *zeros(100 * MIB)])
    headers = {"content-type": f"multipart/form-data; boundary={boundary}", **BEARER}
    r = call(app, "POST", "/api/v1/glucose/import/csv", headers, body)
    assert r.status == 413
    assert "21 MiB" in r.json()["error"]["message"]
    assert r.pulled_bytes <= DEFAULTS.max_body_csv_bytes + CHUNK_BYTES


@pytest.mark.parametrize(
    ("method", "path", "limit"),
    [
        ("POST", LOGIN, DEFAULTS.max_body_auth_bytes),
        ("PUT", "/api/v1/auth/profile", DEFAULTS.max_body_auth_bytes),
        ("POST", "/api/v1/auth/api-keys", DEFAULTS.max_body_auth_bytes),
        ("POST", BULK, DEFAULTS.max_body_bulk_bytes),
        ("POST", "/api/v1/insulin/bulk", DEFAULTS.max_body_bulk_bytes),
        ("POST", "/api/v1/meals/bulk", DEFAULTS.max_body_bulk_bytes),
        ("POST", "/api/v1/glucose/import/csv", DEFAULTS.max_body_csv_bytes),
        ("POST", "/api/v1/glucose", DEFAULTS.max_body_bytes),
        ("PUT", "/api/v1/sleep/1", DEFAULTS.max_body_bytes),
    ],
)
def test_each_kind_of_route_has_its_limit(app, method, path, limit):
    kind = MULTIPART if path.endswith("/csv") else JSON  # a form route reads only a form
    over = call(app, method, path, {**kind, **BEARER, "content-length": str(limit + 1)})
    assert over.status == 413, over.body
    assert f"({limit} bytes)" in over.json()["error"]["message"]
    assert over.pulled_bytes == 0


def test_a_body_at_the_limit_is_read(app):
    limit = DEFAULTS.max_body_auth_bytes
    body = json.dumps({"email": "a@example.org", "password": "x"})
    body += " " * (limit - len(body))  # whitespace is valid JSON, and counts
    r = call(app, "POST", LOGIN, {**JSON, "content-length": str(limit)}, iter([body.encode()]))
    assert r.status != 413
    assert r.pulled_bytes == limit


def test_limits_come_from_the_settings():
    app = create_app(Settings(max_body_auth_bytes=1000, max_body_bytes=2000))
    r = call(app, "POST", LOGIN, JSON, zeros(1001, chunk_bytes=100))
    assert r.status == 413
    assert "1000 bytes" in r.json()["error"]["message"]
    r = call(app, "POST", "/api/v1/glucose", {**JSON, **BEARER}, zeros(2001, chunk_bytes=100))
    assert r.status == 413
    assert "(2000 bytes)" in r.json()["error"]["message"]


def test_unauthenticated_bulk_is_refused_before_reading(app):
    r = call(app, "POST", BULK, JSON, zeros(200 * MIB))
    assert r.status == 401
    assert r.receive_calls == 0
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


def test_every_route_that_needs_a_credential_reads_no_body_without_one(app):
    checked: list[str] = []
    failures: list[str] = []
    for method, path, op in operations(app):
        if "requestBody" not in op or path in OPEN_PATHS:
            continue
        r = call(app, method, fill_path(path, op), JSON, zeros(MIB))
        checked.append(path)
        if r.status != 401 or r.pulled_bytes:
            failures.append(f"{method} {path}: {r.status}, read {r.pulled_bytes} bytes")
    assert len(checked) >= 10
    assert not failures, "\n".join(failures)


def test_open_paths_are_the_public_auth_routes_and_logout():
    public_api = {path for _, path in PUBLIC if path.startswith("/api/")}
    assert public_api | {"/api/v1/auth/logout"} == OPEN_PATHS


@pytest.mark.parametrize("path", sorted(OPEN_PATHS))
def test_open_routes_read_their_body_without_a_credential(app, path):
    r = call(app, "POST", path, JSON, iter([b"{}"]))
    assert r.pulled_bytes == 2
    assert not r.json()["error"]["message"].startswith("Authentication required: send")


def test_a_refresh_cookie_alone_reaches_the_refresh_route(client, make_user):
    user = make_user()
    assert client.post(LOGIN, json={"email": user.email, "password": TEST_PASSWORD}).is_success
    csrf = {"X-CSRF-Token": client.cookies["glucolens_csrf"]}
    assert client.post("/api/v1/auth/refresh", headers=csrf).status_code == 200
    csrf = {"X-CSRF-Token": client.cookies["glucolens_csrf"]}  # rotated with the token
    assert client.post("/api/v1/auth/logout", headers=csrf).status_code == 204


def test_health_and_the_web_app_need_no_credential(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200


def _reading(**fields: Any) -> dict[str, Any]:
    return {
        "timestamp": "2026-03-29T07:30:00.123456+01:00",
        "value": 123.456,
        "unit": "mmol/L",
        "trend": "t" * 24,
        "device": "d" * 64,
        "source": "s" * 32,
        "external_id": "e" * 128,
        **fields,
    }


def test_the_largest_documented_bulk_fits_the_bulk_limit():
    """100,000 readings (the documented maximum) with every text field at its longest."""
    item = json.dumps(_reading())
    body_bytes = len('{"items": []}') + 100_000 * (len(item) + 2)
    assert body_bytes <= DEFAULTS.max_body_bulk_bytes
