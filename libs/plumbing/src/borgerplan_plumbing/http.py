"""HTTP conventions shared by the services: ETag/If-Match versions, Idempotency-Key on creates, and the few helpers
every service's routes use (its stores from ``app.state``, an answer with its ETag, a create's 201)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pymongo.errors import DuplicateKeyError

from borgerplan_plumbing.load import outside_the_deadline
from borgerplan_plumbing.mongo import Collection
from borgerplan_plumbing.problems import Problem

IfMatch = Annotated[str | None, Header(alias="If-Match")]


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)
T = TypeVar("T")


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int:
    """The version the caller last saw; 428 when missing, 412 when not one of ours."""
    if value is None:
        raise Problem(
            428,
            "Precondition required",
            "Send If-Match with the ETag you last read.",
            kind="if-match-required",
        )
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise Problem(
            412,
            "Precondition failed",
            "If-Match does not name a version of this resource.",
            kind="stale-version",
        )
    return int(text)


def state(name: str) -> Any:
    """A dependency handing a route what the service's bootstrap put on ``app.state.<name>`` (its stores)."""

    async def from_state(request: Request) -> Any:
        return getattr(request.app.state, name)

    return Depends(from_state)


def versioned(response: Response, public: V) -> V:
    """The answer with its version as ``ETag``."""
    response.headers["ETag"] = etag(public.version)
    return public


async def _settled(record: Coroutine[Any, Any, T]) -> T:
    """The idempotency record written outside the request's deadline, and to the end even if the request is
    cancelled meanwhile."""
    return await asyncio.shield(outside_the_deadline(record))


class IdempotencyKeys:
    """Remembers the first response to a create, per caller and key, so a retry returns it again.

    The key is claimed first (a unique ``_id``), then the create runs, then its response is stored. A retry
    while the first request still runs gets 409; the same key with a different body gets 422.

    What follows the create (storing its response, or releasing the key when it failed) runs outside the request's
    database deadline: a create that took the request's last milliseconds has happened, so its record must say
    so (else every retry would hear "still running" for the key's lifetime, and a retry with a new key would
    create again), and it is answered 201 like any other.
    """

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    async def run(
        self,
        *,
        scope: str,
        key: str | None,
        payload: Any,
        create: Callable[[], Awaitable[tuple[int, Any, dict[str, str]]]],
    ) -> Response:
        if key is None:
            status, body, headers = await create()
            return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)
        if not 1 <= len(key) <= 200:
            raise Problem(
                422,
                "Invalid request",
                "Idempotency-Key must be 1 to 200 characters.",
                kind="validation",
                errors=[{"field": "Idempotency-Key", "message": "length 1-200"}],
            )
        digest = hashlib.sha256(json.dumps(jsonable_encoder(payload), sort_keys=True).encode()).hexdigest()
        record_id = f"{scope}:{key}"
        try:
            await self.collection.insert_one(
                {"_id": record_id, "request_hash": digest, "state": "running", "at": datetime.now(UTC)}
            )
        except DuplicateKeyError:
            return await self._replay(record_id, digest)
        try:
            status, body, headers = await create()
        except Exception:
            await _settled(self.collection.delete_one({"_id": record_id, "state": "running"}))
            raise
        encoded = jsonable_encoder(body)
        await _settled(
            self.collection.update_one(
                {"_id": record_id},
                {"$set": {"state": "done", "status": status, "body": encoded, "headers": headers}},
            )
        )
        return JSONResponse(encoded, status_code=status, headers=headers)

    async def _replay(self, record_id: str, digest: str) -> Response:
        record = await self.collection.find_one({"_id": record_id})
        if record is None:
            raise Problem(
                409, "Conflict", "The request with this Idempotency-Key is being retried; try again."
            )
        if record["request_hash"] != digest:
            raise Problem(
                422,
                "Idempotency key reused",
                "This Idempotency-Key was used for a different request.",
                kind="idempotency-key-reused",
            )
        if record.get("state") != "done":
            raise Problem(
                409,
                "Conflict",
                "The first request with this Idempotency-Key is still running.",
                kind="request-in-progress",
            )
        headers = dict(record.get("headers") or {})
        headers["Idempotent-Replayed"] = "true"
        return JSONResponse(record["body"], status_code=record["status"], headers=headers)


async def created(
    keys: IdempotencyKeys,
    *,
    scope: str,
    key: str | None,
    body: Any,
    write: Callable[[], Awaitable[V]],
    location: Callable[[V], str | None],
) -> Response:
    """A create (or an addition to an aggregate): 201 with ``ETag`` and ``Location``; a retry with the same
    ``Idempotency-Key`` answered with the first result."""

    async def create() -> tuple[int, object, dict[str, str]]:
        public = await write()
        headers = {"ETag": etag(public.version)}
        where = location(public)
        if where:
            headers["Location"] = where
        return 201, public, headers

    return await keys.run(scope=scope, key=key, payload=body, create=create)
