"""Wiring of the consent service."""

from __future__ import annotations

from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_plumbing.projections import plan_references
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from consent_service.entrypoints.http import router
from consent_service.service import ConsentService


def build(
    settings: Settings | None = None, *, expiry_interval_seconds: float | None = 60.0
) -> ServiceRuntime:
    """``expiry_interval_seconds=None`` runs no expiry loop (tests drive ``run_expiry`` themselves)."""
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

    async def indexes() -> None:
        await consents.collection.create_index(
            [("citizen_id", 1), ("grantee_unit", 1)], name="consent_lookup"
        )
        await consents.collection.create_index([("status", 1), ("valid_until", 1)], name="consent_expiry")
        await plan_refs.create_index("citizen_id", name="plan_ref_citizen")
        await disclosures.create_index([("citizen_id", 1), ("at", -1)], name="disclosure_citizen")

    runtime.on_startup(indexes)
    runtime.consume([topics.PLAN], "consent", plan_references(plan_refs))
    if expiry_interval_seconds is not None:
        interval = expiry_interval_seconds
        runtime.background(lambda: service.expiry_loop(interval))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
