"""Aggregates in MongoDB with optimistic concurrency, their events written in the same document write.

A versioned update is a compare-and-set in the database: ``update {_id, version: N}`` matches only while the
document is still at version N, and the database applies it atomically, so of several writers (in one process or in
several replicas) exactly one wins and the others get ``VersionConflictError``. No lock in the process is needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from borgerplan_contracts import CloudEvent
from borgerplan_plumbing import outbox
from borgerplan_plumbing.mongo import Collection, Document, Query


class VersionConflictError(Exception):
    """The aggregate changed since the caller read it (stale ``If-Match``)."""

    def __init__(self, aggregate_id: str, expected: int) -> None:
        super().__init__(f"{aggregate_id} is no longer at version {expected}")
        self.aggregate_id = aggregate_id
        self.expected = expected


class NotFoundError(Exception):
    def __init__(self, kind: str, aggregate_id: str) -> None:
        super().__init__(f"{kind} {aggregate_id} not found")
        self.kind = kind
        self.aggregate_id = aggregate_id


class AlreadyExistsError(Exception):
    """An insert hit a unique index: the ``_id``, or another unique key (``index`` names it when known)."""

    def __init__(self, key: str, index: str | None = None) -> None:
        super().__init__(key)
        self.index = index


class AggregateStore:
    """One collection of aggregates. Documents carry ``version``; writes are single-document and atomic."""

    def __init__(
        self, collection: Collection, topic: str, relay: outbox.OutboxRelay | None, kind: str
    ) -> None:
        self.collection = collection
        self.topic = topic
        self.relay = relay
        self.kind = kind
        if relay is not None:
            relay.add_collection(collection)

    async def insert(self, doc: Document, events: Sequence[CloudEvent] = ()) -> Document:
        """Store a new aggregate at version 1 together with its events."""
        record = {**doc, "version": 1, **outbox.new_document_fields(self.topic, events)}
        try:
            await self.collection.insert_one(record)
        except DuplicateKeyError as exc:
            raise AlreadyExistsError(str(doc.get("_id")), _index_of(exc)) from exc
        self._wake(events)
        return outbox.strip(record)

    async def get(self, aggregate_id: str, *, leave_out: tuple[str, ...] = ()) -> Document:
        """The aggregate without its outbox (and without the fields in ``leave_out``, e.g. a long history)."""
        doc = await self.collection.find_one({"_id": aggregate_id}, projection=_projection(leave_out))
        if doc is None:
            raise NotFoundError(self.kind, aggregate_id)
        return doc

    async def find(
        self,
        query: Document,
        *,
        sort: list[tuple[str, int]] | None = None,
        limit: int = 0,
        leave_out: tuple[str, ...] = (),
        fields: tuple[str, ...] = (),
    ) -> list[Document]:
        """Aggregates matching ``query`` (``fields``: only these; else all but the outbox and ``leave_out``)."""
        found = self.query(query, sort=sort, limit=limit, leave_out=leave_out, fields=fields)
        cursor = self.collection.find(
            found.filter, projection=found.projection, sort=list(found.sort) or None, limit=limit
        )
        return [doc async for doc in cursor]

    def query(
        self,
        query: Document,
        *,
        sort: list[tuple[str, int]] | None = None,
        limit: int = 0,
        leave_out: tuple[str, ...] = (),
        fields: tuple[str, ...] = (),
    ) -> Query:
        """``find``'s query, described, to be sent together with another (``mongo.find_together``)."""
        projection = dict.fromkeys(fields, 1) if fields else _projection(leave_out)
        return Query(self.collection, query, projection, tuple(sort or ()), limit)

    async def update(
        self,
        aggregate_id: str,
        expected_version: int,
        changes: Document,
        events: Sequence[CloudEvent] = (),
        extra: Document | None = None,
        *,
        leave_out: tuple[str, ...] = (),
    ) -> Document:
        """Apply ``changes`` (fields to set) if the aggregate is still at ``expected_version``; the new state.

        ``extra`` takes further update operators, e.g. ``{"$push": {"history": entry}}``; ``$push`` and
        ``$set`` merge with the outbox's own.
        """
        update: dict[str, Any] = {"$set": {**changes, "version": expected_version + 1}}
        for op, fields in (extra or {}).items():
            update.setdefault(op, {}).update(fields)
        for op, fields in outbox.append_update(self.topic, events).items():
            update.setdefault(op, {}).update(fields)
        try:
            doc = await self.collection.find_one_and_update(
                {"_id": aggregate_id, "version": expected_version},
                update,
                projection=_projection(leave_out),
                return_document=ReturnDocument.AFTER,
            )
        except OperationFailure as exc:
            if not _is_duplicate(exc):
                raise
            raise AlreadyExistsError(aggregate_id, _index_of(exc)) from exc
        if doc is None:
            if await self.collection.count_documents({"_id": aggregate_id}, limit=1) == 0:
                raise NotFoundError(self.kind, aggregate_id)
            raise VersionConflictError(aggregate_id, expected_version)
        self._wake(events)
        return doc

    def _wake(self, events: Sequence[CloudEvent]) -> None:
        if events and self.relay is not None:
            self.relay.notify()


def _projection(leave_out: tuple[str, ...]) -> Document:
    return {**_NO_OUTBOX, **dict.fromkeys(leave_out, 0)}


def _is_duplicate(exc: OperationFailure) -> bool:
    """A unique index refused the write. FerretDB v2.5 answers that inside findAndModify as InternalError (code 1,
    "conflicting key value violates exclusion constraint") where MongoDB and FerretDB's own insert say 11000."""
    if isinstance(exc, DuplicateKeyError) or exc.code == 11000:
        return True
    message = str((exc.details or {}).get("errmsg") or exc)
    return exc.code == 1 and "violates exclusion constraint" in message


_INDEX_NAMES = (re.compile(r"index: (\S+)"), re.compile(r"Index '([^']+)'"))


def _index_of(exc: OperationFailure) -> str | None:
    """The name of the unique index a write collided with, when the server says (MongoDB's and FerretDB's words)."""
    message = str((exc.details or {}).get("errmsg") or exc)
    for pattern in _INDEX_NAMES:
        found = pattern.search(message)
        if found:
            return found.group(1)
    return None


_NO_OUTBOX = {field: 0 for field in outbox.OUTBOX_FIELDS}
