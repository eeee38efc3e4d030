"""Aggregates in MongoDB with optimistic concurrency, their events written in the same document write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.errors import DuplicateKeyError

from borgerplan_contracts import CloudEvent
from borgerplan_plumbing import outbox
from borgerplan_plumbing.locks import document_lock
from borgerplan_plumbing.mongo import Collection, Document


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
    pass


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
            raise AlreadyExistsError(str(doc.get("_id"))) from exc
        self._wake(events)
        return outbox.strip(record)

    async def get(self, aggregate_id: str, *, leave_out: tuple[str, ...] = ()) -> Document:
        """The aggregate without its outbox (and without the fields in ``leave_out``, e.g. a long history)."""
        projection = {**_NO_OUTBOX, **dict.fromkeys(leave_out, 0)}
        doc = await self.collection.find_one({"_id": aggregate_id}, projection=projection)
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
    ) -> list[Document]:
        projection = {**_NO_OUTBOX, **dict.fromkeys(leave_out, 0)}
        cursor = self.collection.find(query, projection=projection, sort=sort, limit=limit)
        return [doc async for doc in cursor]

    async def update(
        self,
        aggregate_id: str,
        expected_version: int,
        changes: Document,
        events: Sequence[CloudEvent] = (),
        extra: Document | None = None,
    ) -> Document:
        """Apply ``changes`` (fields to set) if the aggregate is still at ``expected_version``.

        ``extra`` takes further update operators, e.g. ``{"$push": {"history": entry}}``; ``$push`` and
        ``$set`` merge with the outbox's own.
        """
        update: dict[str, Any] = {"$set": {**changes, "version": expected_version + 1}}
        for op, fields in (extra or {}).items():
            update.setdefault(op, {}).update(fields)
        for op, fields in outbox.append_update(self.topic, events).items():
            update.setdefault(op, {}).update(fields)
        async with document_lock(self.collection, aggregate_id):
            result = await self.collection.update_one(
                {"_id": aggregate_id, "version": expected_version}, update
            )
        if result.matched_count == 0:
            if await self.collection.count_documents({"_id": aggregate_id}, limit=1) == 0:
                raise NotFoundError(self.kind, aggregate_id)
            raise VersionConflictError(aggregate_id, expected_version)
        self._wake(events)
        return await self.get(aggregate_id)

    def _wake(self, events: Sequence[CloudEvent]) -> None:
        if events and self.relay is not None:
            self.relay.notify()


_NO_OUTBOX = {field: 0 for field in outbox.OUTBOX_FIELDS}
