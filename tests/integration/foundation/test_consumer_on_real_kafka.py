"""At-least-once delivery, effect-once handling and the dead-letter topic, on real Kafka and the database."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from borgerplan_contracts import CloudEvent, new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from tests.support.kafka import TopicProbe

pytestmark = pytest.mark.integration


def _plan_created(plan_id: str) -> CloudEvent:
    data = PlanCreated(plan_id=plan_id, citizen_id="c-1", kind="adult", status="active", responsible_unit="u")
    return new_event(data, subject="c-1")


async def _wait(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.2)):
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def test_same_event_delivered_twice_has_one_effect(settings: Settings) -> None:
    runtime = ServiceRuntime(settings, "probe", title="probe")
    effects = runtime.collection("effects")

    async def count_plan(event: CloudEvent, data: PlanCreated) -> None:
        # Deliberately not idempotent itself: the consumer's dedupe is what keeps the effect single.
        await effects.update_one({"_id": data.plan_id}, {"$inc": {"n": 1}}, upsert=True)

    runtime.consume([topics.PLAN], "probe", {PlanCreated: count_plan})
    await runtime.start()
    try:
        topic = settings.topic(topics.PLAN)
        event, marker = _plan_created(f"p-{uuid.uuid4()}"), _plan_created(f"p-{uuid.uuid4()}")
        await publish_event(runtime.broker, topic, event, "c-1")
        await publish_event(runtime.broker, topic, event, "c-1")  # the redelivery
        await publish_event(runtime.broker, topic, marker, "c-1")  # same key, so same partition, after both

        async def marker_done() -> bool:
            return await effects.find_one({"_id": marker.data["plan_id"]}) is not None

        await _wait(marker_done)
        doc = await effects.find_one({"_id": event.data["plan_id"]})
        assert doc is not None and doc["n"] == 1
    finally:
        await runtime.stop()


async def test_message_that_always_fails_ends_in_dead_letter_topic_and_partition_moves_on(
    settings: Settings,
) -> None:
    runtime = ServiceRuntime(settings, "probe", title="probe")
    done = runtime.collection("done")
    poison_id = f"p-poison-{uuid.uuid4()}"

    async def handle(event: CloudEvent, data: PlanCreated) -> None:
        if data.plan_id == poison_id:
            raise ValueError("this plan can never be handled")
        await done.insert_one({"_id": data.plan_id})

    runtime.consume([topics.PLAN], "probe", {PlanCreated: handle})
    await runtime.start()
    try:
        topic = settings.topic(topics.PLAN)
        after = f"p-after-{uuid.uuid4()}"
        await publish_event(runtime.broker, topic, _plan_created(poison_id), "c-1")
        await publish_event(runtime.broker, topic, b"definitely not a cloudevent", "c-1")
        await publish_event(runtime.broker, topic, _plan_created(after), "c-1")

        async def after_done() -> bool:
            return await done.find_one({"_id": after}) is not None

        await _wait(after_done)
        dlt = topics.dead_letter_topic(topic, f"{settings.topic_prefix}probe")
        async with TopicProbe(settings.kafka_bootstrap_servers, dlt) as probe:
            records = await probe.wait_for(lambda r: len(r) >= 2, timeout=30)
        kinds = sorted(dict((k, v.decode()) for k, v in r.headers)["x-error-kind"] for r in records)
        assert kinds == ["ValueError", "invalid_envelope"]
        poisoned = next(r for r in records if poison_id.encode() in r.value)
        headers = {k: v.decode() for k, v in poisoned.headers}
        assert headers["x-attempts"] == str(settings.consumer_max_attempts)
        assert headers["x-original-topic"] == topic
    finally:
        await runtime.stop()
