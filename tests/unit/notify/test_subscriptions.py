"""Notify's consumer groups as FastStream wires them (``notify_service.bootstrap.build``), driven through
FastStream's own ``TestKafkaBroker``: which topic reaches which group and which handler, with the typed event, what
a group does not handle, and where a message it cannot read goes. The handlers' own work (the notifications) is
the integration tests'; here each handler is a recorder and the markers live in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from faststream.kafka import TestKafkaBroker
from faststream.kafka.annotations import KafkaMessage

from borgerplan_contracts import CloudEvent, EventData, new_event, topics
from borgerplan_contracts.events.consent import ConsentRevoked
from borgerplan_contracts.events.meetings import MeetingCancelled
from borgerplan_contracts.events.plan import ChangeRequestDecided, ChangeRequested, PlanCreated
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from notify_service.bootstrap import build
from tests.unit.fakes import FakeCollection, Recorder

SETTINGS = Settings(environment="test", service_name="notify", topic_prefix="u.")
MEETINGS = SETTINGS.topic(topics.MEETINGS)
CONSENT = SETTINGS.topic(topics.CONSENT)
PLAN = SETTINGS.topic(topics.PLAN)
WHEN = datetime(2026, 3, 2, 10, tzinfo=UTC)


class Wired:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.recorders: dict[tuple[str, str], Recorder] = {}
        for consumer in runtime.consumers:
            consumer.processed = FakeCollection()  # type: ignore[assignment]
            for event_type in consumer.handlers:
                recorder = Recorder()
                consumer.handlers[event_type] = recorder
                self.recorders[(consumer.group_id, event_type)] = recorder
        self.parked: list[tuple[str, bytes, dict[str, str]]] = []

    def seen(self) -> dict[tuple[str, str], list[str]]:
        return {where: [s[0] for s in r.seen] for where, r in self.recorders.items() if r.seen}


@pytest.fixture
async def notify() -> AsyncIterator[Wired]:
    wired = Wired(build(SETTINGS))
    broker = wired.runtime.broker
    assert broker is not None
    for dead in (
        topics.dead_letter_topic(MEETINGS, "u.notify"),
        topics.dead_letter_topic(CONSENT, "u.notify-consent"),
    ):

        @broker.subscriber(dead)
        async def park(message: KafkaMessage) -> None:
            wired.parked.append((message.raw_message.topic, message.body, dict(message.headers)))

    async with TestKafkaBroker(broker):
        yield wired
    await wired.runtime.client.close()


async def _publish(wired: Wired, topic: str, event: CloudEvent | bytes, key: str = "c1") -> None:
    assert wired.runtime.broker is not None
    body = event.to_bytes() if isinstance(event, CloudEvent) else event
    await wired.runtime.broker.publish(body, topic=topic, key=key.encode())


def _event(data: EventData) -> CloudEvent:
    return new_event(data, subject="c1", time=WHEN)


CANCELLED = MeetingCancelled(
    meeting_id="m1", plan_id="p1", citizen_id="c1", kind="network", start=WHEN, sequence=1, participants=[]
)
REVOKED = ConsentRevoked(consent_id="k1", citizen_id="c1", grantee_unit="u1", revoked_at=WHEN)


def test_the_groups_subscribe_the_topics_the_architecture_page_names() -> None:
    runtime = build(SETTINGS)
    groups = {c.group_id: set(c.handlers) for c in runtime.consumers}
    assert set(groups) == {"u.notify", "u.notify-consent", "u.notify-plan"}
    assert MeetingCancelled.event_type() in groups["u.notify"]
    assert ConsentRevoked.event_type() in groups["u.notify-consent"]
    assert groups["u.notify-plan"] == {ChangeRequested.event_type(), ChangeRequestDecided.event_type()}
    assert not groups["u.notify"] & groups["u.notify-consent"]


async def test_a_meeting_event_reaches_the_meetings_group_once_with_its_typed_data(notify: Wired) -> None:
    event = _event(CANCELLED)
    await _publish(notify, MEETINGS, event)
    await _publish(notify, MEETINGS, event)  # redelivered: the marker holds it
    assert notify.seen() == {("u.notify", MeetingCancelled.event_type()): [event.id]}
    recorder = notify.recorders[("u.notify", MeetingCancelled.event_type())]
    assert recorder.seen[0][2] == CANCELLED


async def test_a_consent_event_reaches_the_consent_group_only(notify: Wired) -> None:
    event = _event(REVOKED)
    await _publish(notify, CONSENT, event)
    assert notify.seen() == {("u.notify-consent", ConsentRevoked.event_type()): [event.id]}
    assert notify.recorders[("u.notify-consent", ConsentRevoked.event_type())].seen[0][2] == REVOKED


async def test_an_event_no_group_handles_is_passed_over(notify: Wired) -> None:
    plan = PlanCreated(plan_id="p1", citizen_id="c1", kind="adult", status="active", responsible_unit="u1")
    await _publish(notify, MEETINGS, _event(plan))
    await _publish(notify, PLAN, _event(plan))
    assert notify.seen() == {}
    assert notify.parked == []


async def test_a_citizens_request_reaches_the_plan_group(notify: Wired) -> None:
    asked = ChangeRequested(
        plan_id="p1", citizen_id="c1", request_id="r1", kind="new_goal", responsible_unit="u1"
    )
    event = _event(asked)
    await _publish(notify, PLAN, event)
    assert notify.seen() == {("u.notify-plan", ChangeRequested.event_type()): [event.id]}


async def test_a_meeting_event_notify_cannot_read_is_parked_on_the_groups_dead_letter_topic(
    notify: Wired,
) -> None:
    broken = _event(CANCELLED).model_copy(update={"data": {"meeting_id": "m1", "kind": "0101901234"}})
    await _publish(notify, MEETINGS, broken)
    await _publish(notify, MEETINGS, b"not an envelope")
    assert notify.seen() == {}
    assert [(dead, headers["x-error-kind"]) for dead, _, headers in notify.parked] == [
        (f"{MEETINGS}.u.notify.dlt", "invalid_data"),
        (f"{MEETINGS}.u.notify.dlt", "invalid_envelope"),
    ]
    assert notify.parked[0][1] == broken.to_bytes()
    assert "0101901234" not in notify.parked[0][2]["x-error-message"]
