"""Security headers: a CSP without 'unsafe-inline' scripts (the export's inline scripts by
hash), Permissions-Policy, HSTS over https only, API docs off by default, and 405 for a
wrong method on an API route."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from glucolens.core.config import REPO_ROOT, Settings
from glucolens.core.http_headers import csp_hash, inline_scripts
from glucolens.main import create_app

EXPORT = REPO_ROOT / "frontend" / "out"
PAGE = """<!doctype html><html><head>
<script src="/_next/static/chunks/app.js" async=""></script>
<script>self.__next_f=self.__next_f||[]</script></head>
<body><script id="_R_">self.__next_f.push([1,"{page}"])</script>
<SCRIPT type="text/javascript">
  document.documentElement.dataset.page = "{page}";
</SCRIPT></body></html>"""


def script_src(csp: str) -> list[str]:
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("script-src "))
    return directive.split()[1:]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text(PAGE.replace("{page}", "home"))
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text(PAGE.replace("{page}", "login"))
    (tmp_path / "404.html").write_text(PAGE.replace("{page}", "missing"))
    return tmp_path


def test_inline_scripts_are_found_and_src_scripts_are_not(export):
    scripts = inline_scripts((export / "index.html").read_text())
    assert len(scripts) == 3
    assert all("chunks/app.js" not in s for s in scripts)


def test_every_inline_script_of_every_page_is_hashed_in_the_served_csp(export):
    client = TestClient(create_app(Settings(static_dir=export)))
    for page in ("/", "/login/", "/nope", "/api/v1/auth/me", "/healthz"):
        allowed = script_src(client.get(page).headers["Content-Security-Policy"])
        assert "'unsafe-inline'" not in allowed
        for html in export.rglob("*.html"):
            for script in inline_scripts(html.read_text()):
                assert csp_hash(script) in allowed, (page, html, script)
    assert csp_hash("alert(document.cookie)") not in allowed


@pytest.mark.skipif(
    not (EXPORT / "index.html").is_file(), reason="frontend/out not built (make frontend)"
)
def test_the_built_web_app_runs_under_the_csp():
    """The real export: every inline script in every page is allowed by hash."""
    client = TestClient(create_app(Settings(static_dir=EXPORT)))
    pages = sorted(EXPORT.rglob("*.html"))
    assert pages
    checked = 0
    for html in pages:
        url = "/" + str(html.relative_to(EXPORT)).removesuffix("index.html")
        r = client.get(url)
        assert r.status_code in (200, 404), url
        allowed = script_src(r.headers["Content-Security-Policy"])
        assert "'unsafe-inline'" not in allowed
        for script in inline_scripts(html.read_text()):
            assert csp_hash(script) in allowed, url
            checked += 1
    assert checked >= len(pages)


def test_csp_keeps_inline_styles_only(client):
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/auth/me", 401),
        ("GET", "/api/v1/nothing", 404),
        ("GET", "/api/v1/auth/login", 405),
        ("POST", "/api/v1/glucose/bulk", 401),
    ],
)
def test_permissions_policy_on_every_answer(client, method, path, status):
    r = client.request(method, path)
    assert r.status_code == status
    policy = r.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_over_https_only(app):
    assert "Strict-Transport-Security" in TestClient(app, "https://t").get("/healthz").headers
    plain = TestClient(app, "http://t").get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers


def test_forwarded_proto_from_an_untrusted_peer_gives_no_hsts():
    app = create_app(Settings(trusted_proxies=""))
    client = TestClient(app, "http://t", client=("10.0.0.5", 40000))
    r = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers


def test_forwarded_proto_from_a_trusted_proxy_gives_hsts():
    app = create_app(Settings(trusted_proxies="10.0.0.0/8"))
    client = TestClient(app, "http://t", client=("10.0.0.5", 40000))
    r = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert re.fullmatch(r"max-age=\d{7,}", r.headers["Strict-Transport-Security"])
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/v1/auth/login", "POST"),
        ("HEAD", "/api/v1/auth/refresh", "POST"),
        ("GET", "/api/v1/glucose/import/csv", "POST"),
        ("DELETE", "/api/v1/auth/login", "POST"),
        ("POST", "/api/v1/auth/me", "GET"),
        ("HEAD", "/api/v1/auth/me", "GET"),
    ],
)
def test_wrong_method_on_an_api_route_is_405_in_the_error_shape(client, method, path, allow):
    r = client.request(method, path)
    assert r.status_code == 405
    assert r.headers["Allow"] == allow
    if method != "HEAD":
        assert r.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/glucose", "GET, POST"),  # list and create are two routes
        ("PATCH", "/api/v1/glucose/1", "GET, PUT, DELETE"),
        ("OPTIONS", "/api/v1/auth/api-keys", "GET, POST"),
    ],
)
def test_allow_lists_every_method_of_the_path(client, method, path, allow):
    r = client.request(method, path)
    assert r.status_code == 405
    assert r.headers["Allow"] == allow
    assert r.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_api_path_stays_404(client, method):
    r = client.request(method, "/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_wrong_method_on_a_web_page_is_405(client):
    r = client.post("/login/")
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_api_docs_are_off_by_default(client):
    for path in ("/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 404
        assert "cdn.jsdelivr.net" not in r.text
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(("path", "marker"), [("/docs", "SwaggerUIBundle"), ("/redoc", "<redoc")])
def test_enabled_api_docs_run_under_their_own_csp(path, marker):
    client = TestClient(create_app(Settings(api_docs=True)))
    r = client.get(path)
    assert r.status_code == 200
    assert marker in r.text
    csp = r.headers["Content-Security-Policy"]
    allowed = script_src(csp)
    assert "'unsafe-inline'" not in allowed
    assert set(allowed) - {"https://cdn.jsdelivr.net"} == {
        csp_hash(s) for s in inline_scripts(r.text)
    }
    assert "connect-src 'self'" in csp
    assert "default-src 'none'" in csp
