"""Serve the exported web app (Next.js ``out/``) on the API's origin, CDN-ready.

The export is small (a few MB), so each file is read once, kept in memory with its gzip form
(compressed once, at level 9, not per request) and a strong ``ETag`` (a hash of its bytes),
and sent from there: ``Content-Encoding: gzip`` when the client accepts it (``Vary:
Accept-Encoding`` for caches), ``304 Not Modified`` for a matching ``If-None-Match``.
Next.js names the files under ``/_next/static/`` by their content hash, so they are sent
``Cache-Control: public, max-age=31536000, immutable`` (a CDN or browser may keep them for a
year); pages are ``no-cache`` (revalidated with the ETag each time, so a new release shows at
once). Every use checks the file's size and modification time, so a rebuilt export is
picked up without a restart.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from glucolens.core.errors import error_json
from glucolens.core.methods import method_not_allowed


def mount_static(app: FastAPI, root: Path | None) -> None:
    @app.api_route("/{full_path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def web_app(full_path: str, request: Request) -> Response:
        if full_path.startswith(("api/", "ws/")) or full_path in {"api", "ws"}:
            wrong_method = method_not_allowed(request)  # a GET to a POST-only route: 405
            return wrong_method or error_json(404, "not_found", f"No route {request.url.path}.")
        if "\x00" in full_path:  # the file system rejects NUL in names with a ValueError
            return error_json(
                400,
                "bad_request",
                "The path contains a NUL character.",
                [{"field": "path", "reason": "must not contain NUL (%00)"}],
            )
        if files is None:
            return HTMLResponse(_NO_FRONTEND, status_code=200 if full_path == "" else 404)
        found = await files.find(full_path.strip("/"))
        if found is None:
            missing = await files.find("404.html")
            if missing is not None:
                return files.response(missing, request, status_code=404)
            return error_json(404, "not_found", f"No page {request.url.path}.")
        return files.response(found, request)

    files = ExportedFiles(root) if root is not None else None


_NO_FRONTEND = """<!doctype html><html><head><title>GlucoLens</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>GlucoLens API is running</h1>
<p>The web app has not been built. Run <code>make run</code> (it builds
<code>frontend/out</code>), or read the API schema at
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MAX_CACHED_BYTES = 4 * 2**20  # larger files are streamed from disk as they are
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    stamp: tuple[int, int]  # size, mtime_ns
    media_type: str
    cache_control: str
    etag: str
    body: bytes | None  # None: too large to keep, streamed from disk
    gzipped: bytes | None


class ExportedFiles:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._files: dict[str, ExportedFile] = {}
        self._lock = threading.Lock()

    async def find(self, rel: str) -> ExportedFile | None:
        candidates = (rel, f"{rel}/index.html", f"{rel}.html") if rel else ("index.html",)
        for candidate in candidates:
            known = self._files.get(candidate)
            path = self.root / candidate
            try:
                st = path.stat()
            except (OSError, ValueError):
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if known is not None and known.stamp == (st.st_size, st.st_mtime_ns):
                return known
            loaded = await run_in_threadpool(self._load, candidate)
            if loaded is not None:
                return loaded
        return None

    def _load(self, candidate: str) -> ExportedFile | None:
        target = (self.root / candidate).resolve()
        if not target.is_file() or not target.is_relative_to(self.root):
            return None
        st = target.stat()
        media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        immutable = "/_next/static/" in f"/{candidate}"
        body = target.read_bytes() if st.st_size <= MAX_CACHED_BYTES else None
        digest = (
            hashlib.sha256(body)
            if body is not None
            else hashlib.sha256(f"{st.st_size}:{st.st_mtime_ns}".encode())
        )
        gzipped = None
        if body is not None and len(body) > 512 and media_type.startswith(_COMPRESSIBLE):
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            gzipped = packed if len(packed) < len(body) else None
        found = ExportedFile(
            path=target,
            stamp=(st.st_size, st.st_mtime_ns),
            media_type=media_type,
            cache_control=IMMUTABLE if immutable else REVALIDATE,
            etag=f'"{digest.hexdigest()[:32]}"',
            body=body,
            gzipped=gzipped,
        )
        with self._lock:
            self._files[candidate] = found
        return found

    def response(self, found: ExportedFile, request: Request, status_code: int = 200) -> Response:
        headers = {"Cache-Control": found.cache_control, "ETag": found.etag}
        if found.gzipped is not None:
            headers["Vary"] = "Accept-Encoding"
        if status_code == 200 and _etag_matches(request.headers.get("if-none-match"), found.etag):
            return Response(status_code=304, headers=headers)
        if found.body is None:
            return FileResponse(found.path, status_code=status_code, headers=headers)
        body = found.body
        if found.gzipped is not None and _accepts_gzip(request.headers.get("accept-encoding")):
            body = found.gzipped
            headers["Content-Encoding"] = "gzip"
        return Response(body, status_code=status_code, headers=headers, media_type=found.media_type)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def _accepts_gzip(header: str | None) -> bool:
    if not header:
        return False
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().removeprefix("q=")
            return not (params and q.replace(".", "", 1).isdigit() and float(q) == 0)
    return False
