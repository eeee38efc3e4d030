"""HTTP routes of the consent service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from borgerplan_plumbing import pages
from borgerplan_plumbing.http import etag, parse_if_match
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from consent_service.schemas import (
    ConsentCreate,
    ConsentNarrowing,
    ConsentPublic,
    ConsentRenewal,
    Decision,
    DecisionRequest,
    DisclosureCreate,
    DisclosurePublic,
    RevocationCreate,
)
from consent_service.service import ConsentService

router = APIRouter()
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _service(request: Request) -> ConsentService:
    service: ConsentService = request.app.state.consent_service
    return service


def consent_public(doc: Document) -> ConsentPublic:
    return ConsentPublic.model_validate({**doc, "consent_id": doc["_id"]})


async def _changed(response: Response, change: Callable[[], Awaitable[Document]]) -> ConsentPublic:
    public = consent_public(await change())
    response.headers["ETag"] = etag(public.version)
    return public


@router.post(
    "/consents",
    status_code=201,
    response_model=ConsentPublic,
    operation_id="grant_consent",
    tags=["consents"],
    summary="Record a consent (or statutory basis) for a receiving unit",
)
async def grant_consent(
    body: ConsentCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    async def create() -> tuple[int, object, dict[str, str]]:
        public = consent_public(await _service(request).grant(body, caller))
        return 201, public, {"Location": f"/consents/{public.consent_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"consent:{caller.sub}", key=key, payload=body, create=create)


@router.get(
    "/consents/{consent_id}", response_model=ConsentPublic, operation_id="get_consent", tags=["consents"]
)
async def get_consent(consent_id: str, request: Request, response: Response) -> ConsentPublic:
    public = consent_public(await _service(request).consents.get(consent_id))
    response.headers["ETag"] = etag(public.version)
    return public


@router.patch(
    "/consents/{consent_id}",
    response_model=ConsentPublic,
    operation_id="narrow_consent",
    tags=["consents"],
    summary="Narrow a consent to fewer categories or purposes (a new version)",
)
async def narrow_consent(
    consent_id: str,
    body: ConsentNarrowing,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> ConsentPublic:
    expected = parse_if_match(if_match)
    return await _changed(response, lambda: _service(request).narrow(consent_id, expected, body, caller))


@router.post(
    "/consents/{consent_id}/renewal",
    response_model=ConsentPublic,
    operation_id="renew_consent",
    tags=["consents"],
    summary="Extend a consent's validity (a new version)",
)
async def renew_consent(
    consent_id: str,
    body: ConsentRenewal,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    if_match: IfMatch = None,
) -> ConsentPublic:
    expected = parse_if_match(if_match)
    return await _changed(response, lambda: _service(request).renew(consent_id, expected, body, caller))


@router.post(
    "/consents/{consent_id}/revocation",
    response_model=ConsentPublic,
    operation_id="revoke_consent",
    tags=["consents"],
    summary="Revoke a consent; it stops covering anything at once",
)
async def revoke_consent(
    consent_id: str,
    request: Request,
    response: Response,
    caller: CurrentCaller,
    body: RevocationCreate | None = None,
    if_match: IfMatch = None,
) -> ConsentPublic:
    expected = parse_if_match(if_match)
    reason = body.reason if body else None
    return await _changed(response, lambda: _service(request).revoke(consent_id, expected, reason, caller))


@router.get(
    "/citizens/{citizen_id}/consents",
    response_model=list[ConsentPublic],
    operation_id="list_consents",
    tags=["consents"],
)
async def list_consents(
    citizen_id: str,
    request: Request,
    response: Response,
    limit: pages.Limit = pages.MAX_LIMIT,
    cursor: pages.Cursor = None,
    unit: Annotated[
        str | None, Query(max_length=200, description="only consents this unit received or registered")
    ] = None,
) -> list[ConsentPublic]:
    consents = _service(request).consents

    async def find(query: Document, sort: list[tuple[str, int]], n: int) -> list[Document]:
        return await consents.find(query, sort=sort, limit=n)

    query: Document = {"citizen_id": citizen_id}
    if unit is not None:
        query["$or"] = [{"grantee_unit": unit}, {"granted_by_unit": unit}]
    docs = await pages.page(find, query, "valid_from", limit, cursor, request, response)
    return [consent_public(d) for d in docs]


@router.post(
    "/decisions",
    response_model=Decision,
    operation_id="decide",
    tags=["decisions"],
    summary="May unit U use categories C for purpose P about citizen X now? (internal)",
)
async def decide(body: DecisionRequest, request: Request, caller: CurrentCaller) -> Decision:
    service = _service(request)
    result, docs = await service.decide(
        body.citizen_id, body.unit, body.purpose, body.categories, all_consents=body.include_consents
    )
    consents = None
    if body.include_consents and result.relation != "none":
        consents = [
            consent_public(d)
            for d in docs
            if result.relation == "responsible" or d["grantee_unit"] == body.unit
        ]
    disclosure_id = None
    if body.disclose and result.permit and result.relation == "actor":
        disclosure = DisclosureCreate(
            citizen_id=body.citizen_id,
            unit=body.unit,
            purpose=body.purpose,
            categories=list(result.categories),
            consent_ids=list(result.consent_ids),
            what=body.disclose,
        )
        disclosure_id = (await service.record_disclosure(disclosure, caller))["_id"]
    return Decision(
        consents=consents,
        disclosure_id=disclosure_id,
        permit=result.permit,
        relation=result.relation,
        categories=list(result.categories),
        consent_ids=list(result.consent_ids),
        basis=result.basis,
        reason=result.reason,
    )


@router.post(
    "/disclosures",
    status_code=201,
    response_model=DisclosurePublic,
    operation_id="record_disclosure",
    tags=["disclosures"],
    summary="Record that data left the system on a permit (internal)",
)
async def record_disclosure(
    body: DisclosureCreate, request: Request, caller: CurrentCaller
) -> DisclosurePublic:
    doc = await _service(request).record_disclosure(body, caller)
    return DisclosurePublic.model_validate({**doc, "disclosure_id": doc["_id"]})


@router.get(
    "/citizens/{citizen_id}/disclosures",
    response_model=list[DisclosurePublic],
    operation_id="list_disclosures",
    tags=["disclosures"],
    summary="Who received what about the citizen, and when",
)
async def list_disclosures(
    citizen_id: str,
    request: Request,
    response: Response,
    limit: pages.Limit = pages.DEFAULT_LIMIT,
    cursor: pages.Cursor = None,
) -> list[DisclosurePublic]:
    disclosures = _service(request).disclosures

    async def find(query: Document, sort: list[tuple[str, int]], n: int) -> list[Document]:
        return [d async for d in disclosures.find(query, sort=sort, limit=n)]

    docs = await pages.page(
        find, {"citizen_id": citizen_id}, "at", limit, cursor, request, response, newest_first=True
    )
    return [DisclosurePublic.model_validate({**d, "disclosure_id": d["_id"]}) for d in docs]
