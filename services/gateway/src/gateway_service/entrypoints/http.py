"""The public API (``/api/v1``): authentication, forwarding to the owning services, the composed view."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from borgerplan_plumbing import pages
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.problems import Problem
from gateway_service import authz
from gateway_service.access_log import AccessLog
from gateway_service.auth import Authenticated
from gateway_service.authz import Action, Relation
from gateway_service.upstream import (
    UpstreamResponse,
    Upstreams,
    UpstreamUnavailableError,
    fetch_one,
    relay_response,
    unavailable,
)
from gateway_service.view import compose, decide, single_meeting, single_plan

router = APIRouter(prefix="/api/v1")


def _upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


async def _forward(
    request: Request, service: str, path: str, caller: Caller, params: dict[str, str] | None = None
) -> Response:
    body = await request.body()
    try:
        upstream = await _upstreams(request).request(
            service,
            request.method,
            path,
            caller,
            content=body or None,
            params=params,
            headers=dict(request.headers),
        )
    except UpstreamUnavailableError as exc:
        raise unavailable(exc.service) from exc
    return relay_response(upstream)


def _require(caller: Caller, action: Action) -> None:
    """Writes and lookups by the matrix (docs/authorization.md); they do not depend on the relation."""
    relation: Relation = "self" if caller.has_role("citizen") else "responsible"
    if authz.decide(action, caller, relation) not in ("allow", "allow_with_consent"):
        raise Problem(403, "Forbidden", "Your role does not allow this.", kind="forbidden")


async def _change_plan(request: Request, plan_id: str, caller: Caller, who: str, path: str) -> Response:
    """Forward a change of a plan when the caller's role and relation allow it."""
    _require(caller, "change_plan")
    await _may_change_plan(request, plan_id, caller, who)
    return await _forward(request, "plan", path, caller)


async def _may_change_plan(request: Request, plan_id: str, caller: Caller, who: str) -> None:
    """Only the plan's own parties change it: its responsible authority unit, and for goals, scores and
    follow-ups also the units of its actors. Anyone else learns nothing (404), an actor asking for more 403."""
    response = await fetch_one(_upstreams(request), "plan", f"/plans/{plan_id}", caller, "plan")
    plan = response.json()
    if caller.unit_kind == "authority" and plan["responsible_unit"] == caller.unit:
        return
    if caller.unit not in {
        a.get("unit") for a in plan.get("actors", []) if a.get("kind") != "private_network"
    }:
        raise Problem(404, "Not found", "No plan with that id.")
    if who == "responsible":
        raise Problem(
            403,
            "Forbidden",
            "Only the plan's responsible unit changes this; actors record goals, scores and follow-ups.",
            kind="forbidden",
        )


async def _plan_id_of(request: Request) -> str:
    try:
        plan_id = json.loads(await request.body()).get("plan_id")
    except (ValueError, AttributeError):
        plan_id = None
    if not isinstance(plan_id, str) or not plan_id:
        raise Problem(
            422,
            "Invalid request",
            "Name the plan the meeting belongs to.",
            kind="validation",
            errors=[{"field": "plan_id", "message": "required"}],
        )
    return plan_id


async def _meeting_party(request: Request, meeting_id: str, caller: Caller, *, manage: bool) -> None:
    """Who may act on a meeting: the coordinating unit and the plan's responsible unit manage it (change it,
    write and publish the minutes); the invited take part (answer, add agenda items, complete their tasks).
    Anyone else gets 404; a related unit asking for more than its part 403."""
    response = await fetch_one(_upstreams(request), "meetings", f"/meetings/{meeting_id}", caller, "meeting")
    meeting = response.json()
    if caller.has_role("citizen"):
        if caller.citizen_id != meeting["citizen_id"]:
            raise Problem(404, "Not found", "No meeting with that id.")
        if manage:
            raise Problem(403, "Forbidden", "The coordinator manages the meeting.", kind="forbidden")
        return
    if caller.unit == meeting["coordinator_unit"]:
        return
    invited = any(p.get("unit") == caller.unit for p in meeting.get("participants", []))
    if invited and not manage:
        return
    decision = await decide(_upstreams(request), meeting["citizen_id"], caller, "view_plan")
    relation = decision["relation"] if decision else "none"
    if relation == "responsible":
        return
    if invited or relation == "actor":
        raise Problem(
            403, "Forbidden", "The coordinator and the responsible unit manage the meeting.", kind="forbidden"
        )
    raise Problem(404, "Not found", "No meeting with that id.")


async def _consent_party(request: Request, consent_id: str, caller: Caller) -> tuple[str, UpstreamResponse]:
    """A consent is read and changed by its parties: the citizen (reading), the unit that registered it, the unit
    that received it, and the responsible unit of the citizen's plan. Anyone else gets 404. Returns the citizen
    and the consent as read."""
    response = await fetch_one(_upstreams(request), "consent", f"/consents/{consent_id}", caller, "consent")
    consent = response.json()
    citizen_id: str = consent["citizen_id"]
    if caller.has_role("citizen"):
        if caller.citizen_id != citizen_id:
            raise Problem(404, "Not found", "No consent with that id.")
        return citizen_id, response
    if caller.unit in (consent.get("granted_by_unit"), consent["grantee_unit"]):
        return citizen_id, response
    decision = await decide(_upstreams(request), citizen_id, caller, "view_plan")
    if decision is None or decision["relation"] != "responsible":
        raise Problem(404, "Not found", "No consent with that id.")
    return citizen_id, response


async def _audit(
    request: Request, caller: Caller, citizen_id: str, purpose: str, sections: list[str]
) -> None:
    log: AccessLog = request.app.state.access_log
    await log.append(caller, citizen_id, purpose, sections, request.headers.get("x-request-id"))


@router.post(
    "/citizens",
    operation_id="register_citizen",
    tags=["citizens"],
    status_code=201,
    summary="Register a citizen (CPR validated)",
)
async def register_citizen(request: Request, caller: Authenticated) -> Response:
    _require(caller, "register_citizen")
    return await _forward(request, "plan", "/citizens", caller)


@router.get(
    "/citizens",
    operation_id="find_citizen_by_cpr",
    tags=["citizens"],
    summary="Look up a citizen by CPR (authority roles; always audited)",
)
async def find_citizen(
    request: Request, caller: Authenticated, cpr: Annotated[str, Query(max_length=11)]
) -> Response:
    _require(caller, "lookup_by_cpr")
    response = await _forward(request, "plan", "/citizens", caller, params={"cpr": cpr})
    if response.status_code == 200:
        for found in json.loads(bytes(response.body)):
            await _audit(request, caller, found["citizen_id"], "lookup_by_cpr", ["citizen"])
    return response


@router.post("/plans", operation_id="create_plan", tags=["plans"], status_code=201)
async def create_plan(request: Request, caller: Authenticated) -> Response:
    _require(caller, "create_plan")
    return await _forward(request, "plan", "/plans", caller)


@router.patch(
    "/plans/{plan_id}",
    operation_id="update_plan",
    tags=["plans"],
    summary="Change overview, legal bases, validity or status (If-Match); a new version with history",
)
async def update_plan(plan_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "responsible", f"/plans/{plan_id}")


@router.patch(
    "/plans/{plan_id}/goals/{goal_id}",
    operation_id="update_goal",
    tags=["plans"],
    summary="Record a goal's new status or a score (If-Match); kept as history",
)
async def update_goal(plan_id: str, goal_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "related", f"/plans/{plan_id}/goals/{goal_id}")


@router.post(
    "/plans/{plan_id}/goals/{goal_id}/follow-ups",
    operation_id="add_follow_up",
    tags=["plans"],
    status_code=201,
    summary="A dated follow-up entry by the caller",
)
async def add_follow_up(plan_id: str, goal_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(
        request, plan_id, caller, "related", f"/plans/{plan_id}/goals/{goal_id}/follow-ups"
    )


@router.post(
    "/plans/{plan_id}/goals",
    operation_id="add_goal",
    tags=["plans"],
    status_code=201,
    summary="Add a goal: themes, information category, sub-goal ladder, agreements",
)
async def add_goal(plan_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "related", f"/plans/{plan_id}/goals")


@router.post(
    "/plans/{plan_id}/actors",
    operation_id="add_actor",
    tags=["plans"],
    status_code=201,
    summary="Add a collaboration partner / network-map entry",
)
async def add_actor(plan_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "responsible", f"/plans/{plan_id}/actors")


@router.patch(
    "/plans/{plan_id}/actors/{actor_id}",
    operation_id="update_actor",
    tags=["plans"],
    summary="Change a collaboration partner (If-Match)",
)
async def update_actor(plan_id: str, actor_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "responsible", f"/plans/{plan_id}/actors/{actor_id}")


@router.delete(
    "/plans/{plan_id}/actors/{actor_id}",
    operation_id="remove_actor",
    tags=["plans"],
    summary="Remove a collaboration partner (If-Match)",
)
async def remove_actor(plan_id: str, actor_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "responsible", f"/plans/{plan_id}/actors/{actor_id}")


@router.post(
    "/plans/{plan_id}/child-follow-ups",
    operation_id="add_child_follow_up",
    tags=["plans"],
    status_code=201,
    summary="The § 70 follow-up of a child plan",
)
async def add_child_follow_up(plan_id: str, request: Request, caller: Authenticated) -> Response:
    return await _change_plan(request, plan_id, caller, "responsible", f"/plans/{plan_id}/child-follow-ups")


@router.get(
    "/legal-bases",
    operation_id="list_legal_bases",
    tags=["plans"],
    summary="The maintained list of legal bases",
)
async def legal_bases(request: Request, caller: Authenticated) -> Response:
    return await _forward(request, "plan", "/legal-bases", caller)


@router.get(
    "/plans/{plan_id}",
    operation_id="get_plan",
    tags=["plans"],
    summary="One plan as the caller may see it (consent applies as in the composed view; audited)",
)
async def get_plan(plan_id: str, request: Request, caller: Authenticated) -> JSONResponse:
    found = await single_plan(_upstreams(request), plan_id, caller)
    plan, decision = found["plan"], found["_decision"]
    records = [_audit(request, caller, plan["citizen_id"], "view_plan", ["plan"])]
    if decision is not None and not decision.get("disclosure_id"):
        records.append(_disclose(request, caller, plan["citizen_id"], decision, what="plan"))
    await asyncio.gather(*records)
    headers = {"ETag": found["etag"]} if found["etag"] else {}
    return JSONResponse({**plan, "withheld": found["withheld"]}, headers=headers)


@router.get(
    "/plans/{plan_id}/history",
    operation_id="plan_history",
    tags=["plans"],
    summary="Every version: who, when, what changed (the citizen and the responsible unit)",
)
async def plan_history(plan_id: str, request: Request, caller: Authenticated) -> Response:
    found = await single_plan(_upstreams(request), plan_id, caller)
    if not found["full_access"]:
        raise Problem(
            403,
            "Forbidden",
            "The history holds every category of the plan; only the citizen and the responsible unit read it.",
            kind="forbidden",
        )
    await _audit(request, caller, found["plan"]["citizen_id"], "view_history", ["history"])
    return await _forward(request, "plan", f"/plans/{plan_id}/history", caller)


@router.post("/consents", operation_id="grant_consent", tags=["consents"], status_code=201)
async def grant_consent(request: Request, caller: Authenticated) -> Response:
    _require(caller, "manage_consent")
    return await _forward(request, "consent", "/consents", caller)


@router.get("/consents/{consent_id}", operation_id="get_consent", tags=["consents"])
async def get_consent(consent_id: str, request: Request, caller: Authenticated) -> Response:
    if not caller.has_role("citizen"):
        _require(caller, "manage_consent")
    citizen_id, consent = await _consent_party(request, consent_id, caller)
    await _audit(request, caller, citizen_id, "view_consents", ["consent"])
    return relay_response(consent)


@router.patch(
    "/consents/{consent_id}",
    operation_id="narrow_consent",
    tags=["consents"],
    summary="Narrow a consent to fewer categories or purposes (If-Match)",
)
async def narrow_consent(consent_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "manage_consent")
    await _consent_party(request, consent_id, caller)
    return await _forward(request, "consent", f"/consents/{consent_id}", caller)


@router.post(
    "/consents/{consent_id}/renewal",
    operation_id="renew_consent",
    tags=["consents"],
    summary="Extend a consent's validity (If-Match)",
)
async def renew_consent(consent_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "manage_consent")
    await _consent_party(request, consent_id, caller)
    return await _forward(request, "consent", f"/consents/{consent_id}/renewal", caller)


@router.post(
    "/consents/{consent_id}/revocation",
    operation_id="revoke_consent",
    tags=["consents"],
    summary="Revoke a consent (If-Match); it takes effect on the very next request",
)
async def revoke_consent(consent_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "manage_consent")
    await _consent_party(request, consent_id, caller)
    return await _forward(request, "consent", f"/consents/{consent_id}/revocation", caller)


@router.get("/citizens/{citizen_id}/consents", operation_id="list_consents", tags=["consents"])
async def list_consents(
    citizen_id: str,
    request: Request,
    caller: Authenticated,
    limit: pages.Limit = pages.MAX_LIMIT,
    cursor: pages.Cursor = None,
) -> Response:
    params = _page_params(limit, cursor)
    related = True
    if caller.has_role("citizen"):
        if caller.citizen_id != citizen_id:
            raise Problem(404, "Not found", "No citizen with that id.")
    elif not caller.has_role("admin"):
        _require(caller, "manage_consent")
        decision = await decide(_upstreams(request), citizen_id, caller, "view_plan")
        if decision is None:
            raise Problem(
                503, "Service unavailable", "Consent could not be checked.", headers={"Retry-After": "5"}
            )
        if decision["relation"] != "responsible":  # another unit: the consents it received or registered
            params["unit"] = caller.unit
            related = decision["relation"] != "none"
    response = await _forward(request, "consent", f"/citizens/{citizen_id}/consents", caller, params=params)
    if response.status_code == 200:
        if not related and response.body == b"[]" and not cursor:
            raise Problem(404, "Not found", "No citizen with that id.")
        await _audit(request, caller, citizen_id, "view_consents", ["consents"])
    return response


@router.get(
    "/citizens/{citizen_id}/disclosures",
    operation_id="list_disclosures",
    tags=["consents"],
    summary="Who received what about the citizen, when (the citizen, admin)",
)
async def list_disclosures(
    citizen_id: str,
    request: Request,
    caller: Authenticated,
    limit: pages.Limit = pages.DEFAULT_LIMIT,
    cursor: pages.Cursor = None,
) -> Response:
    if not (caller.has_role("admin") or (caller.has_role("citizen") and caller.citizen_id == citizen_id)):
        raise Problem(404, "Not found", "No citizen with that id.")
    response = await _forward(
        request, "consent", f"/citizens/{citizen_id}/disclosures", caller, params=_page_params(limit, cursor)
    )
    if response.status_code == 200:
        await _audit(request, caller, citizen_id, "view_disclosures", ["disclosures"])
    return response


def _page_params(limit: int, cursor: str | None) -> dict[str, str]:
    return {"limit": str(limit), **({"cursor": cursor} if cursor else {})}


@router.post("/meetings", operation_id="schedule_meeting", tags=["meetings"], status_code=201)
async def schedule_meeting(request: Request, caller: Authenticated) -> Response:
    _require(caller, "schedule_meeting")
    await _may_change_plan(request, await _plan_id_of(request), caller, "related")
    return await _forward(request, "meetings", "/meetings", caller)


@router.get(
    "/deadlines/outreach",
    operation_id="outreach_deadlines",
    tags=["deadlines"],
    summary="The outreach workflow's deadlines in Danish working days, from the milestones given",
)
async def outreach_deadlines(request: Request, caller: Authenticated) -> Response:
    _require(caller, "schedule_meeting")
    return await _forward(
        request, "meetings", "/deadlines/outreach", caller, params=dict(request.query_params)
    )


@router.get(
    "/meetings/{meeting_id}",
    operation_id="get_meeting",
    tags=["meetings"],
    summary="One meeting as the caller may see it (the citizen, the coordinator, the responsible unit, an "
    "invited unit, a unit with consent to see the plan; audited)",
)
async def get_meeting(meeting_id: str, request: Request, caller: Authenticated) -> JSONResponse:
    found = await single_meeting(_upstreams(request), meeting_id, caller)
    meeting = found["meeting"]
    sections = ["meeting", *(["minutes"] if meeting.get("minutes") else [])]
    await _audit(request, caller, found["citizen_id"], "view_meeting", sections)
    headers = {"ETag": found["etag"]} if found["etag"] else {}
    return JSONResponse({**meeting, "withheld": found["withheld"]}, headers=headers)


@router.patch(
    "/meetings/{meeting_id}",
    operation_id="update_meeting",
    tags=["meetings"],
    summary="Reschedule, move, cancel (status: cancelled) or name the minute-taker (If-Match)",
)
async def update_meeting(meeting_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "schedule_meeting")
    await _meeting_party(request, meeting_id, caller, manage=True)
    return await _forward(request, "meetings", f"/meetings/{meeting_id}", caller)


@router.post(
    "/meetings/{meeting_id}/participants/{participant_id}/response",
    operation_id="respond_to_invitation",
    tags=["meetings"],
    summary="Accept, decline (with apologies) or answer tentatively",
)
async def respond_to_invitation(
    meeting_id: str, participant_id: str, request: Request, caller: Authenticated
) -> Response:
    _require(caller, "take_part")
    await _meeting_party(request, meeting_id, caller, manage=False)
    return await _forward(
        request, "meetings", f"/meetings/{meeting_id}/participants/{participant_id}/response", caller
    )


@router.post(
    "/meetings/{meeting_id}/agenda-items",
    operation_id="add_agenda_item",
    tags=["meetings"],
    status_code=201,
    summary="A participant adds an item (closed 4 working days before the meeting)",
)
async def add_agenda_item(meeting_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "take_part")
    await _meeting_party(request, meeting_id, caller, manage=False)
    return await _forward(request, "meetings", f"/meetings/{meeting_id}/agenda-items", caller)


@router.put(
    "/meetings/{meeting_id}/minutes",
    operation_id="put_minutes",
    tags=["minutes"],
    summary="Attendance, decisions, tasks (who, what, due) (If-Match)",
)
async def put_minutes(meeting_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "write_minutes")
    await _meeting_party(request, meeting_id, caller, manage=True)
    return await _forward(request, "meetings", f"/meetings/{meeting_id}/minutes", caller)


@router.post(
    "/meetings/{meeting_id}/minutes/publication",
    operation_id="publish_minutes",
    tags=["minutes"],
    summary="Publish the minutes to the participants permitted to receive them (If-Match)",
)
async def publish_minutes(meeting_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "write_minutes")
    await _meeting_party(request, meeting_id, caller, manage=True)
    return await _forward(request, "meetings", f"/meetings/{meeting_id}/minutes/publication", caller)


@router.post(
    "/meetings/{meeting_id}/tasks/{task_id}/completion", operation_id="complete_task", tags=["minutes"]
)
async def complete_task(meeting_id: str, task_id: str, request: Request, caller: Authenticated) -> Response:
    _require(caller, "schedule_meeting")
    await _meeting_party(request, meeting_id, caller, manage=False)
    return await _forward(request, "meetings", f"/meetings/{meeting_id}/tasks/{task_id}/completion", caller)


@router.get(
    "/meetings/{meeting_id}/invitation.ics",
    operation_id="get_invitation_ics",
    tags=["meetings"],
    summary="The invitation as iCalendar (same UID on updates, SEQUENCE raised)",
)
async def invitation_ics(meeting_id: str, request: Request, caller: Authenticated) -> Response:
    found = await single_meeting(_upstreams(request), meeting_id, caller)  # the same access as the meeting
    response = await _forward(request, "meetings", f"/meetings/{meeting_id}/invitation.ics", caller)
    if response.status_code == 200:
        await _audit(request, caller, found["citizen_id"], "export_calendar", ["meeting"])
    return response


@router.get(
    "/citizens/{citizen_id}/plan-view",
    operation_id="get_plan_view",
    tags=["view"],
    summary="The single composed view of the citizen's plan, as the caller may see it",
)
async def plan_view(citizen_id: str, request: Request, caller: Authenticated) -> JSONResponse:
    began = time.perf_counter()
    view: dict[str, Any] = await compose(_upstreams(request), citizen_id, caller)
    composed = time.perf_counter()
    sections = ["citizen", "plans", "meetings", "consent_summary"]
    decision = view.pop("_decision", None)
    upstream_timings = view.pop("_timings", {})
    # Both records are written before the response leaves; they are independent, so at the same time.
    records = [_audit(request, caller, citizen_id, "view_plan", [s for s in sections if view.get(s)])]
    if decision is not None and not decision.get("disclosure_id"):
        # data left on another unit's consent and the consent service did not record it with its answer
        records.append(_disclose(request, caller, citizen_id, decision))
    await asyncio.gather(*records)
    recorded = time.perf_counter()
    # Server-Timing (W3C) tells an operator where the time went: fetching and composing, then the records.
    timing = ", ".join(
        [
            f"compose;dur={(composed - began) * 1000:.1f}",
            *(f"{name};dur={ms:.1f}" for name, ms in upstream_timings.items()),
            f"record;dur={(recorded - composed) * 1000:.1f}",
        ]
    )
    return JSONResponse(view, headers={"Server-Timing": timing})


async def _disclose(
    request: Request, caller: Caller, citizen_id: str, decision: dict[str, Any], what: str = "plan_view"
) -> None:
    body = {
        "citizen_id": citizen_id,
        "unit": caller.unit,
        "purpose": "view_plan",
        "categories": decision["categories"],
        "consent_ids": decision["consent_ids"],
        "what": what,
    }
    try:
        response = await _upstreams(request).request("consent", "POST", "/disclosures", caller, json=body)
    except UpstreamUnavailableError as exc:
        raise Problem(
            503,
            "Service unavailable",
            "The disclosure could not be recorded; nothing was sent.",
            headers={"Retry-After": "5"},
        ) from exc
    if response.status_code != 201:
        raise Problem(503, "Service unavailable", "The disclosure could not be recorded; nothing was sent.")


@router.get(
    "/citizens/{citizen_id}/access-log",
    operation_id="get_access_log",
    tags=["access log"],
    summary="Who read this citizen's data, when, what and why (the citizen; admin also sees the person)",
)
async def access_log(
    citizen_id: str,
    request: Request,
    caller: Authenticated,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_seq: Annotated[int | None, Query(ge=1, description="page: entries older than this one")] = None,
) -> JSONResponse:
    relation: Relation = "self" if caller.citizen_id == citizen_id else "none"
    outcome = authz.decide("read_access_log", caller, relation)
    if outcome == "not_found":
        raise Problem(404, "Not found", "No citizen with that id.")
    if outcome != "allow":
        raise Problem(
            403, "Forbidden", "Only the citizen and administrators read the access log.", kind="forbidden"
        )
    log: AccessLog = request.app.state.access_log
    entries = await log.read(citizen_id, limit, before_seq)
    admin = caller.has_role("admin")
    items = [
        {
            "seq": e["seq"],
            "at": e["at"].isoformat(),
            "unit": e["unit"],
            "purpose": e["purpose"],
            "sections": e["sections"],
            **({"sub": e["sub"], "name": e["name"], "request_id": e["request_id"]} if admin else {}),
        }
        for e in entries
    ]
    next_page = items[-1]["seq"] if len(items) == limit else None
    return JSONResponse({"items": items, "next_before_seq": next_page})


@router.get("/healthz", operation_id="gateway_healthz", tags=["health"])
async def healthz() -> dict[str, str]:
    return {"status": "ok", "service": "gateway"}


@router.get("/readyz", operation_id="gateway_readyz", tags=["health"])
async def readyz(request: Request) -> JSONResponse:
    checks = await request.app.state.runtime.ready()
    ok = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )
