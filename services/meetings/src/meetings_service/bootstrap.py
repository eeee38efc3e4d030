"""Wiring of the meetings service."""

from __future__ import annotations

from fastapi import FastAPI

from borgerplan_contracts import CloudEvent, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from meetings_service.entrypoints.http import router


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="meetings")
    runtime = ServiceRuntime(
        settings,
        "meetings",
        title="Borgerplan meetings service",
        description="Network meetings: participants, agenda, minutes, tasks and deadlines.",
    )
    meetings = runtime.store("meetings", topics.MEETINGS, "meeting")
    plan_refs = runtime.collection("plan_refs")
    runtime.app.state.meetings = meetings
    runtime.app.state.plan_refs = plan_refs

    async def on_plan_created(event: CloudEvent, data: PlanCreated) -> None:
        await plan_refs.update_one(
            {"_id": data.plan_id},
            {
                "$set": {
                    "citizen_id": data.citizen_id,
                    "responsible_unit": data.responsible_unit,
                    "status": data.status,
                }
            },
            upsert=True,
        )

    async def indexes() -> None:
        await meetings.collection.create_index([("citizen_id", 1), ("start", 1)], name="meeting_citizen")

    runtime.on_startup(indexes)
    runtime.consume([topics.PLAN], "meetings", {PlanCreated: on_plan_created})
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
