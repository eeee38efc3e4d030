"""The plan service's reads. Each query has its index (``plan_service.bootstrap.INDEXES``)."""

from __future__ import annotations

import re
from typing import Any

from borgerplan_api.cpr import normalise_cpr
from borgerplan_plumbing.mongo import Document, find_together
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.store import NotFoundError
from plan_service.changes import CURRENT, NOT_IN_PLAN, Plans, name_key

MAX_PLANS_PER_CITIZEN = 100
# A page of a unit's caseload (the gateway asks for a worklist page and, once, for its overdue citizens).
MAX_CASELOAD_PAGE = 1000
REF_FIELDS = ("_id", "citizen_id", "kind", "status", "responsible_unit", "actor_units")


async def citizen(ctx: Plans, citizen_id: str) -> Document:
    return await ctx.citizens.get(citizen_id)


async def citizens_by_cpr(ctx: Plans, cpr: str) -> list[Document]:
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
    return await ctx.citizens.find({"cpr": number}, limit=1)


async def citizen_with_plans(ctx: Plans, citizen_id: str) -> tuple[Document, list[Document]]:
    """The composed view's read: the citizen and their plans in one round trip to the database."""
    found, plans = await find_together(
        ctx.citizens.query({"_id": citizen_id}, limit=1),
        ctx.plans.query({"citizen_id": citizen_id}, limit=MAX_PLANS_PER_CITIZEN, leave_out=NOT_IN_PLAN),
    )
    if not found:
        raise NotFoundError(ctx.citizens.kind, citizen_id)
    return found[0], sorted(plans, key=_by_id)


# A citizen's plans are few: they are ordered here, not by the database, whose planner would otherwise walk the
# primary key in order (every plan of every citizen) instead of the citizen's index.
async def plans_of(ctx: Plans, citizen_id: str) -> list[Document]:
    found = await ctx.plans.find(
        {"citizen_id": citizen_id}, limit=MAX_PLANS_PER_CITIZEN, leave_out=NOT_IN_PLAN
    )
    return sorted(found, key=_by_id)


async def plan_refs(ctx: Plans, citizen_id: str) -> list[Document]:
    """What others need to know of the citizen's plans to decide relations: kind, status, units."""
    found = await ctx.plans.find({"citizen_id": citizen_id}, limit=MAX_PLANS_PER_CITIZEN, fields=REF_FIELDS)
    return sorted(found, key=_by_id)


def _by_id(plan: Document) -> str:
    return str(plan["_id"])


async def plan(ctx: Plans, plan_id: str) -> Document:
    return await ctx.plans.get(plan_id, leave_out=NOT_IN_PLAN)


async def history(ctx: Plans, plan_id: str) -> list[Document]:
    found = await ctx.plans.find({"_id": plan_id}, fields=("_id", "history"), limit=1)
    if not found:
        await ctx.plans.get(plan_id)  # raises the 404
    entries: list[Document] = found[0].get("history", [])
    return entries


async def citizen_names(ctx: Plans, citizen_ids: list[str]) -> list[Document]:
    return await ctx.citizens.find(
        {"_id": {"$in": citizen_ids}}, fields=("_id", "name", "birth_date"), limit=len(citizen_ids)
    )


async def caseload(
    ctx: Plans,
    unit: str,
    *,
    name: str | None = None,
    after: str | None = None,
    among: list[str] | None = None,
    limit: int = MAX_CASELOAD_PAGE,
) -> list[dict[str, Any]]:
    """One page of the citizens whose current plans the unit is responsible for or takes part in, by name.

    ``name`` narrows to names containing it (any case); ``after`` continues after this citizen's row (the page
    before's last); ``among`` keeps only these citizens. One indexed range of the citizens (their ``units``,
    projected by ``changes.project_caseload``) and the page's plans: the cost is the page's, not the unit's size.
    """
    query: dict[str, Any] = {"units": unit}
    if name:
        query["name_key"] = {"$regex": re.escape(name_key(name))}
    if after:
        last = await ctx.citizens.find({"_id": after}, fields=("caseload_key",), limit=1)
        if last:
            query["caseload_key"] = {"$gt": last[0]["caseload_key"]}
    if among is not None:
        query["_id"] = {"$in": among}
    people = await ctx.citizens.find(
        query,
        sort=[("caseload_key", 1)],
        limit=limit,
        fields=("_id", "name", "birth_date", "caseload_key", "responsible_units"),
    )
    if not people:
        return []
    plans = await ctx.plans.find(
        {"citizen_id": {"$in": [p["_id"] for p in people]}, "status": {"$in": list(CURRENT)}},
        fields=REF_FIELDS,
        limit=len(people) * MAX_PLANS_PER_CITIZEN,
    )
    by_citizen: dict[str, list[Document]] = {}
    for found in plans:
        if found["responsible_unit"] == unit or unit in found.get("actor_units", []):
            by_citizen.setdefault(found["citizen_id"], []).append(found)
    return [
        {
            "citizen_id": person["_id"],
            "name": person["name"],
            "birth_date": person["birth_date"],
            "relation": "responsible" if unit in person.get("responsible_units", []) else "actor",
            "plans": [
                {"plan_id": p["_id"], "kind": p["kind"], "status": p["status"]}
                for p in sorted(by_citizen.get(person["_id"], []), key=lambda p: str(p["_id"]))
            ],
        }
        for person in people
    ]


MAX_OPEN_REQUESTS = 500


async def open_requests(ctx: Plans, unit: str) -> list[Document]:
    """The citizens' requests waiting for the unit's answer, in the plans it is responsible for, oldest first."""
    plans = await ctx.plans.find(
        {"responsible_unit": unit, "open_requests": {"$gt": 0}},
        fields=("_id", "citizen_id", "change_requests"),
        limit=MAX_OPEN_REQUESTS,
    )
    rows = [
        {
            "plan_id": p["_id"],
            "citizen_id": p["citizen_id"],
            "request_id": r["request_id"],
            "kind": r["kind"],
            "at": r["at"],
        }
        for p in plans
        for r in p.get("change_requests") or []
        if r["status"] == "open"
    ]
    return sorted(rows, key=lambda r: (r["at"], r["request_id"]))[:MAX_OPEN_REQUESTS]
