"""The consent service's reads. Each query has its index (``consent_service.bootstrap.INDEXES`` names which)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request, Response

from borgerplan_plumbing import pages
from borgerplan_plumbing.mongo import Document, Query, find_together
from borgerplan_rules.relations import PlanFacts
from consent_service.changes import Consents

# A citizen has a handful of consents and plans; these bound a read should something go wrong.
MAX_CONSENTS_PER_CITIZEN = 500
MAX_PLANS_PER_CITIZEN = 100
# A batch's consents: a unit holds a few per citizen.
MAX_CONSENTS_PER_BATCH = 20_000
DECISION_FIELDS = (
    "_id",
    "citizen_id",
    "grantee_unit",
    "granted_by_unit",
    "categories",
    "purposes",
    "valid_from",
    "valid_until",
    "status",
    "basis",
)
PLAN_REF_FIELDS = ("_id", "citizen_id", "responsible_unit", "actor_units", "status")


async def consent(ctx: Consents, consent_id: str) -> Document:
    return await ctx.consents.get(consent_id)


async def consents_page(
    ctx: Consents,
    citizen_id: str,
    unit: str | None,
    limit: int,
    cursor: str | None,
    request: Request,
    response: Response,
) -> list[Document]:
    """The citizen's consents by ``valid_from`` then id (``consent_citizen``); with ``unit``, those it received or
    registered (filtered within the citizen's few)."""

    async def find(query: Document, sort: list[tuple[str, int]], n: int) -> list[Document]:
        return await ctx.consents.find(query, sort=sort, limit=n)

    query: Document = {"citizen_id": citizen_id}
    if unit is not None:
        query["$or"] = [{"grantee_unit": unit}, {"granted_by_unit": unit}]
    return await pages.page(find, query, "valid_from", limit, cursor, request, response)


async def disclosures_page(
    ctx: Consents, citizen_id: str, limit: int, cursor: str | None, request: Request, response: Response
) -> list[Document]:
    """Newest first, keyset on (``at``, id) (``disclosure_citizen``)."""

    async def find(query: Document, sort: list[tuple[str, int]], n: int) -> list[Document]:
        return [d async for d in ctx.disclosures.find(query, sort=sort, limit=n)]

    return await pages.page(
        find, {"citizen_id": citizen_id}, "at", limit, cursor, request, response, newest_first=True
    )


async def citizen_facts(
    ctx: Consents, citizen_id: str, *, whole_consents: bool = False
) -> tuple[list[PlanFacts], list[Document]]:
    """The citizen's plans (read model, ``plan_ref_citizen``) and consents (``consent_citizen``), in one round trip.

    A decision needs every consent of the citizen (a unit that registered one for another unit is related too);
    with ``whole_consents`` they come whole, to be shown, else only what deciding needs.
    """
    plans, consents = await find_together(
        Query(
            ctx.plan_refs,
            {"citizen_id": citizen_id},
            dict.fromkeys(PLAN_REF_FIELDS, 1),
            limit=MAX_PLANS_PER_CITIZEN,
        ),
        ctx.consents.query(
            {"citizen_id": citizen_id},
            sort=[("valid_from", 1), ("_id", 1)],
            limit=MAX_CONSENTS_PER_CITIZEN,
            fields=() if whole_consents else DECISION_FIELDS,
        ),
    )
    return [PlanFacts.of(p) for p in plans], consents


async def unit_facts(
    ctx: Consents, unit: str, citizen_ids: Sequence[str]
) -> tuple[list[PlanFacts], list[Document]]:
    """For one unit over many citizens: the plans it is responsible for (``plan_ref_responsible``) and the
    consents it received (``consent_grantee``), among those citizens. An actor's permit comes from consents only,
    so the plans the unit is responsible for are all a batch needs of them."""
    ids = list(dict.fromkeys(citizen_ids))
    if not ids:
        return [], []
    plans, consents = await find_together(
        Query(
            ctx.plan_refs,
            {"responsible_unit": unit, "citizen_id": {"$in": ids}},
            dict.fromkeys(PLAN_REF_FIELDS, 1),
            limit=len(ids) * MAX_PLANS_PER_CITIZEN,
        ),
        ctx.consents.query(
            {"grantee_unit": unit, "citizen_id": {"$in": ids}},
            limit=MAX_CONSENTS_PER_BATCH,
            fields=DECISION_FIELDS,
        ),
    )
    return [PlanFacts.of(p) for p in plans], consents
