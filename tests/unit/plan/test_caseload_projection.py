"""The caseload as a projection of the plan service's own events (decision 0021), with in-memory stores.

Each unit-moving event recomputes the citizen's units from the plans as they are now, so the result does not
depend on how often or in which order the events come: a replay or a late, reordered delivery writes what is true.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiokafka import TopicPartition

from borgerplan_contracts import EventData, new_event
from borgerplan_contracts.events.plan import (
    EVENTS,
    ActorAdded,
    ActorRemoved,
    ChangeRequestDecided,
    ChangeRequested,
    CitizenWrote,
    GoalAdded,
    GoalStatusChanged,
    PlanClosed,
    PlanCreated,
)
from borgerplan_plumbing.consumer import CaughtUp, Delivery, IdempotentConsumer
from plan_service.changes import Plans
from plan_service.entrypoints.events import UNIT_MOVING, caseload_handlers

CITIZEN = "c1"


class Citizens:
    """The citizens collection as the projection writes it: ``update_one`` with ``$set``."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {
            CITIZEN: {"_id": CITIZEN, "units": [], "responsible_units": []}
        }
        self.writes = 0

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        self.writes += 1
        self.docs[query["_id"]].update(update["$set"])


class CitizenStore:
    def __init__(self) -> None:
        self.collection = Citizens()


class PlanStore:
    """The plans as the projection reads them: one citizen's plans in the given statuses."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}

    async def find(self, query: dict[str, Any], **_: Any) -> list[dict[str, Any]]:
        return [
            p
            for p in self.docs.values()
            if p["citizen_id"] == query["citizen_id"] and p["status"] in query["status"]["$in"]
        ]


def _ctx() -> tuple[Plans, PlanStore, Citizens]:
    plans, citizens = PlanStore(), CitizenStore()
    return Plans(citizens=citizens, plans=plans), plans, citizens.collection  # type: ignore[arg-type]


def _plan(status: str, responsible: str, *actors: str) -> dict[str, Any]:
    return {
        "citizen_id": CITIZEN,
        "status": status,
        "responsible_unit": responsible,
        "actor_units": list(actors),
    }


def _consumer(ctx: Plans) -> IdempotentConsumer:
    async def dead_letter(*_: Any) -> None:
        raise AssertionError("nothing here is poison")

    return IdempotentConsumer(
        group_id="plan-caseload",
        processed=None,  # type: ignore[arg-type]  # absolute values keep no markers
        handlers=caseload_handlers(ctx),
        dead_letter_topic="t.dlt",
        publish_dead_letter=dead_letter,
        markers=False,
    )


def _raw(data: EventData) -> bytes:
    return new_event(data, subject=CITIZEN, time=datetime(2026, 1, 1, tzinfo=UTC)).to_bytes()


DELIVERY = Delivery(topic="t.borgerplan.plan.v1", partition=0, offset=1, key=CITIZEN.encode())
CREATED = PlanCreated(plan_id="p1", citizen_id=CITIZEN, kind="adult", status="draft", responsible_unit="auth")
ACTOR_FIELDS: dict[str, Any] = {
    "plan_id": "p1",
    "citizen_id": CITIZEN,
    "actor_id": "a1",
    "actor_kind": "provider",
    "unit": "prov",
    "network_category": "health_treatment",
}
ACTOR = ActorAdded(**ACTOR_FIELDS, actor_units=["prov"], in_contact=True)


async def test_each_unit_moving_event_sets_the_units_the_plans_name_now() -> None:
    ctx, plans, citizens = _ctx()
    consumer = _consumer(ctx)
    plans.docs["p1"] = _plan("draft", "auth")
    assert await consumer.handle(_raw(CREATED), DELIVERY) == "processed"
    assert citizens.docs[CITIZEN] == {"_id": CITIZEN, "units": ["auth"], "responsible_units": ["auth"]}

    plans.docs["p1"]["actor_units"] = ["prov"]
    assert await consumer.handle(_raw(ACTOR), DELIVERY) == "processed"
    assert citizens.docs[CITIZEN]["units"] == ["auth", "prov"]
    assert citizens.docs[CITIZEN]["responsible_units"] == ["auth"]


async def test_a_replay_or_a_late_event_leaves_what_is_true() -> None:
    """The plan was closed; its creation and the actor arrive again afterwards (a redelivery, a replay from the
    start of the topic): the citizen stays out of both units' caseloads."""
    ctx, plans, citizens = _ctx()
    consumer = _consumer(ctx)
    plans.docs["p1"] = _plan("closed", "auth", "prov")
    closed = PlanClosed(plan_id="p1", citizen_id=CITIZEN, kind="adult", plan_version=3, reason="closed")
    for data in (closed, CREATED, ACTOR, CREATED):
        assert await consumer.handle(_raw(data), DELIVERY) == "processed"
    assert citizens.docs[CITIZEN] == {"_id": CITIZEN, "units": [], "responsible_units": []}


async def test_two_current_plans_keep_a_unit_one_of_them_drops() -> None:
    ctx, plans, citizens = _ctx()
    consumer = _consumer(ctx)
    plans.docs["p1"] = _plan("active", "auth")
    plans.docs["p2"] = _plan("draft", "auth2", "prov")
    removed = ActorRemoved(**ACTOR_FIELDS)
    assert await consumer.handle(_raw(removed), DELIVERY) == "processed"
    assert citizens.docs[CITIZEN]["units"] == ["auth", "auth2", "prov"], "p2 still names the provider"
    assert citizens.docs[CITIZEN]["responsible_units"] == ["auth", "auth2"]


async def test_events_that_move_no_unit_write_nothing() -> None:
    ctx, _, citizens = _ctx()
    goal = GoalAdded(plan_id="p1", citizen_id=CITIZEN, goal_id="g1", category="health")
    assert GoalAdded not in UNIT_MOVING
    assert await _consumer(ctx).handle(_raw(goal), DELIVERY) == "ignored"
    assert citizens.writes == 0


def test_every_plan_event_naming_units_or_status_moves_the_caseload() -> None:
    """A new event that carries a unit or a status must be considered here: named, or knowingly left out (a goal's
    status is not a plan's; the citizen's writes name the responsible unit only to say who answers them)."""
    naming = {e for e in EVENTS if {"responsible_unit", "actor_units", "status"} & set(e.model_fields)}
    citizen_writes = {CitizenWrote, ChangeRequested, ChangeRequestDecided}
    assert naming - set(UNIT_MOVING) == {GoalAdded, GoalStatusChanged, *citizen_writes}
    assert set(UNIT_MOVING) <= set(EVENTS)


async def test_caught_up_waits_for_the_outbox_the_group_and_its_commits() -> None:
    tp = TopicPartition("t.borgerplan.plan.v1", 0)
    pending = {"plans": 1}
    asked: list[datetime] = []
    committed: dict[TopicPartition, int | None] = {tp: None}

    class Consumer:
        async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
            return {p: 5 for p in partitions}

        async def committed(self, partition: TopicPartition) -> int | None:
            return committed[partition]

    async def outbox(since: datetime) -> int:
        asked.append(since)
        return pending["plans"]

    ready = CaughtUp(outbox, Consumer)
    assert not await ready(), "not a member of the group yet"
    await ready.on_partitions_assigned({tp})
    assert not await ready(), "an acknowledged change's event is still in the outbox"
    pending["plans"] = 0
    assert not await ready(), "nothing handled yet"
    committed[tp] = 4
    assert not await ready(), "one event before the end is not handled yet"
    committed[tp] = 5
    assert await ready()
    committed[tp] = 0
    assert await ready(), "once caught up, ready for good"
    assert len(set(asked)) == 1, "always what was stored before the process started"


async def test_caught_up_with_no_partition_is_ready_at_once() -> None:
    class Consumer:
        async def end_offsets(self, partitions: list[Any]) -> dict[Any, int]:
            return {}

    async def outbox(since: datetime) -> int:
        return 0

    ready = CaughtUp(outbox, Consumer)
    await ready.on_partitions_assigned(set())
    assert await ready()
