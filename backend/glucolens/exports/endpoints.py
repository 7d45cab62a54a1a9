"""GET /api/v1/export: everything the caller has, streamed as a zip of CSVs or as JSON.

Scope ``read``: an API key that may read can already list every row of every kind, so
exporting them adds no power. The account part of the profile (sessions with their
addresses, API keys, import jobs) is account data and comes only with a signed-in user's
credential, as on the routes that list it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from glucolens.auth.deps import SCOPE_ACCOUNT, ReadAuth
from glucolens.core.errors import responses
from glucolens.core.ratelimit import get_rate_limiter
from glucolens.core.transaction import TransactionalRoute
from glucolens.exports.schemas import ExportDocument, ExportFormat
from glucolens.exports.service import open_export
from glucolens.exports.writers import json_stream, zip_stream

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1", tags=["export"])

# An export reads the whole history and holds a request slot and a database connection
# while it streams; a client looping on it must not crowd others out.
EXPORTS_PER_HOUR = "30/hour"

_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export, streamed: a zip (README.txt, profile.json, glucose.csv, "
        "insulin.csv, meals.csv, sleep.csv, activities.csv, insights.json) or one JSON document.",
        "content": {
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ExportDocument"},
            },
        },
        "model": ExportDocument,
    }
}


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={**_CONTENT, **responses(401, 403, 422, 429, 503)},
    summary="Export all your data",
)
def export(
    auth: ReadAuth,
    format: Annotated[  # noqa: A002 - the query parameter's public name
        ExportFormat, Query(description="zip (CSV files, default) or json (one document)")
    ] = ExportFormat.zip,
) -> StreamingResponse:
    """Every glucose reading (with source, kind and duplicate_of), insulin dose, meal, sleep
    session and activity, the stored insights and your settings, from one consistent snapshot.
    Times are UTC plus the local time they were recorded at."""
    get_rate_limiter().hit(
        EXPORTS_PER_HOUR,
        "export",
        str(auth.user_id),
        message="Too many exports for this account; try again later.",
    )
    ctx = open_export(auth.user, with_account=SCOPE_ACCOUNT in auth.scopes)
    stamp = ctx.local_date.isoformat()
    if format is ExportFormat.json:
        body, media, ext = json_stream(ctx), "application/json", "json"
    else:
        body, media, ext = zip_stream(ctx), "application/zip", "zip"
    headers = {
        "Content-Disposition": f'attachment; filename="glucolens-export-{stamp}.{ext}"',
        "Cache-Control": "no-store",
    }
    return StreamingResponse(body, media_type=media, headers=headers)
