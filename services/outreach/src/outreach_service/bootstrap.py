"""Wiring of the outreach service: one process with its HTTP API, its Kafka broker and its database (decision 0056)."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import IndexModel

from borgerplan_contracts import topics
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import WorkingDayCalendar
from outreach_service.changes import OPEN_COURSE_INDEX, Outreach
from outreach_service.entrypoints.http import router

# Every query the service sends, and the index it uses (decision 0031).
INDEXES = (
    # The team board: a team's courses still asking something of it by their nearest deadline
    # (outreach_service.queries.board) ...
    IndexModel([("team_unit", 1), ("on_board", 1), ("next_due_on", 1)], name="course_team_board"),
    # ... and one caseworker's own.
    IndexModel(
        [("team_unit", 1), ("on_board", 1), ("assignment.caseworker_sub", 1), ("next_due_on", 1)],
        name="course_caseworker_board",
    ),
    # One open course per identified citizen, across every replica: joining a citizen by CPR never makes a second
    # course (an unidentified course has no citizen_id at all, so any number of them may be open).
    IndexModel(
        [("citizen_id", 1)],
        name=OPEN_COURSE_INDEX,
        unique=True,
        partialFilterExpression={"status": "open", "citizen_id": {"$exists": True}},
    ),
)


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="outreach")
    runtime = ServiceRuntime(
        settings,
        "outreach",
        title="Borgerplan outreach service",
        description="Outreach courses (fremskudt sagsbehandling): referral, contact, agreement, transition, deadlines.",
    )
    ctx = Outreach(
        courses=runtime.store("courses", topics.OUTREACH, "course"),
        internal=runtime.internal,
        calendar=WorkingDayCalendar.with_closing_days(settings.closing_days),
    )
    runtime.app.state.outreach = ctx
    runtime.declare_indexes("courses", *INDEXES)
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory outreach_service.bootstrap:create_app``"""
    return build().process_app()
