"""Call the ASGI app directly with a body that streams from a generator.

TestClient reads a generator body whole before the app sees a byte; this harness hands
the app one chunk per ``receive()`` and counts what it pulled, so a test can prove a body
was refused before (or while) it was read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

CHUNK_BYTES = 64 * 1024
MIB = 1024 * 1024


def zeros(total_bytes: int, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``total_bytes`` of body, made one chunk at a time."""
    left = total_bytes
    while left > 0:
        n = min(chunk_bytes, left)
        left -= n
        yield b"0" * n


@dataclass
class Called:
    status: int
    headers: dict[str, str]
    body: bytes
    pulled_bytes: int = 0
    receive_calls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: Iterator[bytes] | None = None,
    client: tuple[str, int] = ("127.0.0.1", 50000),
    scheme: str = "https",
) -> Called:
    chunks = body if body is not None else iter(())
    out = Called(0, {}, b"")
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        out.receive_calls += 1
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        out.pulled_bytes += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": client,
        "server": ("testserver", 443),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    out.status = start["status"]
    out.headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    out.body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return out
