"""Consents (samtykker): register, narrow, renew, revoke; and before saving, what the unit will see."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from web_service import plan_forms as F
from web_service import wording as W
from web_service.forms import Form, iso
from web_service.gateway import ApiProblem
from web_service.pages.meeting_mode import mode_page
from web_service.pages.plan import checked_id, current_plan, plan_view, units_for, working_page
from web_service.units import UnitDirectory
from web_service.web import Ctx, PostedForm, Staff, redirect

router = APIRouter()

CONSENT_API_FIELDS = {
    "grantee_unit": "grantee_unit",
    "categories": "categories",
    "purposes": "purposes",
    "form.kind": "form_kind",
    "form.document_reference": "document_reference",
    "form.recorded_by": "recorded_by",
    "form": "form_kind",
    "basis": "basis",
    "statutory_paragraph": "statutory_paragraph",
    "valid_from": "valid_from",
    "valid_until": "valid_until",
    "citizen_id": "grantee_unit",
}


def consent_body(form: Form, citizen_id: str) -> dict[str, Any]:
    unit = form.text("grantee_unit_other", max_length=200) or form.text("grantee_unit", max_length=200)
    if not unit:
        form.add_error("grantee_unit", W.E_CHOOSE)
    kind = form.choice("form_kind", W.CONSENT_FORMS, required=True)
    basis = form.choice("basis", W.CONSENT_BASES) or "consent"
    valid_from = form.date("valid_from", required=True)
    valid_until = form.date("valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        form.add_error("valid_until", W.E_UNTIL_BEFORE_FROM)
    recorded_by = form.text("recorded_by", max_length=200)
    if kind == "oral" and not recorded_by:
        form.add_error("recorded_by", W.E_ORAL_RECORDED_BY)
    paragraph = form.text("statutory_paragraph", max_length=100)
    if basis == "statutory" and not paragraph:
        form.add_error("statutory_paragraph", W.E_STATUTORY_PARAGRAPH)
    return {
        "citizen_id": citizen_id,
        "grantee_unit": unit,
        "categories": form.choices("categories", W.CATEGORIES, required=True),
        "purposes": form.choices("purposes", W.PURPOSES, required=True),
        "form": {
            "kind": kind,
            "document_reference": form.text("document_reference", max_length=200),
            "recorded_by": recorded_by,
        },
        "basis": basis,
        "statutory_paragraph": paragraph,
        "valid_from": iso(valid_from),
        "valid_until": iso(valid_until),
    }


async def preview(
    ctx: Ctx,
    citizen_id: str,
    unit: str,
    proposed: dict[str, Any] | None,
    replaces: str | None = None,
    units: UnitDirectory | None = None,
) -> dict[str, Any] | None:
    """«What does unit X see now, and after this change?» (the consent service's decision, through the gateway).
    ``None`` when it cannot be asked; the page then simply does not show it."""
    body = {
        "citizen_id": citizen_id,
        "unit": unit,
        "purpose": "view_plan",
        "proposed": proposed,
        "replaces_consent_id": replaces,
    }
    try:
        answer = await ctx.api.post("/consent-decisions/preview", body)
    except ApiProblem as problem:
        if problem.status in (400, 401):
            raise
        return None
    data = answer.data or {}
    return {
        "unit": unit,
        "unit_name": (units or ctx.units).name(unit),
        "before": _seen(data.get("before") or {}),
        "after": _seen(data.get("after") or {}),
    }


def _seen(decision: dict[str, Any]) -> dict[str, Any]:
    if decision.get("relation") == "responsible":
        return {"permit": True, "text": W.CONSENT_SEES_ALL}
    categories = decision.get("categories") or []
    if not decision.get("permit") or not categories:
        reason = W.DECISION_REASONS.get(str(decision.get("reason")), "")
        return {"permit": False, "text": W.CONSENT_SEES_NOTHING + (f" ({reason})" if reason else "")}
    return {"permit": True, "text": W.capital(W.categories(categories))}


async def consents_page(
    ctx: Ctx,
    citizen_id: str,
    forms: dict[str, Form] | None = None,
    previews: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    view_task = plan_view(ctx, citizen_id, missing_ok=True)
    list_task = ctx.api.get(f"/citizens/{citizen_id}/consents")
    view, listed = await asyncio.gather(view_task, list_task)
    plan = current_plan(view)
    units = units_for(ctx, plan)
    consents = listed.data if isinstance(listed.data, list) else []
    forms = dict(forms or {})
    forms.setdefault("consent-new", F.new_consent(purposes=["view_plan"]))
    for consent in consents:
        cid = consent["consent_id"]
        forms.setdefault(
            f"narrow-{cid}",
            Form(
                values={"categories": consent.get("categories", []), "purposes": consent.get("purposes", [])}
            ),
        )
        forms.setdefault(f"renew-{cid}", Form(values={"valid_until": str(consent.get("valid_until") or "")}))
        forms.setdefault(f"revoke-{cid}", Form())
    return ctx.render(
        "consents.html",
        status,
        citizen=(view or {}).get("citizen") or {},
        citizen_id=citizen_id,
        plan=plan,
        consents=consents,
        forms=forms,
        previews=previews or {},
        units=units,
        unit_options=units.options([a.get("unit") for a in (plan or {}).get("actors") or []]),
    )


@router.get("/borgere/{citizen_id}/samtykker")
async def consents(citizen_id: str, ctx: Staff) -> Response:
    return await consents_page(ctx, checked_id(citizen_id))


@router.post("/borgere/{citizen_id}/samtykker")
async def register_consent(citizen_id: str, ctx: Staff, form: PostedForm) -> Response:
    citizen_id = checked_id(citizen_id)
    on_meeting_page = form.get("back") == "netvaerksmoede"
    in_meeting_mode = form.get("back").startswith("moedetilstand:")
    meeting_id = checked_id(form.get("back").removeprefix("moedetilstand:")) if in_meeting_mode else ""
    body = consent_body(form, citizen_id)

    async def again(status: int, shown: dict[str, Any] | None = None) -> Response:
        if in_meeting_mode:
            return await mode_page(
                ctx,
                meeting_id,
                "samtykker",
                forms={"consent-new": form},
                status=status,
                consent_preview=shown,
            )
        if on_meeting_page:
            return await working_page(
                ctx, citizen_id, forms={"consent-new": form}, status=status, consent_preview=shown
            )
        return await consents_page(ctx, citizen_id, {"consent-new": form}, {"consent-new": shown}, status)

    if form.get("action") == "preview":
        form.errors.clear()  # a preview is not a save: only say what it would mean
        shown = None
        if body["grantee_unit"] and body["categories"] and body["purposes"]:
            proposed = {k: body[k] for k in ("categories", "purposes", "valid_from", "valid_until")}
            shown = await preview(ctx, citizen_id, body["grantee_unit"], proposed)
        return await again(200, shown)
    if not form.ok:
        return await again(422)
    try:
        await ctx.api.post("/consents", body, idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        form.apply_problem(problem, CONSENT_API_FIELDS, fallback="grantee_unit")
        return await again(422)
    if in_meeting_mode:
        return redirect(f"/moeder/{meeting_id}/moedetilstand/samtykker?ok=consent_registered")
    if on_meeting_page:
        return redirect(f"/borgere/{citizen_id}/netvaerksmoede?ok=consent_registered#samtykker")
    return redirect(f"/borgere/{citizen_id}/samtykker?ok=consent_registered")


async def _consent(ctx: Ctx, consent_id: str) -> tuple[dict[str, Any], str]:
    answer = await ctx.api.get(f"/consents/{consent_id}")
    consent: dict[str, Any] = answer.data
    return consent, answer.etag or f'"{consent.get("version", 0)}"'


@router.post("/samtykker/{consent_id}/begraens")
async def narrow_consent(consent_id: str, ctx: Staff, form: PostedForm) -> Response:
    consent_id = checked_id(consent_id)
    consent, etag = await _consent(ctx, consent_id)
    citizen_id = consent["citizen_id"]
    key = f"narrow-{consent_id}"
    categories = form.choices("categories", W.CATEGORIES, required=True)
    purposes = form.choices("purposes", W.PURPOSES, required=True)
    if form.get("action") == "preview":
        form.errors.clear()
        proposed = {
            "categories": categories,
            "purposes": purposes,
            "valid_from": consent.get("valid_from"),
            "valid_until": consent.get("valid_until"),
        }
        shown = await preview(ctx, citizen_id, consent["grantee_unit"], proposed, replaces=consent_id)
        return await consents_page(ctx, citizen_id, {key: form}, {key: shown})
    if not form.ok:
        return await consents_page(ctx, citizen_id, {key: form}, status=422)
    body = {"categories": categories, "purposes": purposes}
    try:
        await ctx.api.patch(f"/consents/{consent_id}", body, if_match=form.get("etag") or etag)
    except ApiProblem as problem:
        if problem.status == 412:
            form.general.append(W.STALE_TEXT)
            return await consents_page(ctx, citizen_id, {key: form}, status=412)
        if problem.status not in (403, 409, 422, 428):
            raise
        form.apply_problem(problem, {"categories": "categories", "purposes": "purposes"}, "categories")
        return await consents_page(ctx, citizen_id, {key: form}, status=422)
    return redirect(f"/borgere/{citizen_id}/samtykker?ok=consent_narrowed")


@router.post("/samtykker/{consent_id}/forlaeng")
async def renew_consent(consent_id: str, ctx: Staff, form: PostedForm) -> Response:
    consent_id = checked_id(consent_id)
    consent, etag = await _consent(ctx, consent_id)
    citizen_id = consent["citizen_id"]
    key = f"renew-{consent_id}"
    until = form.date("valid_until")
    if until and until < date.fromisoformat(str(consent.get("valid_from"))[:10]):
        form.add_error("valid_until", W.E_UNTIL_BEFORE_FROM)
    if not form.ok:
        return await consents_page(ctx, citizen_id, {key: form}, status=422)
    try:
        await ctx.api.post(
            f"/consents/{consent_id}/renewal", {"valid_until": iso(until)}, if_match=form.get("etag") or etag
        )
    except ApiProblem as problem:
        if problem.status == 412:
            form.general.append(W.STALE_TEXT)
            return await consents_page(ctx, citizen_id, {key: form}, status=412)
        if problem.status not in (403, 409, 422, 428):
            raise
        form.apply_problem(problem, {"valid_until": "valid_until"}, "valid_until")
        return await consents_page(ctx, citizen_id, {key: form}, status=422)
    return redirect(f"/borgere/{citizen_id}/samtykker?ok=consent_renewed")


@router.post("/samtykker/{consent_id}/tilbagekald")
async def revoke_consent(consent_id: str, ctx: Staff, form: PostedForm) -> Response:
    consent_id = checked_id(consent_id)
    consent, _ = await _consent(ctx, consent_id)
    citizen_id = consent["citizen_id"]
    key = f"revoke-{consent_id}"
    reason = form.text("reason", max_length=500)
    if not form.ok:
        return await consents_page(ctx, citizen_id, {key: form}, status=422)
    try:
        await ctx.api.post(f"/consents/{consent_id}/revocation", {"reason": reason})
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422, 428):
            raise
        form.apply_problem(problem, {"reason": "reason"}, "reason")
        return await consents_page(ctx, citizen_id, {key: form}, status=422)
    return redirect(f"/borgere/{citizen_id}/samtykker?ok=consent_revoked")
