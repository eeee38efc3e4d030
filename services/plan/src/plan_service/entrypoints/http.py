"""HTTP routes of the plan service. The gateway forwards ``/api/v1/...`` here with the caller signed.

Routes parse, hand over to ``plan_service.changes`` or ``plan_service.queries``, and shape the answer; they never
touch a store themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from borgerplan_api.plan import (
    ActorCreate,
    ActorUpdate,
    CaseloadAmong,
    CaseloadRow,
    ChangeRequestCreate,
    ChangeRequestDecision,
    ChildFollowUpCreate,
    CitizenCreate,
    CitizenLookup,
    CitizenName,
    CitizenPlans,
    CitizenPublic,
    CitizenScoreCreate,
    CitizenWordsUpdate,
    CommentCreate,
    FollowUpCreate,
    GoalCreate,
    GoalUpdate,
    HistoryEntry,
    LegalBasisPublic,
    OpenRequest,
    PlanCreate,
    PlanPublic,
    PlanRef,
    PlanUpdate,
)
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.http import IfMatch, created, parse_if_match, state, versioned
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime, ServiceRuntime
from plan_service import changes, queries
from plan_service.changes import Plans
from plan_service.vocabulary import LEGAL_BASES

router = APIRouter()
Ctx = Annotated[Plans, state("plans")]


def citizen_public(doc: Document) -> CitizenPublic:
    return CitizenPublic(
        citizen_id=doc["_id"], name=doc["name"], birth_date=doc["birth_date"], version=doc["version"]
    )


def plan_public(doc: Document) -> PlanPublic:
    return PlanPublic.model_validate({**doc, "plan_id": doc["_id"]})


def _in_plan(
    runtime: ServiceRuntime,
    caller: Caller,
    key: str | None,
    scope: str,
    body: BaseModel,
    where: str | None,
    write: Callable[[], Awaitable[Document]],
) -> Awaitable[Response]:
    """An addition to a plan: 201 with the plan, ``Location`` naming what was added (``where`` under the plan)."""

    async def stored() -> PlanPublic:
        return plan_public(await write())

    return created(
        runtime.idempotency,
        scope=f"{scope}:{caller.sub}",
        key=key,
        body=body,
        write=stored,
        location=lambda plan: f"/plans/{plan.plan_id}/{where}" if where else None,
    )


# --- citizens -------------------------------------------------------------------------------------------------


@router.post(
    "/citizens",
    status_code=201,
    response_model=CitizenPublic,
    operation_id="register_citizen",
    tags=["citizens"],
)
async def register_citizen(
    body: CitizenCreate, ctx: Ctx, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def stored() -> CitizenPublic:
        return citizen_public(await changes.register_citizen(ctx, body, caller))

    return await created(
        runtime.idempotency,
        scope=f"citizen:{caller.sub}",
        key=key,
        body=body,
        write=stored,
        location=lambda citizen: f"/citizens/{citizen.citizen_id}",
    )


@router.get(
    "/citizens", response_model=list[CitizenPublic], operation_id="find_citizen_by_cpr", tags=["citizens"]
)
async def find_citizen(
    ctx: Ctx, cpr: Annotated[str, Query(min_length=10, max_length=11)]
) -> list[CitizenPublic]:
    return [citizen_public(d) for d in await queries.citizens_by_cpr(ctx, cpr)]


@router.post(
    "/citizens/lookup",
    response_model=list[CitizenName],
    operation_id="citizen_names",
    tags=["citizens"],
    summary="Names of citizens by id (internal: worklists)",
)
async def citizen_names(body: CitizenLookup, ctx: Ctx) -> list[CitizenName]:
    found = await queries.citizen_names(ctx, body.citizen_ids)
    return [CitizenName(citizen_id=d["_id"], name=d["name"], birth_date=d["birth_date"]) for d in found]


@router.get(
    "/citizens/{citizen_id}", response_model=CitizenPublic, operation_id="get_citizen", tags=["citizens"]
)
async def get_citizen(citizen_id: str, ctx: Ctx, response: Response) -> CitizenPublic:
    return versioned(response, citizen_public(await queries.citizen(ctx, citizen_id)))


@router.get(
    "/citizens/{citizen_id}/plans",
    response_model=CitizenPlans,
    operation_id="citizen_with_plans",
    tags=["citizens"],
    summary="The citizen and their plans in one answer (the composed view's read)",
)
async def citizen_with_plans(citizen_id: str, ctx: Ctx) -> CitizenPlans:
    citizen, plans = await queries.citizen_with_plans(ctx, citizen_id)
    return CitizenPlans(citizen=citizen_public(citizen), plans=[plan_public(d) for d in plans])


@router.get(
    "/citizens/{citizen_id}/plan-refs",
    response_model=list[PlanRef],
    operation_id="plan_refs",
    tags=["citizens"],
    summary="The citizen's plans as relations: kind, status, responsible unit, actors' units (internal)",
)
async def plan_refs(citizen_id: str, ctx: Ctx) -> list[PlanRef]:
    return [
        PlanRef.model_validate({**d, "plan_id": d["_id"]}) for d in await queries.plan_refs(ctx, citizen_id)
    ]


@router.get(
    "/units/{unit}/citizens",
    response_model=list[CaseloadRow],
    operation_id="unit_caseload",
    tags=["citizens"],
    summary="A page of the citizens whose current plans the unit is responsible for or takes part in, by name "
    "(internal: Mine borgere)",
)
async def unit_caseload(
    unit: str,
    ctx: Ctx,
    name: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[
        str | None, Query(max_length=100, description="the previous page's last citizen_id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_CASELOAD_PAGE)] = 50,
) -> list[CaseloadRow]:
    rows = await queries.caseload(ctx, unit, name=name, after=after, limit=limit)
    return [CaseloadRow.model_validate(r) for r in rows]


@router.post(
    "/units/{unit}/citizens/among",
    response_model=list[CaseloadRow],
    operation_id="unit_caseload_among",
    tags=["citizens"],
    summary="The unit's caseload rows of these citizens, by name (internal: Mine borgere's overdue citizens)",
)
async def unit_caseload_among(unit: str, body: CaseloadAmong, ctx: Ctx) -> list[CaseloadRow]:
    rows = await queries.caseload(ctx, unit, name=body.name, among=body.citizen_ids)
    return [CaseloadRow.model_validate(r) for r in rows]


@router.get(
    "/units/{unit}/change-requests",
    response_model=list[OpenRequest],
    operation_id="unit_open_requests",
    tags=["citizens"],
    summary="The citizens' requests waiting for the unit's answer, oldest first (internal: the worklist)",
)
async def unit_open_requests(unit: str, ctx: Ctx) -> list[OpenRequest]:
    return [OpenRequest.model_validate(r) for r in await queries.open_requests(ctx, unit)]


# --- plans ----------------------------------------------------------------------------------------------------


@router.post("/plans", status_code=201, response_model=PlanPublic, operation_id="create_plan", tags=["plans"])
async def create_plan(
    body: PlanCreate, ctx: Ctx, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def stored() -> PlanPublic:
        return plan_public(await changes.create_plan(ctx, body, caller))

    return await created(
        runtime.idempotency,
        scope=f"plan:{caller.sub}",
        key=key,
        body=body,
        write=stored,
        location=lambda plan: f"/plans/{plan.plan_id}",
    )


@router.get("/plans/{plan_id}", response_model=PlanPublic, operation_id="get_plan", tags=["plans"])
async def get_plan(plan_id: str, ctx: Ctx, response: Response) -> PlanPublic:
    return versioned(response, plan_public(await queries.plan(ctx, plan_id)))


@router.get("/plans", response_model=list[PlanPublic], operation_id="list_plans", tags=["plans"])
async def list_plans(ctx: Ctx, citizen_id: Annotated[str, Query(max_length=100)]) -> list[PlanPublic]:
    return [plan_public(d) for d in await queries.plans_of(ctx, citizen_id)]


@router.patch(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    operation_id="update_plan",
    tags=["plans"],
    summary="Change overview, legal bases, validity, status, child sections or the collaboration agreement",
)
async def update_plan(
    plan_id: str,
    body: PlanUpdate,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    return versioned(response, plan_public(await changes.update_plan(ctx, plan_id, expected, body, caller)))


@router.get(
    "/plans/{plan_id}/history", response_model=list[HistoryEntry], operation_id="plan_history", tags=["plans"]
)
async def plan_history(plan_id: str, ctx: Ctx) -> list[HistoryEntry]:
    return [HistoryEntry.model_validate(h) for h in await queries.history(ctx, plan_id)]


@router.post(
    "/plans/{plan_id}/goals",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_goal",
    tags=["goals"],
)
async def add_goal(
    plan_id: str,
    body: GoalCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    expected = parse_if_match(if_match) if if_match else None
    goal_id = changes.new_id()
    return await _in_plan(
        runtime,
        caller,
        key,
        f"goal:{plan_id}",
        body,
        f"goals/{goal_id}",
        lambda: changes.add_goal(ctx, plan_id, expected, body, goal_id, caller),
    )


@router.patch(
    "/plans/{plan_id}/goals/{goal_id}", response_model=PlanPublic, operation_id="update_goal", tags=["goals"]
)
async def update_goal(
    plan_id: str,
    goal_id: str,
    body: GoalUpdate,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    doc = await changes.change_goal(ctx, plan_id, goal_id, expected, body, caller)
    return versioned(response, plan_public(doc))


@router.post(
    "/plans/{plan_id}/goals/{goal_id}/follow-ups",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_follow_up",
    tags=["goals"],
)
async def add_follow_up(
    plan_id: str,
    goal_id: str,
    body: FollowUpCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    return await _in_plan(
        runtime,
        caller,
        key,
        f"follow-up:{plan_id}:{goal_id}",
        body,
        None,
        lambda: changes.add_follow_up(ctx, plan_id, goal_id, body, caller),
    )


@router.post(
    "/plans/{plan_id}/actors",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_actor",
    tags=["actors"],
)
async def add_actor(
    plan_id: str,
    body: ActorCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    expected = parse_if_match(if_match) if if_match else None
    actor_id = changes.new_id()
    return await _in_plan(
        runtime,
        caller,
        key,
        f"actor:{plan_id}",
        body,
        f"actors/{actor_id}",
        lambda: changes.add_actor(ctx, plan_id, expected, body, actor_id, caller),
    )


@router.patch(
    "/plans/{plan_id}/actors/{actor_id}",
    response_model=PlanPublic,
    operation_id="update_actor",
    tags=["actors"],
)
async def update_actor(
    plan_id: str,
    actor_id: str,
    body: ActorUpdate,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match)
    doc = await changes.change_actor(ctx, plan_id, actor_id, expected, body, caller)
    return versioned(response, plan_public(doc))


@router.delete(
    "/plans/{plan_id}/actors/{actor_id}",
    response_model=PlanPublic,
    operation_id="remove_actor",
    tags=["actors"],
)
async def remove_actor(
    plan_id: str, actor_id: str, ctx: Ctx, response: Response, caller: CurrentCaller, if_match: IfMatch = None
) -> PlanPublic:
    expected = parse_if_match(if_match)
    return versioned(
        response, plan_public(await changes.remove_actor(ctx, plan_id, actor_id, expected, caller))
    )


@router.post(
    "/plans/{plan_id}/child-follow-ups",
    status_code=201,
    response_model=PlanPublic,
    operation_id="add_child_follow_up",
    tags=["plans"],
)
async def add_child_follow_up(
    plan_id: str,
    body: ChildFollowUpCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    return await _in_plan(
        runtime,
        caller,
        key,
        f"child-follow-up:{plan_id}",
        body,
        None,
        lambda: changes.add_child_follow_up(ctx, plan_id, body, caller),
    )


# --- the citizen writes (decision 0061) -----------------------------------------------------------------------


@router.patch(
    "/plans/{plan_id}/citizen-words",
    response_model=PlanPublic,
    operation_id="write_own_words",
    tags=["citizen"],
)
async def write_own_words(
    plan_id: str,
    body: CitizenWordsUpdate,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match) if if_match else None
    return versioned(response, plan_public(await changes.citizen_words(ctx, plan_id, expected, body, caller)))


@router.post(
    "/plans/{plan_id}/goals/{goal_id}/citizen-scores",
    status_code=201,
    response_model=PlanPublic,
    operation_id="give_own_score",
    tags=["citizen"],
)
async def give_own_score(
    plan_id: str,
    goal_id: str,
    body: CitizenScoreCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    return await _in_plan(
        runtime,
        caller,
        key,
        f"citizen-score:{plan_id}:{goal_id}",
        body,
        None,
        lambda: changes.citizen_score(ctx, plan_id, goal_id, body, caller),
    )


@router.post(
    "/plans/{plan_id}/goals/{goal_id}/comments",
    status_code=201,
    response_model=PlanPublic,
    operation_id="comment_on_goal",
    tags=["citizen"],
)
async def comment_on_goal(
    plan_id: str,
    goal_id: str,
    body: CommentCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    comment_id = changes.new_id()
    return await _in_plan(
        runtime,
        caller,
        key,
        f"comment:{plan_id}:{goal_id}",
        body,
        None,
        lambda: changes.comment(ctx, plan_id, goal_id, body, comment_id, caller),
    )


@router.post(
    "/plans/{plan_id}/change-requests",
    status_code=201,
    response_model=PlanPublic,
    operation_id="request_change",
    tags=["citizen"],
)
async def request_change(
    plan_id: str,
    body: ChangeRequestCreate,
    ctx: Ctx,
    runtime: Runtime,
    caller: CurrentCaller,
    key: IdempotencyKey = None,
) -> Response:
    request_id = changes.new_id()
    return await _in_plan(
        runtime,
        caller,
        key,
        f"change-request:{plan_id}",
        body,
        f"change-requests/{request_id}",
        lambda: changes.request_change(ctx, plan_id, body, request_id, caller),
    )


@router.post(
    "/plans/{plan_id}/change-requests/{request_id}/decision",
    response_model=PlanPublic,
    operation_id="decide_change_request",
    tags=["citizen"],
)
async def decide_change_request(
    plan_id: str,
    request_id: str,
    body: ChangeRequestDecision,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> PlanPublic:
    expected = parse_if_match(if_match) if if_match else None
    doc = await changes.decide_request(ctx, plan_id, request_id, expected, body, caller)
    return versioned(response, plan_public(doc))


@router.get(
    "/legal-bases", response_model=list[LegalBasisPublic], operation_id="list_legal_bases", tags=["plans"]
)
async def list_legal_bases() -> list[LegalBasisPublic]:
    return [
        LegalBasisPublic(reference=b.reference, label=b.label, plan_kinds=list(b.plan_kinds))
        for b in LEGAL_BASES
    ]
