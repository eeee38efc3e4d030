"""The dead-letter topics, read and replayed (``borgerplan dlt list|replay``, decision 0030).

A dead letter is the original record (bytes, key) on ``<topic>.<group>.dlt`` with headers naming why
(``borgerplan_plumbing.consumer``). Replaying sends it back to its original topic with ``x-replay-group`` naming the
group that parked it: that group handles it although its marker says dead, every other group of the topic passes it
over, and one whose effect is marked done meanwhile is a duplicate. An event that a newer one of the same thing has
overtaken changes nothing when it is handled late: the handlers compare versions (notify: a meeting's sequence) or
set absolute values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from borgerplan_contracts import CloudEvent
from borgerplan_plumbing.consumer import REPLAY_HEADER
from borgerplan_plumbing.settings import Settings

DEAD_LETTER_SUFFIX = ".dlt"


@dataclass(frozen=True)
class DeadLetter:
    topic: str  # the dead-letter topic
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def original_topic(self) -> str:
        return self.headers.get("x-original-topic", "")

    @property
    def group(self) -> str:
        return self.headers.get("x-consumer-group", "")

    @property
    def where(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    def event(self) -> CloudEvent | None:
        try:
            return CloudEvent.from_bytes(self.value)
        except ValidationError:
            return None

    def line(self) -> str:
        """One line for an operator: where, why, which event; never the payload nor the error's text (which may
        name a citizen's values)."""
        event = self.event()
        what = f"{event.type} {event.id}" if event is not None else "not an envelope"
        return (
            f"{self.where} group={self.group} kind={self.headers.get('x-error-kind', '?')} "
            f"attempts={self.headers.get('x-attempts', '?')} from={self.original_topic}:"
            f"{self.headers.get('x-original-partition', '?')}:{self.headers.get('x-original-offset', '?')} {what}"
        )


async def read(settings: Settings, topic: str | None = None) -> list[DeadLetter]:
    """Every dead letter of this deployment (its topic prefix), or of one dead-letter topic, oldest first."""
    names = [topic] if topic is not None else await _dead_letter_topics(settings)
    if not names:
        return []
    # Subscribed without a group: every partition of the topics, from the beginning, no offsets committed.
    consumer = AIOKafkaConsumer(
        *names,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        for _ in range(40):  # a topic just created may not have its partitions in the metadata yet
            if all(consumer.partitions_for_topic(name) for name in names):
                break
            await asyncio.sleep(0.25)
        partitions = [
            TopicPartition(name, p)
            for name in names
            for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        if not partitions:
            return []
        ends = await consumer.end_offsets(partitions)
        letters: list[DeadLetter] = []
        idle = 0
        while idle < 10 and await _behind(consumer, ends):
            batches = await consumer.getmany(timeout_ms=1000)
            idle = 0 if batches else idle + 1
            for tp, records in batches.items():
                letters += [
                    DeadLetter(
                        tp.topic,
                        tp.partition,
                        r.offset,
                        r.key,
                        r.value or b"",
                        {k: v.decode() for k, v in r.headers},
                    )
                    for r in records
                    if r.offset < ends[tp]
                ]
        return sorted(letters, key=lambda d: (d.topic, d.partition, d.offset))
    finally:
        await consumer.stop()


async def _dead_letter_topics(settings: Settings) -> list[str]:
    lister = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=None)
    await lister.start()
    try:
        known = await lister.topics()
    finally:
        await lister.stop()
    return sorted(t for t in known if t.endswith(DEAD_LETTER_SUFFIX) and t.startswith(settings.topic_prefix))


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def replay(settings: Settings, letters: Sequence[DeadLetter]) -> int:
    """Send ``letters`` back to their original topics, each for its own group; returns how many were sent."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        sent = 0
        for letter in letters:
            if not letter.original_topic or not letter.group:
                continue
            headers = [
                ("content-type", CloudEvent.content_type.encode()),
                (REPLAY_HEADER, letter.group.encode()),
                ("x-replayed-from", letter.where.encode()),
            ]
            async with asyncio.timeout(15):
                await producer.send_and_wait(
                    letter.original_topic, letter.value, key=letter.key, headers=headers
                )
            sent += 1
        return sent
    finally:
        await producer.stop()
