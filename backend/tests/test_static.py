"""The exported web app is served on the API's origin."""

from __future__ import annotations

from fastapi.testclient import TestClient

from glucolens.core.config import Settings
from glucolens.main import create_app


def _app(tmp_path):
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text("<h1>login</h1>")
    (tmp_path / "404.html").write_text("<h1>missing</h1>")
    (tmp_path.parent / "secret.txt").write_text("do not serve")
    return TestClient(create_app(Settings(static_dir=tmp_path)))


def test_root_and_pages_are_served(tmp_path):
    client = _app(tmp_path)
    assert client.get("/").text == "<h1>home</h1>"
    assert client.get("/login/").text == "<h1>login</h1>"
    assert client.get("/login").text == "<h1>login</h1>"
    assert client.head("/login/").status_code == 200
    assert "Content-Security-Policy" in client.get("/").headers


def test_unknown_pages_and_traversal_get_404(tmp_path):
    client = _app(tmp_path)
    assert client.get("/nope").status_code == 404
    assert "missing" in client.get("/nope").text
    assert client.get("/../secret.txt").status_code == 404
    assert client.get("/%2e%2e/secret.txt").status_code == 404


def test_unknown_api_path_is_a_json_404(tmp_path):
    r = _app(tmp_path).get("/api/v1/nothing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
