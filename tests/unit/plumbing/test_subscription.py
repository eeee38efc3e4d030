"""The consumers' FastStream subscription (``borgerplan_plumbing.consumer.subscribe``) through FastStream's own
``TestKafkaBroker``: batches of typed envelopes, the order within one key, dead letters, and a batch that cannot be
stored raising so that nothing of it is committed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faststream.kafka import KafkaBroker, KafkaResponse, KafkaRouter, TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pymongo.errors import ServerSelectionTimeoutError

from borgerplan_contracts import CloudEvent, new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.consumer import IdempotentConsumer, subscribe
from tests.unit.fakes import FakeCollection, Recorder

TOPIC = "t.borgerplan.plan.v1"
GROUP = "t.probe"
DEAD = topics.dead_letter_topic(TOPIC, GROUP)


def _event(plan: str, citizen: str) -> CloudEvent:
    data = PlanCreated(plan_id=plan, citizen_id=citizen, kind="adult", status="active", responsible_unit="u1")
    return new_event(data, subject=citizen, time=datetime(2026, 1, 1, tzinfo=UTC))


def _wired(recorder: Recorder, processed: FakeCollection) -> tuple[KafkaBroker, IdempotentConsumer]:
    broker = KafkaBroker()
    router = KafkaRouter()
    broker.include_router(router)

    async def publish_dead_letter(
        topic: str, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> None:
        await broker.publish(value, topic=topic, key=key, headers=headers)

    consumer = IdempotentConsumer(
        group_id=GROUP,
        processed=processed,
        handlers={PlanCreated: recorder},
        dead_letter_topic=DEAD,
        publish_dead_letter=publish_dead_letter,
        retry_backoff_seconds=0,
    )
    subscribe(router, consumer, [TOPIC], batch=100, name="probe", pause_seconds=0)
    return broker, consumer


def _record(event: CloudEvent | bytes, key: str) -> KafkaResponse:
    body = event.to_bytes() if isinstance(event, CloudEvent) else event
    return KafkaResponse(body, key=key.encode(), headers={"content-type": CloudEvent.content_type})


async def test_a_batch_is_handled_as_typed_events_each_key_in_order_each_once() -> None:
    recorder, processed = Recorder(), FakeCollection()
    broker, _ = _wired(recorder, processed)
    batch = [_event("p1", "c1"), _event("p2", "c2"), _event("p3", "c1"), _event("p4", "c2")]
    async with TestKafkaBroker(broker):
        await broker.publish_batch(*(_record(e, e.subject) for e in batch), topic=TOPIC)
        await broker.publish_batch(*(_record(e, e.subject) for e in batch), topic=TOPIC)  # redelivered
    assert sorted(recorder.seen, key=lambda s: s[0]) == sorted(
        ((e.id, e.subject, e.parse_data()) for e in batch), key=lambda s: s[0]
    )
    assert all(isinstance(data, PlanCreated) for _, _, data in recorder.seen)
    for citizen in ("c1", "c2"):
        mine = [data.plan_id for _, subject, data in recorder.seen if subject == citizen]
        assert mine == [e.parse_data().plan_id for e in batch if e.subject == citizen]  # type: ignore[attr-defined]
    assert {doc["state"] for doc in processed.docs.values()} == {"done"}
    assert len(processed.docs) == 4


async def test_a_poison_record_is_dead_lettered_and_the_rest_of_its_batch_handled() -> None:
    recorder, processed = Recorder(), FakeCollection()
    broker, _ = _wired(recorder, processed)
    parked: list[tuple[bytes, dict[str, str]]] = []

    @broker.subscriber(DEAD)
    async def dead_letters(message: KafkaMessage) -> None:
        parked.append((message.body, dict(message.headers)))

    good = _event("p1", "c1")
    async with TestKafkaBroker(broker):
        await broker.publish_batch(_record(b"{not json", "c9"), _record(good, "c1"), topic=TOPIC)
    assert [seen[0] for seen in recorder.seen] == [good.id]
    assert len(parked) == 1
    body, headers = parked[0]
    assert body == b"{not json"
    assert headers["x-error-kind"] == "invalid_envelope"
    assert headers["x-original-topic"] == TOPIC
    assert headers["x-consumer-group"] == GROUP


async def test_a_batch_whose_outcome_cannot_be_stored_raises_and_counts_nothing_done() -> None:
    recorder, processed = Recorder(), FakeCollection()
    processed.fail = ServerSelectionTimeoutError("database away")
    broker, _ = _wired(recorder, processed)
    async with TestKafkaBroker(broker):
        with pytest.raises(ServerSelectionTimeoutError):
            await broker.publish(_event("p1", "c1").to_bytes(), topic=TOPIC, key=b"c1")
    assert processed.docs == {}
