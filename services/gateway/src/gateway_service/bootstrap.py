"""Wiring of the gateway: the only service exposed outside the cluster."""

from __future__ import annotations

from fastapi import FastAPI

from borgerplan_plumbing.auth import JwtVerifier
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from gateway_service.access_log import AccessLog
from gateway_service.entrypoints.http import router
from gateway_service.limits import LimitsMiddleware, TokenBucket
from gateway_service.upstream import Upstreams


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="gateway")
    runtime = ServiceRuntime(
        settings,
        "gateway",
        title="Borgerplan API",
        description="The public API of Borgerplan: one shared plan for the citizen.",
    )
    upstreams = Upstreams(settings)
    runtime.app.state.upstreams = upstreams
    runtime.app.state.verifier = JwtVerifier(settings)
    access_log = AccessLog(runtime.collection("access_log"), runtime.collection("access_log_heads"))
    runtime.app.state.access_log = access_log
    runtime.on_shutdown(access_log.flush)
    runtime.app.add_middleware(
        LimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        bucket=TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst),
    )
    for name in ("plan", "meetings", "consent", "notify"):
        runtime.readiness_check(name, lambda name=name: upstreams.ready(name))  # type: ignore[misc]

    async def indexes() -> None:
        await runtime.collection("access_log").create_index(
            [("citizen_id", 1), ("seq", 1)], name="by_citizen"
        )

    runtime.on_startup(indexes)
    runtime.on_shutdown(upstreams.close)
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
