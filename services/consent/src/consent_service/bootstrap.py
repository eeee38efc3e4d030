"""Wiring of the consent service: one process with its HTTP API, its database and its Kafka producer (it publishes
the consent topic and consumes nothing)."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import IndexModel

from borgerplan_contracts import topics
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from consent_service.changes import Consents
from consent_service.entrypoints.expiry import expiry_loop
from consent_service.entrypoints.http import router

# Every query the service sends, and the index that answers it (issue 11: nothing scans a collection).
INDEXES: dict[str, list[IndexModel]] = {
    "consents": [
        # A citizen's consents: the facts access is decided from (citizen_id), the list's pages by valid_from
        # then id (its unit filter's $or is applied within the citizen's few consents).
        IndexModel([("citizen_id", 1), ("valid_from", 1), ("_id", 1)], name="consent_citizen"),
        # Mine borgere: the consents one unit received, among many citizens.
        IndexModel([("grantee_unit", 1), ("citizen_id", 1)], name="consent_grantee"),
        # The expiry pass: active consents whose end has passed, oldest end first.
        IndexModel([("status", 1), ("valid_until", 1)], name="consent_expiry"),
        # The expiry pass: active consents ending soon, not yet warned of.
        IndexModel([("status", 1), ("expiring_notified", 1), ("valid_until", 1)], name="consent_expiring"),
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
        description="Consents, revocations, expiries and the disclosure log.",
    )
    ctx = Consents(
        consents=runtime.store("consents", topics.CONSENT, "consent"),
        disclosures=runtime.collection("disclosures"),
    )
    runtime.app.state.consents = ctx
    for collection, indexes in INDEXES.items():
        runtime.declare_indexes(collection, *indexes)
    if expiry_interval_seconds is not None:
        interval = expiry_interval_seconds
        runtime.background(lambda: expiry_loop(ctx, interval))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory consent_service.bootstrap:create_app``"""
    return build().process_app()
