"""Keyset pagination of lists: ``limit`` and an opaque ``cursor``; the next page's address in a ``Link`` header.

The body stays a JSON array (what integrators already parse); ``Link: <...>; rel="next"`` (RFC 8288) says
there is more. The cursor holds the last item's sort value and id, so items added meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem

Find = Callable[[Document, list[tuple[str, int]], int], Awaitable[list[Document]]]

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=400, description="from the previous page's Link rel=next")]


def encode_cursor(sort_value: Any, item_id: Any) -> str:
    if isinstance(sort_value, datetime):
        sort_value = {"datetime": sort_value.isoformat()}
    return base64.urlsafe_b64encode(json.dumps([sort_value, item_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        sort_value, item_id = json.loads(base64.urlsafe_b64decode(padded))
        if isinstance(sort_value, dict):
            sort_value = datetime.fromisoformat(sort_value["datetime"])
    except (ValueError, TypeError, KeyError) as exc:
        raise unknown_cursor() from exc
    return sort_value, item_id


def unknown_cursor() -> Problem:
    """422 for a cursor this list did not give out (or one it cannot read)."""
    return Problem(
        422,
        "Invalid request",
        "The cursor is not one this list gave out.",
        kind="validation",
        errors=[{"field": "cursor", "message": "unknown cursor"}],
    )


async def page(
    find: Find,
    query: Document,
    sort_field: str,
    limit: int,
    cursor: str | None,
    request: Request,
    response: Response,
    *,
    newest_first: bool = False,
) -> list[Document]:
    """One page ordered by ``sort_field`` then id; sets ``Link`` when there is a next page.

    ``find(query, sort, limit)`` reads the documents (``AggregateStore.find`` or a collection's).
    """
    direction, beyond = (-1, "$lt") if newest_first else (1, "$gt")
    if cursor:
        value, last_id = decode_cursor(cursor)
        after = {"$or": [{sort_field: {beyond: value}}, {sort_field: value, "_id": {beyond: last_id}}]}
        query = {"$and": [query, after]}
    docs = await find(query, [(sort_field, direction), ("_id", direction)], limit + 1)
    if len(docs) > limit:
        docs = docs[:limit]
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        params["cursor"] = encode_cursor(docs[-1].get(sort_field), docs[-1]["_id"])
        response.headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return docs
