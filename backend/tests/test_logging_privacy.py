"""Logs carry method, route template, status and timing: never bodies, tokens, query
strings or health values."""

from __future__ import annotations

import logging


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
