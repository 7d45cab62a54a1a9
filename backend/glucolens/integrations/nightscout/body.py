"""The JSON body of a Nightscout POST: an object or an array, gzip-encoded or not.

The HTTP guard (core/http_guard) bounds the bytes on the wire; the unpacked size is bounded
here while inflating, so a small gzip bomb cannot fill memory.
"""

from __future__ import annotations

import json
import zlib
from typing import Annotated, Any

from fastapi import Depends, Request

from glucolens.core.config import get_settings
from glucolens.integrations.nightscout.auth import NightscoutError


def _inflate(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise NightscoutError(400, "Bad Request", "The gzip body is corrupt.") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise NightscoutError(
            413, "Payload Too Large", f"The unpacked body is larger than {limit} bytes."
        )
    return out


async def json_body(request: Request) -> Any:
    data = await request.body()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "deflate", "x-gzip"):
        data = _inflate(data, get_settings().max_body_bulk_bytes)
    elif encoding not in ("", "identity"):
        raise NightscoutError(415, "Unsupported Media Type", f"Content-Encoding {encoding[:20]!r}.")
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise NightscoutError(400, "Bad Request", "The body is not JSON.") from None
    if not isinstance(payload, dict | list):
        raise NightscoutError(400, "Bad Request", "The body must be a JSON object or array.")
    return payload


JsonBody = Annotated[Any, Depends(json_body)]
# The OpenAPI body of a Nightscout upload: one document or an array of them.
BODY_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "object"}},
                    ]
                }
            }
        },
    }
}
