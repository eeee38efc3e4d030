"""A service's answer relayed as the gateway's."""

from __future__ import annotations

from fastapi import Response

from borgerplan_plumbing.internal import InternalResponse

# Headers that pass back to the caller unchanged.
RESPONSE_HEADERS = (
    "etag",
    "location",
    "link",
    "content-type",
    "content-disposition",
    "idempotent-replayed",
    "retry-after",
)
API_PREFIX = "/api/v1"


def relay_response(upstream: InternalResponse) -> Response:
    """The service's answer, with ``Location`` and ``Link`` moved under the public prefix."""
    headers = {k.lower(): v for k, v in upstream.headers.items() if k.lower() in RESPONSE_HEADERS}
    if "location" in headers:
        headers["location"] = API_PREFIX + headers["location"]
    if headers.get("link", "").startswith("</"):
        headers["link"] = "<" + API_PREFIX + headers["link"][1:]
    return Response(content=upstream.content, status_code=upstream.status_code, headers=headers)
