"""Min plan: the citizen's own pages, in the first person. My words first; my goals as steps with my scores;
who helps me; my next meetings; my consents, with a button to withdraw one; who has looked at my plan."""

from __future__ import annotations

import asyncio
import re
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


@router.get("/min-plan")
async def my_plan(ctx: Citizen) -> Response:
    citizen_id = _me(ctx)
    view = await plan_view(ctx, citizen_id, missing_ok=True)
    plan = current_plan(view)
    units = units_for(ctx, plan)
    upcoming, _ = split_meetings((view or {}).get("meetings") or [])
    name = ((view or {}).get("citizen") or {}).get("name") or W.ME
    return ctx.render(
        "my_plan.html",
        view=view,
        plan=plan,
        citizen=(view or {}).get("citizen") or {},
        upcoming=upcoming,
        goal_pictures=goal_pictures(plan) if plan else {},
        network=pictures.network_map(name, (plan or {}).get("actors") or [], units) if plan else None,
        units=units,
    )


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
