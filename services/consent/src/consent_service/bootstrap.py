"""Wiring of the consent service: one process with its HTTP API, its Kafka broker and its database."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import IndexModel

from borgerplan_contracts import topics
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import UnavailableError, path
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.projections import plan_references
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from consent_service.changes import Consents
from consent_service.entrypoints.expiry import expiry_loop
from consent_service.entrypoints.http import router

# How the consent service asks the plan service for what its read model may not have seen yet.
SYSTEM_CALLER = Caller(
    sub="consent", name="Borgerplan samtykke", unit="borgerplan", unit_kind="authority", roles=["admin"]
)

# Every query the service sends, and the index that answers it (issue 11: nothing scans a collection).
INDEXES: dict[str, list[IndexModel]] = {
    "consents": [
        # A citizen's consents: the decision and the preview (citizen_id), the list's pages by valid_from then
        # id (its unit filter's $or is applied within the citizen's few consents).
        IndexModel([("citizen_id", 1), ("valid_from", 1), ("_id", 1)], name="consent_citizen"),
        # A batch decision: the consents one unit received, among many citizens.
        IndexModel([("grantee_unit", 1), ("citizen_id", 1)], name="consent_grantee"),
        # The expiry pass: active consents whose end has passed, oldest end first.
        IndexModel([("status", 1), ("valid_until", 1)], name="consent_expiry"),
        # The expiry pass: active consents ending soon, not yet warned of.
        IndexModel([("status", 1), ("expiring_notified", 1), ("valid_until", 1)], name="consent_expiring"),
    ],
    "plan_refs": [
        # The decision: the citizen's plans (the projection and the plan service's answer upsert by _id).
        IndexModel([("citizen_id", 1)], name="plan_ref_citizen"),
        # A batch decision: the plans one unit is responsible for, among many citizens.
        IndexModel([("responsible_unit", 1), ("citizen_id", 1)], name="plan_ref_responsible"),
    ],
    "disclosures": [
        # The citizen's disclosure log, newest first, keyset on (at, id).
        IndexModel([("citizen_id", 1), ("at", -1), ("_id", -1)], name="disclosure_citizen"),
    ],
}


def build(
    settings: Settings | None = None, *, expiry_interval_seconds: float | None = 60.0
) -> ServiceRuntime:
    """``expiry_interval_seconds=None`` runs no expiry loop (tests drive ``changes.run_expiry`` themselves)."""
    settings = settings or Settings(service_name="consent")
    runtime = ServiceRuntime(
        settings,
        "consent",
        title="Borgerplan consent service",
        description="Consents, revocations, the decision who may see what, and disclosures.",
    )

    async def plans_of(citizen_id: str) -> list[Document]:
        # runtime.internal is read at each call: tests route it to a plan service in the same process.
        response = await runtime.internal.get(
            "plan", path("/citizens/{}/plan-refs", citizen_id), SYSTEM_CALLER
        )
        if response.status_code != 200:
            raise UnavailableError("plan")
        answer = response.json()
        if not isinstance(answer, list):
            raise UnavailableError("plan")
        return answer

    ctx = Consents(
        consents=runtime.store("consents", topics.CONSENT, "consent"),
        plan_refs=runtime.collection("plan_refs"),
        disclosures=runtime.collection("disclosures"),
        plans=plans_of,
    )
    runtime.app.state.consents = ctx
    for collection, indexes in INDEXES.items():
        runtime.declare_indexes(collection, *indexes)
    runtime.consume([topics.PLAN], "consent", plan_references(ctx.plan_refs), absolute=True)
    if expiry_interval_seconds is not None:
        interval = expiry_interval_seconds
        runtime.background(lambda: expiry_loop(ctx, interval))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory consent_service.bootstrap:create_app``"""
    return build().process_app()
