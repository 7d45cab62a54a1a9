"""Error tracking with Sentry (optional: ``GLUCOLENS_SENTRY_DSN``), scrubbed before sending.

Sentry gets what an engineer needs to find a bug (exception type, stack frames: file,
function, line; route template; release) and nothing about the person: no request bodies,
query strings, cookies or headers beyond a short allow-list, no local variables, no
exception messages (they can quote a value: ``ValueError("52.0 is below ...")``), no
breadcrumb data, no user but the opaque id. ``scrub_event`` is the ``before_send`` hook and
is applied to transactions too; docs/observability.md lists what is kept.
"""

from __future__ import annotations

import re
from typing import Any

SCRUBBED = "[scrubbed]"
_KEEP_HEADERS = frozenset({"user-agent", "content-type", "content-length", "accept"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")


def _scrub_text(value: str) -> str:
    """A log message or breadcrumb: no numbers, ids or addresses left in it."""
    value = _EMAIL.sub("<email>", value)
    value = _UUID.sub("<id>", value)
    return _NUMBER.sub("<n>", value)


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    headers = request.get("headers") or {}
    return {
        "method": request.get("method"),
        # The path without its query; ids in it (alert ids, entry ids) become <id>.
        "url": _scrub_text(str(request.get("url", "")).split("?", 1)[0]),
        "headers": {k: v for k, v in headers.items() if k.lower() in _KEEP_HEADERS},
    }


def _scrub_frames(stacktrace: dict[str, Any] | None) -> None:
    for frame in (stacktrace or {}).get("frames", []) or []:
        frame.pop("vars", None)
        # Source context is the code, not data; keep it.


def scrub_event(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """``before_send`` / ``before_send_transaction``: the event with personal data removed."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    for exc in (event.get("exception") or {}).get("values", []) or []:
        if exc.get("value"):
            exc["value"] = SCRUBBED
        _scrub_frames(exc.get("stacktrace"))
    for thread in (event.get("threads") or {}).get("values", []) or []:
        _scrub_frames(thread.get("stacktrace"))
    if "logentry" in event:
        entry = event["logentry"]
        message = entry.get("message") or entry.get("formatted") or ""
        event["logentry"] = {"message": _scrub_text(str(message))}
    if isinstance(event.get("message"), str):
        event["message"] = _scrub_text(event["message"])
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs or []
    event["breadcrumbs"] = {
        "values": [
            {
                "timestamp": c.get("timestamp"),
                "category": c.get("category"),
                "level": c.get("level"),
                "message": _scrub_text(str(c.get("message") or "")),
            }
            for c in values
        ]
    }
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") else {}
    event.pop("extra", None)
    contexts = event.get("contexts") or {}
    event["contexts"] = {k: v for k, v in contexts.items() if k in ("runtime", "os", "trace")}
    for span in event.get("spans", []) or []:
        span.pop("data", None)
        if span.get("description"):
            span["description"] = _scrub_text(str(span["description"]))
    return event


def init_sentry(dsn: str | None, *, environment: str, release: str, component: str) -> bool:
    """Start the SDK when a DSN is set (the API and the worker each call this once)."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=f"glucolens@{release}",
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,  # type: ignore[arg-type]
        before_send_transaction=scrub_event,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
        server_name=component,  # not the host name: one less detail about the deployment
    )
    sentry_sdk.set_tag("component", component)
    return True
