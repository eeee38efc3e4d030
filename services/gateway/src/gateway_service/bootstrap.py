"""Wiring of the gateway: the only service exposed outside the cluster.

It publishes and consumes nothing, so it runs without Kafka (no producer, no outbox relay), and its readiness is the
database (the access log) and the services it calls.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from pymongo import IndexModel

from borgerplan_plumbing.access_log import AccessLog
from borgerplan_plumbing.auth import JwtVerifier
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from gateway_service import openapi
from gateway_service.entrypoints.http import router
from gateway_service.forwarding import Context
from gateway_service.forwarding import router as table_router
from gateway_service.limits import LimitsMiddleware, TokenBucket
from gateway_service.routes import ROUTES

SERVICES = ("plan", "meetings", "consent", "notify")


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="gateway")
    runtime = ServiceRuntime(
        settings,
        "gateway",
        title="Borgerplan API",
        description=openapi.DESCRIPTION,
        kafka=False,
    )
    app = runtime.app
    app.state.verifier = JwtVerifier(settings)
    access_log = AccessLog(runtime.collection("access_log"), runtime.collection("access_log_heads"))
    app.state.access_log = access_log
    context = Context(runtime.internal, access_log)
    app.state.context = context
    runtime.on_shutdown(access_log.flush)
    runtime.inner_middleware(
        LimitsMiddleware,
        bucket=TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst),
    )
    for name in SERVICES:
        runtime.readiness_check(name, lambda name=name: runtime.internal.ready(name))  # type: ignore[misc]
    # One chain per citizen and gateway process (decision 0045): a chain's tail and the verifier by chain and place,
    # the citizen's listing by time across chains, and the heads of a citizen's chains.
    runtime.declare_indexes(
        "access_log",
        IndexModel([("citizen_id", 1), ("chain", 1), ("seq", 1)], name="access_log_chain"),
        IndexModel([("citizen_id", 1), ("order", 1)], name="access_log_listing"),
    )
    runtime.declare_indexes(
        "access_log_heads", IndexModel([("citizen_id", 1)], name="access_log_heads_citizen")
    )

    def context_of(request: Request) -> Context:
        found: Context = request.app.state.context
        return found

    app.include_router(router)
    app.include_router(table_router(ROUTES, context_of))
    openapi.install(app)
    return runtime


def create_app() -> FastAPI:
    return build().process_app()
