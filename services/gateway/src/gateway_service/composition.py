"""What the gateway composes: the citizen's plan view, and one plan or meeting as the caller may see it.

The facts come from the owning services: the plan service's citizen and plans, the meetings service's meetings with
their tasks and deadlines (overdue computed there, in Danish working days), and the consent service's live decision
with the consents the caller may see. The gateway only decides what this caller may see (``gateway_service.policy``)
and leaves the rest out, saying so in ``withheld``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, InternalResponse, UnavailableError, path
from borgerplan_plumbing.problems import Problem
from borgerplan_rules.relations import PlanFacts
from borgerplan_rules.relations import relation as relation_of
from gateway_service import facts as facts_of
from gateway_service import policy

Doc = dict[str, Any]


def consent_missing(detail: str) -> Problem:
    return Problem(403, "Consent missing", detail, kind="consent-missing")


def consent_unavailable() -> Problem:
    return Problem(
        503,
        "Service unavailable",
        "Consent could not be checked, so nothing beyond your own unit's data is shown.",
        kind="consent-unavailable",
        headers={"Retry-After": "2"},
    )


async def decision(
    client: InternalClient,
    caller: Caller,
    citizen_id: str,
    purpose: str,
    *,
    disclose: str | None = None,
    include_consents: bool = False,
) -> Doc | None:
    """The consent service's live answer for the caller's unit; ``None`` when it cannot answer (fail closed)."""
    try:
        response = await _decide(client, caller, citizen_id, purpose, disclose, include_consents)
    except UnavailableError:
        return None
    return response.json() if response.status_code == 200 else None


def _decide(
    client: InternalClient,
    caller: Caller,
    citizen_id: str,
    purpose: str,
    disclose: str | None,
    include_consents: bool,
) -> Awaitable[InternalResponse]:
    body = {
        "citizen_id": citizen_id,
        "unit": caller.unit,
        "unit_kind": caller.unit_kind,
        "purpose": purpose,
        "disclose": disclose,
        "include_consents": include_consents,
    }
    return client.post("consent", "/decisions", caller, json=body)


@dataclass
class Permission:
    """What this caller may see of the citizen: everything (``categories`` None) or these categories."""

    categories: set[str] | None
    decision: Doc | None = None  # the permit it rests on, for the disclosure record

    @property
    def full(self) -> bool:
        return self.categories is None


def permission(verdict: policy.Verdict, decided: Doc | None, what: str) -> Permission:
    """From the policy's verdict and, for another unit, the consent service's decision."""
    if verdict == "allow":
        return Permission(None)
    if verdict == "not_found":
        raise facts_of.not_found(what)
    if verdict == "forbidden":
        raise Problem(403, "Forbidden", "You may not see this.", kind="forbidden")
    if decided is None:
        raise consent_unavailable()
    if decided["relation"] == "none":
        raise facts_of.not_found(what)
    if not decided["permit"]:
        raise consent_missing("The citizen has not consented to your unit seeing this.")
    return Permission(set(decided["categories"]), decided)


def filter_plan(plan: Doc, permitted: set[str] | None, withheld: list[Doc]) -> Doc:
    """The plan with the goals of categories the caller may not see left out (and said so in ``withheld``)."""
    goals = []
    for goal in plan.get("goals", []):
        category = goal.get("category", "general")
        if permitted is None or category in permitted:
            goals.append(goal)
        else:
            withheld.append(
                {
                    "section": f"plans.{plan['plan_id']}.goals.{goal['goal_id']}",
                    "category": category,
                    "reason": "no_consent_for_category",
                }
            )
    return {**plan, "goals": goals}


def filter_minutes(meeting: Doc, caller: Caller, full: bool, withheld: list[Doc]) -> Doc:
    """The responsible unit and the coordinator see draft minutes too; the citizen the published ones; another
    unit published minutes only if they were sent to it (the meetings service asked consent for that)."""
    minutes = meeting.get("minutes")
    if not minutes or full:
        return meeting
    published = bool(minutes.get("published_at"))
    own = {p["participant_id"] for p in meeting.get("participants", []) if p.get("unit") == caller.unit}
    received = published and (caller.has_role("citizen") or bool(own & set(minutes.get("recipients", []))))
    if received:
        return meeting
    reason = "not_published" if not published else "no_consent_to_receive_minutes"
    withheld.append({"section": f"meetings.{meeting['meeting_id']}.minutes", "reason": reason})
    return {**meeting, "minutes": None}


@dataclass
class View:
    body: Doc
    permission: Permission
    timings: dict[str, float] = field(default_factory=dict)


async def _json(call: Awaitable[InternalResponse], timings: dict[str, float], name: str) -> Any:
    """A part's answer: its JSON, "not_found", or None when it could not be fetched."""
    try:
        response = await call
    except UnavailableError:
        return None
    timings[name] = response.elapsed_ms
    if response.status_code == 404:
        return "not_found"
    return response.json() if response.status_code == 200 else None


async def compose(client: InternalClient, caller: Caller, citizen_id: str) -> View:
    is_citizen = caller.has_role("citizen")
    if is_citizen and caller.citizen_id != citizen_id:
        raise facts_of.not_found("citizen")
    timings: dict[str, float] = {}
    consent_call = (
        client.get("consent", path("/citizens/{}/consents", citizen_id), caller)
        if is_citizen
        # the decision with the consents the caller may see, the disclosure recorded with the answer
        else _decide(client, caller, citizen_id, "view_plan", "plan_view", True)
    )
    # The consent call first: its answer takes the longest (a read, then the disclosure written), so it leaves
    # before the other two take the CPU.
    consent, bundle, meetings = await asyncio.gather(
        _json(consent_call, timings, "consent"),
        _json(client.get("plan", path("/citizens/{}/plans", citizen_id), caller), timings, "plan"),
        _json(client.get("meetings", path("/citizens/{}/meetings", citizen_id), caller), timings, "meetings"),
    )
    if bundle == "not_found":
        raise facts_of.not_found("citizen")
    if bundle is None:
        raise facts_of.unavailable("plan")
    plans = [p for p in bundle["plans"] if p["status"] != "closed"]
    decided = None if is_citizen or not isinstance(consent, dict) else consent
    relation = relation_of(
        caller.unit, caller.unit_kind, [PlanFacts.of(p) for p in plans], citizen=is_citizen
    )
    if relation == "none" and decided is not None and decided.get("relation") == "actor":
        relation = "actor"  # a unit the citizen gave consent to, not (yet) on a plan's network map
    allowed = permission(
        policy.decide("read_plan", caller, policy.Facts(relation=relation)), decided, "citizen"
    )
    permitted = allowed.categories

    withheld: list[Doc] = []
    shown_plans = [filter_plan(plan, permitted, withheld) for plan in plans]
    shown_meetings: list[Doc] = []
    tasks: list[Doc] = []
    deadlines: list[Doc] = []
    if isinstance(meetings, dict):
        if permitted is not None and "general" not in permitted:
            withheld.append(
                {"section": "meetings", "category": "general", "reason": "no_consent_for_category"}
            )
        else:
            full = allowed.full and not is_citizen
            shown_meetings = [filter_minutes(m, caller, full, withheld) for m in meetings["meetings"]]
            visible = {m["meeting_id"] for m in shown_meetings if m.get("minutes")}
            tasks = [t for t in meetings["tasks"] if t["meeting_id"] in visible]
            deadlines = meetings["deadlines"]
    if is_citizen:
        consents = consent if isinstance(consent, list) else None
    else:
        consents = decided.get("consents") if decided is not None else None
    if consents is not None and permitted is not None:
        consents = [c for c in consents if c.get("grantee_unit") == caller.unit]
    degraded = [name for name, part in (("meetings", meetings), ("consents", consents)) if part is None]
    body = {
        "citizen": bundle["citizen"],
        "plans": shown_plans,
        "meetings": shown_meetings,
        "tasks": tasks,
        "deadlines": deadlines,
        "consent_summary": [_summary(c) for c in consents or []],
        "withheld": withheld,
        "degraded": degraded,
    }
    return View(body, allowed, timings)


SUMMARY_FIELDS = (
    "consent_id",
    "grantee_unit",
    "categories",
    "purposes",
    "status",
    "valid_from",
    "valid_until",
)


def _summary(consent: Doc) -> Doc:
    return {k: consent.get(k) for k in SUMMARY_FIELDS}


async def one_plan(
    client: InternalClient, caller: Caller, plan_id: str
) -> tuple[Doc, Permission, str | None]:
    """One plan as the caller may see it, the permission it rests on, and its ETag."""
    found = await facts_of.about_plan(client, caller, plan_id)
    verdict = policy.decide("read_plan", caller, found.facts)
    decided = None
    if verdict == "allow_with_consent":
        decided = await decision(client, caller, found.citizen_id, "view_plan", disclose="plan")
    allowed = permission(verdict, decided, "plan")
    withheld: list[Doc] = []
    shown = filter_plan(found.doc, allowed.categories, withheld)
    etag = found.response.headers.get("etag") if found.response else None
    return {**shown, "withheld": withheld}, allowed, etag


async def one_meeting(client: InternalClient, caller: Caller, meeting_id: str) -> tuple[Doc, str, str | None]:
    """One meeting as the caller may see it: invited units while their consent to be invited stands, other
    related units with consent to see the plan's general part. Returns the meeting, its citizen and its ETag."""
    found = await facts_of.about_meeting(client, caller, meeting_id)
    verdict = policy.decide("read_meeting", caller, found.facts)
    if verdict == "allow_with_consent":
        invited = found.facts.meeting_participant
        decided = await decision(
            client, caller, found.citizen_id, "meeting_invitation" if invited else "view_plan"
        )
        allowed = permission(verdict, decided, "meeting")
        if not invited and "general" not in (allowed.categories or set()):
            raise consent_missing("The citizen has not consented to your unit seeing this meeting.")
    else:
        permission(verdict, None, "meeting")
    withheld: list[Doc] = []
    full = verdict == "allow" and not caller.has_role("citizen")
    shown = filter_minutes(found.doc, caller, full, withheld)
    etag = found.response.headers.get("etag") if found.response else None
    return {**shown, "withheld": withheld}, found.citizen_id, etag
