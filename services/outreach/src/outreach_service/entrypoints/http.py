"""HTTP routes of the outreach service. The gateway forwards ``/api/v1/outreach/...`` here with the caller signed.

Routes parse, hand over to ``outreach_service.changes`` or ``outreach_service.queries``, and shape the answer; they
never touch a store themselves. Steps that set one part of the course are ``PUT`` (sent again, they replace it);
steps that add to a list are ``POST``. ``If-Match`` is honoured when sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response

from borgerplan_api.outreach import (
    AgreementPut,
    AssessmentPut,
    AssignmentPut,
    AttemptCreate,
    ClockRestart,
    ClockStopCreate,
    CoordinatingMeetingPut,
    CoursePublic,
    CourseSummary,
    ExternalRequestCreate,
    FirstMeetingPut,
    FollowUpPut,
    IdentificationPut,
    MilestonePut,
    ReferralCreate,
    TransitionPut,
)
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.http import IfMatch, created, parse_if_match, state, versioned
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.workdays import today
from outreach_service import changes, domain, queries
from outreach_service.changes import Outreach

router = APIRouter(tags=["outreach"])
Ctx = Annotated[Outreach, state("outreach")]


def course_public(ctx: Outreach, doc: Document) -> CoursePublic:
    return CoursePublic.model_validate(domain.public(doc, ctx.calendar, today()))


async def _step(
    ctx: Outreach,
    response: Response,
    course_id: str,
    if_match: str | None,
    caller: Caller,
    rule: Callable[..., Outcome],
    body: object,
) -> CoursePublic:
    expected = parse_if_match(if_match) if if_match is not None else None
    stored = await changes.course_change(ctx, course_id, expected, caller, changes.ruled(ctx, rule, body))
    return versioned(response, course_public(ctx, stored))


@router.post(
    "/outreach/courses",
    status_code=201,
    response_model=CoursePublic,
    operation_id="open_outreach_course",
    summary="Register a referral (henvendelse): opens a course for the caller's outreach team",
)
async def open_course(
    body: ReferralCreate, ctx: Ctx, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def stored() -> CoursePublic:
        return course_public(ctx, await changes.open_course(ctx, body, caller))

    return await created(
        runtime.idempotency,
        scope=f"outreach:{caller.sub}",
        key=key,
        body=body,
        write=stored,
        location=lambda course: f"/outreach/courses/{course.course_id}",
    )


@router.get(
    "/outreach/board",
    response_model=list[CourseSummary],
    operation_id="outreach_board",
    summary="The caller's team's courses with something to do (open, or the follow-up due), the nearest deadline first (mine: only the caller's own)",
)
async def board(
    ctx: Ctx, caller: CurrentCaller, mine: Annotated[bool, Query()] = False
) -> list[CourseSummary]:
    lines = await queries.board(ctx, caller.unit or "", caller.sub if mine else None)
    return [CourseSummary.model_validate(line) for line in lines]


@router.get("/outreach/courses/{course_id}", response_model=CoursePublic, operation_id="get_outreach_course")
async def get_course(course_id: str, ctx: Ctx, response: Response) -> CoursePublic:
    return versioned(response, course_public(ctx, await queries.course(ctx, course_id)))


@router.put(
    "/outreach/courses/{course_id}/assessment",
    response_model=CoursePublic,
    operation_id="assess_outreach_course",
    summary="The target-group assessment: categories, in or out, why",
)
async def assess_outreach_course(
    course_id: str,
    body: AssessmentPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.assess, body)


@router.put(
    "/outreach/courses/{course_id}/assignment",
    response_model=CoursePublic,
    operation_id="assign_outreach_course",
    summary="Assign the course to an outreach caseworker",
)
async def assign_outreach_course(
    course_id: str,
    body: AssignmentPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.assign, body)


@router.put(
    "/outreach/courses/{course_id}/first-meeting",
    response_model=CoursePublic,
    operation_id="record_first_meeting",
    summary="The first meeting, at a place the citizen chose",
)
async def record_first_meeting(
    course_id: str,
    body: FirstMeetingPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.first_meeting, body)


@router.put(
    "/outreach/courses/{course_id}/advice",
    response_model=CoursePublic,
    operation_id="record_outreach_advice",
    summary="Advice given (within 2 working days of the first meeting)",
)
async def record_outreach_advice(
    course_id: str,
    body: MilestonePut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.advice, body)


@router.put(
    "/outreach/courses/{course_id}/agreement",
    response_model=CoursePublic,
    operation_id="put_collaboration_agreement",
    summary="The collaboration agreement and the network map",
)
async def put_collaboration_agreement(
    course_id: str,
    body: AgreementPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.agreement, body)


@router.put(
    "/outreach/courses/{course_id}/needs-assessment",
    response_model=CoursePublic,
    operation_id="record_needs_assessment",
    summary="The needs assessment (within a month of the first meeting)",
)
async def record_needs_assessment(
    course_id: str,
    body: MilestonePut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.needs_assessment, body)


@router.post(
    "/outreach/courses/{course_id}/coordinating-meetings",
    response_model=CoursePublic,
    operation_id="record_coordinating_meeting",
    summary="A coordinating meeting held (internal or with external partners)",
)
async def record_coordinating_meeting(
    course_id: str,
    body: CoordinatingMeetingPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.coordinating_meeting, body)


@router.put(
    "/outreach/courses/{course_id}/clock-restart",
    response_model=CoursePublic,
    operation_id="restart_outreach_clock",
    summary="Start the stopped clock again",
)
async def restart_outreach_clock(
    course_id: str,
    body: ClockRestart,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.restart_clock, body)


@router.put(
    "/outreach/courses/{course_id}/follow-up",
    response_model=CoursePublic,
    operation_id="record_outreach_follow_up",
    summary="The follow-up 3-6 months after the course ended",
)
async def record_outreach_follow_up(
    course_id: str,
    body: FollowUpPut,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> CoursePublic:
    return await _step(ctx, response, course_id, if_match, caller, domain.follow_up, body)


@router.post(
    "/outreach/courses/{course_id}/attempts", response_model=CoursePublic, operation_id="add_contact_attempt"
)
async def add_attempt(
    course_id: str, body: AttemptCreate, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """A contact attempt: means, when, outcome (by the caller)."""
    attempt_id, day = changes.new_id(), today()
    stored = await changes.course_change(
        ctx,
        course_id,
        None,
        caller,
        lambda c: domain.add_attempt(
            c, body, attempt_id=attempt_id, stamp=Stamp.of(caller), calendar=ctx.calendar, today=day
        ),
    )
    return versioned(response, course_public(ctx, stored))


@router.post(
    "/outreach/courses/{course_id}/clock-stops",
    response_model=CoursePublic,
    operation_id="stop_outreach_clock",
)
async def stop_clock(
    course_id: str, body: ClockStopCreate, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Stop the clock (the citizen in hospital, in prison): the deadlines move by the working days it stands."""
    stop_id, day = changes.new_id(), today()
    stored = await changes.course_change(
        ctx,
        course_id,
        None,
        caller,
        lambda c: domain.stop_clock(c, body, stop_id=stop_id, calendar=ctx.calendar, today=day),
    )
    return versioned(response, course_public(ctx, stored))


@router.post(
    "/outreach/courses/{course_id}/external-requests",
    response_model=CoursePublic,
    operation_id="request_external_information",
)
async def external_request(
    course_id: str, body: ExternalRequestCreate, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Ask a partner for information: only where the citizen's consent covers the partner (403 with the reason)."""
    return versioned(
        response, course_public(ctx, await changes.external_request(ctx, course_id, body, caller))
    )


@router.put(
    "/outreach/courses/{course_id}/identification",
    response_model=CoursePublic,
    operation_id="identify_outreach_citizen",
)
async def identify(
    course_id: str, body: IdentificationPut, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Join the course to the citizen by CPR (registered by the plan service; never a second citizen)."""
    return versioned(response, course_public(ctx, await changes.identify(ctx, course_id, body, caller)))


@router.put(
    "/outreach/courses/{course_id}/transition",
    response_model=CoursePublic,
    operation_id="transfer_outreach_course",
)
async def transition(
    course_id: str, body: TransitionPut, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Hand over to ordinary casework (a plan's draft from the course), or close with advice or network support."""
    return versioned(response, course_public(ctx, await changes.transition(ctx, course_id, body, caller)))
