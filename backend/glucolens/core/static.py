"""Serve the exported web app (Next.js ``out/``) on the API's origin."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

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
        if root is None:
            return HTMLResponse(_NO_FRONTEND, status_code=200 if full_path == "" else 404)
        base = root.resolve()
        rel = full_path.strip("/")
        candidates = (rel, f"{rel}/index.html", f"{rel}.html") if rel else ("index.html",)
        for candidate in candidates:
            target = (base / candidate).resolve()
            if target.is_file() and target.is_relative_to(base):
                headers = {}
                if "/_next/static/" in f"/{candidate}":
                    headers["Cache-Control"] = "public, max-age=31536000, immutable"
                else:
                    headers["Cache-Control"] = "no-cache"
                return FileResponse(target, headers=headers)
        not_found = base / "404.html"
        if not_found.is_file():
            return FileResponse(not_found, status_code=404)
        return error_json(404, "not_found", f"No page {request.url.path}.")


_NO_FRONTEND = """<!doctype html><html><head><title>GlucoLens</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>GlucoLens API is running</h1>
<p>The web app has not been built. Run <code>make run</code> (it builds
<code>frontend/out</code>), or read the API schema at
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""
