"""Min plan: the citizen's own pages, in the first person. My words first; my goals as steps with my scores;
who helps me; my next meetings; how I am told (Sådan får du besked); my consents, with a button to withdraw one; who
has looked at my plan."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from web_service import pictures
from web_service import wording as W
from web_service.forms import Form
from web_service.gateway import ApiProblem
from web_service.pages.plan import (
    checked_id,
    current_plan,
    goal_pictures,
    plan_view,
    split_meetings,
    units_for,
)
from web_service.web import Citizen, Ctx, PostedForm, redirect

router = APIRouter()


def _me(ctx: Ctx) -> str:
    return checked_id(str(ctx.caller.get("citizen_id") or ""))


@dataclass
class Told:
    """The section "Sådan får du besked": the form (as typed, or as chosen last), the choice in words, what was sent."""

    form: Form
    now: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    saved: bool = False
    unavailable: bool = False


CHANNELS = dict(W.MY_TOLD_CHANNELS)
PHONE = re.compile(r"\+?[0-9 ]{8,16}")  # as the API's own pattern (borgerplan_api.notify.PHONE)
TOLD_FIELDS = {"channel": "channel", "email": "email", "phone": "phone"}
SENT_SHOWN = 10


def _in_words(preference: dict[str, Any]) -> str:
    channel = W.MY_TOLD_NOW_CHANNEL.get(
        preference.get("channel") or "", W.MY_TOLD_NOW_CHANNEL["digital_post"]
    )
    return W.MY_TOLD_NOW.format(
        channel=channel.format(email=preference.get("email") or "", phone=preference.get("phone") or "")
    )


async def _told(ctx: Ctx, citizen_id: str, form: Form | None = None, saved: bool = False) -> Told:
    """The citizen's choice and what was sent to them; the rest of Min plan shows when notify cannot answer."""
    try:
        chosen, sent = await asyncio.gather(
            ctx.api.get(f"/citizens/{citizen_id}/notification-preference"),
            ctx.api.get(f"/citizens/{citizen_id}/notifications", limit=SENT_SHOWN),
        )
    except ApiProblem as problem:
        if problem.status < 500:
            raise
        return Told(form or Form(), unavailable=True)
    preference: dict[str, Any] = chosen.data or {}
    if form is None:
        form = Form.of({k: preference.get(k) for k in TOLD_FIELDS})
    listed = sent.data if isinstance(sent.data, list) else []
    return Told(form, _in_words(preference), listed, saved)


async def _my_plan(ctx: Ctx, form: Form | None = None, saved: bool = False, status: int = 200) -> Response:
    citizen_id = _me(ctx)
    view, told = await asyncio.gather(
        plan_view(ctx, citizen_id, missing_ok=True), _told(ctx, citizen_id, form, saved)
    )
    plan = current_plan(view)
    units = units_for(ctx, plan)
    upcoming, _ = split_meetings((view or {}).get("meetings") or [])
    name = ((view or {}).get("citizen") or {}).get("name") or W.ME
    return ctx.render(
        "my_plan.html",
        status,
        told=told,
        view=view,
        plan=plan,
        citizen=(view or {}).get("citizen") or {},
        upcoming=upcoming,
        goal_pictures=goal_pictures(plan) if plan else {},
        network=pictures.network_map(name, (plan or {}).get("actors") or [], units) if plan else None,
        units=units,
    )


@router.get("/min-plan")
async def my_plan(ctx: Citizen) -> Response:
    return await _my_plan(ctx, saved=ctx.request.query_params.get("ok") == "preference_saved")


def _chosen(form: Form) -> dict[str, str] | None:
    """The choice as the API takes it, with only the contact detail its channel needs; None when the form says
    what is wrong next to the field."""
    channel = form.choice("channel", CHANNELS, required=True)
    email = form.text("email", max_length=254)
    phone = form.text("phone", max_length=20)
    if channel == "email" and not email:
        form.add_error("email", W.E_TOLD_EMAIL_MISSING)
    if channel == "sms" and not phone:
        form.add_error("phone", W.E_TOLD_PHONE_MISSING)
    elif channel == "sms" and phone and not PHONE.fullmatch(phone):
        form.add_error("phone", W.E_PHONE)
    if not form.ok or channel is None:
        return None
    body = {"channel": channel}
    if channel == "email" and email:
        body["email"] = email
    if channel == "sms" and phone:
        body["phone"] = phone
    return body


@router.post("/min-plan/besked")
async def choose_how_im_told(ctx: Citizen, form: PostedForm) -> Response:
    """The citizen's choice is saved, then shown again with a confirmation (htmx refreshes the section alone;
    without script the page comes back at the section)."""
    citizen_id = _me(ctx)
    body = _chosen(form)
    if body is not None:
        try:
            await ctx.api.put(f"/citizens/{citizen_id}/notification-preference", body)
        except ApiProblem as problem:
            if problem.status != 422:
                raise
            form.apply_problem(problem, TOLD_FIELDS, "channel")
        else:
            if not ctx.htmx:
                return redirect("/min-plan?ok=preference_saved#besked")
            return await _my_plan(ctx, saved=True)
    return await _my_plan(ctx, form, status=422)


async def _my_consents(ctx: Ctx) -> Response:
    citizen_id = _me(ctx)
    listed, view = await asyncio.gather(
        ctx.api.get(f"/citizens/{citizen_id}/consents"), plan_view(ctx, citizen_id, missing_ok=True)
    )
    units = units_for(ctx, current_plan(view))
    consents: list[dict[str, Any]] = listed.data if isinstance(listed.data, list) else []
    consents.sort(key=lambda c: (c.get("status") != "active", str(c.get("valid_from"))))
    return ctx.render("my_consents.html", consents=consents, units=units)


@router.get("/min-plan/samtykker")
async def my_consents(ctx: Citizen) -> Response:
    return await _my_consents(ctx)


async def _confirm_withdrawal(ctx: Ctx, consent_id: str, form: Form, status: int = 200) -> Response:
    answer = await ctx.api.get(f"/consents/{consent_id}")
    consent: dict[str, Any] = answer.data
    if consent.get("status") != "active":
        return redirect("/min-plan/samtykker")
    view = await plan_view(ctx, _me(ctx), missing_ok=True)
    return ctx.render(
        "my_consent_withdraw.html",
        status,
        consent=consent,
        form=form,
        units=units_for(ctx, current_plan(view)),
    )


@router.get("/min-plan/samtykker/{consent_id}/traek-tilbage")
async def confirm_withdrawal(consent_id: str, ctx: Citizen) -> Response:
    """Before a consent is withdrawn, what it means and a choice (staff confirm the same way)."""
    return await _confirm_withdrawal(ctx, checked_id(consent_id), Form())


@router.post("/min-plan/samtykker/{consent_id}/tilbagekald")
async def withdraw(consent_id: str, ctx: Citizen, form: PostedForm) -> Response:
    consent_id = checked_id(consent_id)
    reason = form.text("reason", max_length=500)
    if not form.ok:
        return await _confirm_withdrawal(ctx, consent_id, form, 422)
    try:
        await ctx.api.post(f"/consents/{consent_id}/revocation", {"reason": reason})
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422, 428):
            raise
        form.apply_problem(problem, {"reason": "reason"}, "reason")
        return await _confirm_withdrawal(ctx, consent_id, form, 422)
    return redirect("/min-plan/samtykker?ok=consent_revoked")


@router.get("/min-plan/hvem-har-kigget")
async def who_looked(ctx: Citizen) -> Response:
    citizen_id = _me(ctx)
    before = ctx.request.query_params.get("foer")
    answer = await ctx.api.get(
        f"/citizens/{citizen_id}/access-log",
        limit=50,
        before=before if before and re.fullmatch(r"[0-9a-f:]{1,100}", before) else None,
    )
    data = answer.data or {}
    return ctx.render("who_looked.html", entries=data.get("items") or [], next_before=data.get("next_before"))
