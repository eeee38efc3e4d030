"""HTTP routes of the consent service. The gateway forwards ``/api/v1/...`` here with the caller signed.

Routes parse, hand over to ``consent_service.changes``, ``queries`` or ``decisions``, and shape the answer; they
never touch a store themselves. The routes tagged ``decisions`` and ``POST /disclosures`` are internal: the gateway
and the meetings service call them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from borgerplan_api.consent import (
    BatchDecisionRequest,
    CitizenDecision,
    ConsentCreate,
    ConsentNarrowing,
    ConsentPublic,
    ConsentRenewal,
    Decision,
    DecisionPreview,
    DecisionRequest,
    DisclosureCreate,
    DisclosurePublic,
    PreviewRequest,
    RevocationCreate,
)
from borgerplan_plumbing import pages
from borgerplan_plumbing.http import IfMatch, created, parse_if_match, state, versioned
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from consent_service import changes, decisions, domain, queries
from consent_service.changes import Consents

router = APIRouter()
Ctx = Annotated[Consents, state("consents")]


def consent_public(doc: Document) -> ConsentPublic:
    return ConsentPublic.model_validate({**doc, "consent_id": doc["_id"]})


def disclosure_public(doc: Document) -> DisclosurePublic:
    return DisclosurePublic.model_validate({**doc, "disclosure_id": doc["_id"]})


def decision_answer(
    decision: domain.Decision, consents: list[Document] | None = None, disclosure_id: str | None = None
) -> Decision:
    return Decision(
        permit=decision.permit,
        relation=decision.relation,
        categories=list(decision.categories),
        consent_ids=list(decision.consent_ids),
        basis=decision.basis,
        reason=decision.reason,
        consents=None if consents is None else [consent_public(d) for d in consents],
        disclosure_id=disclosure_id,
    )


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


# --- decisions (internal) -------------------------------------------------------------------------------------


@router.post(
    "/decisions",
    response_model=Decision,
    operation_id="decide",
    tags=["decisions"],
    summary="May unit U use categories C for purpose P about citizen X now? (internal)",
)
async def decide(body: DecisionRequest, ctx: Ctx, caller: CurrentCaller) -> Decision:
    decision, consents, disclosure_id = await decisions.decide(ctx, body, caller)
    return decision_answer(decision, consents, disclosure_id)


@router.post(
    "/decisions/batch",
    response_model=list[CitizenDecision],
    operation_id="decide_batch",
    tags=["decisions"],
    summary="May one unit see each of these citizens (all categories asked)? In the order asked (internal)",
)
async def decide_batch(body: BatchDecisionRequest, ctx: Ctx, caller: CurrentCaller) -> list[CitizenDecision]:
    return [
        CitizenDecision(citizen_id=citizen_id, permit=d.permit, categories=list(d.categories))
        for citizen_id, d in await decisions.decide_batch(ctx, body)
    ]


@router.post(
    "/decisions/preview",
    response_model=DecisionPreview,
    operation_id="preview_decision",
    tags=["decisions"],
    summary="What the unit may see now, and would see with a proposed, changed or revoked consent (internal; "
    "nothing is stored)",
)
async def preview_decision(body: PreviewRequest, ctx: Ctx, caller: CurrentCaller) -> DecisionPreview:
    before, after = await decisions.preview(ctx, body)
    return DecisionPreview(before=decision_answer(before), after=decision_answer(after))


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
