"""The idempotent consumer's decisions, with an in-memory collection and publisher (unit level)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from pymongo.errors import DuplicateKeyError, OperationFailure, ServerSelectionTimeoutError

from borgerplan_contracts import CloudEvent, new_event
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.consumer import Delivery, IdempotentConsumer, TransientError
from borgerplan_plumbing.internal import UnavailableError
from tests.unit.fakes import DeadLetters, FakeCollection


def _event() -> CloudEvent:
    data = PlanCreated(plan_id="p1", citizen_id="c1", kind="adult", status="active", responsible_unit="u1")
    return new_event(data, subject="c1", time=datetime(2026, 1, 1, tzinfo=UTC))


DELIVERY = Delivery(topic="t.borgerplan.plan.v1", partition=0, offset=7, key=b"c1")


def _consumer(
    handler: Any, dead: DeadLetters, processed: FakeCollection, attempts: int = 3
) -> IdempotentConsumer:
    return IdempotentConsumer(
        group_id="g",
        processed=processed,
        handlers={PlanCreated: handler},  # type: ignore[arg-type]
        dead_letter_topic="t.dlt",
        publish_dead_letter=dead,
        max_attempts=attempts,
        retry_backoff_seconds=0,
    )


async def test_same_event_twice_has_one_effect() -> None:
    seen: list[str] = []

    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        seen.append(data.plan_id)

    consumer = _consumer(handler, DeadLetters(), FakeCollection())
    event = _event()
    assert await consumer.handle(event.to_bytes(), DELIVERY) == "processed"
    assert await consumer.handle(event.to_bytes(), DELIVERY) == "duplicate"
    assert seen == ["p1"]


async def test_handler_that_always_fails_goes_to_dead_letter_after_bounded_attempts() -> None:
    calls = 0

    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom for plan p1")

    dead, processed = DeadLetters(), FakeCollection()
    consumer = _consumer(handler, dead, processed, attempts=3)
    event = _event()
    assert await consumer.handle(event.to_bytes(), DELIVERY) == "dead_lettered"
    assert calls == 3
    topic, key, value, headers = dead.sent[0]
    assert (topic, key, value) == ("t.dlt", b"c1", event.to_bytes())
    assert headers["x-error-kind"] == "RuntimeError"
    assert headers["x-original-offset"] == "7"
    assert headers["x-attempts"] == "3"
    # A redelivery of the dead-lettered message is not retried again.
    assert await consumer.handle(event.to_bytes(), DELIVERY) == "duplicate"
    assert calls == 3


async def test_a_transient_failure_is_retried_and_then_processed() -> None:
    calls = 0

    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("flaky")

    dead = DeadLetters()
    assert (
        await _consumer(handler, dead, FakeCollection()).handle(_event().to_bytes(), DELIVERY) == "processed"
    )
    assert calls == 2
    assert dead.sent == []


async def test_not_an_envelope_goes_straight_to_dead_letter() -> None:
    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        raise AssertionError("must not be called")

    dead = DeadLetters()
    outcome = await _consumer(handler, dead, FakeCollection()).handle(b"{not json", DELIVERY)
    assert outcome == "dead_lettered"
    assert dead.sent[0][3]["x-error-kind"] == "invalid_envelope"


async def test_invalid_payload_goes_to_dead_letter_without_its_values() -> None:
    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        raise AssertionError("must not be called")

    event = _event().model_copy(update={"data": {"plan_id": "p1", "kind": "0101901234"}})
    dead = DeadLetters()
    assert (
        await _consumer(handler, dead, FakeCollection()).handle(event.to_bytes(), DELIVERY) == "dead_lettered"
    )
    message = dead.sent[0][3]["x-error-message"]
    assert "kind" in message
    assert "0101901234" not in message


async def test_events_of_other_types_are_ignored() -> None:
    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        raise AssertionError("must not be called")

    other = _event().model_copy(update={"type": "dk.borgerplan.plan.citizen_registered.v1"})
    processed = FakeCollection()
    assert await _consumer(handler, DeadLetters(), processed).handle(other.to_bytes(), DELIVERY) == "ignored"
    assert processed.docs == {}


@pytest.mark.parametrize(
    "failure",
    [
        ServerSelectionTimeoutError("database away"),
        OperationFailure("could not connect to the server"),
        UnavailableError("plan"),
        TransientError("the consent service did not answer"),
        KafkaConnectionError("broker away"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_a_transient_failure_that_lasts_is_never_dead_lettered(failure: Exception) -> None:
    calls = 0

    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        nonlocal calls
        calls += 1
        raise failure

    dead, processed = DeadLetters(), FakeCollection()
    with pytest.raises(type(failure)):
        await _consumer(handler, dead, processed).handle(_event().to_bytes(), DELIVERY)
    assert calls == 3
    assert dead.sent == []
    assert processed.docs == {}  # nothing marked: the batch comes again


@pytest.mark.parametrize(
    "refusal",
    [DuplicateKeyError("E11000 duplicate key"), OperationFailure("unknown operator: $nope", code=2)],
    ids=["DuplicateKeyError", "OperationFailure"],
)
async def test_a_write_or_command_the_database_refuses_for_its_content_is_poison(refusal: Exception) -> None:
    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        raise refusal

    dead = DeadLetters()
    assert (
        await _consumer(handler, dead, FakeCollection()).handle(_event().to_bytes(), DELIVERY)
        == "dead_lettered"
    )
    assert dead.sent[0][3]["x-error-kind"] == type(refusal).__name__


async def test_a_dead_letter_not_confirmed_is_parked_again_and_never_handled() -> None:
    calls = 0

    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("never")

    class BrokerAway(DeadLetters):
        async def __call__(
            self, topic: str, key: bytes | None, value: bytes, headers: dict[str, str]
        ) -> None:
            raise KafkaConnectionError("broker away")

    processed, event = FakeCollection(), _event()
    with pytest.raises(KafkaConnectionError):
        await _consumer(handler, BrokerAway(), processed).handle(event.to_bytes(), DELIVERY)
    [marker] = processed.docs.values()
    assert marker["state"] == "dead_lettering" and marker["kind"] == "ValueError"

    dead = DeadLetters()
    assert await _consumer(handler, dead, processed).handle(event.to_bytes(), DELIVERY) == "dead_lettered"
    assert calls == 3  # the redelivery published the dead letter without running the handler again
    assert dead.sent[0][3]["x-error-kind"] == "ValueError"
    assert marker["state"] == "dead_lettered"


async def test_a_replayed_dead_letter_is_handled_by_its_group_alone_and_once() -> None:
    fixed = False
    seen: list[str] = []

    async def handler(event: CloudEvent, data: PlanCreated) -> None:
        if not fixed:
            raise ValueError("a bug, fixed later")
        seen.append(data.plan_id)

    processed, event = FakeCollection(), _event()
    consumer = _consumer(handler, DeadLetters(), processed)
    assert await consumer.handle(event.to_bytes(), DELIVERY) == "dead_lettered"
    assert await consumer.handle(event.to_bytes(), DELIVERY) == "duplicate"  # an ordinary redelivery
    fixed = True
    other = replace(DELIVERY, replay_group="another-group")
    assert await consumer.handle(event.to_bytes(), other) == "ignored"
    mine = replace(DELIVERY, replay_group="g")
    assert await consumer.handle(event.to_bytes(), mine) == "processed"
    assert await consumer.handle(event.to_bytes(), mine) == "duplicate"  # replayed twice: one effect
    assert seen == ["p1"]
    assert processed.docs["g:" + event.id]["state"] == "done"
