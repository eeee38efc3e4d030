"""HTTP routes of the meetings service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from borgerplan_contracts import new_event
from borgerplan_contracts.events import InvitedParticipant, MeetingScheduled
from borgerplan_plumbing.http import etag
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from borgerplan_plumbing.store import AggregateStore
from meetings_service.schemas import MeetingCreate, MeetingPublic

router = APIRouter()


def _meetings(request: Request) -> AggregateStore:
    store: AggregateStore = request.app.state.meetings
    return store


def meeting_public(doc: Document) -> MeetingPublic:
    return MeetingPublic.model_validate({**doc, "meeting_id": doc["_id"]})


@router.post(
    "/meetings",
    status_code=201,
    response_model=MeetingPublic,
    operation_id="schedule_meeting",
    tags=["meetings"],
)
async def schedule_meeting(
    body: MeetingCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    meetings = _meetings(request)

    async def create() -> tuple[int, object, dict[str, str]]:
        plan = await request.app.state.plan_refs.find_one({"_id": body.plan_id})
        if plan is None:
            raise Problem(
                422,
                "Invalid request",
                "No plan with that id is known to the meetings service.",
                kind="validation",
                errors=[{"field": "plan_id", "message": "unknown plan"}],
            )
        meeting_id = str(uuid.uuid4())
        participants = [
            {
                **p.model_dump(mode="json"),
                "participant_id": str(uuid.uuid4()),
                "invitation_status": "needs_action",
            }
            for p in body.participants
        ]
        professional = ("authority", "provider", "external")
        event = MeetingScheduled(
            meeting_id=meeting_id,
            plan_id=body.plan_id,
            citizen_id=plan["citizen_id"],
            kind=body.kind,
            start=body.start,
            end=body.end,
            coordinator_unit=body.coordinator_unit,
            participants=[
                InvitedParticipant(
                    participant_id=p["participant_id"],
                    kind=p["kind"],
                    unit=p.get("unit"),
                    name=p["name"] if p["kind"] in professional else None,
                    email=p.get("email") if p["kind"] in professional else None,
                )
                for p in participants
            ],
        )
        doc = await meetings.insert(
            {
                "_id": meeting_id,
                **body.model_dump(mode="json", exclude={"participants"}),
                "citizen_id": plan["citizen_id"],
                "participants": participants,
                "status": "scheduled",
                "scheduled_by": caller.sub,
            },
            [new_event(event, subject=plan["citizen_id"])],
        )
        public = meeting_public(doc)
        return 201, public, {"Location": f"/meetings/{meeting_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"meeting:{caller.sub}", key=key, payload=body, create=create)


@router.get(
    "/meetings/{meeting_id}", response_model=MeetingPublic, operation_id="get_meeting", tags=["meetings"]
)
async def get_meeting(meeting_id: str, request: Request, response: Response) -> MeetingPublic:
    public = meeting_public(await _meetings(request).get(meeting_id))
    response.headers["ETag"] = etag(public.version)
    return public


@router.get("/meetings", response_model=list[MeetingPublic], operation_id="list_meetings", tags=["meetings"])
async def list_meetings(
    request: Request, citizen_id: Annotated[str, Query(max_length=100)]
) -> list[MeetingPublic]:
    docs = await _meetings(request).find({"citizen_id": citizen_id}, sort=[("start", 1)], limit=200)
    return [meeting_public(d) for d in docs]
