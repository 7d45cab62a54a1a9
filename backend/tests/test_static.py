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


def test_hashed_assets_are_immutable_and_pages_revalidate(tmp_path):
    client = _app(tmp_path)
    chunk = tmp_path / "_next" / "static" / "chunks"
    chunk.mkdir(parents=True)
    (chunk / "a1b2c3.js").write_text("console.log(1);" * 100)
    asset = client.get("/_next/static/chunks/a1b2c3.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith("text/javascript") or asset.headers[
        "content-type"
    ].startswith("application/javascript")
    assert client.get("/login/").headers["cache-control"] == "no-cache"


def test_text_files_are_sent_gzipped_only_to_clients_that_accept_it(tmp_path):
    client = _app(tmp_path)
    page = "<h1>big</h1>" + "<p>glucose</p>" * 500
    (tmp_path / "big.html").write_text(page)
    zipped = client.get("/big", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert int(zipped.headers["content-length"]) < len(page) / 5
    assert zipped.text == page  # the client decompresses it
    plain = client.get("/big", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == page
    refused = client.get("/big", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_etag_answers_304_and_changes_when_the_export_is_rebuilt(tmp_path):
    client = _app(tmp_path)
    first = client.get("/login/")
    etag = first.headers["etag"]
    again = client.get("/login/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    (tmp_path / "login" / "index.html").write_text("<h1>login, new release</h1>")
    rebuilt = client.get("/login/", headers={"If-None-Match": etag})
    assert rebuilt.status_code == 200
    assert rebuilt.text == "<h1>login, new release</h1>"
    assert rebuilt.headers["etag"] != etag
