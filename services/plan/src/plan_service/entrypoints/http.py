"""HTTP routes of the plan service. The gateway forwards ``/api/v1/...`` here with the caller signed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from borgerplan_contracts import new_event
from borgerplan_contracts.events import CitizenRegistered, PlanCreated
from borgerplan_plumbing.http import etag, parse_if_match
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from borgerplan_plumbing.store import AggregateStore, NotFoundError
from plan_service import changes
from plan_service.cpr import birth_date_of
from plan_service.schemas import (
    CitizenCreate,
    CitizenPublic,
    FollowUpCreate,
    GoalUpdate,
    HistoryEntry,
    PlanCreate,
    PlanPublic,
    PlanUpdate,
)

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


@router.post("/plans", status_code=201, response_model=PlanPublic, operation_id="create_plan", tags=["plans"])
async def create_plan(
    body: PlanCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    citizens, plans = _stores(request)

    async def create() -> tuple[int, object, dict[str, str]]:
        try:
            await citizens.get(body.citizen_id)
        except NotFoundError as exc:
            raise Problem(
                422,
                "Invalid request",
                "No citizen with that id.",
                kind="validation",
                errors=[{"field": "citizen_id", "message": "unknown citizen"}],
            ) from exc
        plan_id = str(uuid.uuid4())
        goals = [
            {**g.model_dump(mode="json"), "goal_id": str(uuid.uuid4()), "status": "baseline"}
            for g in body.goals
        ]
        actors = [{**a.model_dump(mode="json"), "actor_id": str(uuid.uuid4())} for a in body.actors]
        doc = {
            "_id": plan_id,
            **body.model_dump(mode="json", exclude={"goals", "actors"}),
            "status": "active",
            "goals": goals,
            "actors": actors,
            "created_by": caller.sub,
        }
        event = PlanCreated(
            plan_id=plan_id,
            citizen_id=body.citizen_id,
            kind=body.kind,
            status="active",
            responsible_unit=body.responsible_unit,
            legal_bases=body.legal_bases,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            actor_units=sorted({a.unit for a in body.actors if a.kind != "private_network"}),
        )
        public = plan_public(await plans.insert(doc, [new_event(event, subject=body.citizen_id)]))
        return 201, public, {"Location": f"/plans/{plan_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"plan:{caller.sub}", key=key, payload=body, create=create)


@router.get("/plans/{plan_id}", response_model=PlanPublic, operation_id="get_plan", tags=["plans"])
async def get_plan(plan_id: str, request: Request, response: Response) -> PlanPublic:
    _, plans = _stores(request)
    public = plan_public(await plans.get(plan_id))
    response.headers["ETag"] = etag(public.version)
    return public


@router.get("/plans", response_model=list[PlanPublic], operation_id="list_plans", tags=["plans"])
async def list_plans(request: Request, citizen_id: Annotated[str, Query(max_length=100)]) -> list[PlanPublic]:
    _, plans = _stores(request)
    return [
        plan_public(d) for d in await plans.find({"citizen_id": citizen_id}, sort=[("_id", 1)], limit=100)
    ]


@router.patch(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    operation_id="update_plan",
    tags=["plans"],
    summary="Change overview, legal bases, validity or status (If-Match); a new version with history",
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
    summary="Record a goal's new status or a score (If-Match); kept as history",
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
    return _versioned(
        response, plan_public(await changes.update_goal(plans, plan_id, goal_id, expected, body, caller))
    )


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
    response: Response,
    caller: CurrentCaller,
) -> PlanPublic:
    _, plans = _stores(request)
    return _versioned(
        response, plan_public(await changes.add_follow_up(plans, plan_id, goal_id, body, caller))
    )


def _versioned(response: Response, public: PlanPublic) -> PlanPublic:
    response.headers["ETag"] = etag(public.version)
    return public
