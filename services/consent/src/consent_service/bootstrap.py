"""Wiring of the consent service."""

from __future__ import annotations

from fastapi import FastAPI

from borgerplan_contracts import CloudEvent, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from consent_service.entrypoints.http import router
from consent_service.service import ConsentService


def build(settings: Settings | None = None, *, expiry_interval_seconds: float = 60.0) -> ServiceRuntime:
    settings = settings or Settings(service_name="consent")
    runtime = ServiceRuntime(
        settings,
        "consent",
        title="Borgerplan consent service",
        description="Consents, revocations, the decision who may see what, and disclosures.",
    )
    consents = runtime.store("consents", topics.CONSENT, "consent")
    # What consent needs to know about plans (responsible unit, actors' units), learnt from plan events.
    plan_refs = runtime.collection("plan_refs")
    disclosures = runtime.collection("disclosures")
    service = ConsentService(consents, plan_refs, disclosures)
    runtime.app.state.consent_service = service

    async def on_plan_created(event: CloudEvent, data: PlanCreated) -> None:
        await plan_refs.update_one(
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

    async def indexes() -> None:
        await consents.collection.create_index(
            [("citizen_id", 1), ("grantee_unit", 1)], name="consent_lookup"
        )
        await consents.collection.create_index([("status", 1), ("valid_until", 1)], name="consent_expiry")
        await plan_refs.create_index("citizen_id", name="plan_ref_citizen")
        await disclosures.create_index([("citizen_id", 1), ("at", -1)], name="disclosure_citizen")

    runtime.on_startup(indexes)
    runtime.consume([topics.PLAN], "consent", {PlanCreated: on_plan_created})
    runtime.background(lambda: service.expiry_loop(expiry_interval_seconds))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
