"""Read models other services keep of the plan service's plans, learnt from its events."""

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
from borgerplan_plumbing.mongo import Collection


def plan_references(collection: Collection) -> dict[type[EventData], Handler]:
    """Handlers keeping ``collection`` as plan id → citizen, responsible unit, actors' units and status.

    Each handler sets absolute values (the actor events carry the plan's whole list of actor units), so a
    redelivered event changes nothing; one citizen's events arrive in order (the key is the citizen).
    """

    async def upsert(plan_id: str, fields: dict[str, Any]) -> None:
        await collection.update_one({"_id": plan_id}, {"$set": fields}, upsert=True)

    async def on_created(event: CloudEvent, data: PlanCreated) -> None:
        await upsert(
            data.plan_id,
            {
                "citizen_id": data.citizen_id,
                "responsible_unit": data.responsible_unit,
                "actor_units": data.actor_units,
                "status": data.status,
            },
        )

    async def on_status(event: CloudEvent, data: PlanActivated | PlanClosed | PlanChanged) -> None:
        status = data.status if isinstance(data, PlanChanged) else "active"
        if isinstance(data, PlanClosed):
            status = "closed"
        fields = {"citizen_id": data.citizen_id, "status": status}
        if isinstance(data, PlanChanged) and data.responsible_unit:
            fields["responsible_unit"] = data.responsible_unit
        await upsert(data.plan_id, fields)

    async def on_actors(event: CloudEvent, data: ActorAdded | ActorChanged | ActorRemoved) -> None:
        await upsert(data.plan_id, {"citizen_id": data.citizen_id, "actor_units": data.actor_units})

    return {
        PlanCreated: on_created,
        PlanActivated: on_status,
        PlanClosed: on_status,
        PlanChanged: on_status,
        ActorAdded: on_actors,
        ActorChanged: on_actors,
        ActorRemoved: on_actors,
    }
