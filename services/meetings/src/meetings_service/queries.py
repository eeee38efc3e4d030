"""The meetings service's reads. Each query has its index (``meetings_service.bootstrap.INDEXES``); the overdue
flags and working days are the domain's (``meetings_service.domain``), counted from today in Copenhagen."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime

from borgerplan_plumbing.mongo import Document
from borgerplan_rules.workdays import today
from meetings_service import domain
from meetings_service.changes import NOT_IN_MEETING, Meetings

# A citizen's newest meetings: years of monthly meetings fit; older ones are history.
MAX_MEETINGS_PER_CITIZEN = 200
# A worklist of up to 1000 citizens: their upcoming and their open meetings.
MAX_SUMMARY_MEETINGS = 10_000
# One unit's open meetings per kind of involvement (tasks, coordinating, invited).
MAX_UNIT_MEETINGS = 2000

# What the worklist and deadline answers need of a meeting (not its agenda, minutes' text or history).
_DEADLINE_FIELDS = (
    "citizen_id",
    "kind",
    "status",
    "start",
    "end",
    "place",
    "coordinator_unit",
    "participants.unit",
    "agenda_closes_on",
    "minutes_due_on",
    "minutes.published_at",
    "minutes.tasks",
)


async def meeting(ctx: Meetings, meeting_id: str) -> Document:
    return await ctx.meetings.get(meeting_id, leave_out=NOT_IN_MEETING)


async def meetings_of(ctx: Meetings, citizen_id: str) -> list[Document]:
    """The citizen's meetings by start (the newest ``MAX_MEETINGS_PER_CITIZEN``)."""
    newest = await ctx.meetings.find(
        {"citizen_id": citizen_id},
        sort=[("start", -1)],
        limit=MAX_MEETINGS_PER_CITIZEN,
        leave_out=NOT_IN_MEETING,
    )
    return newest[::-1]


async def citizen_meetings(
    ctx: Meetings, citizen_id: str, on: date | None = None
) -> tuple[list[Document], list[Document], list[Document]]:
    """The citizen's meetings, their open tasks and their deadlines, with overdue flags as of ``on`` (today)."""
    day = on or today()
    meetings = await meetings_of(ctx, citizen_id)
    return (
        meetings,
        domain.citizen_tasks(meetings, day, ctx.calendar),
        domain.citizen_deadlines(meetings, day, ctx.calendar),
    )


async def summaries(
    ctx: Meetings, citizen_ids: Sequence[str], now: datetime | None = None, on: date | None = None
) -> list[Document]:
    """A worklist row per citizen: the next meeting, overdue items, open tasks."""
    ids = list(dict.fromkeys(citizen_ids))
    if not ids:
        return []
    moment = now or datetime.now(UTC)
    upcoming, outstanding = await asyncio.gather(
        ctx.meetings.find(
            {"citizen_id": {"$in": ids}, "status": "scheduled", "start": {"$gte": moment}},
            fields=_DEADLINE_FIELDS,
            limit=MAX_SUMMARY_MEETINGS,
        ),
        ctx.meetings.find(
            {"citizen_id": {"$in": ids}, "outstanding": True},
            fields=_DEADLINE_FIELDS,
            limit=MAX_SUMMARY_MEETINGS,
        ),
    )
    return domain.summaries(ids, upcoming, outstanding, moment, on or today(), ctx.calendar)


async def overdue(ctx: Meetings, now: datetime | None = None, on: date | None = None) -> list[Document]:
    """The citizens with something overdue today (minutes not sent in time, tasks past their day), most first.

    Only a meeting that has been held can be late, so this reads the open meetings that started before now (an
    indexed range: ``outstanding`` and ``start``), not every meeting of every citizen.
    """
    moment = now or datetime.now(UTC)
    held = await ctx.meetings.find(
        {"outstanding": True, "start": {"$lt": moment}},
        fields=_DEADLINE_FIELDS,
        limit=MAX_SUMMARY_MEETINGS,
    )
    ids = list(dict.fromkeys(m["citizen_id"] for m in held))
    rows = domain.summaries(ids, [], held, moment, on or today(), ctx.calendar)
    late = [r for r in rows if r["overdue_count"]]
    return sorted(late, key=lambda r: (-r["overdue_count"], r["citizen_id"]))


async def unit_deadlines(
    ctx: Meetings, unit: str, now: datetime | None = None, on: date | None = None
) -> list[Document]:
    """One unit's deadlines: tasks it is responsible for, minutes of meetings it coordinates, agendas of upcoming
    meetings it takes part in (three indexed reads, merged by the domain)."""
    moment = now or datetime.now(UTC)
    found = await asyncio.gather(
        ctx.meetings.find(
            {"minutes.tasks.responsible_unit": unit, "outstanding": True},
            fields=_DEADLINE_FIELDS,
            limit=MAX_UNIT_MEETINGS,
        ),
        ctx.meetings.find(
            {"coordinator_unit": unit, "outstanding": True},
            fields=_DEADLINE_FIELDS,
            limit=MAX_UNIT_MEETINGS,
        ),
        ctx.meetings.find(
            {"participants.unit": unit, "status": "scheduled", "start": {"$gte": moment}},
            fields=_DEADLINE_FIELDS,
            limit=MAX_UNIT_MEETINGS,
        ),
    )
    meetings = [m for part in found for m in part]
    return domain.unit_deadlines(unit, meetings, moment, on or today(), ctx.calendar)
