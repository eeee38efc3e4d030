"""The plan service's own Kafka subscription: its caseload, a projection of its own plan topic.

A change writes its plan and the plan's events once (decision 0002); the units each citizen's current plans name
(``units``, ``responsible_units``, what "Mine borgere" pages through) follow when those events come back, so a crash
between the change and the projection leaves nothing stale: the event is still on the topic, or still in the
plan's outbox, and is handled after the restart (decision 0021).
"""

from __future__ import annotations

from typing import Any

from borgerplan_contracts import CloudEvent, EventData
from borgerplan_contracts.events.plan import (
    ActorAdded,
    ActorChanged,
    ActorRemoved,
    PlanActivated,
    PlanChanged,
    PlanClosed,
    PlanCreated,
)
from borgerplan_plumbing.consumer import Handler
from plan_service import changes
from plan_service.changes import Plans

# The events that can move a unit in or out of a citizen's caseload: a plan made, its status, its responsible unit,
# its actors. Goals, scores and follow-ups leave the caseload as it is.
UNIT_MOVING: tuple[type[EventData], ...] = (
    PlanCreated,
    PlanChanged,
    PlanActivated,
    PlanClosed,
    ActorAdded,
    ActorChanged,
    ActorRemoved,
)


def caseload_handlers(ctx: Plans) -> dict[type[EventData], Handler]:
    async def project(_: CloudEvent, data: Any) -> None:
        await changes.project_caseload(ctx, data.citizen_id)

    return dict.fromkeys(UNIT_MOVING, project)
