"""Wiring of the plan service: one process with its HTTP API, its Kafka broker and its database."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import IndexModel

from borgerplan_contracts import topics
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from plan_service import changes
from plan_service.changes import ACTIVE_INDEX, Plans
from plan_service.entrypoints import events
from plan_service.entrypoints.http import router


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="plan")
    runtime = ServiceRuntime(
        settings,
        "plan",
        title="Borgerplan plan service",
        description="Citizens (CPR only here), plans, goals and actors.",
    )
    ctx = Plans(
        citizens=runtime.store("citizens", topics.PLAN, "citizen"),
        plans=runtime.store("plans", topics.PLAN, "plan"),
    )
    runtime.app.state.plans = ctx
    runtime.declare_indexes(
        "citizens",
        IndexModel("cpr", unique=True, name="citizen_cpr"),
        # Mine borgere: a unit's citizens by name, a page at a time (plan_service.queries.caseload).
        IndexModel([("units", 1), ("caseload_key", 1)], name="citizen_caseload"),
    )
    runtime.declare_indexes(
        "plans",
        IndexModel("citizen_id", name="plan_citizen"),
        # One active plan per citizen and kind, across every replica (plan_service.changes).
        IndexModel(
            [("citizen_id", 1), ("active_kinds", 1)],
            name=ACTIVE_INDEX,
            unique=True,
            partialFilterExpression={"status": "active"},
        ),
        # The responsible unit's worklist of the citizens' open requests (plan_service.queries.open_requests).
        IndexModel([("responsible_unit", 1), ("open_requests", 1)], name="plan_open_requests"),
    )
    migrations = runtime.collection("migrations")

    async def migrate() -> None:
        await changes.migrate_scores(ctx, migrations)
        await changes.migrate_caseload(ctx, migrations)

    runtime.on_startup(migrate)
    # The caseload follows the plan service's own events (decision 0021): absolute values, recomputed from the
    # citizen's plans; the process is ready once it has caught up with what it acknowledged before it started.
    runtime.consume(
        [topics.PLAN],
        "plan-caseload",
        events.caseload_handlers(ctx),
        absolute=True,
        ready_when_caught_up=True,
    )
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory plan_service.bootstrap:create_app``"""
    return build().process_app()
