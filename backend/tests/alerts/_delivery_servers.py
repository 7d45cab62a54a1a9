"""Real local servers for delivery tests: an SMTP inbox (aiosmtpd), a Web Push service that
decrypts what it receives and checks the VAPID signature, and a webhook receiver.

The push service plays the role RFC 8030 gives it: it receives ``POST <endpoint>`` with an
aes128gcm body (RFC 8188/8291) and ``Authorization: vapid t=<JWT>, k=<public key>``
(RFC 8292), and answers 201 Created (or what the test asks for: 410 Gone, 429...). The
browser's side of RFC 8291 (its P-256 key pair and 16-byte auth secret) is generated here,
so the test can decrypt exactly as a browser would.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import jwt
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- SMTP


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802 - aiosmtpd API
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(message_from_bytes(envelope.original_content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def start_inbox() -> tuple[Inbox, Controller, int]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return inbox, controller, port


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


# ---------------------------------------------------------------- HTTP receivers


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server recording POSTs and answering with ``statuses`` in turn (the last
    one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [201])
    delay_s: float = 0.0  # a slow receiver
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def status_for_next(self) -> int:
        index = min(len(self.requests) - 1, len(self.statuses) - 1)
        return self.statuses[index]


def start_receiver(statuses: list[int] | None = None) -> Receiver:
    receiver = Receiver(statuses=statuses or [201])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server API
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                receiver.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.status_for_next()
            self.send_response(status)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    receiver.server = server
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    assert receiver.server is not None
    receiver.server.shutdown()
    receiver.server.server_close()


@dataclass
class BrowserKeys:
    """A user agent's side of RFC 8291: its ECDH key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @classmethod
    def generate(cls) -> BrowserKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def verify_vapid(authorization: str, expected_public_key: str, audience: str) -> dict[str, Any]:
    """RFC 8292 section 3: ``vapid t=<ES256 JWT>, k=<uncompressed P-256 point>``; the JWT
    must verify with k, k must be the key the server publishes, aud the push service's
    origin. Returns the claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme.lower() == "vapid", authorization
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    assert parts["k"] == expected_public_key
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    claims: dict[str, Any] = jwt.decode(parts["t"], public, algorithms=["ES256"], audience=audience)
    return claims


def iter_decrypted(receiver: Receiver, keys: BrowserKeys) -> Iterator[dict[str, Any]]:
    for req in receiver.requests:
        yield keys.decrypt(req.body)
