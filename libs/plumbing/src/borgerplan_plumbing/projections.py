"""Read models other services keep of the plan service's plans, learnt from its events."""

from __future__ import annotations

from borgerplan_contracts import CloudEvent
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.consumer import Handler
from borgerplan_plumbing.mongo import Collection


def plan_references(collection: Collection) -> Handler:
    """A handler keeping ``collection`` as plan id → citizen, responsible unit, actors' units and status.

    An upsert keyed by the plan id, so a redelivered event changes nothing.
    """

    async def on_plan_created(event: CloudEvent, data: PlanCreated) -> None:
        await collection.update_one(
            {"_id": data.plan_id},
            {
                "$set": {
                    "citizen_id": data.citizen_id,
                    "responsible_unit": data.responsible_unit,
                    "actor_units": data.actor_units,
                    "status": data.status,
                }
            },
            upsert=True,
        )

    return on_plan_created
