"""The plan service's changes: read, let the plan's rules (``plan_service.domain``) decide, write once.

Most changes are one ``borgerplan_plumbing.change.change`` of one plan. Two need more than one document:

- Registering a citizen: the CPR number is unique in the database, so two registrations of one person cannot both
  succeed.
- Activating a plan: one active plan per citizen and kind is a unique partial index over the kinds an active plan
  holds (``active_kinds``), so two replicas activating at once cannot both win. A unified plan first holds only its
  own kind, then closes the sector plans it replaces and takes their kinds; if a sector plan became active in between,
  taking the kinds fails on the index, and the unified plan closes that one too and tries again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from pymongo import UpdateOne

from borgerplan_api.cpr import birth_date_of
from borgerplan_api.plan import (
    ActorCreate,
    ActorUpdate,
    ChangeRequestCreate,
    ChangeRequestDecision,
    ChildFollowUpCreate,
    CitizenCreate,
    CitizenScoreCreate,
    CitizenWordsUpdate,
    CommentCreate,
    FollowUpCreate,
    GoalCreate,
    GoalUpdate,
    PlanCreate,
    PlanUpdate,
)
from borgerplan_contracts.events import CitizenRegistered
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.change import change, create
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.store import AggregateStore, AlreadyExistsError, NotFoundError, VersionConflictError
from borgerplan_rules.outcome import Outcome, Stamp
from plan_service import domain
from plan_service.domain import PlanRuleError

NOT_IN_PLAN = ("history",)  # served by /plans/{id}/history; a plan's reads and changes leave it out
ACTIVE_INDEX = "plan_active_kinds"
SCORES_MIGRATION = "scores-on-a-declared-scale"
CASELOAD_MIGRATION = "caseload-units-on-citizens"
CURRENT = ("draft", "active")  # the plans a unit's caseload is made of
CLAIM_ATTEMPTS = 5


@dataclass(frozen=True)
class Plans:
    """The plan service's stores, as the routes hand them to changes and queries."""

    citizens: AggregateStore
    plans: AggregateStore


def new_id() -> str:
    return str(uuid.uuid4())


def name_key(name: str) -> str:
    """How a name is searched: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def caseload_key(name: str, citizen_id: str) -> str:
    """A caseload's order, one field: by name, then by id (so a page of it is one indexed range)."""
    return f"{name_key(name)}\x00{citizen_id}"


async def register_citizen(ctx: Plans, body: CitizenCreate, caller: Caller) -> Document:
    citizen_id = new_id()
    doc = {
        "_id": citizen_id,
        "citizen_id": citizen_id,
        "cpr": body.cpr,
        "name": body.name,
        "name_key": name_key(body.name),
        "caseload_key": caseload_key(body.name, citizen_id),
        "units": [],
        "responsible_units": [],
        "birth_date": birth_date_of(body.cpr).isoformat(),
        "registered_by": caller.sub,
    }
    try:
        return await create(ctx.citizens, doc, [CitizenRegistered(citizen_id=citizen_id)])
    except AlreadyExistsError as exc:
        raise Problem(
            409, "Conflict", "A citizen with this CPR number is registered already.", kind="citizen-exists"
        ) from exc


async def plan_change(
    ctx: Plans,
    plan_id: str,
    expected: int | None,
    caller: Caller,
    decide: Callable[[Document, Stamp], Outcome],
) -> Document:
    """One change of one plan, decided by a rule of ``plan_service.domain`` (412 on a stale ``expected``)."""
    stamp = Stamp.of(caller)
    try:
        return await change(
            ctx.plans, plan_id, expected, stamp, lambda plan: decide(plan, stamp), leave_out=NOT_IN_PLAN
        )
    except AlreadyExistsError as exc:
        raise _active_taken() from exc


async def _active(ctx: Plans, citizen_id: str) -> list[Document]:
    return await ctx.plans.find(
        {"citizen_id": citizen_id, "status": "active"},
        fields=("_id", "kind", "status", "citizen_id"),
        limit=50,
    )


def _active_taken() -> PlanRuleError:
    return PlanRuleError(
        "status", "the citizen already has an active plan of this kind (or a unified plan replacing it)", 409
    )


async def create_plan(ctx: Plans, body: PlanCreate, caller: Caller) -> Document:
    try:
        await ctx.citizens.get(body.citizen_id)
    except NotFoundError as exc:
        raise PlanRuleError("citizen_id", "unknown citizen") from exc
    plan_id = new_id()
    stamp = Stamp.of(caller)
    doc, events = domain.new_plan(body, plan_id, stamp, new_id)
    if body.status == "active":
        replaced = domain.activation(body.kind, plan_id, await _active(ctx, body.citizen_id))
        events.append(domain.activated({**doc, "version": 1}, replaced))
        doc["replaces"] = []  # named when the sector plans are closed (_claim_sectors)
    try:
        stored = await create(ctx.plans, doc, events)
    except AlreadyExistsError as exc:
        raise _active_taken() from exc
    if body.status == "active" and body.kind == "unified":
        stored = await _claim_sectors(ctx, plan_id, stamp)
    stored.pop("history", None)
    return stored


async def update_plan(ctx: Plans, plan_id: str, expected: int, body: PlanUpdate, caller: Caller) -> Document:
    def decide(plan: Document, _: Stamp) -> Outcome:
        outcome = domain.update_plan(plan, body)
        if body.status == "active" and plan["status"] != "active":
            replaced = domain.activation(plan["kind"], plan["_id"], others)
            outcome.events.append(domain.activated({**plan, "version": plan["version"] + 1}, replaced))
        return outcome

    others: list[Document] = []
    if body.status == "active":
        current = await ctx.plans.get(plan_id, leave_out=NOT_IN_PLAN)
        others = await _active(ctx, current["citizen_id"])
    stored = await plan_change(ctx, plan_id, expected, caller, decide)
    if body.status == "active" and stored["kind"] == "unified":
        return await _claim_sectors(ctx, plan_id, Stamp.of(caller))
    return stored


async def _claim_sectors(ctx: Plans, unified_id: str, stamp: Stamp) -> Document:
    """Close the citizen's active sector plans as replaced, then let the unified plan hold their kinds."""
    plan = await ctx.plans.get(unified_id, leave_out=NOT_IN_PLAN)
    replaced: list[str] = []
    for _ in range(CLAIM_ATTEMPTS):
        for sector in await _active(ctx, plan["citizen_id"]):
            if sector["kind"] not in domain.SECTOR_KINDS:
                continue
            await change(
                ctx.plans,
                sector["_id"],
                None,
                stamp,
                lambda p: domain.close_as_replaced(p, unified_id) if p["status"] == "active" else Outcome(),
                leave_out=NOT_IN_PLAN,
            )
            replaced.append(sector["_id"])
        try:
            return await change(
                ctx.plans,
                unified_id,
                None,
                stamp,
                lambda p: domain.claim_sectors(p, replaced),
                leave_out=NOT_IN_PLAN,
            )
        except AlreadyExistsError:
            continue  # a sector plan became active meanwhile: close it too
    raise VersionConflictError(unified_id, -1)


async def add_goal(
    ctx: Plans, plan_id: str, expected: int | None, body: GoalCreate, goal_id: str, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, expected, caller, lambda p, s: domain.add_goal(p, body, goal_id, s)
    )


async def change_goal(
    ctx: Plans, plan_id: str, goal_id: str, expected: int, body: GoalUpdate, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, expected, caller, lambda p, s: domain.change_goal(p, goal_id, body, s)
    )


async def add_follow_up(
    ctx: Plans, plan_id: str, goal_id: str, body: FollowUpCreate, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, None, caller, lambda p, s: domain.add_follow_up(p, goal_id, body, s)
    )


async def add_actor(
    ctx: Plans, plan_id: str, expected: int | None, body: ActorCreate, actor_id: str, caller: Caller
) -> Document:
    return await plan_change(ctx, plan_id, expected, caller, lambda p, _: domain.add_actor(p, body, actor_id))


async def change_actor(
    ctx: Plans, plan_id: str, actor_id: str, expected: int, body: ActorUpdate, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, expected, caller, lambda p, _: domain.change_actor(p, actor_id, body)
    )


async def remove_actor(ctx: Plans, plan_id: str, actor_id: str, expected: int, caller: Caller) -> Document:
    return await plan_change(ctx, plan_id, expected, caller, lambda p, _: domain.remove_actor(p, actor_id))


async def add_child_follow_up(
    ctx: Plans, plan_id: str, body: ChildFollowUpCreate, caller: Caller
) -> Document:
    return await plan_change(ctx, plan_id, None, caller, lambda p, s: domain.add_child_follow_up(p, body, s))


async def citizen_words(
    ctx: Plans, plan_id: str, expected: int | None, body: CitizenWordsUpdate, caller: Caller
) -> Document:
    return await plan_change(ctx, plan_id, expected, caller, lambda p, s: domain.citizen_words(p, body, s))


async def citizen_score(
    ctx: Plans, plan_id: str, goal_id: str, body: CitizenScoreCreate, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, None, caller, lambda p, s: domain.citizen_score(p, goal_id, body, s)
    )


async def comment(
    ctx: Plans, plan_id: str, goal_id: str, body: CommentCreate, comment_id: str, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, None, caller, lambda p, s: domain.comment(p, goal_id, body, comment_id, s)
    )


async def request_change(
    ctx: Plans, plan_id: str, body: ChangeRequestCreate, request_id: str, caller: Caller
) -> Document:
    return await plan_change(
        ctx, plan_id, None, caller, lambda p, s: domain.request_change(p, body, request_id, s)
    )


async def decide_request(
    ctx: Plans,
    plan_id: str,
    request_id: str,
    expected: int | None,
    body: ChangeRequestDecision,
    caller: Caller,
) -> Document:
    goal_id = new_id()
    return await plan_change(
        ctx, plan_id, expected, caller, lambda p, s: domain.decide_request(p, request_id, body, goal_id, s)
    )


async def migrate_scores(ctx: Plans, migrations: Collection) -> int:
    """Scores stored as free strings move onto a declared scale: once per database, at start-up.

    Each plan is a versioned change by the system with a history entry, so replicas starting together cannot
    migrate a plan twice or overwrite a caseworker's change; the marker document makes later starts skip the scan.
    """
    if await migrations.find_one({"_id": SCORES_MIGRATION}):
        return 0
    stamp = Stamp.system()
    legacy = await ctx.plans.find({"goals.scores.now": {"$type": "string"}}, fields=("_id",))
    for plan in legacy:
        await change(ctx.plans, plan["_id"], None, stamp, domain.scores_on_a_scale, leave_out=NOT_IN_PLAN)
    await migrations.update_one({"_id": SCORES_MIGRATION}, {"$set": {"done_at": stamp.at}}, upsert=True)
    return len(legacy)


async def project_caseload(ctx: Plans, citizen_id: str) -> None:
    """Keep on the citizen the units with a current plan of theirs (``units``: responsible or on the network map;
    ``responsible_units``): "Mine borgere" is then one indexed range of the citizens collection, paged by name.

    A projection of the plan service's own events (``entrypoints.events.caseload_handlers``), not a second write of
    the change: the change writes its plan and its events once, and this runs when the event comes back from the
    plan topic. Recomputed from the citizen's plans as they are now, so it sets absolute values: a redelivered, a
    replayed or a late event writes what is true, never what was (decision 0021).
    """
    plans = await ctx.plans.find(
        {"citizen_id": citizen_id, "status": {"$in": list(CURRENT)}},
        fields=("responsible_unit", "actor_units"),
        limit=100,
    )
    await ctx.citizens.collection.update_one({"_id": citizen_id}, {"$set": caseload_units(plans)})


def caseload_units(plans: list[Document]) -> dict[str, list[str]]:
    responsible = {p["responsible_unit"] for p in plans}
    taking_part = {u for p in plans for u in p.get("actor_units", [])}
    return {"units": sorted(responsible | taking_part), "responsible_units": sorted(responsible)}


async def migrate_caseload(ctx: Plans, migrations: Collection) -> int:
    """Citizens stored before ``units`` and ``caseload_key`` existed get them: once per database, at start-up.

    Walks the citizens by ``_id`` in batches (the ``_id`` index), each batch's plans in one read and its writes in
    one bulk write; every write sets absolute values, so replicas starting together write the same thing.
    """
    if await migrations.find_one({"_id": CASELOAD_MIGRATION}):
        return 0
    done, after = 0, ""
    while True:
        batch = await ctx.citizens.find(
            {"_id": {"$gt": after}}, sort=[("_id", 1)], limit=500, fields=("_id", "name")
        )
        if not batch:
            break
        ids = [person["_id"] for person in batch]
        plans = await ctx.plans.find(
            {"citizen_id": {"$in": ids}, "status": {"$in": list(CURRENT)}},
            fields=("citizen_id", "responsible_unit", "actor_units"),
        )
        by_citizen: dict[str, list[Document]] = {}
        for found in plans:
            by_citizen.setdefault(found["citizen_id"], []).append(found)
        writes = [
            UpdateOne(
                {"_id": person["_id"]},
                {
                    "$set": {
                        "caseload_key": caseload_key(person["name"], person["_id"]),
                        **caseload_units(by_citizen.get(person["_id"], [])),
                    }
                },
            )
            for person in batch
        ]
        await ctx.citizens.collection.bulk_write(writes, ordered=False)
        done += len(batch)
        after = ids[-1]
    stamp = Stamp.system()
    await migrations.update_one({"_id": CASELOAD_MIGRATION}, {"$set": {"done_at": stamp.at}}, upsert=True)
    return done
