"""What the gateway composes: the citizen's plan view, one plan or meeting as the caller may see it, and the preview
of what a unit would see with a consent.

The facts come from the owning services: the plan service's citizen and plans, the meetings service's meetings with
their tasks and deadlines (overdue computed there, in Danish working days), and the consent service's consents. What
the caller may see is the one answer, ``borgerplan_rules.access``; the policy (``gateway_service.policy``) says
which actions that answer allows, and the rest is left out, said so in ``withheld``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from borgerplan_api.consent import Decision, DecisionPreview, PreviewRequest
from borgerplan_plumbing import access as owners
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, InternalResponse, UnavailableError, path
from borgerplan_plumbing.problems import Problem
from borgerplan_rules import access as rules
from borgerplan_rules.access import Access, CitizenFacts, ConsentFacts, Disclosure, PlanFacts
from borgerplan_rules.workdays import today
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


NOT_CONSENTED = "The citizen has not consented to your unit seeing this."


def refused(verdict: policy.Verdict, what: str) -> Problem:
    if verdict == "not_found":
        return facts_of.not_found(what)
    return Problem(403, "Forbidden", "You may not see this.", kind="forbidden")


def permission(verdict: policy.Verdict, seen: Access, what: str, missing: str = NOT_CONSENTED) -> Access:
    """The caller's access, when the policy's verdict lets it read; else the refusal (404 for a stranger, 503 when
    the consents could not be read, 403 without a consent)."""
    if verdict in ("not_found", "forbidden"):
        raise refused(verdict, what)
    if verdict == "allow":
        return seen
    if seen.unknown:
        raise consent_unavailable()
    if seen.relation == "none":
        raise facts_of.not_found(what)
    if not seen.permit:
        raise consent_missing(missing)
    return seen


def filter_plan(plan: Doc, seen: Access, withheld: list[Doc]) -> Doc:
    """The plan with the goals of categories the caller may not see left out (and said so in ``withheld``)."""
    goals = []
    for goal in plan.get("goals", []):
        category = goal.get("category", "general")
        if seen.may_see(category):
            goals.append(goal)
        else:
            withheld.append(
                {
                    "section": f"plans.{plan['plan_id']}.goals.{goal['goal_id']}",
                    "category": category,
                    "reason": "no_consent_for_category",
                }
            )
    if seen.full or not plan.get("change_requests"):
        return {**plan, "goals": goals}
    # The citizen's requests may be about any part of the plan: only the citizen and the responsible unit see them.
    withheld.append(
        {"section": f"plans.{plan['plan_id']}.change_requests", "reason": "citizen_and_responsible"}
    )
    return {**plan, "goals": goals, "change_requests": []}


def filter_preparation(meeting: Doc, caller: Caller, full: bool, withheld: list[Doc]) -> Doc:
    """The citizen's preparation sheet: the citizen and whoever manages the meeting see it, no unit on consent."""
    if full or caller.has_role("citizen") or not meeting.get("preparation"):
        return meeting
    withheld.append(
        {"section": f"meetings.{meeting['meeting_id']}.preparation", "reason": "citizen_and_responsible"}
    )
    return {**meeting, "preparation": None}


def filter_minutes(meeting: Doc, caller: Caller, full: bool, withheld: list[Doc]) -> Doc:
    """The meeting with its minutes left out when the reader may not see them (``rules.minutes_withheld``)."""
    reason = rules.minutes_withheld(meeting, caller.unit, full=full, citizen=caller.has_role("citizen"))
    if reason is None:
        return meeting
    withheld.append({"section": f"meetings.{meeting['meeting_id']}.minutes", "reason": reason})
    return {**meeting, "minutes": None}


@dataclass
class View:
    body: Doc
    access: Access
    timings: dict[str, float] = field(default_factory=dict)
    recorded: asyncio.Future[None] | None = (
        None  # the disclosure being written, when the view leaves on consent
    )


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


Disclose = Callable[[Disclosure], Awaitable[None]]


async def compose(client: InternalClient, caller: Caller, citizen_id: str, disclose: Disclose) -> View:
    """The view, with ``disclose`` started as soon as the answer is known (the plans and the consents are in): the
    disclosure is then written while the meetings' answer is still on its way. The caller awaits ``View.recorded``
    before the view leaves."""
    is_citizen = caller.has_role("citizen")
    if is_citizen and caller.citizen_id != citizen_id:
        raise facts_of.not_found("citizen")
    timings: dict[str, float] = {}
    # Three calls side by side: the citizen with their plans (which are also the plan facts), the meetings, the
    # consents (the consent facts, and the summary shown).
    meetings_call = asyncio.ensure_future(
        _json(client.get("meetings", path("/citizens/{}/meetings", citizen_id), caller), timings, "meetings")
    )
    try:
        consents, bundle = await asyncio.gather(
            owners.consent_refs(client, caller, citizen_id, timings),
            _json(client.get("plan", path("/citizens/{}/plans", citizen_id), caller), timings, "plan"),
        )
        if bundle == "not_found":
            raise facts_of.not_found("citizen")
        if bundle is None:
            raise facts_of.unavailable("plan")
        facts = CitizenFacts(citizen_id, tuple(PlanFacts.of(p) for p in bundle["plans"]), consents)
        seen = facts_of.access_of(caller, "view_plan", facts)
        seen = permission(
            policy.decide("read_plan", caller, policy.Facts(relation=seen.relation)), seen, "citizen"
        )
    except BaseException:
        meetings_call.cancel()
        raise
    disclosure = Disclosure.of(seen, citizen_id, caller.unit, "view_plan", "plan_view")
    recorded = asyncio.ensure_future(disclose(disclosure)) if disclosure else None
    meetings = await meetings_call

    withheld: list[Doc] = []
    plans = [p for p in bundle["plans"] if p["status"] != rules.CLOSED]
    shown_plans = [filter_plan(plan, seen, withheld) for plan in plans]
    shown_meetings: list[Doc] = []
    tasks: list[Doc] = []
    deadlines: list[Doc] = []
    if isinstance(meetings, dict):
        if not seen.may_see("general"):
            withheld.append(
                {"section": "meetings", "category": "general", "reason": "no_consent_for_category"}
            )
        else:
            full = seen.full and not is_citizen
            shown_meetings = [
                filter_preparation(filter_minutes(m, caller, full, withheld), caller, full, withheld)
                for m in meetings["meetings"]
            ]
            visible = {m["meeting_id"] for m in shown_meetings if m.get("minutes")}
            tasks = [t for t in meetings["tasks"] if t["meeting_id"] in visible]
            deadlines = meetings["deadlines"]
    shown = None if consents is None else rules.consents_shown(caller.unit, seen, consents)
    degraded = [name for name, part in (("meetings", meetings), ("consents", shown)) if part is None]
    body = {
        "citizen": bundle["citizen"],
        "plans": shown_plans,
        "meetings": shown_meetings,
        "tasks": tasks,
        "deadlines": deadlines,
        "consent_summary": [_summary(c) for c in shown or []],
        "withheld": withheld,
        "degraded": degraded,
    }
    return View(body, seen, timings, recorded)


def _summary(consent: ConsentFacts) -> Doc:
    return {
        "consent_id": consent.consent_id,
        "grantee_unit": consent.grantee_unit,
        "categories": list(consent.categories),
        "purposes": list(consent.purposes),
        "status": consent.status,
        "valid_from": consent.valid_from.isoformat(),
        "valid_until": consent.valid_until.isoformat() if consent.valid_until else None,
    }


async def one_plan(client: InternalClient, caller: Caller, plan_id: str) -> tuple[Doc, Access, str | None]:
    """One plan as the caller may see it, the access it rests on, and its ETag."""
    found = await facts_of.about_plan(client, caller, plan_id, consents=True)
    assert found.access is not None
    seen = permission(policy.decide("read_plan", caller, found.facts), found.access, "plan")
    withheld: list[Doc] = []
    shown = filter_plan(found.doc, seen, withheld)
    etag = found.response.headers.get("etag") if found.response else None
    return {**shown, "withheld": withheld}, seen, etag


async def one_meeting(client: InternalClient, caller: Caller, meeting_id: str) -> tuple[Doc, str, str | None]:
    """One meeting as the caller may see it: whoever manages it all of it; invited units while their consent to
    be invited stands, other related units with consent to see the plan's general part. Returns the meeting, its
    citizen and its ETag."""
    found = await facts_of.about_meeting(client, caller, meeting_id, consents=True)
    verdict = policy.decide("read_meeting", caller, found.facts)
    if verdict == "allow_with_consent":
        assert found.citizen is not None
        seen = rules.meeting_read(
            caller.unit,
            caller.unit_kind,
            found.citizen,
            today(),
            invited=found.facts.meeting_participant,
        )
        permission(
            verdict, seen, "meeting", "The citizen has not consented to your unit seeing this meeting."
        )
    elif verdict != "allow":
        raise refused(verdict, "meeting")
    withheld: list[Doc] = []
    full = verdict == "allow" and not caller.has_role("citizen")
    shown = filter_preparation(filter_minutes(found.doc, caller, full, withheld), caller, full, withheld)
    etag = found.response.headers.get("etag") if found.response else None
    return {**shown, "withheld": withheld}, found.citizen_id, etag


# --- the preview of a consent (POST /consent-decisions/preview) ------------------------------------------------


def _decision(seen: Access) -> Decision:
    return Decision(
        permit=seen.permit,
        relation="none" if seen.relation == "self" else seen.relation,
        categories=list(seen.listed()),
        consent_ids=list(seen.consent_ids),
        basis=seen.basis,
        reason=seen.reason,
    )


async def preview(
    client: InternalClient, request: Request, caller: Caller, found: facts_of.Found
) -> Response:
    """What the unit would see now and with the proposed consent (or one narrowed, renewed or revoked): the one
    answer over the owners' facts, with a hypothetical consent among them. Nothing is stored."""
    body = PreviewRequest.model_validate_json(await request.body())
    facts = found.citizen or await facts_of.citizen_facts(client, caller, body.citizen_id, consents=True)
    if facts.consents is None:
        raise consent_unavailable()
    proposed = body.proposed
    before, after = rules.preview(
        body.unit,
        body.unit_kind,
        body.purpose,
        facts,
        today(),
        proposed=None
        if proposed is None
        else rules.Proposal(
            tuple(proposed.categories), tuple(proposed.purposes), proposed.valid_from, proposed.valid_until
        ),
        replaces=body.replaces_consent_id,
    )
    answer = DecisionPreview(before=_decision(before), after=_decision(after))
    return JSONResponse(answer.model_dump(mode="json"))
