"""HTTP routes of the meetings service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from borgerplan_plumbing.http import etag, parse_if_match
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from meetings_service import ics
from meetings_service.rules import outreach_deadlines
from meetings_service.schemas import (
    AgendaItemCreate,
    MeetingCreate,
    MeetingPublic,
    MeetingUpdate,
    MinutesPut,
    OverdueItem,
    ParticipantResponse,
)
from meetings_service.service import MeetingService

router = APIRouter()
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _service(request: Request) -> MeetingService:
    service: MeetingService = request.app.state.meeting_service
    return service


def meeting_public(doc: Document) -> MeetingPublic:
    return MeetingPublic.model_validate({**doc, "meeting_id": doc["_id"]})


async def _changed(response: Response, change: Callable[[], Awaitable[Document]]) -> MeetingPublic:
    public = meeting_public(await change())
    response.headers["ETag"] = etag(public.version)
    return public


@router.post(
    "/meetings",
    status_code=201,
    response_model=MeetingPublic,
    operation_id="schedule_meeting",
    tags=["meetings"],
    summary="Schedule a meeting; participants from units without consent are not invited",
)
async def schedule_meeting(
    body: MeetingCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def create() -> tuple[int, object, dict[str, str]]:
        public = meeting_public(await _service(request).schedule(body, caller))
        return 201, public, {"Location": f"/meetings/{public.meeting_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"meeting:{caller.sub}", key=key, payload=body, create=create)


@router.get(
    "/meetings/overdue",
    response_model=list[OverdueItem],
    operation_id="list_overdue",
    tags=["meetings"],
    summary="Minutes and tasks past their due date",
)
async def list_overdue(
    request: Request, citizen_id: Annotated[str | None, Query(max_length=100)] = None
) -> list[OverdueItem]:
    return [OverdueItem.model_validate(i) for i in await _service(request).overdue(citizen_id)]


@router.get(
    "/deadlines/outreach",
    operation_id="outreach_deadlines",
    tags=["deadlines"],
    summary="The outreach workflow's deadlines in Danish working days, from the milestones given",
)
async def outreach(
    request: Request,
    referral: date | None = None,
    first_contact: date | None = None,
    first_meeting: date | None = None,
    course_ended: date | None = None,
) -> list[dict[str, object]]:
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
    return outreach_deadlines(milestones, _service(request).calendar)


@router.get(
    "/meetings/{meeting_id}", response_model=MeetingPublic, operation_id="get_meeting", tags=["meetings"]
)
async def get_meeting(meeting_id: str, request: Request, response: Response) -> MeetingPublic:
    public = meeting_public(await _service(request).meetings.get(meeting_id))
    response.headers["ETag"] = etag(public.version)
    return public


@router.get("/meetings", response_model=list[MeetingPublic], operation_id="list_meetings", tags=["meetings"])
async def list_meetings(
    request: Request, citizen_id: Annotated[str, Query(max_length=100)]
) -> list[MeetingPublic]:
    docs = await _service(request).meetings.find({"citizen_id": citizen_id}, sort=[("start", 1)], limit=200)
    return [meeting_public(d) for d in docs]


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
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> MeetingPublic:
    expected = parse_if_match(if_match)
    return await _changed(response, lambda: _service(request).update(meeting_id, expected, body, caller))


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
    request: Request,
    response: Response,
    caller: CurrentCaller,
) -> MeetingPublic:
    return await _changed(response, lambda: _service(request).respond(meeting_id, participant_id, body))


@router.post(
    "/meetings/{meeting_id}/agenda-items",
    status_code=201,
    response_model=MeetingPublic,
    operation_id="add_agenda_item",
    tags=["meetings"],
    summary="A participant adds an item (closed 4 working days before the meeting)",
)
async def add_agenda_item(
    meeting_id: str, body: AgendaItemCreate, request: Request, response: Response, caller: CurrentCaller
) -> MeetingPublic:
    return await _changed(response, lambda: _service(request).add_agenda_item(meeting_id, body, caller))


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
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> MeetingPublic:
    expected = parse_if_match(if_match)
    return await _changed(response, lambda: _service(request).put_minutes(meeting_id, expected, body))


@router.post(
    "/meetings/{meeting_id}/minutes/publication",
    response_model=MeetingPublic,
    operation_id="publish_minutes",
    tags=["minutes"],
    summary="Publish the minutes to the participants permitted to receive them",
)
async def publish_minutes(
    meeting_id: str, request: Request, response: Response, caller: CurrentCaller, if_match: IfMatch = None
) -> MeetingPublic:
    expected = parse_if_match(if_match)
    return await _changed(response, lambda: _service(request).publish_minutes(meeting_id, expected, caller))


@router.post(
    "/meetings/{meeting_id}/tasks/{task_id}/completion",
    response_model=MeetingPublic,
    operation_id="complete_task",
    tags=["minutes"],
)
async def complete_task(
    meeting_id: str, task_id: str, request: Request, response: Response, caller: CurrentCaller
) -> MeetingPublic:
    return await _changed(response, lambda: _service(request).complete_task(meeting_id, task_id))


@router.get(
    "/meetings/{meeting_id}/invitation.ics",
    operation_id="get_invitation_ics",
    tags=["meetings"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def invitation_ics(meeting_id: str, request: Request) -> Response:
    doc = await _service(request).meetings.get(meeting_id)
    settings = request.app.state.runtime.settings
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
        link=f"{settings.public_base_url}/api/v1/meetings/{meeting_id}",
    )
    return Response(
        text,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{meeting_id}.ics"'},
    )
