"""Sentry gets the error, not the person: a real sentry-sdk inside a real app process sends
its envelopes to a local HTTP endpoint (the ingestion path of Sentry's protocol,
``POST /api/<project>/envelope/``, https://develop.sentry.dev/sdk/envelopes/), which keeps
them for the assertions."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from glucolens.core.sentry import SCRUBBED, scrub_event

GLUCOSE = "54.321"
EMAIL = "ada.secret@example.org"
TOKEN = "glk_supersecretvalue0123456789"


def _decode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    return body


@pytest.fixture
def sentry_endpoint() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            received.append(_decode(raw, self.headers.get("content-encoding")))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_a: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
    yield dsn, received
    server.shutdown()


APP_SCRIPT = (
    textwrap.dedent(
        """
    import sentry_sdk
    from fastapi import Request
    from fastapi.testclient import TestClient
    from glucolens.main import create_app

    app = create_app()

    @app.post("/api/v1/boom/{entry_id}")
    async def boom(entry_id: str, request: Request):
        body = await request.json()
        value, email = body["value"], body["email"]
        raise ValueError(f"reading {value} of {email} is out of range")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post(
            "/api/v1/boom/0b9c6f7e-1d2a-4c3b-9e8f-7a6b5c4d3e2f?value={G}&email={E}",
            json={"value": {G}, "email": "{E}"},
            headers={"Authorization": "Bearer {T}", "Cookie": "glucolens_refresh={T}"},
        )
        print(r.status_code)
    sentry_sdk.flush(5)
    """
    )
    .replace("{G}", GLUCOSE)
    .replace("{E}", EMAIL)
    .replace("{T}", TOKEN)
)


def test_an_api_error_reaches_sentry_without_health_values_emails_or_tokens(
    sentry_endpoint, tmp_path: Path
):
    dsn, received = sentry_endpoint
    env = {**os.environ, "GLUCOLENS_SENTRY_DSN": dsn, "GLUCOLENS_DATA_DIR": str(tmp_path)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", APP_SCRIPT], env=env, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("500")
    assert received, "no envelope reached the endpoint"
    blob = b"\n".join(received)
    events = [
        json.loads(line)
        for envelope in received
        for line in envelope.split(b"\n")
        if line.startswith(b"{") and b'"exception"' in line
    ]
    assert events, "no error event in the envelopes"
    exc = events[0]["exception"]["values"][-1]
    assert exc["type"] == "ValueError"
    assert exc["value"] == SCRUBBED
    assert any(f["function"] == "boom" for f in exc["stacktrace"]["frames"])
    for secret in (GLUCOSE, EMAIL, TOKEN, "0b9c6f7e-1d2a"):
        assert secret.encode() not in blob, secret
    request = events[0].get("request", {})
    assert "data" not in request and "cookies" not in request
    assert "authorization" not in {k.lower() for k in request.get("headers", {})}


def test_scrub_event_removes_log_message_numbers_and_breadcrumb_data():
    event = {
        "logentry": {"message": "glucose 61.5 for a@b.c", "params": ["61.5"]},
        "breadcrumbs": {"values": [{"message": "value 250", "data": {"v": 250}}]},
        "user": {"id": "u1", "email": "a@b.c", "ip_address": "10.0.0.1"},
        "extra": {"value_mgdl": 61.5},
    }
    out = scrub_event(event)
    assert out["logentry"] == {"message": "glucose <n> for <email>"}
    assert out["breadcrumbs"]["values"][0]["message"] == "value <n>"
    assert "data" not in out["breadcrumbs"]["values"][0]
    assert out["user"] == {"id": "u1"}
    assert "extra" not in out
