"""HTTP routes of the consent service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import get_args

from fastapi import APIRouter, Request, Response

from borgerplan_contracts import new_event
from borgerplan_contracts.events import ConsentGranted
from borgerplan_contracts.events.consent import InformationCategory
from borgerplan_plumbing.http import etag
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.runtime import CurrentCaller, IdempotencyKey, Runtime
from borgerplan_plumbing.store import AggregateStore
from consent_service.schemas import ConsentCreate, ConsentPublic, Decision, DecisionRequest

router = APIRouter()
ALL_CATEGORIES: list[InformationCategory] = list(get_args(InformationCategory))


def _consents(request: Request) -> AggregateStore:
    store: AggregateStore = request.app.state.consents
    return store


def consent_public(doc: Document) -> ConsentPublic:
    return ConsentPublic.model_validate({**doc, "consent_id": doc["_id"]})


@router.post(
    "/consents",
    status_code=201,
    response_model=ConsentPublic,
    operation_id="grant_consent",
    tags=["consents"],
)
async def grant_consent(
    body: ConsentCreate, request: Request, runtime: Runtime, caller: CurrentCaller, key: IdempotencyKey = None
) -> Response:
    consents = _consents(request)

    async def create() -> tuple[int, object, dict[str, str]]:
        consent_id = str(uuid.uuid4())
        event = ConsentGranted(
            consent_id=consent_id,
            citizen_id=body.citizen_id,
            grantee_unit=body.grantee_unit,
            categories=body.categories,
            purposes=body.purposes,
            basis=body.basis,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )
        doc = await consents.insert(
            {
                "_id": consent_id,
                **body.model_dump(mode="json"),
                "status": "active",
                "granted_by": caller.sub,
                "granted_at": datetime.now(UTC),
            },
            [new_event(event, subject=body.citizen_id)],
        )
        public = consent_public(doc)
        return 201, public, {"Location": f"/consents/{consent_id}", "ETag": etag(public.version)}

    return await runtime.idempotency.run(scope=f"consent:{caller.sub}", key=key, payload=body, create=create)


@router.get(
    "/citizens/{citizen_id}/consents",
    response_model=list[ConsentPublic],
    operation_id="list_consents",
    tags=["consents"],
)
async def list_consents(citizen_id: str, request: Request) -> list[ConsentPublic]:
    docs = await _consents(request).find({"citizen_id": citizen_id}, sort=[("valid_from", 1)], limit=500)
    return [consent_public(d) for d in docs]


@router.post(
    "/decisions",
    response_model=Decision,
    operation_id="decide",
    tags=["decisions"],
    summary="May unit U use categories C for purpose P about citizen X now? (internal)",
)
async def decide(body: DecisionRequest, request: Request) -> Decision:
    plans = request.app.state.plan_refs
    wanted = set(body.categories or ALL_CATEGORIES)
    if await plans.count_documents({"citizen_id": body.citizen_id, "responsible_unit": body.unit}, limit=1):
        return Decision(
            permit=True,
            relation="responsible",
            categories=sorted(wanted),
            consent_ids=[],
            reason="responsible_unit",
        )
    is_actor = await plans.count_documents({"citizen_id": body.citizen_id, "actor_units": body.unit}, limit=1)
    today = datetime.now(UTC).date().isoformat()
    permitted: set[str] = set()
    behind: list[str] = []
    async for doc in _consents(request).collection.find(
        {
            "citizen_id": body.citizen_id,
            "grantee_unit": body.unit,
            "status": "active",
            "purposes": body.purpose,
        }
    ):
        if doc["valid_from"] > today or (doc.get("valid_until") and doc["valid_until"] < today):
            continue
        granted = wanted & set(doc["categories"])
        if granted:
            permitted |= granted
            behind.append(doc["_id"])
    relation = "actor" if is_actor or behind else "none"
    return Decision(
        permit=bool(permitted),
        relation=relation,
        categories=sorted(permitted),
        consent_ids=sorted(behind),
        reason="consent" if permitted else "no_consent",
    )
