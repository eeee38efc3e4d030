"""The consent service's reads. Each query has its index (``consent_service.bootstrap.INDEXES`` names which)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request, Response

from borgerplan_plumbing import pages
from borgerplan_plumbing.mongo import Document
from consent_service.changes import Consents

# A citizen has a handful of consents; this bounds a read should something go wrong.
MAX_CONSENTS_PER_CITIZEN = 500
# One unit's consents over a page of citizens: it holds a few per citizen.
MAX_CONSENTS_PER_BATCH = 20_000
REF_FIELDS = (
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


async def consent_refs(ctx: Consents, citizen_id: str) -> list[Document]:
    """Every consent of the citizen, in any state, with only what deciding access needs (``consent_citizen``)."""
    return await ctx.consents.find(
        {"citizen_id": citizen_id},
        sort=[("valid_from", 1), ("_id", 1)],
        limit=MAX_CONSENTS_PER_CITIZEN,
        fields=REF_FIELDS,
    )


async def unit_consent_refs(ctx: Consents, unit: str, citizen_ids: Sequence[str]) -> list[Document]:
    """The consents one unit received among many citizens (``consent_grantee``): one query whatever their number.
    Enough for a unit that is not responsible: what it may see rests on its own consents only."""
    ids = list(dict.fromkeys(citizen_ids))
    return await ctx.consents.find(
        {"grantee_unit": unit, "citizen_id": {"$in": ids}}, limit=MAX_CONSENTS_PER_BATCH, fields=REF_FIELDS
    )
