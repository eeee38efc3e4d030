"""What the gateway reads from the owning services before it decides: the resource, the facts about its citizen,
and the caller's access (``borgerplan_rules.access``, the one answer) with its part in the resource.

The facts are the owners' own (``borgerplan_plumbing.access``: the plan service's plans, the consent service's
consents), fetched once per request, so a plan created or a consent revoked a moment ago already counts: no read
model can lag behind. A change is decided by the parties of what it changes (its plan, meeting or consent), which
the plans say; only a read may rest on a consent, so only reads ask for the consents (``policy.ASKS_CONSENT``). Each
function answers 404 for an id the owning service does not know and 503 when it does not answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from borgerplan_plumbing import access as owners
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, InternalResponse, UnavailableError, path
from borgerplan_plumbing.problems import Problem
from borgerplan_rules.access import (
    Access,
    CitizenFacts,
    PlanFacts,
    access,
    is_consent_party,
    is_meeting_participant,
    manages_meeting,
)
from borgerplan_rules.workdays import today
from gateway_service.policy import Facts


def not_found(what: str) -> Problem:
    return Problem(404, "Not found", f"No {what} with that id.")


def unavailable(service: str) -> Problem:
    return Problem(
        503,
        "Service unavailable",
        f"The {service} service did not answer; try again shortly.",
        kind="unavailable",
        headers={"Retry-After": "2"},
    )


async def fetch(
    client: InternalClient, service: str, url: str, caller: Caller, what: str
) -> InternalResponse:
    """One resource from its service: 404 as "no such <what>", anything but 200 as 503."""
    response = await client.get(service, url, caller)
    if response.status_code == 404:
        raise not_found(what)
    if response.status_code != 200:
        raise unavailable(service)
    return response


@dataclass(frozen=True)
class Found:
    """A resource as its owning service answered it, with the caller's facts about it: ``access`` is the one
    answer (for "view_plan"), ``citizen`` the facts it was decided from (None for the citizen: they need none)."""

    facts: Facts
    citizen_id: str
    doc: dict[str, Any]
    response: InternalResponse | None = None
    citizen: CitizenFacts | None = None
    access: Access | None = None


def is_citizen(caller: Caller, citizen_id: str) -> bool:
    return caller.has_role("citizen") and caller.citizen_id == citizen_id


def access_of(caller: Caller, purpose: str, facts: CitizenFacts) -> Access:
    """The caller's access to the citizen of ``facts`` for ``purpose`` today."""
    return access(
        caller.unit,
        caller.unit_kind,
        purpose,
        facts,
        today(),
        citizen=is_citizen(caller, facts.citizen_id),
    )


async def citizen_facts(
    client: InternalClient, caller: Caller, citizen_id: str, *, consents: bool
) -> CitizenFacts:
    try:
        return await owners.citizen_facts(client, caller, citizen_id, consents=consents)
    except UnavailableError as exc:
        raise unavailable("plan") from exc


def _decided(caller: Caller, facts: CitizenFacts) -> Found:
    seen = access_of(caller, "view_plan", facts)
    return Found(Facts(relation=seen.relation), facts.citizen_id, {}, citizen=facts, access=seen)


async def about_citizen(client: InternalClient, caller: Caller, citizen_id: str, *, consents: bool) -> Found:
    """The caller's relation to the citizen (the citizen's own is known from the token: no facts are asked)."""
    if caller.has_role("citizen"):
        return Found(Facts(relation="self" if is_citizen(caller, citizen_id) else "none"), citizen_id, {})
    return _decided(caller, await citizen_facts(client, caller, citizen_id, consents=consents))


async def about_plan(
    client: InternalClient, caller: Caller, plan_id: str, *, consents: bool = False
) -> Found:
    """The plan decides: its responsible unit and its actors' units (this plan's parties); for a read, when the plan
    does not decide (the caller is neither the citizen nor responsible), the citizen's consents too."""
    response = await fetch(client, "plan", path("/plans/{}", plan_id), caller, "plan")
    plan = response.json()
    own = PlanFacts.of(plan)
    facts = CitizenFacts(own.citizen_id, (own,), None)
    seen = access_of(caller, "view_plan", facts)
    if consents and not seen.full and not caller.has_role("citizen"):
        facts = await owners.with_consents(client, caller, facts)
        seen = access_of(caller, "view_plan", facts)
    return Found(Facts(relation=seen.relation), own.citizen_id, plan, response, facts, seen)


async def about_meeting(
    client: InternalClient, caller: Caller, meeting_id: str, *, consents: bool = False
) -> Found:
    response = await fetch(client, "meetings", path("/meetings/{}", meeting_id), caller, "meeting")
    meeting = response.json()
    found = await about_citizen(client, caller, meeting["citizen_id"], consents=consents)
    relation = found.facts.relation
    facts = Facts(
        relation=relation,
        manages_meeting=manages_meeting(caller.unit, meeting, relation == "responsible"),
        meeting_participant=is_meeting_participant(caller.unit, meeting),
    )
    return Found(facts, found.citizen_id, meeting, response, found.citizen, found.access)


async def about_course(client: InternalClient, caller: Caller, course_id: str) -> Found:
    """An outreach course decides by its own parties (decision 0056): the outreach team that holds it and, after the
    transition, the units that took over. A citizen not yet identified has no consents or plans to ask."""
    response = await fetch(
        client, "outreach", path("/outreach/courses/{}", course_id), caller, "outreach course"
    )
    course = response.json()
    receiving = (course.get("transition") or {}).get("receiving_units") or []
    facts = Facts(
        course_team=caller.unit is not None and caller.unit == course.get("team_unit"),
        course_receiving=caller.unit is not None and caller.unit in receiving,
    )
    return Found(facts, str(course.get("citizen_id") or ""), course, response)


async def about_consent(client: InternalClient, caller: Caller, consent_id: str) -> Found:
    response = await fetch(client, "consent", path("/consents/{}", consent_id), caller, "consent")
    consent = response.json()
    found = await about_citizen(client, caller, consent["citizen_id"], consents=False)
    facts = Facts(relation=found.facts.relation, consent_party=is_consent_party(caller.unit, consent))
    return Found(facts, found.citizen_id, consent, response, found.citizen, found.access)
