"""Wiring of the meetings service: one process with its HTTP API, its Kafka broker and its database."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import IndexModel

from borgerplan_contracts import topics
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import WorkingDayCalendar
from meetings_service import changes
from meetings_service.changes import Meetings
from meetings_service.entrypoints.http import router

# Every query the service sends, and the index it uses (decision 0008).
INDEXES = (
    # A citizen's meetings by start (GET /meetings?citizen_id=, GET /citizens/{id}/meetings). The name is the one
    # this index always had, so a database made before keeps it.
    IndexModel([("citizen_id", 1), ("start", 1)], name="meeting_citizen"),
    # The worklist: the citizens' next meetings (citizen_id $in, scheduled, from now) ...
    IndexModel([("citizen_id", 1), ("status", 1), ("start", 1)], name="meeting_citizen_upcoming"),
    # ... and their open meetings (minutes to send, tasks to do).
    IndexModel([("citizen_id", 1), ("outstanding", 1)], name="meeting_citizen_outstanding"),
    # Mine borgere's overdue citizens: the open meetings already held (only those can be late).
    IndexModel([("outstanding", 1), ("start", 1)], name="meeting_held_outstanding"),
    # The overdue pass: only meetings with something to report, the longest waiting first.
    IndexModel([("next_overdue_on", 1)], name="meeting_overdue_pass"),
    # A unit's deadlines: tasks it is responsible for, meetings it coordinates, upcoming meetings it is invited to.
    IndexModel([("minutes.tasks.responsible_unit", 1), ("outstanding", 1)], name="meeting_task_unit"),
    IndexModel([("coordinator_unit", 1), ("outstanding", 1)], name="meeting_coordinator"),
    IndexModel([("participants.unit", 1), ("status", 1), ("start", 1)], name="meeting_participant_unit"),
)


def build(
    settings: Settings | None = None, *, overdue_interval_seconds: float | None = 300.0
) -> ServiceRuntime:
    """The service; ``overdue_interval_seconds`` None leaves the overdue pass to the caller (tests)."""
    settings = settings or Settings(service_name="meetings")
    runtime = ServiceRuntime(
        settings,
        "meetings",
        title="Borgerplan meetings service",
        description="Network meetings: participants, agenda, minutes, tasks and deadlines.",
    )
    ctx = Meetings(
        meetings=runtime.store("meetings", topics.MEETINGS, "meeting"),
        internal=runtime.internal,
        calendar=WorkingDayCalendar.with_closing_days(settings.closing_days),
    )
    runtime.app.state.meetings = ctx
    runtime.declare_indexes("meetings", *INDEXES)
    migrations = runtime.collection("migrations")

    async def backfill() -> None:
        await changes.backfill_query_fields(ctx, migrations)

    runtime.on_startup(backfill)
    if overdue_interval_seconds is not None:
        interval = overdue_interval_seconds
        runtime.background(lambda: changes.overdue_loop(ctx, interval))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory meetings_service.bootstrap:create_app``"""
    return build().process_app()
