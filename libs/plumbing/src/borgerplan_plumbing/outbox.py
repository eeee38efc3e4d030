"""Transactional outbox without multi-document transactions.

FerretDB (the local and CI database) has no multi-document transactions, so a state change and the events it causes are written in
one single-document write: the events ride inside the aggregate's own document, in ``_outbox``.

An outbox entry goes through: pending (in ``_outbox``, unclaimed) → in progress (the document is claimed by
one relay until ``_outbox_claim``) → published (removed from the document, ``_outbox_published`` counts
it). A send that fails leaves the entries pending, raises ``_outbox_attempts`` and backs the claim off, so
the relay retries with growing pauses; a relay that dies mid-send leaves a claim that runs out, and the
next pass re-sends what was stuck. Re-sending can publish an event twice; consumers deduplicate on its id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument

from borgerplan_contracts import CloudEvent
from borgerplan_plumbing.mongo import Collection, Document

log = logging.getLogger(__name__)

OUTBOX = "_outbox"
PENDING = "_outbox_pending"
SEQUENCE = "_outbox_seq"
CLAIM = "_outbox_claim"
ATTEMPTS = "_outbox_attempts"
PUBLISHED = "_outbox_published"
OUTBOX_FIELDS = (OUTBOX, PENDING, SEQUENCE, CLAIM, ATTEMPTS, PUBLISHED)
# An unclaimed document's claim lies in the past, so "claimable" is one range on one index (``claim < now``). A null
# for "unclaimed" would need an $or, which FerretDB v2 answers by reading every document of the collection when
# nothing matches: the relay's idle poll then cost tens of milliseconds per collection at 50,000 documents.
UNCLAIMED = datetime(1970, 1, 1, tzinfo=UTC)

Publisher = Callable[[str, str, str], Awaitable[None]]  # (topic, key, value) → acknowledged


def entries(topic: str, events: Sequence[CloudEvent]) -> list[Document]:
    now = datetime.now(UTC)
    return [
        {"id": e.id, "topic": topic, "key": e.subject, "value": e.model_dump_json(), "created_at": now}
        for e in events
    ]


def new_document_fields(topic: str, events: Sequence[CloudEvent]) -> Document:
    """Outbox fields of a document inserted together with ``events``."""
    return {
        OUTBOX: entries(topic, events),
        PENDING: bool(events),
        SEQUENCE: 1,
        CLAIM: UNCLAIMED,
        ATTEMPTS: 0,
        PUBLISHED: 0,
    }


def append_update(topic: str, events: Sequence[CloudEvent]) -> Document:
    """Update operators that append ``events`` to a document's outbox in the same write as its change."""
    if not events:
        return {}
    return {
        "$push": {OUTBOX: {"$each": entries(topic, events)}},
        "$inc": {SEQUENCE: 1},
        "$set": {PENDING: True},
    }


def strip(doc: Document) -> Document:
    """The document without its outbox bookkeeping, as the domain sees it."""
    return {k: v for k, v in doc.items() if k not in OUTBOX_FIELDS}


def claimable(now: datetime) -> Document:
    """The relay's filter: pending events, not claimed by a relay (or its claim ran out)."""
    return {PENDING: True, CLAIM: {"$lt": now}}


def _key(doc: Document) -> str:
    """The Kafka key of the document's events (one aggregate's events share it)."""
    pending: list[Document] = doc.get(OUTBOX) or []
    return str(pending[0]["key"]) if pending else str(doc["_id"])


class OutboxRelay:
    """Publishes what the outbox holds, each document's events in their order, and clears what Kafka acknowledged."""

    def __init__(
        self,
        collections: Sequence[Collection],
        publish: Publisher,
        *,
        poll_seconds: float = 1.0,
        claim_seconds: float = 30.0,
        max_backoff_seconds: float = 30.0,
        batch: int = 32,
    ) -> None:
        self.collections = list(collections)
        self.publish = publish
        self.poll_seconds = poll_seconds
        self.claim_seconds = claim_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.last_error: str | None = None

    def add_collection(self, collection: Collection) -> None:
        if all(c.full_name != collection.full_name for c in self.collections):
            self.collections.append(collection)

    def notify(self) -> None:
        """A writer stored new events: relay now instead of at the next poll."""
        self._wake.set()

    async def ensure_indexes(self) -> None:
        for collection in self.collections:
            # Only documents with pending events are in it: it stays small however many aggregates there are.
            await collection.create_index(
                [(CLAIM, 1)], name="outbox_claimable", partialFilterExpression={PENDING: True}
            )
            # Documents written before claims were dates (a null claim) become claimable again.
            await collection.update_many({PENDING: True, CLAIM: None}, {"$set": {CLAIM: UNCLAIMED}})

    async def pending(self) -> dict[str, int]:
        """Per collection: how many documents hold events not yet published (the relay's backlog). Counted on the
        claimable index (the claim's range names its key; ``pending`` alone would be read from every document)."""
        return {
            collection.name: await collection.count_documents({PENDING: True, CLAIM: {"$gte": UNCLAIMED}})
            for collection in self.collections
        }

    async def pending_since(self, moment: datetime) -> int:
        """How many documents still hold an event stored before ``moment`` (on the claimable index, as ``pending``):
        what a process acknowledged before it started, while other replicas' new events may come and go."""
        return sum(
            [
                await collection.count_documents(
                    {PENDING: True, CLAIM: {"$gte": UNCLAIMED}, f"{OUTBOX}.created_at": {"$lt": moment}}
                )
                for collection in self.collections
            ]
        )

    async def relay_once(self) -> int:
        """Rounds over every collection, a batch of documents from each in turn, until nothing is claimable (or the
        broker is unreachable); returns how many events were published. Taking turns keeps one busy collection from
        holding back another's events: draining the plans while seeding never emptied them had left every new
        citizen's event waiting until the writes stopped."""
        published = 0
        while True:
            found_any = False
            for collection in self.collections:
                claimed, sent = await self._relay_batch(collection)
                found_any = found_any or claimed
                if sent < 0:
                    return published  # the broker is unreachable: back off, try again next pass
                published += sent
            if not found_any:
                return published

    async def _relay_batch(self, collection: Collection) -> tuple[bool, int]:
        """Claims up to ``batch`` documents with pending events and publishes them: whether any was found, and how
        many events went out (-1 when a send failed). One indexed read finds the batch (the claimable index holds
        only pending documents, but each read of it costs in proportion to them), each document is then claimed by
        its ``_id``, one after the other. Documents with different keys are sent side by side (the producer batches
        them); one key's documents one after the other, so a key never has two sends in flight and its partition
        gets its events in the order they were sent."""
        now = datetime.now(UTC)
        candidates = await collection.find(claimable(now), {"_id": 1}, limit=self.batch).to_list()
        if not candidates:
            return False, 0
        by_key: dict[str, list[Document]] = {}
        # One claim at a time: the relay never crowds the requests' database calls.
        for candidate in candidates:
            doc = await self._claim(collection, candidate["_id"], now)
            if doc is not None:  # None: another replica claimed it first
                by_key.setdefault(_key(doc), []).append(doc)
        sent = await asyncio.gather(*(self._send_in_turn(collection, docs) for docs in by_key.values()))
        return True, -1 if any(n < 0 for n in sent) else sum(sent)

    async def _claim(self, collection: Collection, doc_id: object, now: datetime) -> Document | None:
        """The document, claimed for this relay if it is still claimable (atomically: replicas never share one)."""
        return await collection.find_one_and_update(
            {"_id": doc_id, **claimable(now)},
            {"$set": {CLAIM: now + timedelta(seconds=self.claim_seconds)}},
            projection={OUTBOX: 1, SEQUENCE: 1, ATTEMPTS: 1},
            return_document=ReturnDocument.AFTER,
        )

    async def _send_in_turn(self, collection: Collection, docs: list[Document]) -> int:
        published = 0
        for i, doc in enumerate(docs):
            sent = await self._send(collection, doc)
            if sent < 0:
                for rest in docs[i + 1 :]:  # not tried: released at once, to be sent with the rest next pass
                    await collection.update_one({"_id": rest["_id"]}, {"$set": {CLAIM: UNCLAIMED}})
                return -1
            published += sent
        return published

    async def _send(self, collection: Collection, doc: Document) -> int:
        pending: list[Document] = doc.get(OUTBOX) or []
        try:
            for entry in pending:
                await self.publish(entry["topic"], entry["key"], entry["value"])
        except Exception as exc:
            attempts = int(doc.get(ATTEMPTS) or 0) + 1
            backoff = min(self.max_backoff_seconds, 0.5 * 2 ** min(attempts, 10))
            self.last_error = type(exc).__name__
            log.warning(
                "outbox publish failed, will retry",
                extra={"collection": collection.name, "attempts": attempts, "error": type(exc).__name__},
            )
            await collection.update_one(
                {"_id": doc["_id"]},
                {"$set": {CLAIM: datetime.now(UTC) + timedelta(seconds=backoff)}, "$inc": {ATTEMPTS: 1}},
            )
            return -1
        self.last_error = None
        # Clear only if no writer appended meanwhile (same sequence); otherwise release the claim so the
        # next pass sends the newer entries too (and these again: consumers deduplicate).
        cleared = await collection.update_one(
            {"_id": doc["_id"], SEQUENCE: doc.get(SEQUENCE)},
            {
                "$set": {OUTBOX: [], PENDING: False, CLAIM: UNCLAIMED, ATTEMPTS: 0},
                "$inc": {PUBLISHED: len(pending)},
            },
        )
        if cleared.matched_count == 0:
            await collection.update_one({"_id": doc["_id"]}, {"$set": {CLAIM: UNCLAIMED}})
        return len(pending)

    async def run(self) -> None:
        while not self._stopping:
            try:
                await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = type(exc).__name__
                log.warning(
                    "outbox relay pass failed", extra={"error": type(exc).__name__, "detail": str(exc)[:300]}
                )
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as the
            # event is set, and the loop would never stop.
            try:
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            # The flag ends the loop even if a cancellation were lost in a library; the timeout bounds shutdown.
            self._stopping = True
            self._wake.set()
            self._task.cancel()
            try:
                async with asyncio.timeout(10):
                    await asyncio.gather(self._task, return_exceptions=True)
            except TimeoutError:
                log.error("outbox relay did not stop within 10 s")
            self._task = None
            self._stopping = False
