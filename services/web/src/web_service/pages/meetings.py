"""Meetings: schedule one (with who will not be invited for lack of consent, shown before saving), the meeting
with its agenda, the minutes with decisions and tasks, publishing them, and the invitation as ``.ics``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from borgerplan_rules.access import PROFESSIONAL_KINDS
from borgerplan_rules.workdays import today
from web_service import wording as W
from web_service.forms import Form, local_moment
from web_service.gateway import ApiProblem
from web_service.pages.plan import checked_id, current_plan, plan_view, units_for
from web_service.units import UnitDirectory
from web_service.web import Citizen, Ctx, PostedForm, SignedIn, Staff, redirect

router = APIRouter()

MEETING_API_FIELDS = {
    "kind": "kind",
    "start": "start_time",
    "end": "end_time",
    "place": "place",
    "minute_taker": "minute_taker",
    "participants": "participants",
    "plan_id": "kind",
}
AGENDA_API_FIELDS = {"topic": "topic", "responsible": "responsible", "aim": "aim", "minutes": "minutes"}
TASK_ROWS_EXTRA = 2


async def invitation_preview(ctx: Ctx, plan_id: str, actors: list[dict[str, Any]]) -> dict[str, str]:
    """unit → the Danish reason its people would not be invited (no consent to be invited to meetings), as the
    meetings service itself would decide it when scheduling (a dry run through the gateway; nothing is saved)."""
    participants = [
        {"name": a["name"], "kind": a.get("kind", "external"), "unit": a.get("unit")}
        for a in actors
        if a.get("kind") not in PROFESSIONAL_KINDS or a.get("unit")
    ]
    if not participants:
        return {}
    try:
        answer = await ctx.api.post(
            "/meetings/invitation-preview", {"plan_id": plan_id, "participants": participants}
        )
    except ApiProblem:
        # Not the caller's to ask, or the meetings or plan service away (without the consent service the dry run
        # answers, with consent_unavailable): scheduling itself will say.
        return {}
    uninvited = (answer.data or {}).get("uninvited") or []
    return {
        str(u["unit"]): W.DECISION_REASONS.get(str(u.get("reason")), str(u.get("reason", "")))
        for u in uninvited
        if u.get("unit")
    }


async def _schedule_page(ctx: Ctx, citizen_id: str, form: Form | None = None, status: int = 200) -> Response:
    view = await plan_view(ctx, citizen_id)
    assert view is not None
    plan = current_plan(view, ctx.request.query_params.get("plan"))
    if plan is None:
        return redirect(f"/borgere/{citizen_id}/netvaerksmoede")
    actors = plan.get("actors") or []
    not_invited = await invitation_preview(ctx, plan["plan_id"], actors)
    if form is None:
        start = today() + timedelta(days=14)
        form = Form(
            values={
                "kind": "follow_up",
                "date": start.isoformat(),
                "start_time": "09:00",
                "end_time": "10:00",
                "participants": [
                    a["actor_id"]
                    for a in actors
                    if a.get("kind") != "private_network" and a.get("unit") not in not_invited
                ],
            }
        )
    return ctx.render(
        "meeting_new.html",
        status,
        citizen=view.get("citizen") or {},
        citizen_id=citizen_id,
        plan=plan,
        actors=actors,
        not_invited=not_invited,
        form=form,
        units=units_for(ctx, plan),
    )


@router.get("/borgere/{citizen_id}/moeder/ny")
async def schedule_page(citizen_id: str, ctx: Staff) -> Response:
    return await _schedule_page(ctx, checked_id(citizen_id))


@router.post("/borgere/{citizen_id}/moeder/ny")
async def schedule(citizen_id: str, ctx: Staff, form: PostedForm) -> Response:
    citizen_id = checked_id(citizen_id)
    view = await plan_view(ctx, citizen_id)
    plan = current_plan(view, form.get("plan_id") or None)
    if plan is None:
        return redirect(f"/borgere/{citizen_id}/netvaerksmoede")
    kind = form.choice("kind", W.MEETING_KINDS, required=True)
    day = form.date("date", required=True)
    start_time = form.time("start_time", required=True)
    end_time = form.time("end_time", required=True)
    if start_time and end_time and end_time <= start_time:
        form.add_error("end_time", W.E_END_BEFORE_START)
    if day and day < today():
        form.add_error("date", W.E_MEETING_IN_PAST)
    elif day and start_time and local_moment(day, start_time) < datetime.now(UTC):
        form.add_error("start_time", W.E_MEETING_IN_PAST)
    place = form.text("place", max_length=300)
    minute_taker = form.text("minute_taker", max_length=200)
    actors = {a["actor_id"]: a for a in plan.get("actors") or []}
    chosen = [actors[a] for a in form.getlist("participants") if a in actors]
    if not form.ok:
        return await _schedule_page(ctx, citizen_id, form, 422)
    assert day and start_time and end_time
    participants: list[dict[str, Any]] = [
        {"name": (view or {}).get("citizen", {}).get("name") or W.ME, "kind": "citizen"}
    ]
    for actor in chosen:
        participant = {
            "name": actor["name"],
            "kind": actor.get("kind", "external"),
            "unit": actor.get("unit"),
            "role": actor.get("role"),
            "email": actor.get("email"),
        }
        participants.append({k: v for k, v in participant.items() if v})
    body = {
        "plan_id": plan["plan_id"],
        "kind": kind,
        "start": local_moment(day, start_time).isoformat(),
        "end": local_moment(day, end_time).isoformat(),
        "place": place,
        "place_chosen_by_citizen": form.checked("place_chosen_by_citizen"),
        "coordinator_unit": ctx.unit,
        "coordinator_name": ctx.caller.get("name"),
        "minute_taker": minute_taker,
        "participants": participants,
    }
    try:
        created = await ctx.api.post("/meetings", body, idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        if "unknown plan" in " ".join(e.get("message", "") for e in problem.errors):
            form.general.append(W.E_UNKNOWN_PLAN_YET)
        else:
            form.apply_problem(problem, MEETING_API_FIELDS, fallback="kind")
        return await _schedule_page(ctx, citizen_id, form, 422)
    return redirect(f"/moeder/{created.data['meeting_id']}?ok=meeting_scheduled")


# --- one meeting ------------------------------------------------------------------------------------------------


def minutes_values(meeting: dict[str, Any]) -> dict[str, Any]:
    minutes = meeting.get("minutes") or {}
    values: dict[str, Any] = {
        "attended": [a["participant_id"] for a in minutes.get("attendance") or [] if a.get("attended")],
        "citizen_attended": "on" if minutes.get("citizen_attended", True) else "",
        "citizen_briefed_by": minutes.get("citizen_briefed_by") or "",
    }
    for decision in minutes.get("decisions") or []:
        values[f"decision-{decision['item_id']}"] = decision.get("decision", "")
    for i, task in enumerate(minutes.get("tasks") or []):
        values[f"task-{i}-what"] = task.get("what", "")
        values[f"task-{i}-unit"] = task.get("responsible_unit") or ""
        values[f"task-{i}-due"] = str(task.get("due") or "")
        values[f"task-{i}-item"] = task.get("item_id") or ""
    return values


async def _meeting_page(
    ctx: Ctx,
    meeting_id: str,
    forms: dict[str, Form] | None = None,
    status: int = 200,
    stale: bool = False,
) -> Response:
    answer = await ctx.api.get(f"/meetings/{meeting_id}")
    meeting: dict[str, Any] = answer.data
    citizen: dict[str, Any] = {}
    plan: dict[str, Any] | None = None
    if not ctx.is_citizen:
        try:
            view = await plan_view(ctx, meeting["citizen_id"])
        except ApiProblem:
            view = None  # invited without consent to see the plan: the meeting alone
        citizen = (view or {}).get("citizen") or {}
        plan = current_plan(view, meeting.get("plan_id"))
    manage = ctx.may.manage_meeting(meeting, plan)
    forms = dict(forms or {})
    etag = answer.etag or f'"{meeting.get("version", 0)}"'
    minutes_form = forms.get("minutes") or Form.of(minutes_values(meeting))
    minutes_form.values["etag"] = etag if not forms.get("minutes") or stale else minutes_form.get("etag")
    forms["minutes"] = minutes_form
    forms.setdefault("agenda", Form(values={"minutes": "10"}))
    sheet = meeting.get("preparation") or {}
    forms.setdefault("preparation", Form.of({k: sheet.get(k) or "" for k in W.PREPARATION_FIELDS}))
    task_rows = max(
        len(((meeting.get("minutes") or {}).get("tasks")) or []) + TASK_ROWS_EXTRA,
        rows_in(minutes_form, "task-"),
    )
    units = units_for(ctx, plan).with_actors(
        [{"unit": p.get("unit"), "unit_name": p.get("name")} for p in meeting.get("participants") or []]
    )
    this_day = today().isoformat()
    return ctx.render(
        "meeting.html",
        status,
        meeting=meeting,
        etag=etag,
        citizen=citizen,
        citizen_id=meeting.get("citizen_id"),
        plan=plan,
        manage=manage,
        forms=forms,
        task_rows=task_rows,
        agenda_open=str(meeting.get("agenda_closes_on", "")) >= this_day,
        published=bool((meeting.get("minutes") or {}).get("published_at")),
        units=units,
        unit_options=task_units(meeting, plan, units),
        stale=stale,
    )


def read_tasks(form: Form) -> list[dict[str, Any]]:
    """The task rows of a minutes form (``task-<n>-what``, ``-unit``, ``-due`` and the item it was agreed under,
    ``-item``), each checked, with the ``row`` it came from; a row left empty is no task."""
    tasks = []
    for i in range(rows_in(form, "task-")):
        what = form.text(f"task-{i}-what", max_length=1000)
        unit = form.text(f"task-{i}-unit", max_length=200)
        due_text = form.get(f"task-{i}-due").strip()
        if not (what or due_text):
            continue
        if not what:
            form.add_error(f"task-{i}-what", W.E_REQUIRED)
        if not unit:
            form.add_error(f"task-{i}-unit", W.E_TASK_RESPONSIBLE)
        due = form.date(f"task-{i}-due", required=True)
        task = {"what": what, "responsible_unit": unit, "due": due.isoformat() if due else None, "row": i}
        if form.get(f"task-{i}-item"):
            task["item_id"] = form.get(f"task-{i}-item")
        tasks.append(task)
    return tasks


def task_fields(rows: list[int], first: int = 0) -> dict[str, str]:
    """The API's names for the tasks sent (from the ``first`` in its list) → the form's rows they came from."""
    fields = {}
    for n, row in enumerate(rows, first):
        fields[f"tasks.{n}"] = f"task-{row}-what"
        fields[f"tasks.{n}.due"] = f"task-{row}-due"
        fields[f"tasks.{n}.responsible_unit"] = f"task-{row}-unit"
    return fields


async def publish(ctx: Ctx, meeting_id: str, etag: str | None) -> Form | None:
    """Send the minutes out: None, or a form saying in Danish why not (already out, nothing written, stale)."""
    try:
        await ctx.api.post(f"/meetings/{meeting_id}/minutes/publication", {}, if_match=etag or None)
    except ApiProblem as problem:
        if problem.status not in (409, 412, 422, 428):
            raise
        refused = Form()
        if problem.status == 412:
            refused.general.append(W.STALE_TEXT)
        else:
            refused.apply_problem(problem, {})
        refused.values["status"] = str(problem.status)
        return refused
    return None


def task_units(
    meeting: dict[str, Any], plan: dict[str, Any] | None, units: UnitDirectory
) -> list[tuple[str, str]]:
    """Who a task can be given to: the meeting leader's own unit, the plan's responsible unit and every invited
    professional's unit (by name)."""
    ids = [
        meeting.get("coordinator_unit"),
        (plan or {}).get("responsible_unit"),
        *(p.get("unit") for p in meeting.get("participants") or []),
    ]
    chosen = dict.fromkeys(str(i) for i in ids if i)
    return sorted(((u, units.name(u)) for u in chosen), key=lambda pair: pair[1].casefold())


def rows_in(form: Form, prefix: str) -> int:
    """How many numbered rows (``<prefix><n>-…``) a form has."""
    indexes = [
        int(key.split("-")[1])
        for key in form.values
        if key.startswith(prefix) and key.count("-") >= 2 and key.split("-")[1].isdigit()
    ]
    return max(indexes) + 1 if indexes else 0


@router.get("/moeder/{meeting_id}")
async def meeting_page(meeting_id: str, ctx: SignedIn) -> Response:
    return await _meeting_page(ctx, checked_id(meeting_id))


@router.post("/moeder/{meeting_id}/punkter")
async def add_agenda_item(meeting_id: str, ctx: SignedIn, form: PostedForm) -> Response:
    meeting_id = checked_id(meeting_id)
    body = {
        "topic": form.text("topic", required=True, max_length=300),
        "responsible": form.text("responsible", max_length=200),
        "aim": form.text("aim", max_length=1000),
        "minutes": form.integer("minutes", required=True, low=1, high=120),
    }
    if not form.ok:
        return await _meeting_page(ctx, meeting_id, {"agenda": form}, 422)
    try:
        await ctx.api.post(
            f"/meetings/{meeting_id}/agenda-items",
            body,
            idempotency_key=form.get("idempotency_key") or None,
        )
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        form.apply_problem(problem, AGENDA_API_FIELDS, fallback="topic")
        return await _meeting_page(ctx, meeting_id, {"agenda": form}, 422)
    return redirect(f"/moeder/{meeting_id}?ok=agenda_item_added#dagsorden")


@router.post("/moeder/{meeting_id}/forberedelse")
async def write_preparation(meeting_id: str, ctx: Citizen, form: PostedForm) -> Response:
    """The citizen's preparation sheet (decision 0061)."""
    meeting_id = checked_id(meeting_id)
    body = {
        "hopes_and_dreams": form.text("hopes_and_dreams", max_length=2000),
        "talk_about": form.text("talk_about", max_length=2000),
        "who_there": form.text("who_there", max_length=1000),
    }
    if not form.ok:
        return await _meeting_page(ctx, meeting_id, {"preparation": form}, 422)
    try:
        await ctx.api.put(f"/meetings/{meeting_id}/preparation", body)
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        form.apply_problem(problem, {k: k for k in W.PREPARATION_FIELDS}, fallback="hopes_and_dreams")
        return await _meeting_page(ctx, meeting_id, {"preparation": form}, 422)
    return redirect(f"/moeder/{meeting_id}?ok=preparation_saved#forberedelse")


@router.post("/moeder/{meeting_id}/referat")
async def save_minutes(meeting_id: str, ctx: Staff, form: PostedForm) -> Response:
    meeting_id = checked_id(meeting_id)
    attended = set(form.getlist("attended"))
    participants = [p for p in form.getlist("participant_ids") if p]
    citizen_attended = form.checked("citizen_attended")
    briefed_by = form.text("citizen_briefed_by", max_length=200)
    if not citizen_attended and not briefed_by:
        form.add_error("citizen_briefed_by", W.E_BRIEFED_BY)
    decisions = []
    for key in list(form.values):
        if key.startswith("decision-"):
            text = form.text(key, max_length=4000)
            if text:
                decisions.append({"item_id": key.removeprefix("decision-"), "decision": text})
    tasks = read_tasks(form)
    rows = [t.pop("row") for t in tasks]
    if not form.ok:
        return await _meeting_page(ctx, meeting_id, {"minutes": form}, 422)
    body = {
        "attendance": [{"participant_id": p, "attended": p in attended} for p in participants],
        "decisions": decisions,
        "tasks": tasks,
        "citizen_attended": citizen_attended,
        "citizen_briefed_by": briefed_by,
    }
    try:
        await ctx.api.put(f"/meetings/{meeting_id}/minutes", body, if_match=form.get("etag") or None)
    except ApiProblem as problem:
        if problem.status == 412:
            form.general.append(W.STALE_TEXT)
            return await _meeting_page(ctx, meeting_id, {"minutes": form}, 412, stale=True)
        if problem.status not in (403, 409, 422, 428):
            raise
        fields = {"citizen_briefed_by": "citizen_briefed_by", "attendance": "citizen_attended"}
        fields.update(task_fields(rows))
        form.apply_problem(problem, fields, fallback="citizen_briefed_by")
        return await _meeting_page(ctx, meeting_id, {"minutes": form}, 422)
    return redirect(f"/moeder/{meeting_id}?ok=minutes_saved#referat")


@router.post("/moeder/{meeting_id}/udsend")
async def publish_minutes(meeting_id: str, ctx: Staff, form: PostedForm) -> Response:
    meeting_id = checked_id(meeting_id)
    refused = await publish(ctx, meeting_id, form.get("etag"))
    if refused is not None:
        return await _meeting_page(ctx, meeting_id, {"publish": refused}, int(refused.get("status")))
    return redirect(f"/moeder/{meeting_id}?ok=minutes_published#referat")


@router.post("/moeder/{meeting_id}/aflys")
async def cancel_meeting(meeting_id: str, ctx: Staff, form: PostedForm) -> Response:
    meeting_id = checked_id(meeting_id)
    try:
        await ctx.api.patch(
            f"/meetings/{meeting_id}", {"status": "cancelled"}, if_match=form.get("etag") or None
        )
    except ApiProblem as problem:
        if problem.status not in (409, 412, 422, 428):
            raise
        page_form = Form()
        page_form.general.append(
            W.STALE_TEXT if problem.status == 412 else W.E_NOT_ALLOWED_NOW.format(detail=problem.detail)
        )
        return await _meeting_page(ctx, meeting_id, {"publish": page_form}, problem.status)
    return redirect(f"/moeder/{meeting_id}?ok=meeting_cancelled")


@router.get("/moeder/{meeting_id}/invitation.ics")
async def invitation(meeting_id: str, ctx: SignedIn) -> Response:
    meeting_id = checked_id(meeting_id)
    answer = await ctx.api.call("GET", f"/meetings/{meeting_id}/invitation.ics", accept="text/calendar")
    content = answer.data if isinstance(answer.data, bytes) else str(answer.data).encode()
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="moede.ics"'},
    )
