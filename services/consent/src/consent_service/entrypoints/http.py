"""HTTP routes of the consent service. The gateway forwards ``/api/v1/...`` here with the caller signed.

Routes parse, hand over to ``consent_service.changes`` or ``queries``, and shape the answer; they never touch a
store themselves. The routes tagged ``facts`` and ``POST /disclosures`` are internal: the gateway, the meetings and
the notify service read the consents as facts (``borgerplan_plumbing.access``), and the one disclosure writer records
what left on a consent. Nothing here decides who may see what (``borgerplan_rules.access`` does), and no read writes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from borgerplan_api.consent import (
    ConsentCreate,
    ConsentNarrowing,
    ConsentPublic,
    ConsentRef,
    ConsentRefsAmong,
    ConsentRenewal,
    DisclosureCreate,
    DisclosurePublic,
    RevocationCreate,
)
from borgerplan_plumbing import pages
from borgerplan_plumbing.http import IfMatch, created, parse_if_match, state, versioned
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from consent_service import changes, queries
from consent_service.changes import Consents

router = APIRouter()
Ctx = Annotated[Consents, state("consents")]


def consent_public(doc: Document) -> ConsentPublic:
    return ConsentPublic.model_validate({**doc, "consent_id": doc["_id"]})


def disclosure_public(doc: Document) -> DisclosurePublic:
    return DisclosurePublic.model_validate({**doc, "disclosure_id": doc["_id"]})


def _versioned(response: Response, doc: Document) -> ConsentPublic:
    return versioned(response, consent_public(doc))


# --- consents -------------------------------------------------------------------------------------------------


@router.post(
    "/consents",
    status_code=201,
    response_model=ConsentPublic,
    operation_id="grant_consent",
    tags=["consents"],
    summary="Record a consent (or statutory basis) for a receiving unit",
)
async def grant_consent(
    body: ConsentCreate, ctx: Ctx, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def stored() -> ConsentPublic:
        return consent_public(await changes.grant(ctx, body, caller))

    return await created(
        runtime.idempotency,
        scope=f"consent:{caller.sub}",
        key=key,
        body=body,
        write=stored,
        location=lambda consent: f"/consents/{consent.consent_id}",
    )


@router.get(
    "/consents/{consent_id}", response_model=ConsentPublic, operation_id="get_consent", tags=["consents"]
)
async def get_consent(consent_id: str, ctx: Ctx, response: Response) -> ConsentPublic:
    return _versioned(response, await queries.consent(ctx, consent_id))


@router.patch(
    "/consents/{consent_id}",
    response_model=ConsentPublic,
    operation_id="narrow_consent",
    tags=["consents"],
    summary="Narrow a consent to fewer categories or purposes (a new version; If-Match)",
)
async def narrow_consent(
    consent_id: str,
    body: ConsentNarrowing,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> ConsentPublic:
    expected = parse_if_match(if_match)
    return _versioned(response, await changes.narrow(ctx, consent_id, expected, body, caller))


@router.post(
    "/consents/{consent_id}/renewal",
    response_model=ConsentPublic,
    operation_id="renew_consent",
    tags=["consents"],
    summary="Extend a consent's validity (a new version; If-Match)",
)
async def renew_consent(
    consent_id: str,
    body: ConsentRenewal,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> ConsentPublic:
    expected = parse_if_match(if_match)
    return _versioned(response, await changes.renew(ctx, consent_id, expected, body, caller))


@router.post(
    "/consents/{consent_id}/revocation",
    response_model=ConsentPublic,
    operation_id="revoke_consent",
    tags=["consents"],
    summary="Revoke a consent; it stops covering anything at once. No If-Match needed (one sent is accepted and "
    "ignored); revoking a revoked consent answers the revocation that stands",
)
async def revoke_consent(
    consent_id: str,
    ctx: Ctx,
    response: Response,
    caller: CurrentCaller,
    body: RevocationCreate | None = None,
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="accepted and ignored: a revocation never answers 412"),
    ] = None,
) -> ConsentPublic:
    # GDPR art. 7(3): withdrawing consent is as easy as giving it, so no version check can refuse it.
    return _versioned(response, await changes.revoke(ctx, consent_id, body, caller))


@router.get(
    "/citizens/{citizen_id}/consents",
    response_model=list[ConsentPublic],
    operation_id="list_consents",
    tags=["consents"],
)
async def list_consents(
    citizen_id: str,
    ctx: Ctx,
    request: Request,
    response: Response,
    limit: pages.Limit = pages.MAX_LIMIT,
    cursor: pages.Cursor = None,
    unit: Annotated[
        str | None, Query(max_length=200, description="only consents this unit received or registered")
    ] = None,
) -> list[ConsentPublic]:
    docs = await queries.consents_page(ctx, citizen_id, unit, limit, cursor, request, response)
    return [consent_public(d) for d in docs]


# --- consents as facts (internal) ----------------------------------------------------------------------------


def consent_ref(doc: Document) -> ConsentRef:
    return ConsentRef.model_validate({**doc, "consent_id": doc["_id"]})


@router.get(
    "/citizens/{citizen_id}/consent-refs",
    response_model=list[ConsentRef],
    operation_id="consent_refs",
    tags=["facts"],
    summary="Every consent of the citizen, in any state, as facts to decide access from (internal)",
)
async def consent_refs(citizen_id: str, ctx: Ctx) -> list[ConsentRef]:
    return [consent_ref(d) for d in await queries.consent_refs(ctx, citizen_id)]


@router.post(
    "/units/{unit}/consent-refs",
    response_model=list[ConsentRef],
    operation_id="unit_consent_refs",
    tags=["facts"],
    summary="The consents one unit received, among these citizens (internal: Mine borgere)",
)
async def unit_consent_refs(unit: str, body: ConsentRefsAmong, ctx: Ctx) -> list[ConsentRef]:
    return [consent_ref(d) for d in await queries.unit_consent_refs(ctx, unit, body.citizen_ids)]


# --- disclosures ----------------------------------------------------------------------------------------------


@router.post(
    "/disclosures",
    status_code=201,
    response_model=DisclosurePublic,
    operation_id="record_disclosure",
    tags=["disclosures"],
    summary="Record that data left the system on a permit (internal)",
)
async def record_disclosure(body: DisclosureCreate, ctx: Ctx, caller: CurrentCaller) -> DisclosurePublic:
    return disclosure_public(await changes.record_disclosure(ctx, body, caller))


@router.get(
    "/citizens/{citizen_id}/disclosures",
    response_model=list[DisclosurePublic],
    operation_id="list_disclosures",
    tags=["disclosures"],
    summary="Who received what about the citizen, and when (newest first)",
)
async def list_disclosures(
    citizen_id: str,
    ctx: Ctx,
    request: Request,
    response: Response,
    limit: pages.Limit = pages.DEFAULT_LIMIT,
    cursor: pages.Cursor = None,
) -> list[DisclosurePublic]:
    docs = await queries.disclosures_page(ctx, citizen_id, limit, cursor, request, response)
    return [disclosure_public(d) for d in docs]
