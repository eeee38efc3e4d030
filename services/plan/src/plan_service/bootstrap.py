"""Wiring of the plan service: one process with its HTTP API, its Kafka broker and its database."""

from __future__ import annotations

from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from plan_service.entrypoints.http import router


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="plan")
    runtime = ServiceRuntime(
        settings,
        "plan",
        title="Borgerplan plan service",
        description="Citizens (CPR only here), plans, goals and actors.",
    )
    citizens = runtime.store("citizens", topics.PLAN, "citizen")
    plans = runtime.store("plans", topics.PLAN, "plan")
    runtime.app.state.citizens = citizens
    runtime.app.state.plans = plans

    async def indexes() -> None:
        await citizens.collection.create_index("cpr", unique=True, name="citizen_cpr")
        await plans.collection.create_index("citizen_id", name="plan_citizen")

    runtime.on_startup(indexes)
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory plan_service.bootstrap:create_app``"""
    return build().app
