"""``Last-Modified`` / ``If-Modified-Since`` on Nightscout GETs (cgm-remote-monitor answers
304 to a follower whose copy is current, so polling every minute costs nothing)."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response


def stamp_ms(ms: int | None) -> dt.datetime | None:
    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def not_modified(request: Request, response: Response, changed: dt.datetime | None
                 ) -> Response | None:  # fmt: skip
    """Sets Last-Modified to ``changed`` (HTTP dates have whole seconds); a 304 to answer
    when the client's If-Modified-Since is that second or later, else None."""
    if changed is None:
        return None
    changed = changed.astimezone(dt.UTC).replace(microsecond=0)
    header = format_datetime(changed, usegmt=True)
    response.headers["Last-Modified"] = header
    since_raw = request.headers.get("if-modified-since")
    if not since_raw:
        return None
    try:
        since = parsedate_to_datetime(since_raw)
    except (TypeError, ValueError, IndexError):
        return None  # an unreadable date is ignored, as HTTP says
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    if changed <= since:
        return Response(status_code=304, headers={"Last-Modified": header})
    return None
