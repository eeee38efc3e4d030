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
from web_service.forms import Form, FormsByKey
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


async def _my_plan(
    ctx: Ctx,
    form: Form | None = None,
    saved: bool = False,
    status: int = 200,
    *,
    goal_forms: FormsByKey | None = None,
    request_form: Form | None = None,
) -> Response:
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
        goal_forms=goal_forms or FormsByKey(),
        request_form=request_form or Form(),
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


# --- the citizen writes their own words (decision 0061) --------------------------------------------------------

WORDS_FIELDS = {
    "citizen_words.occupied_with": "occupied_with",
    "occupied_with": "occupied_with",
    **{f"own_words.{k}": f"own_{k}" for k in W.OWN_WORDS_FIELDS},
}


def _words_values(plan: dict[str, Any]) -> dict[str, str]:
    """The form as the citizen last wrote it (their own words, never staff's)."""
    words = plan.get("citizen_words") or {}
    own = words.get("own_words") or {}
    return {
        "occupied_with": words.get("occupied_with") or "",
        **{f"own_{k}": own.get(k) or "" for k in W.OWN_WORDS_FIELDS},
    }


async def _words_page(ctx: Ctx, form: Form, status: int = 200) -> Response:
    return ctx.render("my_words.html", status, form=form)


@router.get("/min-plan/mine-ord")
async def my_words(ctx: Citizen) -> Response:
    plan = current_plan(await plan_view(ctx, _me(ctx), missing_ok=True))
    if not plan:
        return redirect("/min-plan")
    return await _words_page(ctx, Form.of(_words_values(plan)))


@router.post("/min-plan/mine-ord")
async def save_my_words(ctx: Citizen, form: PostedForm) -> Response:
    plan = current_plan(await plan_view(ctx, _me(ctx), missing_ok=True))
    if not plan:
        return redirect("/min-plan")
    own = {k: form.text(f"own_{k}", max_length=2000) for k in W.OWN_WORDS_FIELDS}
    occupied = form.text("occupied_with", max_length=2000)
    if not form.ok:
        return await _words_page(ctx, form, 422)
    try:
        await ctx.api.patch(
            f"/plans/{checked_id(plan['plan_id'])}/citizen-words",
            {"own_words": own, "occupied_with": occupied},
        )
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        form.apply_problem(problem, WORDS_FIELDS, "own_dreams")
        return await _words_page(ctx, form, 422)
    return redirect("/min-plan?ok=words_saved")


# --- the citizen's own score, comments and requests (decisions 0061-0062) ---------------------------------------


async def _my_plan_id(ctx: Ctx) -> str | None:
    plan = current_plan(await plan_view(ctx, _me(ctx), missing_ok=True))
    return checked_id(str(plan["plan_id"])) if plan else None


AGREES = {"yes": True, "no": False}


@router.post("/min-plan/maal/{goal_id}/score")
async def give_my_score(goal_id: str, ctx: Citizen, form: PostedForm) -> Response:
    goal_id = checked_id(goal_id)
    plan_id = await _my_plan_id(ctx)
    if plan_id is None:
        return redirect("/min-plan")
    agrees = form.choice("agrees", AGREES, required=True)
    body: dict[str, Any] = {
        "agrees": AGREES.get(agrees or "", True),
        "score": form.integer("score", low=0, high=10) if form.get("score") else None,
        "words": form.text("words", max_length=200),
        "view": form.text("view", max_length=500),
    }
    if agrees == "no" and body["score"] is None and not body["words"] and not body["view"]:
        form.add_error("view", W.E_MY_DISAGREE_SAY)
    if not form.ok:
        return await _my_plan(ctx, goal_forms=FormsByKey({f"score:{goal_id}": form}), status=422)
    try:
        await ctx.api.post(
            f"/plans/{plan_id}/goals/{goal_id}/citizen-scores",
            body,
            idempotency_key=form.get("idempotency_key") or None,
        )
    except ApiProblem as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        form.apply_problem(
            problem, {"score": "score", "words": "words", "view": "view", "agrees": "agrees"}, "score"
        )
        return await _my_plan(ctx, goal_forms=FormsByKey({f"score:{goal_id}": form}), status=422)
    return redirect(f"/min-plan?ok=own_score_saved#maal-{goal_id}")


@router.post("/min-plan/maal/{goal_id}/kommentar")
async def comment_on_my_goal(goal_id: str, ctx: Citizen, form: PostedForm) -> Response:
    goal_id = checked_id(goal_id)
    plan_id = await _my_plan_id(ctx)
    if plan_id is None:
        return redirect("/min-plan")
    text = form.text("text", required=True, max_length=2000)
    if not form.ok:
        return await _my_plan(ctx, goal_forms=FormsByKey({f"comment:{goal_id}": form}), status=422)
    try:
        await ctx.api.post(
            f"/plans/{plan_id}/goals/{goal_id}/comments",
            {"text": text},
            idempotency_key=form.get("idempotency_key") or None,
        )
    except ApiProblem as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        form.apply_problem(problem, {"text": "text"}, "text")
        return await _my_plan(ctx, goal_forms=FormsByKey({f"comment:{goal_id}": form}), status=422)
    return redirect(f"/min-plan?ok=comment_saved#maal-{goal_id}")


@router.post("/min-plan/anmodninger")
async def ask_for_a_change(ctx: Citizen, form: PostedForm) -> Response:
    plan_id = await _my_plan_id(ctx)
    if plan_id is None:
        return redirect("/min-plan")
    kind = form.choice("kind", W.REQUEST_KINDS, required=True)
    body: dict[str, Any] = {
        "kind": kind,
        "text": form.text("text", required=True, max_length=2000),
        "title": form.text("title", max_length=300),
        "goal_id": form.text("goal_id", max_length=100),
    }
    if kind == "new_goal" and not body["title"]:
        form.add_error("title", W.E_REQUEST_TITLE)
    if kind == "change_agreement" and not body["goal_id"]:
        form.add_error("goal_id", W.E_REQUEST_GOAL)
    if not form.ok:
        return await _my_plan(ctx, request_form=form, status=422)
    try:
        await ctx.api.post(
            f"/plans/{plan_id}/change-requests",
            {k: v for k, v in body.items() if v is not None},
            idempotency_key=form.get("idempotency_key") or None,
        )
    except ApiProblem as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        form.apply_problem(
            problem, {"kind": "kind", "text": "text", "title": "title", "goal_id": "goal_id"}, "text"
        )
        return await _my_plan(ctx, request_form=form, status=422)
    return redirect("/min-plan?ok=request_sent#anmodninger")


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
