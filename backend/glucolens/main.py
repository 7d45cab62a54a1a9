"""The app factory: builds the app, includes routers, nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import text

from glucolens import __version__
from glucolens.auth.endpoints import api_keys_router
from glucolens.auth.endpoints import router as auth_router
from glucolens.core.config import Settings, get_settings
from glucolens.core.db import get_engine
from glucolens.core.errors import install_error_handlers
from glucolens.core.logging import configure_logging, log_requests
from glucolens.core.static import mount_static
from glucolens.dashboard.endpoints import routers as dashboard_routers
from glucolens.demo.endpoints import router as demo_router
from glucolens.insights.endpoints import router as insights_router
from glucolens.lifestyle.endpoints import routers as lifestyle_routers
from glucolens.readings.endpoints import routers as readings_routers

_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.url.path.startswith(("/docs", "/redoc")):
        response.headers.setdefault("Content-Security-Policy", _CSP)
    if request.url.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="GlucoLens API",
        version=__version__,
        description="Open, self-hostable glucose analytics. AGPL-3.0-or-later.",
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    install_error_handlers(app)
    app.middleware("http")(_security_headers)
    app.middleware("http")(log_requests)

    for router in (
        auth_router,
        api_keys_router,
        *dashboard_routers,
        *readings_routers,
        *lifestyle_routers,
        insights_router,
        demo_router,
    ):
        app.include_router(router)

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    def healthz() -> dict[str, str]:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok", "version": __version__}

    mount_static(app, settings.resolved_static_dir)
    return app
