"""Reading and writing around the plan's rules (``plan_service.domain``).

Each change reads the plan, lets the domain decide, and writes the result as a new version with its history
entry and its events in one single-document update. A change sent with ``If-Match`` applies only to that version
(412 otherwise); a change without one (adding a goal, an actor, a follow-up) is re-read and retried a few times
when another change lands in between, since it does not depend on what that change did.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from borgerplan_contracts import new_event
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.locks import document_lock
from borgerplan_plumbing.store import AggregateStore, NotFoundError, VersionConflictError
from plan_service import domain
from plan_service.domain import Document, Outcome, PlanRuleError, Stamp
from plan_service.schemas import PlanCreate, PlanUpdate

RETRIES = 5
NOT_IN_PLAN = ("history",)  # served by /plans/{id}/history; a plan's reads and changes skip it


def stamp_of(caller: Caller) -> Stamp:
    return Stamp(at=datetime.now(UTC), by=caller.sub, by_name=caller.name, by_unit=caller.unit)


def new_id() -> str:
    return str(uuid.uuid4())


async def write(plans: AggregateStore, plan: Document, outcome: Outcome, stamp: Stamp) -> Document:
    """Store ``outcome`` as the plan's next version (the plan as read is the expected version)."""
    if outcome.empty:
        return plan
    entry = {"version": plan["version"] + 1, **stamp.doc(), "changes": outcome.changes}
    return await plans.update(
        plan["_id"],
        plan["version"],
        outcome.set,
        [new_event(e, subject=plan["citizen_id"]) for e in outcome.events],
        extra={"$push": {"history": entry}},
    )


async def change(
    plans: AggregateStore,
    plan_id: str,
    expected: int | None,
    caller: Caller,
    decide: Callable[[Document, Stamp], Outcome],
) -> Document:
    """Apply ``decide`` to the plan at ``expected`` (412 when stale), or to its latest version with retries."""
    for _ in range(RETRIES):
        plan = await plans.get(plan_id, leave_out=NOT_IN_PLAN)
        if expected is not None and plan["version"] != expected:
            raise VersionConflictError(plan_id, expected)
        stamp = stamp_of(caller)
        try:
            return await write(plans, plan, decide(plan, stamp), stamp)
        except VersionConflictError:
            if expected is not None:
                raise
    raise VersionConflictError(plan_id, -1)


def citizen_lock(plans: AggregateStore, citizen_id: str) -> asyncio.Lock:
    """Serializes activations of one citizen's plans in this process (the one-active-plan rule reads, then
    writes; see decision 0011 for several replicas)."""
    return document_lock(plans.collection, f"citizen-plans:{citizen_id}")


async def _others(plans: AggregateStore, citizen_id: str) -> list[Document]:
    return await plans.find({"citizen_id": citizen_id, "status": "active"}, limit=50)


async def _close_replaced(
    plans: AggregateStore, replaced: list[str], unified_id: str, caller: Caller
) -> None:
    for plan_id in replaced:
        await change(plans, plan_id, None, caller, lambda plan, _: domain.close_as_replaced(plan, unified_id))


async def create_plan(
    plans: AggregateStore, citizens: AggregateStore, body: PlanCreate, caller: Caller
) -> Document:
    try:
        await citizens.get(body.citizen_id)
    except NotFoundError as exc:
        raise PlanRuleError("citizen_id", "unknown citizen") from exc
    plan_id = new_id()
    doc, events = domain.new_plan(body, plan_id, stamp_of(caller), new_id)
    async with citizen_lock(plans, body.citizen_id):
        replaced: list[str] = []
        if body.status == "active":
            replaced = domain.activation(body.kind, plan_id, await _others(plans, body.citizen_id))
            doc["replaces"] = replaced
            events.append(domain.activated({**doc, "version": 1}, replaced))
        stored = await plans.insert(doc, [new_event(e, subject=body.citizen_id) for e in events])
        await _close_replaced(plans, replaced, plan_id, caller)
    return stored


async def update_plan(
    plans: AggregateStore, plan_id: str, expected: int, body: PlanUpdate, caller: Caller
) -> Document:
    def plain(current: Document, _: Stamp) -> Outcome:
        return domain.update_plan(current, body)

    if body.status != "active":
        return await change(plans, plan_id, expected, caller, plain)
    plan = await plans.get(plan_id, leave_out=NOT_IN_PLAN)
    if plan["status"] == "active":
        return await change(plans, plan_id, expected, caller, plain)
    async with citizen_lock(plans, plan["citizen_id"]):
        others = await _others(plans, plan["citizen_id"])

        def activate(current: Document, _: Stamp) -> Outcome:
            outcome = domain.update_plan(current, body)
            replaced = domain.activation(current["kind"], current["_id"], others)
            outcome.set["replaces"] = replaced
            outcome.events.append(domain.activated({**current, "version": current["version"] + 1}, replaced))
            return outcome

        stored = await change(plans, plan_id, expected, caller, activate)
        await _close_replaced(plans, stored.get("replaces", []), plan_id, caller)
    return stored
