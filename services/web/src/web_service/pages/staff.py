"""The staff's own pages: Mine borgere (find by name, look up by CPR), register a citizen, deadlines and tasks."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response

from web_service import wording as W
from web_service.forms import Form, check_cpr
from web_service.gateway import ApiProblem
from web_service.web import Ctx, PostedForm, Staff, redirect

router = APIRouter()
PAGE_SIZE = 25


async def _my_citizens(ctx: Ctx, cpr_form: Form | None = None, status: int = 200) -> Response:
    name = ctx.request.query_params.get("navn", "").strip()[:200]
    cursor = ctx.request.query_params.get("cursor") or None
    answer = await ctx.api.get("/me/citizens", name=name or None, limit=PAGE_SIZE, cursor=cursor)
    citizens = answer.data if isinstance(answer.data, list) else []
    # The API pages with limit/cursor; should it answer with more than a page anyway, show one page of it.
    offset_text = ctx.request.query_params.get("fra", "0")
    offset = int(offset_text) if offset_text.isdigit() else 0
    next_offset = None
    if len(citizens) > PAGE_SIZE and not answer.next_cursor:
        next_offset = offset + PAGE_SIZE if len(citizens) > offset + PAGE_SIZE else None
        citizens = citizens[offset : offset + PAGE_SIZE]
    return ctx.render(
        "my_citizens.html",
        status,
        citizens=citizens,
        name=name,
        next_cursor=answer.next_cursor,
        next_offset=next_offset,
        cpr_form=cpr_form or Form(),
    )


@router.get("/borgere")
async def my_citizens(ctx: Staff) -> Response:
    return await _my_citizens(ctx)


@router.post("/borgere/cpr")
async def look_up_by_cpr(ctx: Staff, form: PostedForm) -> Response:
    """CPR in a POST body, never in a URL (URLs end up in histories and logs)."""
    cpr = check_cpr(form)
    if cpr is None:
        return await _my_citizens(ctx, form, 422)
    try:
        found = (await ctx.api.get("/citizens", cpr=cpr)).data
    except ApiProblem as problem:
        if problem.status not in (403, 422):
            raise
        form.apply_problem(problem, {"cpr": "cpr"}, fallback="cpr")
        return await _my_citizens(ctx, form, 422)
    if not found:
        form.add_error("cpr", W.CPR_NOT_FOUND)
        return await _my_citizens(ctx, form, 404)
    return redirect(f"/borgere/{found[0]['citizen_id']}")


@router.get("/borgere/ny")
async def register_page(ctx: Staff) -> Response:
    return ctx.render("register.html", form=Form())


@router.post("/borgere/ny")
async def register(ctx: Staff, form: PostedForm) -> Response:
    cpr = check_cpr(form)
    name = form.text("name", required=True, max_length=200)
    if not form.ok:
        return ctx.render("register.html", 422, form=form)
    try:
        created = await ctx.api.post(
            "/citizens",
            {"cpr": cpr, "name": name},
            idempotency_key=form.get("idempotency_key") or None,
        )
    except ApiProblem as problem:
        if problem.status == 409:
            form.add_error("cpr", W.CITIZEN_EXISTS)
        elif problem.status in (403, 422):
            form.apply_problem(problem, {"cpr": "cpr", "name": "name"})
        else:
            raise
        return ctx.render("register.html", 422, form=form)
    return redirect(f"/borgere/{created.data['citizen_id']}/netvaerksmoede?ok=registered")


@router.get("/frister")
async def deadlines(ctx: Staff) -> Response:
    answer, asked = await asyncio.gather(ctx.api.get("/me/deadlines"), ctx.api.get("/me/requests"))
    items = answer.data if isinstance(answer.data, list) else []
    requests = asked.data if isinstance(asked.data, list) else []
    return ctx.render("deadlines.html", deadlines=items, requests=requests)
