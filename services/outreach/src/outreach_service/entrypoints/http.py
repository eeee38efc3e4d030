"""HTTP routes of the outreach service. The gateway forwards ``/api/v1/outreach/...`` here with the caller signed.

Routes parse, hand over to ``outreach_service.changes`` or ``outreach_service.queries``, and shape the answer; they
never touch a store themselves. Steps that set one part of the course are ``PUT`` (sent again, they replace it);
steps that add to a list are ``POST``. ``If-Match`` is honoured when sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

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
COURSE = "/outreach/courses/{course_id}"


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
    summary="The caller's team's open courses, the nearest deadline first (mine: only the caller's own)",
)
async def board(
    ctx: Ctx, caller: CurrentCaller, mine: Annotated[bool, Query()] = False
) -> list[CourseSummary]:
    lines = await queries.board(ctx, caller.unit or "", caller.sub if mine else None)
    return [CourseSummary.model_validate(line) for line in lines]


@router.get(COURSE, response_model=CoursePublic, operation_id="get_outreach_course")
async def get_course(course_id: str, ctx: Ctx, response: Response) -> CoursePublic:
    return versioned(response, course_public(ctx, await queries.course(ctx, course_id)))


def _put(path: str, operation_id: str, summary: str, rule: Callable[..., Outcome], model: Any) -> None:
    """A step that is one rule of the shape ``rule(course, body, calendar, today)``."""

    async def step(
        course_id: str,
        body: Any,
        ctx: Ctx,
        response: Response,
        caller: CurrentCaller,
        if_match: IfMatch = None,
    ) -> CoursePublic:
        return await _step(ctx, response, course_id, if_match, caller, rule, body)

    step.__annotations__ = {**step.__annotations__, "body": model}

    method = (
        router.post if path.endswith(("attempts", "coordinating-meetings", "clock-stops")) else router.put
    )
    method(COURSE + path, response_model=CoursePublic, operation_id=operation_id, summary=summary)(step)


_put(
    "/assessment",
    "assess_outreach_course",
    "The target-group assessment: categories, in or out, why",
    domain.assess,
    AssessmentPut,
)
_put(
    "/assignment",
    "assign_outreach_course",
    "Assign the course to an outreach caseworker",
    domain.assign,
    AssignmentPut,
)
_put(
    "/first-meeting",
    "record_first_meeting",
    "The first meeting, at a place the citizen chose",
    domain.first_meeting,
    FirstMeetingPut,
)
_put(
    "/advice",
    "record_outreach_advice",
    "Advice given (within 2 working days of the first meeting)",
    domain.advice,
    MilestonePut,
)
_put(
    "/agreement",
    "put_collaboration_agreement",
    "The collaboration agreement and the network map",
    domain.agreement,
    AgreementPut,
)
_put(
    "/needs-assessment",
    "record_needs_assessment",
    "The needs assessment (within a month of the first meeting)",
    domain.needs_assessment,
    MilestonePut,
)
_put(
    "/coordinating-meetings",
    "record_coordinating_meeting",
    "A coordinating meeting held (internal or with external partners)",
    domain.coordinating_meeting,
    CoordinatingMeetingPut,
)
_put(
    "/clock-restart",
    "restart_outreach_clock",
    "Start the stopped clock again",
    domain.restart_clock,
    ClockRestart,
)
_put(
    "/follow-up",
    "record_outreach_follow_up",
    "The follow-up 3-6 months after the course ended",
    domain.follow_up,
    FollowUpPut,
)


@router.post(COURSE + "/attempts", response_model=CoursePublic, operation_id="add_contact_attempt")
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


@router.post(COURSE + "/clock-stops", response_model=CoursePublic, operation_id="stop_outreach_clock")
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
    COURSE + "/external-requests", response_model=CoursePublic, operation_id="request_external_information"
)
async def external_request(
    course_id: str, body: ExternalRequestCreate, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Ask a partner for information: only where the citizen's consent covers the partner (403 with the reason)."""
    return versioned(
        response, course_public(ctx, await changes.external_request(ctx, course_id, body, caller))
    )


@router.put(COURSE + "/identification", response_model=CoursePublic, operation_id="identify_outreach_citizen")
async def identify(
    course_id: str, body: IdentificationPut, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Join the course to the citizen by CPR (registered by the plan service; never a second citizen)."""
    return versioned(response, course_public(ctx, await changes.identify(ctx, course_id, body, caller)))


@router.put(COURSE + "/transition", response_model=CoursePublic, operation_id="transfer_outreach_course")
async def transition(
    course_id: str, body: TransitionPut, ctx: Ctx, response: Response, caller: CurrentCaller
) -> CoursePublic:
    """Hand over to ordinary casework (a plan's draft from the course), or close with advice or network support."""
    return versioned(response, course_public(ctx, await changes.transition(ctx, course_id, body, caller)))
