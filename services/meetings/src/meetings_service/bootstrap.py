"""Wiring of the meetings service."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_plumbing.projections import plan_references
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_plumbing.workdays import WorkingDayCalendar
from meetings_service.consent_client import ConsentClient
from meetings_service.entrypoints.http import router
from meetings_service.service import MeetingService


def build(
    settings: Settings | None = None,
    *,
    consent_transport: httpx.AsyncBaseTransport | None = None,
    overdue_interval_seconds: float | None = 300.0,
) -> ServiceRuntime:
    settings = settings or Settings(service_name="meetings")
    runtime = ServiceRuntime(
        settings,
        "meetings",
        title="Borgerplan meetings service",
        description="Network meetings: participants, agenda, minutes, tasks and deadlines.",
    )
    meetings = runtime.store("meetings", topics.MEETINGS, "meeting")
    plan_refs = runtime.collection("plan_refs")
    consent = ConsentClient(
        settings.consent_url,
        settings.internal_secret.get_secret_value(),
        consent_transport,
        timeout=settings.upstream_timeout_seconds,
    )
    calendar = WorkingDayCalendar.with_closing_days(settings.closing_days)
    service = MeetingService(meetings, plan_refs, consent, calendar)
    runtime.app.state.meeting_service = service

    async def indexes() -> None:
        await meetings.collection.create_index([("citizen_id", 1), ("start", 1)], name="meeting_citizen")
        await meetings.collection.create_index([("status", 1), ("start", 1)], name="meeting_status")

    runtime.on_startup(indexes)
    runtime.on_shutdown(consent.close)
    runtime.consume([topics.PLAN], "meetings", plan_references(plan_refs))
    if overdue_interval_seconds is not None:  # None: tests drive run_overdue themselves
        interval = overdue_interval_seconds
        runtime.background(lambda: service.overdue_loop(interval))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
