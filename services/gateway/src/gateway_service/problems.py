"""The problem answers each operation documents (RFC 9457, ``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from borgerplan_api.base import ProblemDetails

MEANING = {
    400: "Not valid HTTP (a control character in a header), or the body is not JSON",
    401: "No valid bearer token",
    403: "Your role or relation does not allow this (or the citizen has not consented)",
    404: "No such resource, or none you may know of",
    408: "The request was not received whole in time (10 s from its first byte)",
    409: "The change conflicts with the resource's state",
    412: "The resource changed since you read it (If-Match is stale)",
    413: "The body is too large",
    422: "A field is missing or invalid; `errors` names it",
    428: "Send If-Match with the ETag you last read",
    429: "Too many requests from you; see Retry-After",
    431: "The request line and headers are too large (16 KB)",
    503: "A service or the database did not answer in time, or the system is busy; see Retry-After",
}
# 400, 408 and 431 come from the door, before any route (decision 0041)
ALWAYS = (400, 401, 403, 404, 408, 422, 429, 431, 503)


def problem_responses(*, body: bool, change: bool, if_match: bool) -> dict[int | str, dict[str, Any]]:
    """Each status this kind of operation can answer, with the problem model."""
    statuses = list(ALWAYS)
    if body:
        statuses.append(413)
    if change:
        statuses.append(409)
    if if_match:
        statuses += [412, 428]
    return {status: {"model": ProblemDetails, "description": MEANING[status]} for status in sorted(statuses)}
