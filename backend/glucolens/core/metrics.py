"""Prometheus metrics: every ``glucolens_*`` series, their label allow-list, and ``/metrics``.

Labels carry bounded, non-personal values only: route templates (never raw paths, which
hold ids), source names folded into a fixed set, kinds, reasons, channels, outcomes. No user
id, e-mail or value is ever a label; ``backend/tests/core/test_metrics.py`` scrapes
``/metrics`` after real traffic and checks every label name and value against
``LABEL_VALUES``.

With several worker processes (``glucolens serve --workers N``) set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory (``glucolens serve`` does it for you):
each process writes its samples there and ``/metrics`` sums them.

``/metrics`` answers only with ``Authorization: Bearer <GLUCOLENS_METRICS_TOKEN>``, and is
absent (404) when no token is set: it tells the outside world how many people use the
server and how often their uploads fail.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from timeit import default_timer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess
from prometheus_fastapi_instrumentator import metrics as instrumentator_metrics
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from glucolens import __version__

# Sources a reading can come from, as labels; anything else (a free-text device name
# an uploader sent) is counted as "other" so the series stay bounded.
KNOWN_SOURCES = frozenset(
    {
        "manual",
        "api",
        "csv",
        "dexcom",
        "libreview",
        "apple_health",
        "healthkit",
        "nightscout",
        "xdrip",
        "juggluco",
        "aaps",
        "loop",
        "trio",
        "spike",
        "demo",
        "import",
        "other",
    }
)


def source_label(source: str | None) -> str:
    s = (source or "other").lower()
    return s if s in KNOWN_SOURCES else "other"


_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_JOB_BUCKETS_S = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)
_DELAY_BUCKETS_S = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600, 86400)
_BATCH_BUCKETS = (1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000, 100000)

# A gauge, not an Info: Info series are not collected in multi-process mode.
BUILD = Gauge(
    "glucolens_build_info", "The running GlucoLens version", ["version"], multiprocess_mode="max"
)
BUILD.labels(version=__version__).set(1)

INGEST_READINGS = Counter(
    "glucolens_ingest_readings",
    "Glucose readings received, by source and outcome (inserted, duplicate, rejected)",
    ["source", "outcome"],
)
INGEST_REJECTED = Counter(
    "glucolens_ingest_rejected", "Readings rejected, by source and reason", ["source", "reason"]
)
INGEST_BATCH = Histogram(
    "glucolens_ingest_batch_size", "Readings per ingest request", ["source"], buckets=_BATCH_BUCKETS
)
INGEST_DELAY = Histogram(
    "glucolens_ingest_reading_delay_seconds",
    "Age of a batch's newest reading when it arrived (uploader lag)",
    ["source"],
    buckets=_DELAY_BUCKETS_S,
)
JOB_DURATION = Histogram(
    "glucolens_job_duration_seconds",
    "Background job run time, by task and outcome",
    ["task", "outcome"],
    buckets=_JOB_BUCKETS_S,
)
JOB_FAILURES = Counter("glucolens_job_failures", "Background jobs that failed", ["task"])
JOB_QUEUE = Gauge(
    "glucolens_job_queue_length",
    "Jobs waiting in the in-process lanes",
    ["lane"],
    multiprocess_mode="livesum",
)
ALERT_EVALUATIONS = Counter(
    "glucolens_alert_evaluations", "Alert evaluations, by trigger (ingest, tick)", ["trigger"]
)
ALERTS_RAISED = Counter("glucolens_alerts_raised", "Alert episodes opened, by kind", ["kind"])
ALERTS_SUPPRESSED = Counter(
    "glucolens_alert_notifications_suppressed",
    "Notifications not sent, by reason",
    ["kind", "reason"],
)
ALERT_DELIVERIES = Counter(
    "glucolens_alert_deliveries",
    "Delivery attempts, by channel and outcome (sent, failed, retry, gone)",
    ["channel", "outcome"],
)
ALERT_DELIVERY_LATENCY = Histogram(
    "glucolens_alert_delivery_latency_seconds",
    "From the alert's decision to the channel's acceptance",
    ["channel"],
    buckets=_BUCKETS_S,
)
WS_CONNECTIONS = Gauge(
    "glucolens_websocket_connections", "Open /ws/alerts connections", multiprocess_mode="livesum"
)
WS_MESSAGES = Counter(
    "glucolens_websocket_messages",
    "WebSocket messages, by direction (in, out) and type",
    ["direction", "type"],
)
SCHEDULER_RUNS = Counter(
    # "schedule", not "job": Prometheus gives every series a job label of its own.
    "glucolens_scheduler_runs",
    "Periodic job slots run, by schedule and outcome",
    ["schedule", "outcome"],
)

# Every label name any glucolens_* or HTTP series may carry, with its allowed values (None:
# a pattern decides, see LABEL_PATTERNS). The test walks a real scrape against this.
LABEL_VALUES: dict[str, frozenset[str] | None] = {
    "source": KNOWN_SOURCES,
    "outcome": frozenset(
        {
            "inserted",
            "duplicate",
            "rejected",
            "ok",
            "error",
            "sent",
            "failed",
            "retry",
            "gone",
            "skipped",
        }
    ),
    "reason": None,
    "task": None,
    "lane": frozenset({"insights", "imports", "reports"}),
    "trigger": frozenset({"ingest", "tick"}),
    "kind": None,
    "channel": frozenset({"websocket", "email", "push", "webhook"}),
    "direction": frozenset({"in", "out"}),
    "type": None,
    "schedule": None,
    "version": None,
    # prometheus-fastapi-instrumentator's HTTP series
    "handler": None,
    "method": frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}),
    "status": None,
    "le": None,
    "quantile": None,
    # prometheus-client's own process and Python series
    "generation": frozenset({"0", "1", "2"}),
    "implementation": None,
    "major": None,
    "minor": None,
    "patchlevel": None,
}
LABEL_PATTERNS: dict[str, re.Pattern[str]] = {
    "reason": re.compile(r"^[a-z_]{1,32}$"),
    "task": re.compile(r"^glucolens(\.[a-z_]+){1,3}$"),
    "kind": re.compile(r"^[a-z_]{1,24}$"),
    "type": re.compile(r"^[a-z_.]{1,32}$"),
    "schedule": re.compile(r"^[a-z_.]{1,64}$"),
    "version": re.compile(r"^[0-9A-Za-z.+-]{1,32}$"),
    # route templates only: "/api/v1/alerts/{alert_id}/acknowledge", or "none" when no route
    "handler": re.compile(r"^(none|/[A-Za-z0-9_/{}:.-]*)$"),
    "status": re.compile(r"^[1-5]xx$|^[1-5][0-9][0-9]$"),
    "le": re.compile(r"^([0-9.e+-]+|\+Inf)$"),
    "quantile": re.compile(r"^[0-9.]+$"),
    "implementation": re.compile(r"^[A-Za-z]{1,16}$"),
    "major": re.compile(r"^[0-9]{1,3}$"),
    "minor": re.compile(r"^[0-9]{1,3}$"),
    "patchlevel": re.compile(r"^[0-9]{1,3}$"),
}


@contextmanager
def timed_job(task: str) -> Iterator[None]:
    """Time a job body; an exception that escapes it counts as outcome ``error``."""
    start = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        JOB_DURATION.labels(task=task, outcome=outcome).observe(time.perf_counter() - start)


def registry() -> CollectorRegistry:
    """The registry to expose: the process's own, or the sum over every worker process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        reg = CollectorRegistry()
        prom_multiprocess.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
        return reg
    from prometheus_client import REGISTRY

    return REGISTRY


def metrics_response(request: Request, token: str | None) -> Response:
    """``GET /metrics``: 404 when off, 401 without the right bearer token."""
    if not token:
        return Response(status_code=404)
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(generate_latest(registry()), media_type=CONTENT_TYPE_LATEST)


class RouteTemplateMetrics(PrometheusInstrumentatorMiddleware):
    """prometheus-fastapi-instrumentator's HTTP series, labelled with the route template
    that routing already chose (``scope["route"]``), instead of the library's own second pass
    over every route of the app before each request (a fifth of a request's cost here)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = default_timer()
        status_code = 500
        headers: list[tuple[bytes, bytes]] = []
        response_start = 0.0

        async def send_wrapper(message: Message) -> None:
            nonlocal status_code, headers, response_start
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = message.get("headers", [])
                response_start = default_timer()
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            handler = getattr(route, "path_format", None) or "none"
            if handler != "/metrics":
                duration = max(default_timer() - start, 0.0)
                info = instrumentator_metrics.Info(
                    request=Request(scope),
                    response=Response(headers=Headers(raw=headers), status_code=status_code),
                    method=scope["method"],
                    modified_handler=handler,
                    modified_status=f"{str(status_code)[0]}xx",
                    modified_duration=duration,
                    modified_duration_without_streaming=max(response_start - start, 0.0)
                    if response_start
                    else 0.0,
                )
                for instrumentation in self.instrumentations:
                    instrumentation(info)


def install_metrics(app: Any, token: str | None) -> None:
    """HTTP metrics by route template and the ``/metrics`` route, outside the OpenAPI
    schema. No route matched (an unknown API path): handler "none", never the raw path."""
    app.add_middleware(RouteTemplateMetrics, should_group_status_codes=True)

    async def metrics(request: Request) -> Response:
        return metrics_response(request, token)

    app.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
