"""The idempotent consumer: at-least-once delivery, effect-once handling, a dead-letter topic for poison.

Offsets are committed only after the work is stored (FastStream's Kafka default, ``ACK_FIRST``, commits
on receipt, which is at-most-once; subscribers here use ``NACK_ON_ERROR``: commit after the handler returns,
seek back when it raises). Each event id is remembered per consumer group in ``processed_events`` (the id
is the document ``_id``, so the unique index is the primary key itself). A handler that keeps failing is
tried ``max_attempts`` times, then the message goes to the group's dead-letter topic with the error, is
marked, and the partition moves on. Only a failure to store the outcome (the database is down) leaves the
offset uncommitted, so the message comes back once the database does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from borgerplan_contracts import CloudEvent, EventData, UnknownEventTypeError
from borgerplan_plumbing.logs import redact
from borgerplan_plumbing.mongo import Collection

log = logging.getLogger(__name__)

Handler = Callable[[CloudEvent, Any], Awaitable[None]]
Observer = Callable[[str, float | None], None]  # (outcome, the event's age in seconds when handled)
DeadLetterPublisher = Callable[[str, bytes | None, bytes, dict[str, str]], Awaitable[None]]
Outcome = Literal["processed", "duplicate", "ignored", "dead_lettered"]


@dataclass(frozen=True)
class Delivery:
    """Where a message came from, for the dead-letter headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None


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

    async def handle(self, raw: bytes, delivery: Delivery) -> Outcome:
        outcome, event = await self._handle(raw, delivery)
        if self.observe is not None:
            age = (datetime.now(UTC) - event.time).total_seconds() if event is not None else None
            self.observe(outcome, age)
        return outcome

    def _marker_id(self, event_id: str) -> str:
        return f"{self.group_id}:{event_id}"

    async def _handle(self, raw: bytes, delivery: Delivery) -> tuple[Outcome, CloudEvent | None]:
        try:
            event = CloudEvent.from_bytes(raw)
        except ValidationError as exc:
            await self._dead_letter(raw, delivery, None, "invalid_envelope", _summary(exc), attempts=0)
            return "dead_lettered", None

        handler = self.handlers.get(event.type)
        if handler is None:
            return "ignored", event  # another consumer's business; nothing to remember

        if self.markers:
            marker = await self.processed.find_one({"_id": self._marker_id(event.id)})
            if marker is not None and marker.get("state") in ("done", "dead_lettered"):
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
            if self.markers:
                await self._mark(event, "done")
            return "processed", event

        assert error is not None
        await self._dead_letter(raw, delivery, event, type(error).__name__, str(error), self.max_attempts)
        return "dead_lettered", event

    async def _mark(self, event: CloudEvent, state: str) -> None:
        await self.processed.update_one(
            {"_id": self._marker_id(event.id)},
            {"$set": {"state": state, "type": event.type, "group": self.group_id, "at": datetime.now(UTC)}},
            upsert=True,
        )

    async def _dead_letter(
        self, raw: bytes, delivery: Delivery, event: CloudEvent | None, kind: str, message: str, attempts: int
    ) -> None:
        headers = {
            "x-error-kind": kind,
            "x-error-message": redact(message)[:500],
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


def _summary(exc: ValidationError | UnknownEventTypeError) -> str:
    if isinstance(exc, ValidationError):
        # Field locations and error kinds only: the offending values may be citizen text.
        return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}" for err in exc.errors())
    return str(exc)
