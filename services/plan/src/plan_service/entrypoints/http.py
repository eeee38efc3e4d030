"""HTTP routes of the plan service. The gateway forwards ``/api/v1/...`` here with the caller signed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel

from borgerplan_contracts import new_event
from borgerplan_contracts.events import CitizenRegistered
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.http import etag, parse_if_match
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime, ServiceRuntime
from borgerplan_plumbing.store import AggregateStore
from plan_service import changes, domain
from plan_service.changes import NOT_IN_PLAN
from plan_service.cpr import birth_date_of
from plan_service.schemas import (
    ActorCreate,
    ActorUpdate,
    ChildFollowUpCreate,
    CitizenCreate,
    CitizenPublic,
    FollowUpCreate,
    GoalCreate,
    GoalUpdate,
    HistoryEntry,
    LegalBasisPublic,
    PlanCreate,
    PlanPublic,
    PlanUpdate,
)
from plan_service.vocabulary import LEGAL_BASES

router = APIRouter()
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _stores(request: Request) -> tuple[AggregateStore, AggregateStore]:
    state = request.app.state
    return state.citizens, state.plans


def citizen_public(doc: Document) -> CitizenPublic:
    return CitizenPublic(
        citizen_id=doc["_id"], name=doc["name"], birth_date=doc["birth_date"], version=doc["version"]
    )


def plan_public(doc: Document) -> PlanPublic:
    return PlanPublic.model_validate({**doc, "plan_id": doc["_id"]})


@router.post(
    "/citizens",
    status_code=201,
    response_model=CitizenPublic,
    operation_id="register_citizen",
    tags=["citizens"],
)
async def register_citizen(
    body: CitizenCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    citizens, _ = _stores(request)

    async def create() -> tuple[int, object, dict[str, str]]:
        if await citizens.collection.count_documents({"cpr": body.cpr}, limit=1):
            raise Problem(
                409,
                "Conflict",
                "A citizen with this CPR number is registered already.",
                kind="citizen-exists",
            )
        citizen_id = str(uuid.uuid4())
        doc = await citizens.insert(
            {
                "_id": citizen_id,
                "cpr": body.cpr,
                "name": body.name,
                "birth_date": birth_date_of(body.cpr).isoformat(),
                "registered_by": caller.sub,
            },
            [new_event(CitizenRegistered(citizen_id=citizen_id), subject=citizen_id)],
        )
        public = citizen_public(doc)
        return 201, public, {"Location": f"/citizens/{citizen_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"citizen:{caller.sub}", key=key, payload=body, create=create)


@router.get(
    "/citizens", response_model=list[CitizenPublic], operation_id="find_citizen_by_cpr", tags=["citizens"]
)
async def find_citizen(
    request: Request, cpr: Annotated[str, Query(min_length=10, max_length=11)]
) -> list[CitizenPublic]:
    from plan_service.cpr import normalise_cpr

    citizens, _ = _stores(request)
    try:
        number = normalise_cpr(cpr)
    except ValueError as exc:
        raise Problem(
            422,
            "Invalid request",
            str(exc),
            kind="validation",
            errors=[{"field": "cpr", "message": str(exc)}],
        ) from exc
    return [citizen_public(d) for d in await citizens.find({"cpr": number}, limit=1)]


@router.get(
    "/citizens/{citizen_id}", response_model=CitizenPublic, operation_id="get_citizen", tags=["citizens"]
)
async def get_citizen(citizen_id: str, request: Request, response: Response) -> CitizenPublic:
    citizens, _ = _stores(request)
    public = citizen_public(await citizens.get(citizen_id))
    response.headers["ETag"] = etag(public.version)
    return public


class CitizenPlans(BaseModel):
    citizen: CitizenPublic
    plans: list[PlanPublic]


@router.get(
    "/citizens/{citizen_id}/plans",
    response_model=CitizenPlans,
    operation_id="citizen_with_plans",
    tags=["citizens"],
    summary="The citizen and their plans in one answer (the composed view's read)",
)
async def citizen_with_plans(citizen_id: str, request: Request) -> CitizenPlans:
    citizens, plans = _stores(request)
    citizen, docs = await asyncio.gather(
        citizens.get(citizen_id),
        plans.find({"citizen_id": citizen_id}, sort=[("_id", 1)], limit=100, leave_out=NOT_IN_PLAN),
    )
    return CitizenPlans(citizen=citizen_public(citizen), plans=[plan_public(d) for d in docs])


@router.post("/plans", status_code=201, response_model=PlanPublic, operation_id="create_plan", tags=["plans"])
async def create_plan(
    body: PlanCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    citizens, plans = _stores(request)

    async def create() -> tuple[int, object, dict[str, str]]:
        public = plan_public(await changes.create_plan(plans, citizens, body, caller))
        return 201, public, {"Location": f"/plans/{public.plan_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"plan:{caller.sub}", key=key, payload=body, create=create)


@router.get("/plans/{plan_id}", response_model=PlanPublic, operation_id="get_plan", tags=["plans"])
async def get_plan(plan_id: str, request: Request, response: Response) -> PlanPublic:
    _, plans = _stores(request)
    public = plan_public(await plans.get(plan_id, leave_out=NOT_IN_PLAN))
    response.headers["ETag"] = etag(public.version)
    return public


@router.get("/plans", response_model=list[PlanPublic], operation_id="list_plans", tags=["plans"])
async def list_plans(request: Request, citizen_id: Annotated[str, Query(max_length=100)]) -> list[PlanPublic]:
    _, plans = _stores(request)
    return [
        plan_public(d)
        for d in await plans.find(
            {"citizen_id": citizen_id}, sort=[("_id", 1)], limit=100, leave_out=NOT_IN_PLAN
        )
    ]


@router.patch(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    operation_id="update_plan",
    tags=["plans"],
    summary="Change overview, legal bases, validity, status, child sections or the collaboration agreement "
    "(If-Match); a new version with history",
)
async def update_plan(
    plan_id: str,
    body: PlanUpdate,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    _, plans = _stores(request)
    return _versioned(
        response, plan_public(await changes.update_plan(plans, plan_id, expected, body, caller))
    )


@router.get(
    "/plans/{plan_id}/history",
    response_model=list[HistoryEntry],
    operation_id="plan_history",
    tags=["plans"],
    summary="Every version: who, when, what changed",
)
async def plan_history(plan_id: str, request: Request) -> list[HistoryEntry]:
    _, plans = _stores(request)
    doc = await plans.get(plan_id)
    return [HistoryEntry.model_validate(h) for h in doc.get("history", [])]


@router.patch(
    "/plans/{plan_id}/goals/{goal_id}",
    response_model=PlanPublic,
    operation_id="update_goal",
    tags=["goals"],
    summary="Change a goal's content, or record its new status or a score (If-Match); kept as history",
)
async def update_goal(
    plan_id: str,
    goal_id: str,
    body: GoalUpdate,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    _, plans = _stores(request)
    doc = await changes.change(
        plans, plan_id, expected, caller, lambda p, stamp: domain.change_goal(p, goal_id, body, stamp)
    )
    return _versioned(response, plan_public(doc))


@router.post(
    "/plans/{plan_id}/goals/{goal_id}/follow-ups",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_follow_up",
    tags=["goals"],
    summary="A dated follow-up entry by the caller",
)
async def add_follow_up(
    plan_id: str,
    goal_id: str,
    body: FollowUpCreate,
    request: Request,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    return await _add(
        request,
        runtime,
        caller,
        key,
        body,
        plan_id,
        None,
        f"follow-up:{plan_id}:{goal_id}",
        None,
        lambda p, stamp: domain.add_follow_up(p, goal_id, body, stamp),
    )


@router.post(
    "/plans/{plan_id}/goals",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_goal",
    tags=["goals"],
    summary="Add a goal with themes, category, sub-goal ladder and agreements (If-Match optional)",
)
async def add_goal(
    plan_id: str,
    body: GoalCreate,
    request: Request,
    runtime: Runtime,
    caller: CurrentCaller,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    goal_id = changes.new_id()
    return await _add(
        request,
        runtime,
        caller,
        key,
        body,
        plan_id,
        if_match,
        f"goal:{plan_id}",
        f"goals/{goal_id}",
        lambda p, stamp: domain.add_goal(p, body, goal_id, stamp),
    )


@router.post(
    "/plans/{plan_id}/actors",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_actor",
    tags=["actors"],
    summary="Add a collaboration partner to the plan and its network map (If-Match optional)",
)
async def add_actor(
    plan_id: str,
    body: ActorCreate,
    request: Request,
    runtime: Runtime,
    caller: CurrentCaller,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    actor_id = changes.new_id()
    return await _add(
        request,
        runtime,
        caller,
        key,
        body,
        plan_id,
        if_match,
        f"actor:{plan_id}",
        f"actors/{actor_id}",
        lambda p, _: domain.add_actor(p, body, actor_id),
    )


@router.patch(
    "/plans/{plan_id}/actors/{actor_id}",
    response_model=PlanPublic,
    operation_id="update_actor",
    tags=["actors"],
    summary="Change an actor (If-Match)",
)
async def update_actor(
    plan_id: str,
    actor_id: str,
    body: ActorUpdate,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    _, plans = _stores(request)
    doc = await changes.change(
        plans, plan_id, expected, caller, lambda p, _: domain.change_actor(p, actor_id, body)
    )
    return _versioned(response, plan_public(doc))


@router.delete(
    "/plans/{plan_id}/actors/{actor_id}",
    response_model=PlanPublic,
    operation_id="remove_actor",
    tags=["actors"],
    summary="Remove an actor from the plan (If-Match); the history keeps that they were there",
)
async def remove_actor(
    plan_id: str,
    actor_id: str,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    _, plans = _stores(request)
    doc = await changes.change(
        plans, plan_id, expected, caller, lambda p, _: domain.remove_actor(p, actor_id)
    )
    return _versioned(response, plan_public(doc))


@router.post(
    "/plans/{plan_id}/child-follow-ups",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_child_follow_up",
    tags=["plans"],
    summary="The § 70 follow-up of a child plan for a period, with the assessment's options",
)
async def add_child_follow_up(
    plan_id: str,
    body: ChildFollowUpCreate,
    request: Request,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    return await _add(
        request,
        runtime,
        caller,
        key,
        body,
        plan_id,
        None,
        f"child-follow-up:{plan_id}",
        None,
        lambda p, stamp: domain.add_child_follow_up(p, body, stamp),
    )


@router.get(
    "/legal-bases",
    response_model=list[LegalBasisPublic],
    operation_id="list_legal_bases",
    tags=["plans"],
    summary="The maintained list of legal bases (others may be typed as free additions)",
)
async def list_legal_bases() -> list[LegalBasisPublic]:
    return [
        LegalBasisPublic(reference=b.reference, label=b.label, plan_kinds=list(b.plan_kinds))
        for b in LEGAL_BASES
    ]


async def _add(
    request: Request,
    runtime: ServiceRuntime,
    caller: Caller,
    key: str | None,
    body: BaseModel,
    plan_id: str,
    if_match: str | None,
    scope: str,
    location: str | None,
    decide: Callable[[Document, domain.Stamp], domain.Outcome],
) -> Response:
    """Add something to a plan: ``If-Match`` optional, a retry with the same ``Idempotency-Key`` answered
    with the first result; ``location`` is relative to the plan."""
    _, plans = _stores(request)
    expected = parse_if_match(if_match) if if_match else None

    async def create() -> tuple[int, object, dict[str, str]]:
        public = plan_public(await changes.change(plans, plan_id, expected, caller, decide))
        headers = {"ETag": etag(public.version)}
        if location:
            headers["Location"] = f"/plans/{plan_id}/{location}"
        return 201, public, headers

    return await runtime.idempotency.run(scope=f"{scope}:{caller.sub}", key=key, payload=body, create=create)


def _versioned(response: Response, public: PlanPublic) -> PlanPublic:
    response.headers["ETag"] = etag(public.version)
    return public
