"""The meetings service's changes: gather the facts a rule needs, let ``meetings_service.domain`` decide, write once.

The facts come from the owning services, asked when a change needs them (``borgerplan_plumbing.access``, through
``runtime.internal``): the plan and the citizen's plans from the plan service, the citizen's consents from the
consent service, once per schedule or publication (no answer from the consent service is a refusal for every other
unit: fail closed). Each change is one ``borgerplan_plumbing.change`` of one meeting document, which holds its history
and its outbox events. Disclosures are recorded with the consent service after the write, when the data has
actually left.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from borgerplan_api.meetings import (
    AgendaItemCreate,
    InvitationPreviewRequest,
    MeetingCreate,
    MeetingUpdate,
    MinutesPut,
    ParticipantResponse,
    PreparationPut,
)
from borgerplan_plumbing import access as owners
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.change import change, create
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.store import AggregateStore, NotFoundError, VersionConflictError
from borgerplan_rules.access import CitizenFacts, Disclosure, PlanFacts
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.workdays import WorkingDayCalendar, today
from meetings_service import domain
from meetings_service.domain import MeetingRuleError

log = logging.getLogger(__name__)

NOT_IN_MEETING = ("history",)  # the legal record; a meeting's reads and changes leave it out
OVERDUE_BATCH = 500  # meetings one overdue pass reports at most; the next pass takes the rest
BACKFILL_BATCH = 500
BACKFILL_MIGRATION = "meetings-query-fields"


@dataclass(frozen=True)
class Meetings:
    """What the meetings service's changes and queries work with, as the routes hand it to them."""

    meetings: AggregateStore
    internal: InternalClient
    calendar: WorkingDayCalendar


def new_id() -> str:
    return str(uuid.uuid4())


# --- facts from the other services ----------------------------------------------------------------------------


async def plan_facts(ctx: Meetings, plan_id: str, caller: Caller) -> PlanFacts:
    """The plan a meeting is for, as the plan service has it now: 404 is an unknown plan (422), no answer 503."""
    response = await ctx.internal.get("plan", path("/plans/{}", plan_id), caller)
    if response.status_code == 404:
        raise MeetingRuleError("plan_id", "unknown plan")
    if response.status_code != 200:
        raise UnavailableError("plan")
    return PlanFacts.of(response.json())


async def citizen_facts(ctx: Meetings, caller: Caller, citizen_id: str) -> CitizenFacts:
    """The citizen's plans and consents, side by side (the consents None when the consent service is away)."""
    return await owners.citizen_facts(ctx.internal, caller, citizen_id)


async def record_disclosures(ctx: Meetings, caller: Caller, items: Iterable[Disclosure]) -> None:
    """Log each disclosure with the consent service. The data has left already; a failure is logged here (with no
    citizen data) and does not undo the change."""

    async def record(item: Disclosure) -> None:
        try:
            await owners.record_disclosure(ctx.internal, caller, item)
        except owners.DisclosureNotRecordedError:
            log.error(
                "disclosure not recorded",
                extra={"meeting_id": item.reference, "unit": item.unit, "what": item.what},
            )

    await asyncio.gather(*(record(item) for item in items))


# --- changes --------------------------------------------------------------------------------------------------


async def meeting_change(
    ctx: Meetings,
    meeting_id: str,
    expected: int | None,
    stamp: Stamp,
    decide: Callable[[Document], Outcome],
) -> Document:
    """One change of one meeting (412 on a stale ``expected``; without one, retried when another writer won)."""
    return await change(ctx.meetings, meeting_id, expected, stamp, decide, leave_out=NOT_IN_MEETING)


async def _invitation_answers(
    ctx: Meetings, body: MeetingCreate | InvitationPreviewRequest, caller: Caller
) -> tuple[PlanFacts, domain.Answers]:
    plan = await plan_facts(ctx, body.plan_id, caller)
    domain.check_current(plan)
    facts = await citizen_facts(ctx, caller, plan.citizen_id)
    return plan, domain.invitation_answers(body.participants, facts, today())


async def preview_invitations(
    ctx: Meetings, body: InvitationPreviewRequest, caller: Caller
) -> tuple[list[Document], list[Document]]:
    """A dry run of scheduling: who would be invited, and who not and why. Nothing is stored or sent."""
    _, answers = await _invitation_answers(ctx, body, caller)
    invited, uninvited = domain.invitations(body.participants, answers)
    return [p.model_dump(mode="json") for p in invited], uninvited


async def schedule(ctx: Meetings, body: MeetingCreate, caller: Caller) -> Document:
    plan, answers = await _invitation_answers(ctx, body, caller)
    doc, events = domain.schedule(
        body,
        plan,
        answers,
        meeting_id=new_id(),
        stamp=Stamp.of(caller),
        calendar=ctx.calendar,
        new_id=new_id,
    )
    stored = await create(ctx.meetings, doc, events)
    await record_disclosures(ctx, caller, domain.invitation_disclosures(stored, answers))
    stored.pop("history", None)
    return stored


async def update(
    ctx: Meetings, meeting_id: str, expected: int, body: MeetingUpdate, caller: Caller
) -> Document:
    stamp = Stamp.of(caller)
    return await meeting_change(
        ctx, meeting_id, expected, stamp, lambda m: domain.update_meeting(m, body, stamp.at, ctx.calendar)
    )


async def respond(
    ctx: Meetings, meeting_id: str, participant_id: str, body: ParticipantResponse, caller: Caller
) -> Document:
    return await meeting_change(
        ctx,
        meeting_id,
        None,
        Stamp.of(caller),
        lambda m: domain.respond(m, participant_id, body, ctx.calendar),
    )


async def add_agenda_item(
    ctx: Meetings, meeting_id: str, body: AgendaItemCreate, caller: Caller, on: date | None = None
) -> Document:
    item_id, day = new_id(), on or today()
    return await meeting_change(
        ctx,
        meeting_id,
        None,
        Stamp.of(caller),
        lambda m: domain.add_agenda_item(
            m, body, item_id=item_id, unit=caller.unit, today=day, calendar=ctx.calendar
        ),
    )


async def prepare(
    ctx: Meetings, meeting_id: str, expected: int | None, body: PreparationPut, caller: Caller
) -> Document:
    stamp = Stamp.of(caller)
    return await meeting_change(
        ctx, meeting_id, expected, stamp, lambda m: domain.prepare(m, body, stamp, ctx.calendar)
    )


async def put_minutes(
    ctx: Meetings, meeting_id: str, expected: int, body: MinutesPut, caller: Caller
) -> Document:
    return await meeting_change(
        ctx,
        meeting_id,
        expected,
        Stamp.of(caller),
        lambda m: domain.put_minutes(m, body, new_id, ctx.calendar),
    )


async def publish_minutes(ctx: Meetings, meeting_id: str, expected: int, caller: Caller) -> Document:
    current = await ctx.meetings.get(meeting_id, leave_out=NOT_IN_MEETING)
    if current["version"] != expected:
        raise VersionConflictError(meeting_id, expected)
    facts = await citizen_facts(ctx, caller, current["citizen_id"])
    answers = domain.minutes_answers(current, facts, today())
    stamp = Stamp.of(caller)
    stored = await meeting_change(
        ctx,
        meeting_id,
        expected,
        stamp,
        lambda m: domain.publish_minutes(m, answers, stamp.at, ctx.calendar),
    )
    await record_disclosures(ctx, caller, domain.minutes_disclosures(stored, answers))
    return stored


async def complete_task(ctx: Meetings, meeting_id: str, task_id: str, caller: Caller) -> Document:
    day = today()
    return await meeting_change(
        ctx,
        meeting_id,
        None,
        Stamp.of(caller),
        lambda m: domain.complete_task(m, task_id, day, ctx.calendar),
    )


# --- the overdue pass (safe with several replicas) ------------------------------------------------------------


async def run_overdue(ctx: Meetings, on: date | None = None, limit: int = OVERDUE_BATCH) -> dict[str, int]:
    """Publish ``MinutesOverdue`` / ``TaskOverdue`` once each for what is overdue on ``on`` (today).

    Reads only the meetings with something to report (``next_overdue_on`` has come), at most ``limit`` per pass,
    the longest waiting first. Each is a versioned change by the system: of replicas racing, one reports and the
    others, reading again, find nothing left to report.
    """
    day = on or today()
    due = await ctx.meetings.find(
        {"next_overdue_on": {"$lte": day.isoformat()}},
        sort=[("next_overdue_on", 1)],
        limit=limit,
        fields=("_id",),
    )
    counts = {"minutes": 0, "tasks": 0}
    stamp = Stamp.system()
    for found in due:
        reported = await _report_overdue(ctx, found["_id"], day, stamp)
        counts["minutes"] += reported.count("MinutesOverdue")
        counts["tasks"] += reported.count("TaskOverdue")
    return counts


async def _report_overdue(ctx: Meetings, meeting_id: str, day: date, stamp: Stamp) -> list[str]:
    """The names of the events one meeting's report wrote (none when another replica got there first)."""
    decided: list[Outcome] = []

    def decide(meeting: Document) -> Outcome:
        outcome = domain.report_overdue(meeting, day, ctx.calendar)
        decided.append(outcome)
        return outcome

    try:
        await meeting_change(ctx, meeting_id, None, stamp, decide)
    except (VersionConflictError, NotFoundError):
        return []
    return [type(event).__name__ for event in decided[-1].events] if decided else []


async def overdue_loop(ctx: Meetings, interval_seconds: float) -> None:
    while True:
        try:
            await run_overdue(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("overdue pass failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(interval_seconds)


async def backfill_query_fields(ctx: Meetings, migrations: Collection) -> int:
    """Meetings stored before ``outstanding`` and ``next_overdue_on`` existed get them: once per database.

    Walks the meetings by ``_id`` in batches (the ``_id`` index), so the pass never scans; each write is a
    versioned change by the system without a history entry (nothing about the meeting changed). Replicas starting
    together both walk; the version check keeps their writes from colliding.
    """
    if await migrations.find_one({"_id": BACKFILL_MIGRATION}):
        return 0
    stamp = Stamp.system()
    written, after = 0, ""
    while True:
        batch = await ctx.meetings.find(
            {"_id": {"$gt": after}}, sort=[("_id", 1)], limit=BACKFILL_BATCH, leave_out=NOT_IN_MEETING
        )
        for meeting in batch:
            if domain.backfill(meeting, ctx.calendar).empty:
                continue
            await meeting_change(ctx, meeting["_id"], None, stamp, lambda m: domain.backfill(m, ctx.calendar))
            written += 1
        if len(batch) < BACKFILL_BATCH:
            break
        after = batch[-1]["_id"]
    await migrations.update_one(
        {"_id": BACKFILL_MIGRATION}, {"$set": {"done_at": datetime.now(UTC), "written": written}}, upsert=True
    )
    return written
