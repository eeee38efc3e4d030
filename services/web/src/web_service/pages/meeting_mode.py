"""The meeting mode: the network meeting's working page for one shared screen (issue 34).

The meeting's agenda down the side, one part at a time in front in large type, the citizen's own words always in
view, and beside each part its minutes (the item's decision and the tasks agreed under it), written as the
meeting goes and published at the end. Every part is a page of its own (``/moeder/{id}/moedetilstand/{part}``)
and every form a plain POST that answers 303 back to its part, so it all works without script and with the
keyboard alone; with htmx a link or a form refreshes the mode's region only (``#moedetilstand``), selected out of
the same page. The parts are listed by ``web_service.meeting_parts``; each is drawn by its own template.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from borgerplan_rules.workdays import today
from web_service import meeting_parts as MP
from web_service import pictures
from web_service import plan_forms as F
from web_service import wording as W
from web_service.forms import Form
from web_service.gateway import ApiProblem, ApiResponse
from web_service.pages.meetings import publish, read_tasks, rows_in, task_fields, task_units
from web_service.pages.plan import (
    Again,
    Stale,
    checked_id,
    consent_column,
    current_plan,
    etag_of,
    goal_pictures,
    legal_bases,
    plan_view,
    prefilled,
    send,
    split_meetings,
    units_for,
)
from web_service.web import Ctx, PostedForm, Staff, error_page, redirect

router = APIRouter()
TASK_ROWS_EXTRA = 1


def mode_url(meeting_id: str, part: str, ok: str | None = None) -> str:
    return f"/moeder/{quote(meeting_id, safe='')}/moedetilstand/{part}" + (f"?ok={ok}" if ok else "")


async def _meeting(ctx: Ctx, meeting_id: str) -> tuple[dict[str, Any], str]:
    answer: ApiResponse = await ctx.api.get(f"/meetings/{meeting_id}")
    meeting: dict[str, Any] = answer.data
    return meeting, answer.etag or f'"{meeting.get("version", 0)}"'


def minutes_form(meeting: dict[str, Any], part: MP.Part, etag: str) -> Form:
    minutes = meeting.get("minutes")
    values: dict[str, Any] = {"decision": MP.decision_of(minutes, part.item_id)}
    for i, task in enumerate(MP.tasks_of(minutes, part.item_id)):
        values[f"task-{i}-what"] = task.get("what", "")
        values[f"task-{i}-unit"] = task.get("responsible_unit") or ""
        values[f"task-{i}-due"] = str(task.get("due") or "")
    if part.kind == "welcome":
        values["attended"] = [
            a["participant_id"] for a in (minutes or {}).get("attendance") or [] if a["attended"]
        ]
        values["citizen_attended"] = "on" if (minutes or {}).get("citizen_attended", True) else ""
        values["citizen_briefed_by"] = (minutes or {}).get("citizen_briefed_by") or ""
    return prefilled(values, etag, MP.encode(MP.part_minutes(minutes, part.item_id)))


def goal_form(goal: dict[str, Any], etag: str) -> Form:
    values = {
        **F.goal_values(goal),
        "status": "",  # unchanged, unless chosen
        "step": F.status_values(goal)["step"],
        "scale": F.score_values(goal)["scale"],
        "citizen_disagrees": "no",
    }
    return prefilled(values, etag, F.encode_base(F.goal_values(goal)))


async def mode_page(
    ctx: Ctx,
    meeting_id: str,
    part_key: str,
    *,
    forms: dict[str, Form] | None = None,
    stale: dict[str, list[dict[str, str]]] | None = None,
    status: int = 200,
    consent_preview: dict[str, Any] | None = None,
) -> Response:
    meeting, meeting_etag = await _meeting(ctx, meeting_id)
    citizen_id = str(meeting["citizen_id"])
    # the legal bases' list only for the part that shows it: one gateway call fewer on every other part
    view, listed = await asyncio.gather(
        plan_view(ctx, citizen_id), legal_bases(ctx) if part_key == "plandetaljer" else _none()
    )
    assert view is not None
    plan = current_plan(view, meeting.get("plan_id"))
    all_parts = MP.parts(meeting, plan)
    before, part, after = MP.find(all_parts, part_key)
    if part is None:
        return error_page(ctx.request, 404)
    forms = dict(forms or {})
    units = units_for(ctx, plan)
    plan_etag = etag_of(plan) if plan else ""
    if part.item is not None:
        forms.setdefault("minutes", minutes_form(meeting, part, meeting_etag))
    if plan is not None:
        if part.goal is not None:
            forms.setdefault("goal", goal_form(dict(part.goal), plan_etag))
            forms.setdefault("followup", Form(values={"date": today().isoformat()}))
        forms.setdefault("goal-new", Form(values={"category": "general"}))
        overview = F.overview_values(plan, set(listed))
        forms.setdefault("overview", prefilled(overview, plan_etag))
        forms.setdefault("details", prefilled(overview, plan_etag))
        forms.setdefault("actor-new", Form(values={"kind": "provider", "in_contact": "on"}))
    # given at the meeting: orally, noted by the person at the keyboard
    recorded_by = str(ctx.caller.get("name") or "")
    forms.setdefault("consent-new", F.new_consent(form_kind="oral", recorded_by=recorded_by))
    minutes = meeting.get("minutes")
    task_rows = max(
        len(MP.tasks_of(minutes, part.item_id)) + TASK_ROWS_EXTRA,
        rows_in(forms.get("minutes", Form()), "task-"),
    )
    upcoming, past = split_meetings(view.get("meetings") or [])
    citizen = view.get("citizen") or {}
    return ctx.render(
        "meeting_mode.html",
        status,
        meeting=meeting,
        meeting_etag=meeting_etag,
        view=view,
        plan=plan,
        citizen=citizen,
        citizen_id=citizen_id,
        parts=all_parts,
        part=part,
        before=before,
        after=after,
        done=_done(all_parts, meeting),
        forms=forms,
        stale=stale or {},
        manage=ctx.may.manage_meeting(meeting, plan),
        published=bool((minutes or {}).get("published_at")),
        task_rows=task_rows,
        task_options=task_units(meeting, plan, units),
        units=units,
        unit_options=units.options([ctx.unit]),
        legal_base_options=[(ref, f"{ref} – {label}") for ref, label in listed.items()],
        goal_pictures=goal_pictures(plan) if plan else {},
        network=pictures.network_map(citizen.get("name") or W.ME, (plan or {}).get("actors") or [], units)
        if part.kind == "network"
        else None,
        consents=view.get("consent_summary") or [],
        consent_column=consent_column(view, plan, ctx.may),
        consent_preview=consent_preview,
        upcoming=[m for m in upcoming if m.get("meeting_id") != meeting_id],
        past=[m for m in past if m.get("meeting_id") != meeting_id],
        item_titles={
            p.item_id: p.title if p.decides else W.MODE_GOALS_UNDER for p in all_parts if p.item is not None
        },
        mode_url=lambda key, ok=None: mode_url(meeting_id, key, ok),
    )


def _done(all_parts: list[MP.Part], meeting: dict[str, Any]) -> set[str]:
    """The parts with something written: a decision or tasks, or a goal scored today."""
    minutes, day = meeting.get("minutes"), today()
    done = set()
    for part in all_parts:
        if part.goal is not None:
            if MP.scored_on(part.goal, day):
                done.add(part.key)
        elif part.decides and (MP.decision_of(minutes, part.item_id) or MP.tasks_of(minutes, part.item_id)):
            done.add(part.key)
    return done


async def _none() -> dict[str, str]:
    return {}


def on_mode_page(ctx: Ctx, meeting_id: str, part_key: str) -> Again:
    async def again(forms: dict[str, Form], stale: dict[str, list[dict[str, str]]], status: int) -> Response:
        return await mode_page(ctx, meeting_id, part_key, forms=forms, stale=stale, status=status)

    return again


# --- the pages -------------------------------------------------------------------------------------------------


@router.get("/moeder/{meeting_id}/moedetilstand")
async def start(meeting_id: str, ctx: Staff) -> Response:
    return redirect(mode_url(checked_id(meeting_id), "velkomst"))


@router.get("/moeder/{meeting_id}/moedetilstand/{part}")
async def show_part(meeting_id: str, part: str, ctx: Staff) -> Response:
    return await mode_page(ctx, checked_id(meeting_id), checked_id(part))


# --- the minutes, part by part ---------------------------------------------------------------------------------


@router.post("/moeder/{meeting_id}/moedetilstand/{part_key}/referat")
async def write_minutes(meeting_id: str, part_key: str, ctx: Staff, form: PostedForm) -> Response:
    """This part's decision and tasks (and, at the welcome, who attended) into the minutes as they are stored."""
    meeting_id, part_key = checked_id(meeting_id), checked_id(part_key)
    again = on_mode_page(ctx, meeting_id, part_key)
    meeting, etag = await _meeting(ctx, meeting_id)
    _, part, _ = MP.find(MP.parts(meeting, None), part_key)
    if part is None:  # a goal's part is known by the plan: its minutes are the flexible item's
        view = await plan_view(ctx, str(meeting["citizen_id"]))
        _, part, _ = MP.find(MP.parts(meeting, current_plan(view, meeting.get("plan_id"))), part_key)
    if part is None or part.item_id is None:
        return error_page(ctx.request, 404)
    decision = (
        form.text("decision", max_length=4000)
        if part.decides
        else MP.decision_of(meeting.get("minutes"), part.item_id)
    )
    tasks = read_tasks(form)
    attendance, citizen = None, None
    if part.kind == "welcome":
        attended = set(form.getlist("attended"))
        present = form.checked("citizen_attended")
        briefed = form.text("citizen_briefed_by", max_length=200)
        if not present and not briefed:
            form.add_error("citizen_briefed_by", W.E_BRIEFED_BY)
        attendance = [
            {"participant_id": p["participant_id"], "attended": p["participant_id"] in attended}
            for p in meeting.get("participants") or []
            if p.get("kind") != "citizen"
        ]
        citizen = (present, briefed)
    if not form.ok:
        return await again({"minutes": form}, {}, 422)
    minutes = meeting.get("minutes")
    if MP.changed_since(form.get("base"), minutes, part.item_id):
        form.values["base"] = MP.encode(MP.part_minutes(minutes, part.item_id))
        return await again({"minutes": form}, {"minutes": []}, 412)
    rows = [t.pop("row") for t in tasks]
    body = MP.merged(minutes, part.item_id, decision, tasks, attendance, citizen)
    kept = len(body["tasks"]) - len(tasks)
    try:
        await ctx.api.put(f"/meetings/{meeting_id}/minutes", body, if_match=etag)
    except ApiProblem as problem:
        if problem.status == 412:  # written by someone else this very moment: read it again
            return await again({"minutes": form}, {"minutes": []}, 412)
        if problem.status not in (403, 409, 422, 428):
            raise
        fields = {"citizen_briefed_by": "citizen_briefed_by", "decisions": "decision", "minutes": "decision"}
        fields.update(task_fields(rows, kept))
        form.apply_problem(problem, fields, fallback="decision")
        return await again({"minutes": form}, {}, 422)
    return redirect(mode_url(meeting_id, part_key, "minutes_saved"))


@router.post("/moeder/{meeting_id}/moedetilstand/opsummering/udsend")
async def publish_minutes(meeting_id: str, ctx: Staff, form: PostedForm) -> Response:
    meeting_id = checked_id(meeting_id)
    refused = await publish(ctx, meeting_id, form.get("etag"))
    if refused is not None:
        status = int(refused.get("status"))
        return await mode_page(ctx, meeting_id, "opsummering", forms={"publish": refused}, status=status)
    return redirect(mode_url(meeting_id, "opsummering", "minutes_published"))


# --- the plan, part by part ------------------------------------------------------------------------------------


async def _plan_and_part(ctx: Ctx, meeting_id: str, part_key: str) -> tuple[dict[str, Any], MP.Part]:
    meeting, _ = await _meeting(ctx, meeting_id)
    view = await plan_view(ctx, str(meeting["citizen_id"]))
    plan = current_plan(view, meeting.get("plan_id"))
    _, part, _ = MP.find(MP.parts(meeting, plan), part_key)
    if plan is None or part is None:
        raise ApiProblem(404, "Not found")
    return plan, part


@router.post("/moeder/{meeting_id}/moedetilstand/{part_key}/maal")
async def save_goal(meeting_id: str, part_key: str, ctx: Staff, form: PostedForm) -> Response:
    """A goal in one place: content, ladder, agreements, today's score with the citizen's own, its status."""
    meeting_id, part_key = checked_id(meeting_id), checked_id(part_key)
    plan, part = await _plan_and_part(ctx, meeting_id, part_key)
    again = on_mode_page(ctx, meeting_id, part_key)
    if part.kind == "new_goal":
        body = F.goal_body(form)
        path = f"/plans/{plan['plan_id']}/goals"
        created, refused = await send(
            ctx, "POST", path, "goal-new", form, body, F.goal_api_fields(form), again
        )
        if refused is not None:
            return refused
        assert created is not None
        goals = (created.data or {}).get("goals") or []
        known = {g["goal_id"] for g in plan.get("goals") or []}
        new = next((g["goal_id"] for g in goals if g["goal_id"] not in known), None)
        return redirect(mode_url(meeting_id, f"maal-{new}" if new else "nyt-maal", "goal_added"))
    if part.goal is None:
        return error_page(ctx.request, 404)
    goal_id = str(part.goal["goal_id"])
    body = F.goal_in_one_place_body(form, dict(part.goal))
    stale = Stale(plan["plan_id"], F.goal_values, F.GOAL_LABELS, goal_id)
    path = f"/plans/{plan['plan_id']}/goals/{goal_id}"
    fields = F.goal_in_one_place_api_fields(form)
    _, refused = await send(ctx, "PATCH", path, "goal", form, body, fields, again, stale=stale)
    return refused or redirect(mode_url(meeting_id, part_key, "goal_saved"))


@router.post("/moeder/{meeting_id}/moedetilstand/{part_key}/opfoelgning")
async def follow_up(meeting_id: str, part_key: str, ctx: Staff, form: PostedForm) -> Response:
    meeting_id, part_key = checked_id(meeting_id), checked_id(part_key)
    plan, part = await _plan_and_part(ctx, meeting_id, part_key)
    if part.goal is None:
        return error_page(ctx.request, 404)
    path = f"/plans/{plan['plan_id']}/goals/{part.goal['goal_id']}/follow-ups"
    again = on_mode_page(ctx, meeting_id, part_key)
    body = F.follow_up_body(form)
    _, refused = await send(ctx, "POST", path, "followup", form, body, F.FOLLOW_UP_API_FIELDS, again)
    return refused or redirect(mode_url(meeting_id, part_key, "follow_up_saved"))


@router.post("/moeder/{meeting_id}/moedetilstand/{part_key}/planen")
async def change_plan(meeting_id: str, part_key: str, ctx: Staff, form: PostedForm) -> Response:
    """The purpose and the citizen's own words (the purpose's part), or the plan's details (its own part)."""
    meeting_id, part_key = checked_id(meeting_id), checked_id(part_key)
    plan, part = await _plan_and_part(ctx, meeting_id, part_key)
    listed = await legal_bases(ctx) if part.kind == "details" else {}
    key, body = (
        ("details", F.details_body(form, listed))
        if part.kind == "details"
        else (
            "overview",
            F.words_body(form),
        )
    )
    stale = Stale(plan["plan_id"], lambda p: F.overview_values(p, set(listed)), F.OVERVIEW_LABELS)
    again = on_mode_page(ctx, meeting_id, part_key)
    path = f"/plans/{plan['plan_id']}"
    _, refused = await send(ctx, "PATCH", path, key, form, body, F.OVERVIEW_API_FIELDS, again, stale=stale)
    return refused or redirect(mode_url(meeting_id, part_key, "overview_saved"))


@router.post("/moeder/{meeting_id}/moedetilstand/{part_key}/aktoer")
async def add_actor(meeting_id: str, part_key: str, ctx: Staff, form: PostedForm) -> Response:
    meeting_id, part_key = checked_id(meeting_id), checked_id(part_key)
    plan, _ = await _plan_and_part(ctx, meeting_id, part_key)
    again = on_mode_page(ctx, meeting_id, part_key)
    path = f"/plans/{plan['plan_id']}/actors"
    body = F.actor_body(form)
    _, refused = await send(
        ctx, "POST", path, "actor-new", form, body, F.ACTOR_API_FIELDS, again, fallback="name"
    )
    return refused or redirect(mode_url(meeting_id, part_key, "actor_added"))
