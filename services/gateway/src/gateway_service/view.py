"""The single composed view of a citizen's plan, as one caller may see it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.problems import Problem
from gateway_service.upstream import (
    UpstreamResponse,
    Upstreams,
    UpstreamUnavailableError,
    fetch_one,
    unavailable,
)

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


async def _get(
    upstreams: Upstreams, service: str, path: str, caller: Caller, **kwargs: Any
) -> UpstreamResponse:
    return await upstreams.request(service, "GET", path, caller, **kwargs)


async def fetch_parts(
    upstreams: Upstreams, citizen_id: str, caller: Caller, purpose: str = "view_plan"
) -> dict[str, Any]:
    """Fetch the citizen with their plans, the meetings and the consent decision with the consents the caller
    may see, in parallel; a part that fails is ``None`` (``"not_found"`` for an unknown citizen).

    A citizen reading their own plan needs no decision; their consents come from the list instead.
    """
    is_citizen = caller.has_role("citizen")
    calls = {
        "bundle": _get(upstreams, "plan", f"/citizens/{citizen_id}/plans", caller),
        "meetings": _get(upstreams, "meetings", "/meetings", caller, params={"citizen_id": citizen_id}),
        "consent": (
            _get(upstreams, "consent", f"/citizens/{citizen_id}/consents", caller)
            if is_citizen
            # the decision with the consents the caller may see, the disclosure recorded with the answer
            else _decision(
                upstreams, citizen_id, caller, purpose, include_consents=True, disclose="plan_view"
            )
        ),
    }
    results = await asyncio.gather(*calls.values(), return_exceptions=True)
    answers: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for name, result in zip(calls, results, strict=True):
        if isinstance(result, UpstreamResponse):
            timings[name] = result.elapsed_ms
        if isinstance(result, UpstreamResponse) and result.status_code == 200:
            answers[name] = result.json()
        elif isinstance(result, UpstreamResponse) and result.status_code == 404:
            answers[name] = "not_found"
        else:
            answers[name] = None
    bundle, consent = answers["bundle"], answers["consent"]
    parts: dict[str, Any] = {
        "citizen": bundle if bundle in (None, "not_found") else bundle["citizen"],
        "plans": None if bundle in (None, "not_found") else bundle["plans"],
        "meetings": answers["meetings"],
        "decision": None,
        "timings": timings,
    }
    if is_citizen:
        parts["consents"] = consent if isinstance(consent, list) else None
    else:
        parts["decision"] = consent if isinstance(consent, dict) else None
        parts["consents"] = None if parts["decision"] is None else parts["decision"].get("consents")
    return parts


def _decision(
    upstreams: Upstreams, citizen_id: str, caller: Caller, purpose: str, **options: Any
) -> Coroutine[Any, Any, UpstreamResponse]:
    """The consent service's ``POST /decisions`` for the caller's unit (``options``: ``disclose``,
    ``include_consents``)."""
    body = {"citizen_id": citizen_id, "unit": caller.unit, "purpose": purpose, **options}
    return upstreams.request("consent", "POST", "/decisions", caller, json=body)


async def decide(
    upstreams: Upstreams, citizen_id: str, caller: Caller, purpose: str, disclose: str | None = None
) -> dict[str, Any] | None:
    """The consent service's live answer; ``None`` when it cannot answer (the caller then fails closed)."""
    try:
        response = await _decision(upstreams, citizen_id, caller, purpose, disclose=disclose)
    except UpstreamUnavailableError:
        return None
    if response.status_code != 200:
        return None
    decision: dict[str, Any] = response.json()
    return decision


async def compose(upstreams: Upstreams, citizen_id: str, caller: Caller) -> dict[str, Any]:
    is_citizen = caller.has_role("citizen")
    if is_citizen and caller.citizen_id != citizen_id:
        raise Problem(404, "Not found", "No citizen with that id.")
    parts = await fetch_parts(upstreams, citizen_id, caller)
    decision = parts["decision"]
    if parts["citizen"] == "not_found":
        raise Problem(404, "Not found", "No citizen with that id.")
    if parts["citizen"] is None or parts["plans"] is None:
        raise unavailable("plan")
    plans: list[dict[str, Any]] = [p for p in parts["plans"] if p["status"] != "closed"]
    responsible = is_responsible(plans, caller)
    degraded = [name for name in ("meetings", "consents") if parts[name] is None]
    withheld: list[dict[str, str]] = []
    permitted = permitted_categories(caller, is_citizen or responsible, decision)
    view_plans = [filter_plan(plan, permitted, withheld) for plan in plans]

    meetings = parts["meetings"] or []
    if permitted is not None and "general" not in permitted:
        withheld.append({"section": "meetings", "category": "general", "reason": "no_consent_for_category"})
        meetings = []
    meetings, tasks, deadlines = meeting_sections(
        meetings, caller, full_access=responsible, withheld=withheld
    )
    consents = parts["consents"] or []
    if permitted is not None:
        consents = [c for c in consents if c.get("grantee_unit") == caller.unit]

    return {
        "citizen": parts["citizen"],
        "plans": view_plans,
        "meetings": meetings,
        "tasks": tasks,
        "deadlines": deadlines,
        "consent_summary": [
            {
                k: c.get(k)
                for k in (
                    "consent_id",
                    "grantee_unit",
                    "categories",
                    "purposes",
                    "status",
                    "valid_from",
                    "valid_until",
                )
            }
            for c in consents
        ],
        "withheld": withheld,
        "degraded": degraded,
        # For the gateway's disclosure record (removed before the response): the permit the view was built on.
        "_decision": decision if permitted is not None else None,
        "_timings": parts["timings"],
    }


def is_responsible(plans: list[dict[str, Any]], caller: Caller) -> bool:
    """The caller's unit is the responsible authority of one of the citizen's current plans."""
    return caller.unit_kind == "authority" and any(
        p["responsible_unit"] == caller.unit and p["status"] != "closed" for p in plans
    )


def permitted_categories(
    caller: Caller, full_access: bool, decision: dict[str, Any] | None
) -> set[str] | None:
    """The information categories the caller may see (``None``: everything), or the refusal as a problem."""
    if full_access:
        return None
    if decision is None:
        raise Problem(
            503,
            "Service unavailable",
            "Consent could not be checked, so nothing beyond your own unit's data is shown.",
            kind="consent-unavailable",
            headers={"Retry-After": "5"},
        )
    if decision["relation"] == "none":
        raise Problem(404, "Not found", "No citizen with that id.")
    if not decision["permit"]:
        raise Problem(
            403,
            "Consent missing",
            "The citizen has not consented to your unit seeing the plan.",
            kind="consent-missing",
        )
    return set(decision["categories"])


def filter_plan(
    plan: dict[str, Any], permitted: set[str] | None, withheld: list[dict[str, str]]
) -> dict[str, Any]:
    """The plan with the goals of categories the caller may not see left out (and said so in ``withheld``)."""
    goals = []
    for goal in plan.get("goals", []):
        if permitted is None or goal.get("category", "general") in permitted:
            goals.append(goal)
        else:
            withheld.append(
                {
                    "section": f"plans.{plan['plan_id']}.goals.{goal['goal_id']}",
                    "category": goal.get("category", "general"),
                    "reason": "no_consent_for_category",
                }
            )
    return {**plan, "goals": goals}


async def single_plan(upstreams: Upstreams, plan_id: str, caller: Caller) -> dict[str, Any]:
    """One plan as the caller may see it (``GET /plans/{id}``), with ``withheld`` and the consent decision."""
    response = await fetch_one(upstreams, "plan", f"/plans/{plan_id}", caller, "plan")
    plan: dict[str, Any] = response.json()
    citizen_id = plan["citizen_id"]
    if caller.has_role("citizen"):
        if caller.citizen_id != citizen_id:
            raise Problem(404, "Not found", "No plan with that id.")
        full, decision = True, None
    else:
        full = caller.unit_kind == "authority" and plan["responsible_unit"] == caller.unit
        decision = None if full else await decide(upstreams, citizen_id, caller, "view_plan", "plan")
    try:
        permitted = permitted_categories(caller, full, decision)
    except Problem as problem:
        if problem.status == 404:
            raise Problem(404, "Not found", "No plan with that id.") from problem
        raise
    withheld: list[dict[str, str]] = []
    shown = filter_plan(plan, permitted, withheld)
    return {
        "plan": shown,
        "withheld": withheld,
        "full_access": permitted is None,
        "etag": response.headers.get("etag"),
        "_decision": decision if permitted is not None else None,
    }


async def single_meeting(upstreams: Upstreams, meeting_id: str, caller: Caller) -> dict[str, Any]:
    """One meeting as the caller may see it: the citizen, the coordinating and the responsible unit, a unit
    invited to it (while its consent to be invited stands), or a unit the citizen let see the plan. Anyone else
    gets 404; minutes follow the composed view's rule."""
    response = await fetch_one(upstreams, "meetings", f"/meetings/{meeting_id}", caller, "meeting")
    meeting: dict[str, Any] = response.json()
    citizen_id = meeting["citizen_id"]
    if caller.has_role("citizen"):
        if caller.citizen_id != citizen_id:
            raise Problem(404, "Not found", "No meeting with that id.")
        full = False
    elif caller.unit == meeting["coordinator_unit"]:
        full = True
    else:
        invited = any(p.get("unit") == caller.unit for p in meeting.get("participants", []))
        decision = await decide(
            upstreams, citizen_id, caller, "meeting_invitation" if invited else "view_plan"
        )
        if decision is None:
            raise Problem(
                503,
                "Service unavailable",
                "Consent could not be checked, so the meeting is not shown.",
                kind="consent-unavailable",
                headers={"Retry-After": "5"},
            )
        full = decision["relation"] == "responsible"
        if not full:
            if decision["relation"] == "none":
                raise Problem(404, "Not found", "No meeting with that id.")
            if not decision["permit"] or (not invited and "general" not in decision["categories"]):
                raise Problem(
                    403,
                    "Consent missing",
                    "The citizen has not consented to your unit seeing this meeting.",
                    kind="consent-missing",
                )
    withheld: list[dict[str, str]] = []
    [shown], _, _ = meeting_sections([meeting], caller, full_access=full, withheld=withheld)
    return {
        "meeting": shown,
        "withheld": withheld,
        "etag": response.headers.get("etag"),
        "citizen_id": citizen_id,
    }


def meeting_sections(
    meetings: list[dict[str, Any]], caller: Caller, *, full_access: bool, withheld: list[dict[str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Meetings with the minutes this caller may receive; open and overdue tasks; deadlines with overdue flags.

    The responsible unit sees minutes in draft too; the citizen sees published minutes; any other unit sees
    published minutes only if they were sent to it (the meetings service asked consent for receive_minutes).
    """
    today = datetime.now(COPENHAGEN).date().isoformat()
    shown: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    deadlines: list[dict[str, Any]] = []
    for original in meetings:
        meeting = dict(original)
        minutes = meeting.get("minutes")
        published = bool(minutes and minutes.get("published_at"))
        if minutes and not full_access:
            own = {
                p["participant_id"] for p in meeting.get("participants", []) if p.get("unit") == caller.unit
            }
            received = published and (
                caller.has_role("citizen") or bool(own & set(minutes.get("recipients", [])))
            )
            if not received:
                meeting["minutes"] = None
                reason = "not_published" if not published else "no_consent_to_receive_minutes"
                withheld.append({"section": f"meetings.{meeting['meeting_id']}.minutes", "reason": reason})
        if meeting.get("minutes") and published:
            for task in meeting["minutes"].get("tasks", []):
                if not task.get("completed_on"):
                    tasks.append(
                        {**task, "meeting_id": meeting["meeting_id"], "overdue": task["due"] < today}
                    )
        if meeting.get("status") == "scheduled":
            if not published:
                deadlines.append(
                    {
                        "kind": "minutes_due",
                        "meeting_id": meeting["meeting_id"],
                        "due": meeting["minutes_due_on"],
                        "overdue": meeting["minutes_due_on"] < today,
                    }
                )
            if meeting["agenda_closes_on"] >= today:
                deadlines.append(
                    {
                        "kind": "agenda_closes",
                        "meeting_id": meeting["meeting_id"],
                        "due": meeting["agenda_closes_on"],
                        "overdue": False,
                    }
                )
        shown.append(meeting)
    deadlines.sort(key=lambda d: d["due"])
    tasks.sort(key=lambda t: t["due"])
    return shown, tasks, deadlines
