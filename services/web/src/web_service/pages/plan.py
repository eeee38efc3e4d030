"""The plan: the composed view, the network meeting's working page with its forms, the history, print and PDF."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from web_service import pdf, pictures
from web_service import plan_forms as F
from web_service import wording as W
from web_service.forms import Form, FormsByKey
from web_service.gateway import ApiProblem, ApiResponse
from web_service.roles import May
from web_service.units import UnitDirectory
from web_service.web import Ctx, PostedForm, SignedIn, Staff, error_page, redirect

router = APIRouter()
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def checked_id(value: str) -> str:
    """An id from a form or a path, as the API's ids look; anything else is a page that does not exist."""
    if not _ID.match(value or ""):
        raise ApiProblem(404, "Not found")
    return value


def etag_of(plan: dict[str, Any]) -> str:
    return f'"{plan.get("version", 0)}"'


async def plan_view(ctx: Ctx, citizen_id: str, *, missing_ok: bool = False) -> dict[str, Any] | None:
    """The composed view as this person may see it; ``None`` for no plan they can see when ``missing_ok``."""
    try:
        answer = await ctx.api.get(f"/citizens/{citizen_id}/plan-view")
    except ApiProblem as problem:
        if missing_ok and problem.status == 404:
            return None
        raise
    view: dict[str, Any] = answer.data
    return view


async def known_citizen(ctx: Ctx, citizen_id: str) -> dict[str, Any]:
    """Who the citizen is before there is a plan to show (the registering caseworker's working page)."""
    try:
        answer = await ctx.api.get(f"/citizens/{citizen_id}")
    except ApiProblem as problem:
        if problem.status in (403, 404):
            return {}
        raise
    found: dict[str, Any] = answer.data or {}
    return found


def current_plan(view: dict[str, Any] | None, plan_id: str | None = None) -> dict[str, Any] | None:
    plans = (view or {}).get("plans") or []
    chosen: dict[str, Any] | None
    if plan_id:
        chosen = next((p for p in plans if p.get("plan_id") == plan_id), None)
    else:
        active = [p for p in plans if p.get("status") == "active"]
        chosen = (active or plans or [None])[0]
    return chosen


def withheld_goals(view: dict[str, Any], plan_id: str) -> list[str]:
    """One Danish sentence per goal left out for this person, saying why."""
    prefix = f"plans.{plan_id}.goals."
    return [
        W.WITHHELD_GOAL.format(category=W.CATEGORIES.get(w.get("category", ""), w.get("category", "")))
        for w in view.get("withheld") or []
        if str(w.get("section", "")).startswith(prefix)
    ]


def consent_column(view: dict[str, Any] | None, plan: dict[str, Any] | None, may: May) -> dict[str, str]:
    """The template's «Samtykke» column, per actor, saying what is true and for whom.

    The responsible unit and the citizen see every consent, so each row says yes (and what for) or no. Anyone
    else sees only the consents their own unit received (the composed view's ``consent_summary``): their own
    row says so, and the other rows say they are not shown, rather than a «no» that reads as a fact about the
    citizen."""
    purposes: dict[str, list[str]] = {}
    for consent in (view or {}).get("consent_summary") or []:
        if consent.get("status") == "active":
            unit = str(consent.get("grantee_unit"))
            purposes[unit] = list(dict.fromkeys([*purposes.get(unit, []), *(consent.get("purposes") or [])]))
    sees_all = may.citizen or may.responsible_for(plan)
    column = {}
    for actor in (plan or {}).get("actors") or []:
        unit = actor.get("unit")
        if actor.get("kind") == "private_network" or not unit:
            text = "–"
        elif unit == (plan or {}).get("responsible_unit"):
            text = W.RESPONSIBLE_UNIT
        elif sees_all or unit == may.unit:
            given = purposes.get(unit)
            text = W.CONSENT_YES_FOR.format(purposes=W.purposes(given)) if given else W.NO
            if not sees_all:
                text = W.CONSENT_YOUR_UNIT.format(answer=text)
        else:
            text = W.CONSENT_NOT_SHOWN
        column[str(actor.get("actor_id"))] = text
    return column


def units_for(ctx: Ctx, plan: dict[str, Any] | None) -> UnitDirectory:
    return ctx.units.with_actors((plan or {}).get("actors") or [])


def split_meetings(meetings: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat()
    upcoming = sorted(
        (m for m in meetings if str(m.get("end", "")) >= now and m.get("status") != "cancelled"),
        key=lambda m: str(m.get("start")),
    )
    past = sorted((m for m in meetings if m not in upcoming), key=lambda m: str(m.get("start")), reverse=True)
    return upcoming, past


def goal_pictures(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        g["goal_id"]: {"chart": pictures.score_chart(g.get("scores") or []), "ladder": pictures.ladder(g)}
        for g in plan.get("goals") or []
    }


# --- the composed view ----------------------------------------------------------------------------------------------


@router.get("/borgere/{citizen_id}")
async def plan_page(citizen_id: str, ctx: Staff) -> Response:
    return await _plan_page(ctx, checked_id(citizen_id))


async def _plan_page(
    ctx: Ctx, citizen_id: str, answer_forms: FormsByKey | None = None, status: int = 200
) -> Response:
    view = await plan_view(ctx, citizen_id, missing_ok=True)
    if view is None:
        return redirect(f"/borgere/{citizen_id}/netvaerksmoede")
    plan = current_plan(view, ctx.request.query_params.get("plan"))
    units = units_for(ctx, plan)
    upcoming, past = split_meetings(view.get("meetings") or [])
    return ctx.render(
        "plan.html",
        status,
        view=view,
        citizen=view.get("citizen") or {},
        citizen_id=citizen_id,
        plan=plan,
        withheld=withheld_goals(view, plan["plan_id"]) if plan else [],
        other_withheld=[w for w in view.get("withheld") or [] if ".goals." not in str(w.get("section"))],
        upcoming=upcoming,
        past=past,
        goal_pictures=goal_pictures(plan) if plan else {},
        network=pictures.network_map(
            (view.get("citizen") or {}).get("name") or W.ME, (plan or {}).get("actors") or [], units
        ),
        units=units,
        responsible=ctx.may.responsible_for(plan),
        answer_forms=answer_forms or FormsByKey(),
        consents=view.get("consent_summary") or [],
        consent_column=consent_column(view, plan, ctx.may),
    )


@router.post("/planer/{plan_id}/anmodninger/{request_id}/svar")
async def answer_request(plan_id: str, request_id: str, ctx: Staff, form: PostedForm) -> Response:
    """The responsible caseworker answers the citizen's request for a change (decision 0062)."""
    plan_id, request_id = checked_id(plan_id), checked_id(request_id)
    plan: dict[str, Any] = (await ctx.api.get(f"/plans/{plan_id}")).data
    citizen_id = checked_id(str(plan.get("citizen_id") or ""))
    body = {
        "outcome": form.choice("outcome", {k: k for k in ("accepted", "changed", "declined")}, required=True),
        "reason": form.text("reason", required=True, max_length=2000),
    }
    title = form.text("title", max_length=300)
    if title:
        body["title"] = title
    if not form.ok:
        return await _plan_page(ctx, citizen_id, FormsByKey({request_id: form}), 422)
    try:
        await ctx.api.post(f"/plans/{plan_id}/change-requests/{request_id}/decision", body)
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        form.apply_problem(problem, {"outcome": "outcome", "reason": "reason", "title": "title"}, "reason")
        return await _plan_page(ctx, citizen_id, FormsByKey({request_id: form}), 422)
    return redirect(f"/borgere/{citizen_id}?ok=request_answered#anmodninger")


# --- the network meeting's working page -----------------------------------------------------------------------------


async def working_page(
    ctx: Ctx,
    citizen_id: str,
    *,
    forms: dict[str, Form] | None = None,
    stale: dict[str, list[dict[str, str]]] | None = None,
    status: int = 200,
    consent_preview: dict[str, Any] | None = None,
) -> Response:
    view_task = plan_view(ctx, citizen_id, missing_ok=True)
    bases_task = ctx.api.get("/legal-bases")
    view, bases_answer = await asyncio.gather(view_task, bases_task)
    plan = current_plan(view, ctx.request.query_params.get("plan"))
    legal_bases = bases_answer.data if isinstance(bases_answer.data, list) else []
    listed = {b["reference"]: b["label"] for b in legal_bases}
    units = units_for(ctx, plan)
    forms = dict(forms or {})
    responsible = ctx.may.change_plan(plan)
    if plan is not None:
        etag = etag_of(plan)
        overview = F.overview_values(plan, set(listed))
        forms.setdefault("overview", prefilled(overview, etag))
        for goal in plan.get("goals") or []:
            gid = goal["goal_id"]
            forms.setdefault(f"goal-{gid}", prefilled(F.goal_values(goal), etag))
            forms.setdefault(f"score-{gid}", prefilled(F.score_values(goal), etag))
            forms.setdefault(f"status-{gid}", prefilled(F.status_values(goal), etag))
            forms.setdefault(f"followup-{gid}", Form())
    else:
        forms.setdefault(
            "plan",
            Form(values={"kind": "adult", "responsible_unit": ctx.unit, "legal_bases": ["SEL §141"]}),
        )
    forms.setdefault("goal-new", Form(values={"category": "general"}))
    forms.setdefault("actor-new", Form(values={"kind": "provider", "in_contact": "on"}))
    forms.setdefault("consent-new", F.new_consent())
    citizen = (view or {}).get("citizen") or await known_citizen(ctx, citizen_id)
    return ctx.render(
        "network_meeting.html",
        status,
        view=view,
        citizen=citizen,
        citizen_id=citizen_id,
        plan=plan,
        legal_bases=legal_bases,
        legal_base_options=[(b["reference"], f"{b['reference']} – {b['label']}") for b in legal_bases],
        forms=forms,
        stale=stale or {},
        responsible=responsible,
        withheld=withheld_goals(view, plan["plan_id"]) if view and plan else [],
        goal_pictures=goal_pictures(plan) if plan else {},
        network=pictures.network_map(citizen.get("name") or W.ME, (plan or {}).get("actors") or [], units)
        if plan
        else None,
        units=units,
        unit_options=units.options([ctx.unit]),
        authority_options=units.options([ctx.unit] if ctx.may.authority else [], kind="authority"),
        consents=(view or {}).get("consent_summary") or [],
        consent_column=consent_column(view, plan, ctx.may),
        consent_preview=consent_preview,
        upcoming=split_meetings((view or {}).get("meetings") or [])[0],
    )


def prefilled(values: dict[str, Any], etag: str, base: str | None = None) -> Form:
    """A form showing what is stored, with the ETag it was read at and what it showed (``base``, by default the
    values themselves), so a stale save can say what changed meanwhile."""
    form = Form.of(values)
    form.values["etag"] = etag
    form.values["base"] = base if base is not None else F.encode_base(values)
    return form


@router.get("/borgere/{citizen_id}/netvaerksmoede")
async def network_meeting(citizen_id: str, ctx: Staff) -> Response:
    return await working_page(ctx, checked_id(citizen_id))


def _back(citizen_id: str, ok: str, anchor: str, plan_id: str | None = None) -> Response:
    plan = f"&plan={plan_id}" if plan_id else ""
    return redirect(f"/borgere/{citizen_id}/netvaerksmoede?ok={ok}{plan}#{anchor}")


# A page shown again after a refused form: (the forms as typed, the stale fields per form, the status).
Again = Callable[[dict[str, Form], dict[str, list[dict[str, str]]], int], Awaitable[Response]]


def on_working_page(ctx: Ctx, citizen_id: str) -> Again:
    async def again(forms: dict[str, Form], stale: dict[str, list[dict[str, str]]], status: int) -> Response:
        return await working_page(ctx, citizen_id, forms=forms, stale=stale, status=status)

    return again


@dataclass(frozen=True)
class Stale:
    """How to tell a person what changed when someone saved first (412): the fields of the plan, or of one goal."""

    plan_id: str
    values_of: Callable[[dict[str, Any]], dict[str, Any]]
    labels: Mapping[str, str]
    goal_id: str | None = None


async def send(
    ctx: Ctx,
    method: str,
    path: str,
    key: str,
    form: Form,
    body: Any,
    api_fields: Mapping[str, str],
    again: Again,
    *,
    fallback: str | None = None,
    stale: Stale | None = None,
) -> tuple[ApiResponse | None, Response | None]:
    """Send a form's body: (the answer, None); or (None, the page again) with the problem next to the fields and
    everything typed kept when the form is invalid or the API refuses it (403, 409, 422, 428), or with what
    changed beside what was typed when someone saved first (412)."""
    if not form.ok:
        return None, await again({key: form}, {}, 422)
    try:
        if method == "POST":
            return await ctx.api.post(path, body, idempotency_key=form.get("idempotency_key") or None), None
        return await ctx.api.call(method, path, json=body, if_match=form.get("etag") or None), None
    except ApiProblem as problem:
        if problem.status == 412 and stale is not None:
            changes = await _stale_changes(ctx, form, stale)
            if changes is None:
                return None, error_page(ctx.request, 404)
            return None, await again({key: form}, {key: changes}, 412)
        if problem.status not in (403, 409, 422, 428):
            raise
        form.apply_problem(problem, api_fields, fallback=fallback or next(iter(api_fields.values()), None))
        return None, await again({key: form}, {}, 422)


async def _stale_changes(ctx: Ctx, form: Form, stale: Stale) -> list[dict[str, str]] | None:
    """What someone else changed since the form was read (None when the goal is gone); the form now carries the
    stored version's ETag and values, so saving again applies the person's change on top of theirs."""
    current = await ctx.api.get(f"/plans/{stale.plan_id}")
    plan: dict[str, Any] = current.data
    target: dict[str, Any] | None = plan
    if stale.goal_id is not None:
        target = next((g for g in plan.get("goals") or [] if g.get("goal_id") == stale.goal_id), None)
    if target is None:
        return None
    now_values = stale.values_of(target)
    changes = F.changed_fields(F.decode_base(form.get("base")), now_values, dict(stale.labels))
    form.values["etag"] = current.etag or etag_of(plan)
    form.values["base"] = F.encode_base(now_values)
    return changes


def _citizen_of(form: Form) -> str:
    return checked_id(form.get("citizen_id"))


async def legal_bases(ctx: Ctx) -> dict[str, str]:
    """The maintained list of legal bases: reference → label."""
    bases = (await ctx.api.get("/legal-bases")).data or []
    return {b["reference"]: b["label"] for b in bases}


@router.post("/borgere/{citizen_id}/plan")
async def create_plan(citizen_id: str, ctx: Staff, form: PostedForm) -> Response:
    citizen_id = checked_id(citizen_id)
    body = F.plan_create_body(form, citizen_id, await legal_bases(ctx))
    again = on_working_page(ctx, citizen_id)
    created, refused = await send(
        ctx, "POST", "/plans", "plan", form, body, F.OVERVIEW_API_FIELDS, again, fallback="kind"
    )
    if refused is not None:
        return refused
    assert created is not None
    return _back(citizen_id, "plan_created", "maal", created.data.get("plan_id"))


@router.post("/planer/{plan_id}/overblik")
async def change_overview(plan_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, citizen_id = checked_id(plan_id), _citizen_of(form)
    listed = await legal_bases(ctx)
    stale = Stale(plan_id, lambda plan: F.overview_values(plan, set(listed)), F.OVERVIEW_LABELS)
    again = on_working_page(ctx, citizen_id)
    body = F.overview_body(form, listed)
    _, refused = await send(
        ctx, "PATCH", f"/plans/{plan_id}", "overview", form, body, F.OVERVIEW_API_FIELDS, again, stale=stale
    )
    return refused or _back(citizen_id, "overview_saved", "overblik", plan_id)


@router.post("/planer/{plan_id}/maal")
async def add_goal(plan_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, citizen_id = checked_id(plan_id), _citizen_of(form)
    body = F.goal_body(form)
    again = on_working_page(ctx, citizen_id)
    path = f"/plans/{plan_id}/goals"
    _, refused = await send(ctx, "POST", path, "goal-new", form, body, F.goal_api_fields(form), again)
    return refused or _back(citizen_id, "goal_added", "maal", plan_id)


async def _goal_patch(
    ctx: Ctx,
    plan_id: str,
    goal_id: str,
    form: Form,
    key: str,
    body: dict[str, Any],
    api_fields: Mapping[str, str],
    stale: Stale,
    ok: str,
) -> Response:
    citizen_id = _citizen_of(form)
    path = f"/plans/{plan_id}/goals/{goal_id}"
    again = on_working_page(ctx, citizen_id)
    _, refused = await send(ctx, "PATCH", path, key, form, body, api_fields, again, stale=stale)
    return refused or _back(citizen_id, ok, f"maal-{goal_id}", plan_id)


@router.post("/planer/{plan_id}/maal/{goal_id}")
async def change_goal(plan_id: str, goal_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, goal_id = checked_id(plan_id), checked_id(goal_id)
    stale = Stale(plan_id, F.goal_values, F.GOAL_LABELS, goal_id)
    body = F.goal_body(form)
    fields = F.goal_api_fields(form)
    return await _goal_patch(
        ctx, plan_id, goal_id, form, f"goal-{goal_id}", body, fields, stale, "goal_saved"
    )


@router.post("/planer/{plan_id}/maal/{goal_id}/scoring")
async def record_score(plan_id: str, goal_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, goal_id = checked_id(plan_id), checked_id(goal_id)
    stale = Stale(plan_id, F.score_values, F.SCORE_LABELS, goal_id)
    body = F.score_body(form)
    key = f"score-{goal_id}"
    return await _goal_patch(ctx, plan_id, goal_id, form, key, body, F.SCORE_API_FIELDS, stale, "score_saved")


@router.post("/planer/{plan_id}/maal/{goal_id}/status")
async def record_status(plan_id: str, goal_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, goal_id = checked_id(plan_id), checked_id(goal_id)
    stale = Stale(plan_id, F.status_values, F.STATUS_LABELS, goal_id)
    body = F.status_body(form)
    key = f"status-{goal_id}"
    return await _goal_patch(
        ctx, plan_id, goal_id, form, key, body, F.STATUS_API_FIELDS, stale, "status_saved"
    )


@router.post("/planer/{plan_id}/maal/{goal_id}/opfoelgning")
async def add_follow_up(plan_id: str, goal_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, goal_id, citizen_id = checked_id(plan_id), checked_id(goal_id), _citizen_of(form)
    body = F.follow_up_body(form)
    path = f"/plans/{plan_id}/goals/{goal_id}/follow-ups"
    again = on_working_page(ctx, citizen_id)
    _, refused = await send(
        ctx, "POST", path, f"followup-{goal_id}", form, body, F.FOLLOW_UP_API_FIELDS, again, fallback="text"
    )
    return refused or _back(citizen_id, "follow_up_saved", f"maal-{goal_id}", plan_id)


@router.post("/planer/{plan_id}/aktoerer")
async def add_actor(plan_id: str, ctx: Staff, form: PostedForm) -> Response:
    plan_id, citizen_id = checked_id(plan_id), _citizen_of(form)
    body = F.actor_body(form)
    again = on_working_page(ctx, citizen_id)
    path = f"/plans/{plan_id}/actors"
    _, refused = await send(
        ctx, "POST", path, "actor-new", form, body, F.ACTOR_API_FIELDS, again, fallback="name"
    )
    return refused or _back(citizen_id, "actor_added", "netvaerk", plan_id)


# --- history --------------------------------------------------------------------------------------------------------


def describe_change(change: dict[str, Any], goals: dict[str, str], actors: dict[str, str]) -> str:
    """«Mål «Egen bolig»: Delmål» for ``goals.<id>.sub_goals``, and so on."""
    field = str(change.get("field", ""))
    parts = field.split(".")
    if parts[0] == "goals" and len(parts) >= 2:
        title = goals.get(parts[1], "")
        if len(parts) == 2:
            return W.HISTORY_GOAL_ADDED
        what = W.HISTORY_FIELDS.get(parts[2], parts[2])
        return f"{W.GOAL} «{title}»: {what}" if title else what
    if parts[0] == "actors" and len(parts) >= 2:
        name = actors.get(parts[1], "")
        if len(parts) == 2:
            return W.HISTORY_ACTOR_REMOVED if change.get("to") is None else W.HISTORY_ACTOR_ADDED
        what = W.HISTORY_FIELDS.get(parts[2], parts[2])
        return f"{W.HISTORY_FIELDS['actors']} «{name}»: {what}" if name else what
    if parts[0] == "overview" and len(parts) == 3 and parts[1] == "own_words":
        return W.OWN_WORDS_FIELDS.get(parts[2], field)
    return W.HISTORY_FIELDS.get(field, W.HISTORY_FIELDS.get(parts[0], field))


def show_value(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return W.YES if value else W.NO
    if isinstance(value, list):
        return "; ".join(show_value(v) for v in value) or "–"
    if isinstance(value, dict):
        if "title" in value:
            return str(value["title"])
        return "; ".join(f"{show_value(v)}" for v in value.values() if v not in (None, ""))
    text = str(value)
    for vocabulary in ("goal_status", "category", "sof_theme", "vum_theme", "plan_status"):
        shown = W.label(vocabulary, text)
        if shown != text:
            return shown
    return text


@router.get("/planer/{plan_id}/historik")
async def history(plan_id: str, ctx: SignedIn) -> Response:
    plan_id = checked_id(plan_id)
    plan_answer, history_answer = await asyncio.gather(
        ctx.api.get(f"/plans/{plan_id}"), ctx.api.get(f"/plans/{plan_id}/history")
    )
    plan: dict[str, Any] = plan_answer.data
    goals = {g["goal_id"]: g.get("title", "") for g in plan.get("goals") or []}
    actors = {a["actor_id"]: a.get("name", "") for a in plan.get("actors") or []}
    goal_id = ctx.request.query_params.get("maal")
    entries = []
    for entry in reversed(history_answer.data or []):
        changes = [
            {
                "what": describe_change(c, goals, actors),
                "from": show_value(c.get("from")),
                "to": show_value(c.get("to")),
            }
            for c in entry.get("changes") or []
            if not goal_id or str(c.get("field", "")).startswith(f"goals.{goal_id}")
        ]
        if changes:
            entries.append({**entry, "shown_changes": changes})
    return ctx.render(
        "history.html",
        plan=plan,
        entries=entries,
        goal_title=goals.get(goal_id or ""),
        goal_id=goal_id,
        goals=goals,
        citizen_id=plan.get("citizen_id"),
    )


# --- print and PDF --------------------------------------------------------------------------------------------------


async def _print_context(ctx: Ctx, plan_id: str) -> dict[str, Any]:
    plan_answer: ApiResponse = await ctx.api.get(f"/plans/{plan_id}")
    plan: dict[str, Any] = plan_answer.data
    view = await plan_view(ctx, plan["citizen_id"])
    assert view is not None
    units = units_for(ctx, plan)
    edition = "borger" if ctx.request.query_params.get("udgave") == "borger" else "moede"
    return {
        "plan": plan,
        "citizen": view.get("citizen") or {},
        "withheld": withheld_goals({"withheld": plan.get("withheld") or []}, plan_id),
        "units": units,
        "consent_column": consent_column(view, plan, ctx.may),
        "goal_pictures": goal_pictures(plan),
        "network": pictures.network_map(
            (view.get("citizen") or {}).get("name") or W.ME, plan.get("actors") or [], units
        ),
        "edition": edition,
        "upcoming": split_meetings(view.get("meetings") or [])[0],
    }


@router.get("/planer/{plan_id}/udskriv")
async def print_page(plan_id: str, ctx: SignedIn) -> Response:
    context = await _print_context(ctx, checked_id(plan_id))
    return ctx.render("print.html", **context, for_pdf=False)


@router.get("/planer/{plan_id}/plan.pdf")
async def plan_pdf(plan_id: str, ctx: SignedIn) -> Response:
    context = await _print_context(ctx, checked_id(plan_id))
    html = ctx.request.app.state.templates.get_template("print.html").render(
        **context, for_pdf=True, request=ctx.request, person=ctx.caller, csrf_token="", notice=None, path=""
    )
    try:
        document = await pdf.render_pdf(html)
    except pdf.PdfUnavailableError:
        return error_page(ctx.request, 503, W.PDF_UNAVAILABLE)
    name = "mit-liv-min-plan" if context["edition"] == "borger" else "borgerens-plan"
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )
