"""The outreach service's changes: gather the facts a rule needs, let ``outreach_service.domain`` decide, write once.

The facts come from their owners when a change needs them, through ``runtime.internal``: the plan service registers
a citizen by CPR (the course holds only the citizen's id) and takes the plan's draft at the transition; the consent
service answers the citizen's consents for an external request (``borgerplan_plumbing.access``; no answer refuses:
fail closed). Each change is one ``borgerplan_plumbing.change`` of one course document, which holds its history and
its outbox events.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from borgerplan_api.outreach import ExternalRequestCreate, IdentificationPut, ReferralCreate, TransitionPut
from borgerplan_plumbing import access as owners
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.change import change, create
from borgerplan_plumbing.internal import InternalClient, UnavailableError
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.store import AggregateStore, AlreadyExistsError
from borgerplan_rules.access import Access, Disclosure, access
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.workdays import WorkingDayCalendar, today
from outreach_service import domain
from outreach_service.domain import CourseRuleError

log = logging.getLogger(__name__)

NOT_IN_COURSE = ("history",)
OPEN_COURSE_INDEX = "course_open_citizen"


@dataclass(frozen=True)
class Outreach:
    """What the outreach service's changes and queries work with, as the routes hand it to them."""

    courses: AggregateStore
    internal: InternalClient
    calendar: WorkingDayCalendar


def new_id() -> str:
    return str(uuid.uuid4())


def already_open() -> Problem:
    return Problem(
        409,
        "Conflict",
        "The citizen has an open outreach course already; use that course.",
        kind="course-exists",
    )


# --- facts from the other services ----------------------------------------------------------------------------


async def register_citizen(ctx: Outreach, cpr: str, name: str, caller: Caller) -> str:
    """The citizen's id at the plan service, registering them when the CPR is new (never a second citizen)."""
    response = await ctx.internal.post("plan", "/citizens", caller, json={"cpr": cpr, "name": name})
    if response.status_code == 201:
        return str(response.json()["citizen_id"])
    if response.status_code == 409:
        found = await ctx.internal.get("plan", "/citizens", caller, params={"cpr": cpr})
        if found.status_code == 200 and found.json():
            return str(found.json()[0]["citizen_id"])
    if response.status_code == 422:
        raise CourseRuleError("cpr", "the CPR number is not valid")
    raise UnavailableError("plan")


async def partner_access(
    ctx: Outreach, course: Document, body: ExternalRequestCreate, caller: Caller
) -> Access | None:
    """What the partner may be asked about the citizen (the one answer, for exchanging information); None while
    the citizen is not identified (no consent can exist yet)."""
    citizen_id = course.get("citizen_id")
    if not citizen_id:
        return None
    facts = await owners.citizen_facts(ctx.internal, caller, citizen_id)
    return access(body.partner_unit, body.partner_kind, domain.PURPOSE, facts, today(), asked=body.categories)


# --- changes --------------------------------------------------------------------------------------------------


async def course_change(
    ctx: Outreach, course_id: str, expected: int | None, caller: Caller, decide: Callable[[Document], Outcome]
) -> Document:
    """One change of one course (412 on a stale ``expected``; without one, retried when another writer won)."""
    try:
        return await change(
            ctx.courses, course_id, expected, Stamp.of(caller), decide, leave_out=NOT_IN_COURSE
        )
    except AlreadyExistsError as exc:
        raise already_open() from exc


def ruled(ctx: Outreach, rule: Callable[..., Outcome], body: object) -> Callable[[Document], Outcome]:
    """A rule of the shape ``rule(course, body, calendar, today)`` as ``change`` takes it."""
    day = today()
    return lambda course: rule(course, body, ctx.calendar, day)


async def open_course(ctx: Outreach, body: ReferralCreate, caller: Caller) -> Document:
    if not caller.unit:
        raise CourseRuleError("team_unit", "only a team can register a referral", status=403)
    domain.check_referral(body)
    citizen_id = None
    if body.cpr:
        citizen_id = await register_citizen(ctx, body.cpr, body.citizen.name or "", caller)
    doc, events = domain.open_course(
        body,
        course_id=new_id(),
        citizen_id=citizen_id,
        team_unit=caller.unit,
        stamp=Stamp.of(caller),
        calendar=ctx.calendar,
        today=today(),
    )
    if citizen_id is None:
        doc.pop("citizen_id")  # absent, not null: the open-course index holds identified courses only
    try:
        stored = await create(ctx.courses, doc, events)
    except AlreadyExistsError as exc:
        raise already_open() from exc
    stored.pop("history", None)
    return stored


async def identify(ctx: Outreach, course_id: str, body: IdentificationPut, caller: Caller) -> Document:
    await ctx.courses.get(course_id, leave_out=NOT_IN_COURSE)  # 404 before anything is registered
    citizen_id = await register_citizen(ctx, body.cpr, body.name, caller)
    return await course_change(ctx, course_id, None, caller, lambda c: domain.identify(c, citizen_id))


async def external_request(
    ctx: Outreach, course_id: str, body: ExternalRequestCreate, caller: Caller
) -> Document:
    current = await ctx.courses.get(course_id, leave_out=NOT_IN_COURSE)
    domain.check_request(current, body)
    seen = await partner_access(ctx, current, body, caller)
    request_id, day = new_id(), today()
    stored = await course_change(
        ctx,
        course_id,
        None,
        caller,
        lambda c: domain.external_request(
            c, body, seen, request_id=request_id, calendar=ctx.calendar, today=day
        ),
    )
    if seen is not None and stored.get("citizen_id"):
        disclosure = Disclosure.of(
            seen,
            stored["citizen_id"],
            body.partner_unit,
            domain.PURPOSE,
            "information_exchange",
            course_id,
        )
        if disclosure is not None:
            try:
                await owners.record_disclosure(ctx.internal, caller, disclosure)
            except owners.DisclosureNotRecordedError:
                log.error(
                    "disclosure not recorded", extra={"course_id": course_id, "unit": body.partner_unit}
                )
    return stored


async def transition(ctx: Outreach, course_id: str, body: TransitionPut, caller: Caller) -> Document:
    """Hand the course over. To a plan: the plan service creates the plan's draft from the course (the agreement's
    goals, the agreement, the network map), then the course records the transition with the plan's id."""
    current = await ctx.courses.get(course_id, leave_out=NOT_IN_COURSE)
    domain.check_transition(current, body)
    plan_id = None
    if body.kind == "plan":
        response = await ctx.internal.post("plan", "/plans", caller, json=domain.plan_draft(current, body))
        if response.status_code == 409:
            raise CourseRuleError(
                "receiving_units",
                "the citizen has an active plan of this kind already; link the course to it",
                409,
            )
        if response.status_code != 201:
            raise _plan_refused(response.status_code, response.json() if response.status_code == 422 else {})
        plan_id = str(response.json()["plan_id"])
    day = today()
    return await course_change(
        ctx, course_id, None, caller, lambda c: domain.transition(c, body, plan_id, ctx.calendar, day)
    )


def _plan_refused(status: int, problem: Document) -> CourseRuleError:
    """The plan service refused the draft: its field, named as the course names it (actors are the network)."""
    log.warning("plan draft refused", extra={"status": status})
    errors = problem.get("errors") or [{}]
    field = str(errors[0].get("field") or "receiving_units").replace("actors.", "network.", 1)
    return CourseRuleError(field, f"the receiving unit could not create the plan: {field}", status=409)
