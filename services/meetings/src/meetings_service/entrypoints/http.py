"""HTTP routes of the meetings service. The gateway forwards ``/api/v1/...`` here with the caller signed.

Routes parse, hand over to ``meetings_service.changes`` or ``meetings_service.queries``, and shape the answer; they
never touch a store themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from borgerplan_api.meetings import (
    AgendaItemCreate,
    CitizenDeadline,
    CitizenMeetings,
    CitizenTask,
    InvitationPreview,
    InvitationPreviewRequest,
    MeetingCreate,
    MeetingPublic,
    MeetingSummary,
    MeetingSummaryRequest,
    MeetingUpdate,
    MinutesPut,
    OutreachDeadline,
    ParticipantResponse,
    PreparationPut,
    UnitDeadline,
)
from borgerplan_plumbing.http import IfMatch, created, parse_if_match, state, versioned
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from meetings_service import changes, domain, ics, queries
from meetings_service.changes import Meetings

router = APIRouter()
Ctx = Annotated[Meetings, state("meetings")]


def meeting_public(doc: Document) -> MeetingPublic:
    return MeetingPublic.model_validate({**doc, "meeting_id": doc["_id"]})


async def _versioned(response: Response, change: Awaitable[Document]) -> MeetingPublic:
    return versioned(response, meeting_public(await change))


# --- meetings -------------------------------------------------------------------------------------------------


@router.post(
    "/meetings",
    status_code=201,
    response_model=MeetingPublic,
    operation_id="schedule_meeting",
    tags=["meetings"],
    summary="Schedule a meeting; participants from units without consent are not invited",
)
async def schedule_meeting(
    body: MeetingCreate, ctx: Ctx, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def stored() -> MeetingPublic:
        return meeting_public(await changes.schedule(ctx, body, caller))

    return await created(
        runtime.idempotency,
        scope=f"meeting:{caller.sub}",
        key=key,
        body=body,
        write=stored,
        location=lambda meeting: f"/meetings/{meeting.meeting_id}",
    )


@router.post(
    "/meetings/invitation-preview",
    response_model=InvitationPreview,
    operation_id="preview_invitations",
    tags=["meetings"],
    summary="Who would be invited to a meeting of this plan, and who not and why (a dry run: nothing is stored)",
)
async def preview_invitations(
    body: InvitationPreviewRequest, ctx: Ctx, caller: CurrentCaller
) -> InvitationPreview:
    invited, uninvited = await changes.preview_invitations(ctx, body, caller)
    return InvitationPreview.model_validate({"invited": invited, "uninvited": uninvited})


@router.get("/meetings", response_model=list[MeetingPublic], operation_id="list_meetings", tags=["meetings"])
async def list_meetings(ctx: Ctx, citizen_id: Annotated[str, Query(max_length=100)]) -> list[MeetingPublic]:
    return [meeting_public(d) for d in await queries.meetings_of(ctx, citizen_id)]


@router.post(
    "/meetings/summary",
    response_model=list[MeetingSummary],
    operation_id="meeting_summaries",
    tags=["worklists"],
    summary="Per citizen: the next meeting, overdue items and open tasks (internal: Mine borgere)",
)
async def meeting_summaries(body: MeetingSummaryRequest, ctx: Ctx) -> list[MeetingSummary]:
    return [MeetingSummary.model_validate(r) for r in await queries.summaries(ctx, body.citizen_ids)]


@router.get(
    "/meetings/overdue",
    response_model=list[MeetingSummary],
    operation_id="overdue_citizens",
    tags=["worklists"],
    summary="The citizens with something overdue today, most first (internal: Mine borgere)",
)
async def overdue_citizens(ctx: Ctx) -> list[MeetingSummary]:
    return [MeetingSummary.model_validate(r) for r in await queries.overdue(ctx)]


@router.get(
    "/meetings/{meeting_id}", response_model=MeetingPublic, operation_id="get_meeting", tags=["meetings"]
)
async def get_meeting(meeting_id: str, ctx: Ctx, response: Response) -> MeetingPublic:
    return await _versioned(response, queries.meeting(ctx, meeting_id))


@router.patch(
    "/meetings/{meeting_id}",
    response_model=MeetingPublic,
    operation_id="update_meeting",
    tags=["meetings"],
    summary="Reschedule, move, cancel (status: cancelled) or name the minute-taker",
)
async def update_meeting(
    meeting_id: str,
    body: MeetingUpdate,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> MeetingPublic:
    expected = parse_if_match(if_match)
    return await _versioned(response, changes.update(ctx, meeting_id, expected, body, caller))


@router.post(
    "/meetings/{meeting_id}/participants/{participant_id}/response",
    response_model=MeetingPublic,
    operation_id="respond_to_invitation",
    tags=["meetings"],
    summary="Accept, decline (with apologies) or answer tentatively",
)
async def respond(
    meeting_id: str,
    participant_id: str,
    body: ParticipantResponse,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
) -> MeetingPublic:
    return await _versioned(response, changes.respond(ctx, meeting_id, participant_id, body, caller))


@router.post(
    "/meetings/{meeting_id}/agenda-items",
    status_code=201,
    response_model=MeetingPublic,
    operation_id="add_agenda_item",
    tags=["meetings"],
    summary="A participant adds an item (closed 4 working days before the meeting)",
)
async def add_agenda_item(
    meeting_id: str, body: AgendaItemCreate, ctx: Ctx, response: Response, caller: CurrentCaller
) -> MeetingPublic:
    return await _versioned(response, changes.add_agenda_item(ctx, meeting_id, body, caller))


@router.put(
    "/meetings/{meeting_id}/preparation",
    response_model=MeetingPublic,
    operation_id="write_preparation",
    tags=["meetings"],
    summary="The citizen's preparation sheet before the meeting (the citizen only)",
)
async def write_preparation(
    meeting_id: str,
    body: PreparationPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> MeetingPublic:
    expected = parse_if_match(if_match) if if_match else None
    return await _versioned(response, changes.prepare(ctx, meeting_id, expected, body, caller))


@router.get(
    "/meetings/{meeting_id}/invitation.ics",
    operation_id="get_invitation_ics",
    tags=["meetings"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def invitation_ics(meeting_id: str, ctx: Ctx, runtime: Runtime) -> Response:
    doc = await queries.meeting(ctx, meeting_id)
    settings = runtime.settings
    text = ics.invitation(
        meeting_id=meeting_id,
        kind=doc["kind"],
        start=doc["start"],
        end=doc["end"],
        place=doc.get("place"),
        sequence=doc.get("sequence", 0),
        cancelled=doc["status"] == "cancelled",
        organizer_email=settings.smtp_sender,
        attendees=[ics.Attendee(p["name"], p["email"]) for p in doc["participants"] if p.get("email")],
        link=f"{settings.web_public_url.rstrip('/')}/moeder/{quote(meeting_id, safe='')}",
    )
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{meeting_id}.ics"'},
    )


# --- minutes and tasks ----------------------------------------------------------------------------------------


@router.put(
    "/meetings/{meeting_id}/minutes",
    response_model=MeetingPublic,
    operation_id="put_minutes",
    tags=["minutes"],
    summary="Attendance, decisions per item, tasks (who, what, due)",
)
async def put_minutes(
    meeting_id: str,
    body: MinutesPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> MeetingPublic:
    expected = parse_if_match(if_match)
    return await _versioned(response, changes.put_minutes(ctx, meeting_id, expected, body, caller))


@router.post(
    "/meetings/{meeting_id}/minutes/publication",
    response_model=MeetingPublic,
    operation_id="publish_minutes",
    tags=["minutes"],
    summary="Publish the minutes to the participants permitted to receive them",
)
async def publish_minutes(
    meeting_id: str, ctx: Ctx, response: Response, caller: CurrentCaller, if_match: IfMatch = None
) -> MeetingPublic:
    expected = parse_if_match(if_match)
    return await _versioned(response, changes.publish_minutes(ctx, meeting_id, expected, caller))


@router.post(
    "/meetings/{meeting_id}/tasks/{task_id}/completion",
    response_model=MeetingPublic,
    operation_id="complete_task",
    tags=["minutes"],
)
async def complete_task(
    meeting_id: str, task_id: str, ctx: Ctx, response: Response, caller: CurrentCaller
) -> MeetingPublic:
    return await _versioned(response, changes.complete_task(ctx, meeting_id, task_id, caller))


# --- facts for the composed views (internal) ------------------------------------------------------------------


@router.get(
    "/citizens/{citizen_id}/meetings",
    response_model=CitizenMeetings,
    operation_id="citizen_meetings",
    tags=["worklists"],
    summary="The citizen's meetings, open tasks and deadlines with overdue flags in working days (internal)",
)
async def citizen_meetings(citizen_id: str, ctx: Ctx) -> CitizenMeetings:
    meetings, tasks, deadlines = await queries.citizen_meetings(ctx, citizen_id)
    return CitizenMeetings(
        meetings=[meeting_public(d) for d in meetings],
        tasks=[CitizenTask.model_validate(t) for t in tasks],
        deadlines=[CitizenDeadline.model_validate(d) for d in deadlines],
    )


@router.get(
    "/units/{unit}/deadlines",
    response_model=list[UnitDeadline],
    operation_id="unit_deadlines",
    tags=["worklists"],
    summary="One unit's tasks, minutes due and agenda deadlines; overdue first, then by due date (internal)",
)
async def unit_deadlines(unit: str, ctx: Ctx) -> list[UnitDeadline]:
    return [UnitDeadline.model_validate(r) for r in await queries.unit_deadlines(ctx, unit)]


@router.get(
    "/deadlines/outreach",
    response_model=list[OutreachDeadline],
    operation_id="outreach_deadlines",
    tags=["deadlines"],
    summary="The outreach workflow's deadlines in Danish working days, from the milestones given",
)
async def outreach(
    ctx: Ctx,
    referral: date | None = None,
    first_contact: date | None = None,
    first_meeting: date | None = None,
    course_ended: date | None = None,
) -> list[OutreachDeadline]:
    given = {
        "referral": referral,
        "first_contact": first_contact,
        "first_meeting": first_meeting,
        "course_ended": course_ended,
    }
    milestones = {name: day for name, day in given.items() if day is not None}
    if not milestones:
        raise Problem(
            422,
            "Invalid request",
            "Give at least one milestone date.",
            kind="validation",
            errors=[
                {
                    "field": "referral",
                    "message": "one of referral, first_contact, first_meeting, course_ended is required",
                }
            ],
        )
    return [OutreachDeadline.model_validate(d) for d in domain.outreach_deadlines(milestones, ctx.calendar)]
