"""With an https public URL, plain http is redirected there (308) and https answers carry
HSTS; a TLS-terminating proxy's X-Forwarded-Proto (from a trusted peer only) counts as https."""

from __future__ import annotations

from fastapi.testclient import TestClient

from glucolens.core.config import Settings
from glucolens.main import create_app


def _client(**kw: str) -> TestClient:
    settings = Settings(public_url="https://gl.example.org", **kw)  # type: ignore[arg-type]
    return TestClient(create_app(settings), follow_redirects=False)


def test_plain_http_is_redirected_to_the_public_https_url_keeping_path_and_query():
    r = _client().post("/api/v1/glucose?x=1", json={})
    assert r.status_code == 308
    assert r.headers["location"] == "https://gl.example.org/api/v1/glucose?x=1"


def test_the_redirect_ignores_the_request_host_header():
    r = _client().get("/dashboard/", headers={"Host": "evil.example"})
    assert r.headers["location"] == "https://gl.example.org/dashboard/"


def test_health_probes_answer_over_plain_http():
    assert _client().get("/healthz").status_code == 200


def test_https_behind_a_trusted_proxy_is_served_with_hsts():
    client = _client(trusted_proxies="127.0.0.1/32")
    client = TestClient(client.app, follow_redirects=False, client=("127.0.0.1", 5000))
    r = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 200
    assert "max-age" in r.headers["strict-transport-security"]
    r = client.get("/api/v1/auth/me", headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 401  # served, not redirected


def test_an_untrusted_peer_cannot_claim_https():
    r = _client().get("/api/v1/auth/me", headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 308


def test_no_redirect_when_the_public_url_is_plain_http():
    settings = Settings(public_url="http://localhost:8000")
    r = TestClient(create_app(settings), follow_redirects=False).get("/api/v1/auth/me")
    assert r.status_code == 401
