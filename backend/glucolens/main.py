"""The app factory: builds the app, includes routers, nothing else."""

from __future__ import annotations

from fastapi import FastAPI

from glucolens import __version__
from glucolens.alerts.endpoints import router as alerts_router
from glucolens.alerts.push_endpoints import router as alerts_push_router
from glucolens.alerts.realtime import router as realtime_router
from glucolens.auth.account import router as account_router
from glucolens.auth.endpoints import OPEN_PATHS, api_keys_router
from glucolens.auth.endpoints import router as auth_router
from glucolens.core.admission import AdmissionGate
from glucolens.core.api_docs import mount_api_docs
from glucolens.core.config import Settings, get_settings
from glucolens.core.errors import install_error_handlers
from glucolens.core.health import router as health_router
from glucolens.core.http_guard import install_request_guard
from glucolens.core.http_headers import SecurityHeadersMiddleware, app_csp, static_script_hashes
from glucolens.core.https import HttpsRedirectMiddleware, https_enforced
from glucolens.core.lifespan import app_lifespan
from glucolens.core.logging import RequestLogMiddleware, configure_logging
from glucolens.core.methods import install_method_not_allowed
from glucolens.core.metrics import install_metrics
from glucolens.core.proxies import TrustedProxyMiddleware
from glucolens.core.routing import guard_included_routers
from glucolens.core.sentry import init_sentry
from glucolens.core.static import mount_static
from glucolens.dashboard.endpoints import routers as dashboard_routers
from glucolens.demo.endpoints import router as demo_router
from glucolens.experiments.endpoints import router as experiments_router
from glucolens.exports.endpoints import router as exports_router
from glucolens.insights.endpoints import router as insights_router
from glucolens.insights.meal_endpoints import router as meal_insights_router
from glucolens.integrations.healthkit.endpoints import router as healthkit_router
from glucolens.integrations.importers.endpoints import router as imports_router
from glucolens.integrations.nightscout.api import router as nightscout_router
from glucolens.integrations.nightscout.api_v3 import router as nightscout_v3_router
from glucolens.integrations.nightscout.credentials_endpoints import (
    router as nightscout_credentials_router,
)
from glucolens.lifestyle.endpoints import routers as lifestyle_routers
from glucolens.readings.endpoints import routers as readings_routers
from glucolens.reports.endpoints import router as reports_router
from glucolens.sources.deletion_endpoints import router as data_deletion_router
from glucolens.sources.endpoints import router as sources_router
from glucolens.sources.priority import router as source_priority_router
from glucolens.subscribers import wire_subscribers


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    init_sentry(
        settings.sentry_dsn, environment=settings.environment, release=__version__, component="api"
    )
    wire_subscribers()
    app = FastAPI(
        title="GlucoLens API",
        version=__version__,
        description="Open, self-hostable glucose analytics. AGPL-3.0-or-later.",
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        docs_url=None,  # see core/api_docs: off unless GLUCOLENS_API_DOCS
        redoc_url=None,
        lifespan=app_lifespan(settings),  # the hub and the scheduler (core/lifespan)
        # FastAPI's OpenTelemetry hooks look up the global providers on every request;
        # GlucoLens exports Prometheus metrics (core/metrics), not OpenTelemetry.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    install_method_not_allowed(app)  # 405 with every method of the path in Allow
    # Added last runs first. Innermost, the request guard (body limits, no body read without
    # a credential), so its answers are logged and get the security headers, which also
    # reach the JSON 500 that RequestLogMiddleware makes of an unhandled exception. Outermost, the
    # trusted-proxy rewrite of the client address and scheme, which all the others read.
    static_dir = settings.resolved_static_dir
    # Innermost of all, no more API requests at once than worker threads (core/admission).
    app.add_middleware(
        AdmissionGate, slots=settings.threads, queue_timeout_s=settings.request_queue_timeout_s
    )
    install_request_guard(app, settings, OPEN_PATHS)
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, csp=app_csp(static_script_hashes(static_dir)))
    if https_enforced(settings.public_url):  # after the proxy rewrite has settled the scheme
        app.add_middleware(HttpsRedirectMiddleware, public_url=settings.public_url or "")
    app.add_middleware(TrustedProxyMiddleware, networks=settings.trusted_proxy_networks)

    for router in (
        auth_router,
        api_keys_router,
        *dashboard_routers,
        *readings_routers,
        *lifestyle_routers,
        insights_router,
        meal_insights_router,
        demo_router,
        sources_router,
        source_priority_router,
        exports_router,
        imports_router,
        account_router,
        data_deletion_router,
        reports_router,
        experiments_router,
        nightscout_credentials_router,
        healthkit_router,
        alerts_router,
        alerts_push_router,
        nightscout_router,  # at the host root (/api/v1/entries, ...), before the web app
        nightscout_v3_router,  # /api/v3/... at the host root too
    ):
        app.include_router(router)

    app.include_router(health_router)  # /livez, /healthz (liveness), /readyz (dependencies)
    app.include_router(realtime_router)  # WS /ws/alerts
    install_metrics(app, settings.metrics_token)  # outermost of the app's own middlewares

    if settings.api_docs:
        mount_api_docs(app)
    mount_static(app, static_dir)
    guard_included_routers(app.router.routes)  # core/routing: skip routers by path prefix
    return app
