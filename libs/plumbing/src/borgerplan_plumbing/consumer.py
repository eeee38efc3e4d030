"""The idempotent consumer: at-least-once delivery, effect-once handling, a dead-letter topic for poison only.

Offsets are committed only after the work is stored (FastStream's Kafka default, ``ACK_FIRST``, commits
on receipt, which is at-most-once; subscribers here use ``NACK_ON_ERROR``: commit after the handler returns,
seek back when it raises). Each event id is remembered per consumer group in ``processed_events`` (the id
is the document ``_id``, so the unique index is the primary key itself).

A handler that fails is tried ``max_attempts`` times with back-off. What happens then depends on the failure
(``is_transient``, decision 0028): a failure that passes (the database or the broker away, another service not
answering or answering 503) is never dead-lettered: it escapes, the batch is not committed and comes again after a
growing pause, until the dependency is back. Only poison (a message this code can never handle) goes to the group's
dead-letter topic, and its marker is written in two steps around the publish (decision 0029): ``dead_lettering``
(with the reason) before, ``dead_lettered`` after; a message redelivered in between is published again, never
handled as done. ``borgerplan dlt replay`` sends a dead letter back to its topic for its group alone
(``x-replay-group``, decision 0030): that group handles it although it is marked dead, every other group passes it
over, and an event whose effect is marked done is a duplicate still.

The subscription is FastStream's own (``subscribe``): a batch subscriber on a ``KafkaRouter`` whose handler takes
the typed envelopes (``list[CloudEvent | None]``, decoded record by record by ``decode_envelopes``: a record that
is not an envelope is ``None`` there, so one poison record cannot fail the batch's decoding) beside the message
(its records, for the keys, offsets and raw bytes). Messages come in batches (at most ``max_records`` at a time)
and one offset commit follows each batch, not each message: a commit is a round trip to the broker and a write to
its offsets log. Within a batch, the messages of one key (one citizen) are handled in order, different keys side
by side (``handle_batch``). If storing any outcome fails, the batch is not committed and comes again; the handled
messages are then recognised (markers) or harmless (absolute).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaRouter
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.subscriber.usecase import BatchSubscriber
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, DocumentTooLarge, OperationFailure, WriteError

from borgerplan_contracts import CloudEvent, EventData, UnknownEventTypeError
from borgerplan_plumbing.logs import redact
from borgerplan_plumbing.mongo import Collection
from borgerplan_plumbing.problems import DependencyUnavailableError

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent, Any], Awaitable[None]]
Observer = Callable[[str, float | None], None]  # (outcome, the event's age in seconds when handled)
DeadLetterPublisher = Callable[[str, bytes | None, bytes, dict[str, str]], Awaitable[None]]
Outcome = Literal["processed", "duplicate", "ignored", "dead_lettered"]
REPLAY_HEADER = "x-replay-group"  # a replayed dead letter: only this consumer group handles it


# Server error codes that a command's own content causes (BadValue, FailedToParse, TypeMismatch): it would fail the same
# way again, so the message is poison even though the database answered with an OperationFailure.
COMMAND_REFUSED = frozenset({2, 9, 14})


class TransientError(Exception):
    """A failure that passes (a dependency not answering): the consumer retries it and never dead-letters it."""


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is the world's fault rather than the message's: the database or the broker away (connection,
    selection, timeouts, a command the server could not run now), another service not answering (or answering 503:
    ``TransientError``). A write the database refuses for the document itself (a duplicate key, a document too
    large) or a command it refuses for its content (``COMMAND_REFUSED``) is the message's, and so is every other
    exception: poison."""
    if isinstance(exc, WriteError | DocumentTooLarge):
        return False
    if isinstance(exc, OperationFailure) and exc.code in COMMAND_REFUSED:
        return False
    if isinstance(exc, KafkaError):
        return True
    return isinstance(
        exc,
        TransientError
        | DependencyUnavailableError
        | ConnectionFailure
        | OperationFailure
        | TimeoutError
        | ConnectionError,
    )


@dataclass(frozen=True)
class Delivery:
    """Where a message came from, for the dead-letter headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    replay_group: str | None = None  # set on a dead letter ``borgerplan dlt replay`` sent back


class IdempotentConsumer:
    def __init__(
        self,
        *,
        group_id: str,
        processed: Collection,
        handlers: Mapping[type[EventData], Handler],
        dead_letter_topic: str,
        publish_dead_letter: DeadLetterPublisher,
        max_attempts: int = 3,
        retry_backoff_seconds: float = 0.2,
        observe: Observer | None = None,
        markers: bool = True,
    ) -> None:
        self.group_id = group_id
        self.processed = processed
        self.handlers = {model.event_type(): handler for model, handler in handlers.items()}
        self.dead_letter_topic = dead_letter_topic
        self.publish_dead_letter = publish_dead_letter
        self.max_attempts = max_attempts
        self.retry_backoff_seconds = retry_backoff_seconds
        self.observe = observe
        self.markers = markers  # False: the handlers set absolute values, so a redelivery needs no marker
        self.failed_batches = 0  # batches in a row that could not be handled: the pause before the next grows

    async def handle(self, raw: bytes, delivery: Delivery, envelope: CloudEvent | None = None) -> Outcome:
        """Handle one record; ``envelope`` is ``raw`` already decoded (``None``: decode it here, and dead-letter it
        with the reason when it is not an envelope)."""
        outcome, event = await self._handle(raw, delivery, envelope)
        if self.observe is not None:
            age = (datetime.now(UTC) - event.time).total_seconds() if event is not None else None
            self.observe(outcome, age)
        return outcome

    def _marker_id(self, event_id: str) -> str:
        return f"{self.group_id}:{event_id}"

    async def _handle(
        self, raw: bytes, delivery: Delivery, envelope: CloudEvent | None
    ) -> tuple[Outcome, CloudEvent | None]:
        try:
            event = envelope if envelope is not None else CloudEvent.from_bytes(raw)
        except ValidationError as exc:
            await self._dead_letter(raw, delivery, None, "invalid_envelope", _summary(exc), attempts=0)
            return "dead_lettered", None

        handler = self.handlers.get(event.type)
        if handler is None:
            return "ignored", event  # another consumer's business; nothing to remember
        replayed = delivery.replay_group is not None
        if replayed and delivery.replay_group != self.group_id:
            return "ignored", event  # another group's dead letter, sent back for that group alone

        # A projection of absolute values keeps no markers: one database call per event, none to look one up.
        marker = (
            await self.processed.find_one({"_id": self._marker_id(event.id)})
            if self.markers or replayed
            else None
        )
        state = None if marker is None else marker.get("state")
        if state == "done" and self.markers:
            return "duplicate", event
        if state == "dead_lettering" and not replayed and marker is not None:
            # Parked before its dead letter was confirmed: publish it (again), never handle it as done.
            await self._dead_letter(
                raw, delivery, event, marker["kind"], marker["message"], marker["attempts"]
            )
            return "dead_lettered", event
        if state == "dead_lettered" and not replayed:
            return "duplicate", event

        try:
            data = event.parse_data()
        except (ValidationError, UnknownEventTypeError) as exc:
            await self._dead_letter(raw, delivery, event, "invalid_data", _summary(exc), attempts=0)
            return "dead_lettered", event

        error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                await handler(event, data)
            except Exception as exc:
                error = exc
                log.warning(
                    "handler failed",
                    extra={
                        "event_type": event.type,
                        "event_id": event.id,
                        "attempt": attempt,
                        "error": type(exc).__name__,
                    },
                )
                if attempt < self.max_attempts:
                    await asyncio.sleep(self.retry_backoff_seconds * 2 ** (attempt - 1))
                continue
            if self.markers or replayed:
                await self._mark(event, "done")
            return "processed", event

        assert error is not None
        if is_transient(error):
            raise error  # not the message's fault: the batch comes again once the dependency is back
        await self._dead_letter(raw, delivery, event, type(error).__name__, str(error), self.max_attempts)
        return "dead_lettered", event

    async def _mark(self, event: CloudEvent, state: str, **more: Any) -> None:
        await self.processed.update_one(
            {"_id": self._marker_id(event.id)},
            {
                "$set": {
                    "state": state,
                    "type": event.type,
                    "group": self.group_id,
                    "at": datetime.now(UTC),
                    **more,
                }
            },
            upsert=True,
        )

    async def _dead_letter(
        self, raw: bytes, delivery: Delivery, event: CloudEvent | None, kind: str, message: str, attempts: int
    ) -> None:
        message = redact(message)[:500]
        if event is not None:
            # The intent first: redelivered before the publish is confirmed, the message is parked again, not handled.
            await self._mark(event, "dead_lettering", kind=kind, message=message, attempts=attempts)
        headers = {
            "x-error-kind": kind,
            "x-error-message": message,
            "x-original-topic": delivery.topic,
            "x-original-partition": str(delivery.partition),
            "x-original-offset": str(delivery.offset),
            "x-consumer-group": self.group_id,
            "x-attempts": str(attempts),
        }
        await self.publish_dead_letter(self.dead_letter_topic, delivery.key, raw, headers)
        log.error(
            "message dead-lettered",
            extra={
                "topic": delivery.topic,
                "offset": delivery.offset,
                "error_kind": kind,
                "event_id": event.id if event else None,
            },
        )
        if event is not None:
            await self._mark(event, "dead_lettered")


def _envelope(raw: bytes) -> CloudEvent | None:
    try:
        return CloudEvent.from_bytes(raw)
    except ValidationError:
        return None  # dead-lettered by the consumer, which decodes it again for the reason


async def decode_envelopes(message: StreamMessage[Sequence[ConsumerRecord]]) -> list[CloudEvent | None]:
    """FastStream's decoder for the batch subscribers: each record's envelope, or ``None`` for one that is not."""
    return [_envelope(record.value or b"") for record in message.raw_message]


MAX_PAUSE_SECONDS = 30.0


async def handle_batch(
    consumer: IdempotentConsumer,
    envelopes: Sequence[CloudEvent | None],
    records: Sequence[ConsumerRecord],
    *,
    pause_seconds: float = 1.0,
) -> None:
    """One batch: the records of one key (topic, partition, citizen) in order, different keys side by side. Raises
    (after a pause, so a long outage is not a busy loop) when an outcome could not be stored: nothing of the batch
    is committed then, and it comes again."""
    by_key: dict[tuple[str, int, bytes | None], list[tuple[CloudEvent | None, ConsumerRecord]]] = {}
    for envelope, record in zip(envelopes, records, strict=True):
        by_key.setdefault((record.topic, record.partition, record.key), []).append((envelope, record))

    async def one_key(items: list[tuple[CloudEvent | None, ConsumerRecord]]) -> None:
        for envelope, record in items:
            replay = next((v.decode() for k, v in record.headers or () if k == REPLAY_HEADER), None)
            delivery = Delivery(record.topic, record.partition, record.offset, record.key, replay)
            await consumer.handle(record.value or b"", delivery, envelope)

    results = await asyncio.gather(*(one_key(items) for items in by_key.values()), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    if not failures:
        consumer.failed_batches = 0
        return
    # Back-off across redeliveries: 1 s, 2 s, 4 s ... at most 30 s while the dependency stays away.
    pause = min(MAX_PAUSE_SECONDS, pause_seconds * 2**consumer.failed_batches)
    consumer.failed_batches += 1
    log.error(
        "batch not processed, will be redelivered",
        extra={"topic": records[0].topic, "error": type(failures[0]).__name__, "pause_seconds": pause},
    )
    await asyncio.sleep(pause)
    raise failures[0]


def subscribe(
    router: KafkaRouter,
    consumer: IdempotentConsumer,
    topics: Sequence[str],
    *,
    batch: int,
    name: str,
    pause_seconds: float = 1.0,
    listener: ConsumerRebalanceListener | None = None,
) -> BatchSubscriber:
    """``consumer`` as a FastStream batch subscriber on ``router``: at most ``batch`` records a poll, the offsets
    committed after the batch is handled (``NACK_ON_ERROR``: when it raises, the subscriber seeks back).
    ``listener`` hears of each assignment of partitions (``CaughtUp``)."""

    async def on_batch(envelopes: list[CloudEvent | None], message: KafkaMessage) -> None:
        await handle_batch(consumer, envelopes, message.raw_message, pause_seconds=pause_seconds)

    on_batch.__name__ = f"consume_{name}"
    subscriber = router.subscriber(
        *topics,
        group_id=consumer.group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        batch=True,
        max_records=batch,
        decoder=decode_envelopes,
        listener=listener,
    )
    subscriber(on_batch)
    return subscriber


def _summary(exc: ValidationError | UnknownEventTypeError) -> str:
    if isinstance(exc, ValidationError):
        # Field locations and error kinds only: the offending values may be citizen text.
        return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}" for err in exc.errors())
    return str(exc)


class CaughtUp(ConsumerRebalanceListener):  # type: ignore[misc]
    """Readiness of a process that reads its own projection: ready once what it acknowledged before it started is in.

    That is: its outbox holds no event stored before the process started that is still unpublished (a relay killed
    mid-send leaves a claim that runs out first; other replicas' new events do not count), and the group has
    handled, and committed, the partitions it was given up to where they ended once those were published. Checked at
    each readiness probe until it holds once; after that the process is ready for good (a lag later is a metric,
    decision 0038, not a reason to leave the load balancer).
    """

    def __init__(
        self, pending_since: Callable[[datetime], Awaitable[int]], consumer: Callable[[], Any]
    ) -> None:
        self._pending_since = pending_since
        self._started = datetime.now(UTC)
        self._consumer = consumer
        self._assigned: frozenset[TopicPartition] | None = None  # None: not a member of the group yet
        self._ends: dict[TopicPartition, int] | None = None
        self.done = False

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._assigned, self._ends = None, None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._assigned, self._ends = frozenset(assigned), None

    async def __call__(self) -> bool:
        if self.done:
            return True
        consumer, assigned = self._consumer(), self._assigned
        if consumer is None or assigned is None:
            return False
        try:
            if self._ends is None:
                if await self._pending_since(self._started):
                    return False
                self._ends = dict(await consumer.end_offsets(list(assigned))) if assigned else {}
            for partition, end in self._ends.items():
                if (await consumer.committed(partition) or 0) < end:
                    return False
        except (
            Exception
        ) as exc:  # a rebalance or the broker away: not caught up yet, ask again at the next probe
            log.debug("catch-up not read", extra={"error": type(exc).__name__})
            return False
        self.done = True
        return True
