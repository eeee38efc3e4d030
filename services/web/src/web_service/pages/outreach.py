"""The outreach team's pages (decision 0056): the team board (courses by their nearest deadline, the overdue first)
and one course with its steps and deadlines, in the words of seed 002."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from web_service import wording as W
from web_service.forms import Form
from web_service.gateway import ApiProblem
from web_service.web import PostedForm, Staff, redirect

router = APIRouter()


@router.get("/fremskudt")
async def board(ctx: Staff) -> Response:
    mine = ctx.request.query_params.get("mine") == "1"
    answer = await ctx.api.get("/outreach/board", mine="true" if mine else None)
    courses = answer.data if isinstance(answer.data, list) else []
    return ctx.render("outreach_board.html", courses=courses, mine=mine)


@router.get("/fremskudt/forloeb/{course_id}")
async def course(ctx: Staff, course_id: str) -> Response:
    found = (await ctx.api.get(f"/outreach/courses/{course_id}")).data
    return ctx.render("outreach_course.html", course=found)


# The API's fields of a referral and the form's.
REFERRAL_FIELDS = {
    "referrer.name": "referrer_name",
    "referrer.kind": "referrer_kind",
    "referrer.organisation": "referrer_organisation",
    "channel": "channel",
    "received_on": "received_on",
    "citizen.name": "citizen_name",
    "citizen": "citizen_address",
    "citizen.address": "citizen_address",
    "citizen.phone": "citizen_phone",
    "citizen.found_at": "citizen_found_at",
    "concern": "concern",
    "language": "language",
}


@router.get("/fremskudt/ny")
async def referral_page(ctx: Staff) -> Response:
    return ctx.render("outreach_referral.html", form=Form())


@router.post("/fremskudt/ny")
async def register_referral(ctx: Staff, form: PostedForm) -> Response:
    """A referral (henvendelse): who refers, how, when, how the citizen is reached, the concern. No CPR here: the
    course starts with the citizen as known; identification comes later."""
    body = {
        "referrer": {
            "name": form.text("referrer_name", required=True, max_length=200),
            "kind": form.choice("referrer_kind", W.OUTREACH_REFERRER_KINDS, required=True),
            "organisation": form.text("referrer_organisation", max_length=200),
        },
        "channel": form.choice("channel", W.OUTREACH_CHANNELS, required=True),
        "received_on": form.date("received_on", required=True),
        "citizen": {
            "name": form.text("citizen_name", max_length=200),
            "address": form.text("citizen_address", max_length=300),
            "phone": form.text("citizen_phone", max_length=40),
            "found_at": form.text("citizen_found_at", max_length=300),
        },
        "concern": form.text("concern", required=True, max_length=4000),
        "interpreter_needed": form.checked("interpreter_needed"),
        "language": form.text("language", max_length=100),
    }
    if not form.ok:
        return ctx.render("outreach_referral.html", 422, form=form)
    try:
        created = await ctx.api.post(
            "/outreach/courses", _json(body), idempotency_key=form.get("idempotency_key") or None
        )
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        form.apply_problem(problem, REFERRAL_FIELDS)
        return ctx.render("outreach_referral.html", 422, form=form)
    return redirect(f"/fremskudt/forloeb/{created.data['course_id']}")


def _json(value: object) -> object:
    """The body without the fields left empty, dates as the API writes them."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items() if v is not None}
    return value.isoformat() if hasattr(value, "isoformat") else value


__all__ = ["router"]
