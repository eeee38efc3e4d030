"""The outreach service's reads. Each query has its index (``outreach_service.bootstrap.INDEXES``); deadlines and
overdue flags are the domain's, counted from today in Copenhagen with the one working-day calendar."""

from __future__ import annotations

from borgerplan_plumbing.mongo import Document
from borgerplan_rules.workdays import today
from outreach_service import domain
from outreach_service.changes import NOT_IN_COURSE, Outreach

# One team's board at most (the scale: 2,000 open courses in a municipality of 10,000).
MAX_BOARD = 2000
_BOARD_FIELDS = (
    "citizen_id",
    "citizen_name",
    "team_unit",
    "status",
    "on_board",
    "phase",
    "assignment",
    "referral.received_on",
    "first_contact_on",
    "first_meeting.held_on",
    "advice.on",
    "needs_assessment.on",
    "coordinating_meetings",
    "clock_stops",
    "transition.ended_on",
    "follow_up",
    "next_due_on",
)


async def course(ctx: Outreach, course_id: str) -> Document:
    return await ctx.courses.get(course_id, leave_out=NOT_IN_COURSE)


async def board(ctx: Outreach, team_unit: str, caseworker_sub: str | None = None) -> list[Document]:
    """The team's courses that ask something of it (open, or ended with the follow-up to do), the nearest deadline
    first (the overdue on top), as board lines."""
    query: Document = {"team_unit": team_unit, "on_board": True}
    if caseworker_sub:
        query["assignment.caseworker_sub"] = caseworker_sub
    found = await ctx.courses.find(query, sort=[("next_due_on", 1)], limit=MAX_BOARD, fields=_BOARD_FIELDS)
    day = today()
    lines = [domain.summary(c, ctx.calendar, day) for c in found]
    return sorted(lines, key=domain.board_order)
