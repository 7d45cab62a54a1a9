"""X-Forwarded-For counts only from a configured proxy: the per-IP login limit cannot be
dodged by sending the header, and the limits and the sessions list see one address.

The live tests run ``glucolens serve`` (the uvicorn settings are part of what is tested:
uvicorn trusts proxy headers from loopback by default)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from glucolens.core.config import Settings, proxy_networks
from glucolens.core.proxies import forwarded_client
from glucolens.main import create_app
from tests.conftest import TEST_PASSWORD
from tests.live_server import LiveServer, live_server, request

LOGIN = "/api/v1/auth/login"
LIMIT = 3


def attempt(server: LiveServer, forwarded_for: str | None, email: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    body = {"email": email or f"nobody-{uuid.uuid4().hex[:8]}@example.org", "password": "wrong"}
    return request(server.port, "POST", LOGIN, headers, json.dumps(body).encode()).status


@pytest.fixture
def untrusting() -> Iterator[LiveServer]:
    with live_server(login_max_per_ip=f"{LIMIT}/minute", trusted_proxies="") as server:
        yield server


@pytest.fixture
def behind_proxy() -> Iterator[LiveServer]:
    with live_server(login_max_per_ip=f"{LIMIT}/minute", trusted_proxies="127.0.0.1") as srv:
        yield srv


def test_forwarded_for_is_ignored_without_trusted_proxies(untrusting):
    statuses = [attempt(untrusting, f"198.51.100.{i}") for i in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


def test_forwarded_for_is_honoured_from_a_trusted_proxy(behind_proxy):
    # Each forwarded client has its own budget...
    assert [attempt(behind_proxy, f"198.51.100.{i}") for i in range(LIMIT + 1)] == [401] * 4
    # ...and one forwarded client is limited like a direct one.
    statuses = [attempt(behind_proxy, "203.0.113.9") for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


def _session_ips(server: LiveServer, email: str, forwarded_for: str) -> list[str]:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
    body = json.dumps({"email": email, "password": TEST_PASSWORD}).encode()
    login = request(server.port, "POST", LOGIN, headers, body)
    assert login.status == 200, login.body
    token = json.loads(login.body)["access_token"]
    listed = request(
        server.port, "GET", "/api/v1/auth/sessions", {"Authorization": f"Bearer {token}"}
    )
    return [s["ip"] for s in json.loads(listed.body)]


def test_sessions_list_shows_the_forwarded_client_behind_a_trusted_proxy(behind_proxy, make_user):
    assert _session_ips(behind_proxy, make_user().email, "203.0.113.7") == ["203.0.113.7"]


def test_sessions_list_shows_the_peer_without_trusted_proxies(untrusting, make_user):
    assert _session_ips(untrusting, make_user().email, "203.0.113.7") == ["127.0.0.1"]


def test_forwarded_client_is_the_rightmost_untrusted_hop():
    nets = proxy_networks("10.0.0.0/8, 192.168.1.1")
    # The client wrote the first entry itself; the proxies appended the rest.
    assert forwarded_client("10.0.0.2", "1.1.1.1, 203.0.113.5, 192.168.1.1", nets) == (
        "203.0.113.5"
    )
    assert forwarded_client("10.0.0.2", "203.0.113.5", nets) == "203.0.113.5"
    assert forwarded_client("10.0.0.2", "10.0.0.9, 10.0.0.3", nets) == "10.0.0.9"
    assert forwarded_client("10.0.0.2", "not-an-ip", nets) == "10.0.0.2"
    assert forwarded_client("10.0.0.2", "", nets) == "10.0.0.2"
    assert forwarded_client("10.0.0.2", "2001:db8::1", nets) == "2001:db8::1"


def test_in_process_client_address_follows_the_same_rule(make_user):
    """The middleware, not uvicorn, decides: a proxy in a private network, one client."""
    user = make_user()
    for trusted, expected in (("", "10.1.2.3"), ("10.0.0.0/8", "203.0.113.8")):
        app = create_app(Settings(trusted_proxies=trusted))
        with TestClient(app, "https://t", client=("10.1.2.3", 40000)) as client:
            r = client.post(
                LOGIN,
                json={"email": user.email, "password": TEST_PASSWORD},
                headers={"X-Forwarded-For": "203.0.113.8"},
            )
            bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
            ips = {s["ip"] for s in client.get("/api/v1/auth/sessions", headers=bearer).json()}
            assert expected in ips


def test_a_bad_trusted_proxy_entry_is_refused_by_name():
    with pytest.raises(ValidationError, match="'10.0.0.300'"):
        Settings(trusted_proxies="10.0.0.1, 10.0.0.300")
    assert len(Settings(trusted_proxies="10.0.0.1, fd00::/8 ,").trusted_proxy_networks) == 2
