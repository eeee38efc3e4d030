"""Dead letters only for poison (issue 33, decisions 0028-0030), against the project's own servers: the database
stopped while a consumer receives events parks none of them, and every effect happens once after it returns; a dead
letter replayed after a newer event of the same meeting changes nothing. Each test prints its figures."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from borgerplan_cli.servers import Servers
from borgerplan_contracts import CloudEvent, new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_contracts.events.meetings import MeetingRescheduled
from borgerplan_plumbing import dead_letters
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from notify_service.bootstrap import build as build_notify
from tests.support.routing import RoutingTransport
from tests.support.services import running

pytestmark = pytest.mark.integration
OUTAGE_SECONDS = 15
EVENTS = 40
CITIZENS = 5


async def _until(check: Callable[[], Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


def _plan_created(plan_id: str, citizen: str) -> CloudEvent:
    data = PlanCreated(
        plan_id=plan_id, citizen_id=citizen, kind="adult", status="active", responsible_unit="u"
    )
    return new_event(data, subject=citizen)


async def test_a_database_outage_during_consumption_parks_nothing_and_every_effect_happens_once(
    servers: Servers, settings: Settings
) -> None:
    if not servers.kafka_controllable:
        pytest.skip("needs the project's own local servers, which the test may stop and start")
    runtime = ServiceRuntime(settings, "probe", title="probe")
    effects = runtime.collection("outage_effects")

    async def count(event: CloudEvent, data: PlanCreated) -> None:
        # Not idempotent itself: a second run would show as n == 2.
        await effects.update_one({"_id": data.plan_id}, {"$inc": {"n": 1}}, upsert=True)

    group = f"outage-{uuid.uuid4().hex[:6]}"
    runtime.consume([topics.PLAN], group, {PlanCreated: count})
    [consumer] = runtime.consumers
    await runtime.start()
    topic = settings.topic(topics.PLAN)
    ids = [f"p-outage-{i}-{uuid.uuid4().hex[:6]}" for i in range(EVENTS)]
    assert runtime.broker is not None
    try:

        async def published(batch: list[str]) -> None:
            for n, plan_id in enumerate(batch):
                citizen = f"c-outage-{n % CITIZENS}"
                await publish_event(runtime.broker, topic, _plan_created(plan_id, citizen), citizen)  # type: ignore[arg-type]

        async def handled(batch: list[str]) -> bool:
            return await effects.count_documents({"_id": {"$in": batch}}) == len(batch)

        await published(ids[: EVENTS // 2])
        await _until(lambda: handled(ids[: EVENTS // 2]))

        await asyncio.to_thread(servers.stop_database)
        try:
            await published(ids[EVENTS // 2 :])  # Kafka takes them; the consumer cannot store anything
            await asyncio.sleep(OUTAGE_SECONDS)
            failed_during = consumer.failed_batches
        finally:
            await asyncio.to_thread(servers.start_database)
        back = time.monotonic()
        await _until(lambda: handled(ids), timeout=180)
        recovered = time.monotonic() - back

        counts = {doc["_id"]: doc["n"] async for doc in effects.find({"_id": {"$in": ids}})}
        letters = await dead_letters.read(settings, topics.dead_letter_topic(topic, consumer.group_id))
        print(
            f"\ndatabase away {OUTAGE_SECONDS} s while {EVENTS // 2} of {EVENTS} events arrived: "
            f"{failed_during} batch attempts refused during the outage, {len(letters)} dead letters, "
            f"every event handled {recovered:.1f} s after the database returned, "
            f"effects per event: {sorted(set(counts.values()))}"
        )
        assert failed_during >= 1, "the consumer must have met the outage"
        assert letters == []
        assert counts == dict.fromkeys(ids, 1)
    finally:
        await runtime.stop()


def _rescheduled(meeting_id: str, sequence: int, start: datetime) -> MeetingRescheduled:
    return MeetingRescheduled(
        meeting_id=meeting_id,
        plan_id="p-replay",
        citizen_id="c-replay",
        kind="network",
        start=start,
        end=start + timedelta(hours=1),
        sequence=sequence,
        participants=[],
    )


async def test_a_dead_letter_replayed_after_a_newer_event_moves_nothing_back(settings: Settings) -> None:
    nowhere = RoutingTransport({})  # these events ask no other service
    async with running(lambda s: build_notify(s, transport=nowhere), settings) as (runtime, _):
        assert runtime.broker is not None
        [consumer] = [c for c in runtime.consumers if c.group_id == f"{settings.topic_prefix}notify"]
        topic = settings.topic(topics.MEETINGS)
        meeting_id = f"m-replay-{uuid.uuid4().hex[:6]}"
        first = datetime(2026, 9, 1, 10, tzinfo=UTC)
        older = new_event(_rescheduled(meeting_id, 1, first), subject="c-replay")
        newer = new_event(_rescheduled(meeting_id, 2, first + timedelta(days=7)), subject="c-replay")

        # The older event was parked (as a handler bug, since fixed, would have parked it): its dead letter and
        # its marker, as the consumer writes them.
        dlt = topics.dead_letter_topic(topic, consumer.group_id)
        await runtime.broker.publish(
            older.to_bytes(),
            topic=dlt,
            key=b"c-replay",
            headers={
                "x-error-kind": "ValueError",
                "x-error-message": "a bug, since fixed",
                "x-original-topic": topic,
                "x-original-partition": "0",
                "x-original-offset": "0",
                "x-consumer-group": consumer.group_id,
                "x-attempts": "3",
            },
        )
        await runtime.db["processed_events"].update_one(
            {"_id": f"{consumer.group_id}:{older.id}"},
            {"$set": {"state": "dead_lettered", "group": consumer.group_id, "at": datetime.now(UTC)}},
            upsert=True,
        )
        await publish_event(runtime.broker, topic, newer, "c-replay")

        async def meeting() -> dict[str, Any] | None:
            return await runtime.db["meetings"].find_one({"_id": meeting_id})

        async def newer_handled() -> bool:
            doc = await meeting()
            return doc is not None and doc["sequence"] == 2

        await _until(newer_handled)
        before = await meeting()

        [letter] = [d for d in await dead_letters.read(settings, dlt) if older.id.encode() in d.value]
        began = time.monotonic()
        assert await dead_letters.replay(settings, [letter]) == 1

        async def replay_handled() -> bool:
            marker = await runtime.db["processed_events"].find_one({"_id": f"{consumer.group_id}:{older.id}"})
            return marker is not None and marker["state"] == "done"

        await _until(replay_handled)
        after = await meeting()
        print(
            f"\nreplayed the dead letter of sequence 1 after sequence 2: handled in {time.monotonic() - began:.1f} s, "
            f"the meeting's start {'unchanged' if after == before else 'MOVED BACK'}"
        )
        assert after == before
        assert after is not None and after["start"].replace(tzinfo=UTC) == first + timedelta(days=7)
