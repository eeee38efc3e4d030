"""The plan service's reads. Each query has its index (``plan_service.bootstrap.INDEXES``)."""

from __future__ import annotations

import asyncio
from typing import Any

from borgerplan_api.cpr import normalise_cpr
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import Problem
from plan_service.changes import NOT_IN_PLAN, Plans, name_key

MAX_PLANS_PER_CITIZEN = 100
# A unit's caseload in one answer: a municipality's busiest units follow a few hundred citizens each.
MAX_CASELOAD = 2000
CURRENT = ("draft", "active")
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
    found, plans = await asyncio.gather(citizen(ctx, citizen_id), plans_of(ctx, citizen_id))
    return found, plans


# A citizen's plans are few: they are ordered here, not by the database, whose planner would otherwise walk the
# primary key in order (every plan of every citizen) instead of the citizen's index.
async def plans_of(ctx: Plans, citizen_id: str) -> list[Document]:
    found = await ctx.plans.find(
        {"citizen_id": citizen_id}, limit=MAX_PLANS_PER_CITIZEN, leave_out=NOT_IN_PLAN
    )
    return sorted(found, key=lambda p: str(p["_id"]))


async def plan_refs(ctx: Plans, citizen_id: str) -> list[Document]:
    """What others need to know of the citizen's plans to decide relations: kind, status, units."""
    found = await ctx.plans.find({"citizen_id": citizen_id}, limit=MAX_PLANS_PER_CITIZEN, fields=REF_FIELDS)
    return sorted(found, key=lambda p: str(p["_id"]))


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


async def caseload(ctx: Plans, unit: str, name: str | None = None) -> list[dict[str, Any]]:
    """The citizens whose current plans the unit is responsible for or takes part in, by name.

    ``name`` narrows to names containing it (any case); only the unit's own citizens are searched.
    """
    plans = await ctx.plans.find(
        {"$or": [{"responsible_unit": unit}, {"actor_units": unit}], "status": {"$in": list(CURRENT)}},
        fields=REF_FIELDS,
        limit=MAX_CASELOAD,
    )
    by_citizen: dict[str, list[Document]] = {}
    for found in plans:
        by_citizen.setdefault(found["citizen_id"], []).append(found)
    if not by_citizen:
        return []
    people = await ctx.citizens.find(
        {"_id": {"$in": list(by_citizen)}},
        fields=("_id", "name", "name_key", "birth_date"),
        limit=len(by_citizen),
    )
    wanted = name_key(name) if name else None
    rows = []
    for person in people:
        key = person.get("name_key") or name_key(person["name"])
        if wanted and wanted not in key:
            continue
        own = by_citizen[person["_id"]]
        responsible = any(p["responsible_unit"] == unit for p in own)
        rows.append(
            {
                "citizen_id": person["_id"],
                "name": person["name"],
                "birth_date": person["birth_date"],
                "relation": "responsible" if responsible else "actor",
                "plans": [
                    {"plan_id": p["_id"], "kind": p["kind"], "status": p["status"]}
                    for p in sorted(own, key=lambda p: str(p["_id"]))
                ],
                "_key": key,
            }
        )
    rows.sort(key=lambda r: (r.pop("_key"), r["citizen_id"]))
    return rows
