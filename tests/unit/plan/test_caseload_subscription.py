"""The plan service's own subscription as FastStream wires it (``plan_service.bootstrap.build``), driven through
FastStream's ``TestKafkaBroker``: its plan topic reaches the caseload group, the unit-moving events its handler, the
rest is passed over, and the group keeps no markers (absolute values). What the handler writes is
``test_caseload_projection``'s; here it is a recorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from faststream.kafka import TestKafkaBroker

from borgerplan_contracts import EventData, new_event, topics
from borgerplan_contracts.events.plan import ActorRemoved, GoalAdded, PlanCreated
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build
from plan_service.entrypoints.events import UNIT_MOVING
from tests.unit.fakes import FakeCollection, Recorder

SETTINGS = Settings(environment="test", service_name="plan", topic_prefix="u.")
PLAN = SETTINGS.topic(topics.PLAN)
GROUP = "u.plan-caseload"


@pytest.fixture
async def plan() -> AsyncIterator[tuple[ServiceRuntime, Recorder, FakeCollection]]:
    runtime = build(SETTINGS)
    recorder, markers = Recorder(), FakeCollection()
    for consumer in runtime.consumers:
        consumer.processed = markers  # type: ignore[assignment]
        for event_type in consumer.handlers:
            consumer.handlers[event_type] = recorder
    assert runtime.broker is not None
    async with TestKafkaBroker(runtime.broker):
        yield runtime, recorder, markers
    await runtime.client.close()


async def _publish(runtime: ServiceRuntime, data: EventData) -> str:
    event = new_event(data, subject="c1", time=datetime(2026, 3, 2, tzinfo=UTC))
    assert runtime.broker is not None
    await runtime.broker.publish(event.to_bytes(), topic=PLAN, key=b"c1")
    return event.id


def test_one_group_on_its_own_topic_with_the_unit_moving_events_and_a_readiness_check() -> None:
    runtime = build(SETTINGS)
    assert [(c.group_id, set(c.handlers), c.markers) for c in runtime.consumers] == [
        (GROUP, {e.event_type() for e in UNIT_MOVING}, False)
    ]
    assert "plan-caseload" in runtime._readiness, "ready only once the projection caught up"
    assert runtime.consumed == [PLAN]


async def test_unit_moving_events_reach_the_projection_and_the_rest_is_passed_over(
    plan: tuple[ServiceRuntime, Recorder, FakeCollection],
) -> None:
    runtime, recorder, markers = plan
    created = PlanCreated(plan_id="p1", citizen_id="c1", kind="adult", status="draft", responsible_unit="u1")
    removed = ActorRemoved(
        plan_id="p1", citizen_id="c1", actor_id="a1", actor_kind="provider", network_category="housing"
    )
    ids = [await _publish(runtime, created), await _publish(runtime, removed)]
    await _publish(runtime, GoalAdded(plan_id="p1", citizen_id="c1", goal_id="g1", category="housing"))
    again = await _publish(runtime, created)  # a new event of the same kind: absolute values, handled again
    assert [seen[0] for seen in recorder.seen] == [*ids, again]
    assert [seen[2] for seen in recorder.seen] == [created, removed, created]
    assert markers.docs == {}, "a projection of absolute values keeps no markers"
