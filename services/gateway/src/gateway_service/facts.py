"""What the gateway reads from the owning services before it decides: the resource and the caller's part in it.

Relations are decided from the plan service's own data (the source of truth), so a plan created a moment ago
already counts: no read model of the gateway's can lag behind. Each function answers 404 for an id the owning
service does not know and 503 when it does not answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, InternalResponse, path
from borgerplan_plumbing.problems import Problem
from borgerplan_rules.relations import PlanFacts, is_consent_party, is_meeting_participant, manages_meeting
from borgerplan_rules.relations import relation as relation_of
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
    """A resource as its owning service answered it, with the caller's facts about it."""

    facts: Facts
    citizen_id: str
    doc: dict[str, Any]
    response: InternalResponse | None = None


def _is_citizen(caller: Caller, citizen_id: str) -> bool:
    return caller.has_role("citizen") and caller.citizen_id == citizen_id


async def citizen_plans(client: InternalClient, caller: Caller, citizen_id: str) -> list[PlanFacts]:
    response = await client.get("plan", path("/citizens/{}/plan-refs", citizen_id), caller)
    if response.status_code != 200:
        raise unavailable("plan")
    return [PlanFacts.of(ref) for ref in response.json()]


async def about_citizen(client: InternalClient, caller: Caller, citizen_id: str) -> Found:
    plans = [] if caller.has_role("citizen") else await citizen_plans(client, caller, citizen_id)
    relation = relation_of(caller.unit, caller.unit_kind, plans, citizen=_is_citizen(caller, citizen_id))
    return Found(Facts(relation=relation), citizen_id, {})


async def about_plan(client: InternalClient, caller: Caller, plan_id: str) -> Found:
    """The plan decides: its responsible unit and its actors' units (this plan's parties change it)."""
    response = await fetch(client, "plan", path("/plans/{}", plan_id), caller, "plan")
    plan = response.json()
    facts = PlanFacts.of(plan)
    citizen = _is_citizen(caller, facts.citizen_id)
    relation = relation_of(caller.unit, caller.unit_kind, [facts], citizen=citizen)
    return Found(Facts(relation=relation), facts.citizen_id, plan, response)


async def about_meeting(client: InternalClient, caller: Caller, meeting_id: str) -> Found:
    response = await fetch(client, "meetings", path("/meetings/{}", meeting_id), caller, "meeting")
    meeting = response.json()
    citizen_id = meeting["citizen_id"]
    found = await about_citizen(client, caller, citizen_id)
    relation = found.facts.relation
    facts = Facts(
        relation=relation,
        manages_meeting=manages_meeting(caller.unit, meeting, relation == "responsible"),
        meeting_participant=is_meeting_participant(caller.unit, meeting),
    )
    return Found(facts, citizen_id, meeting, response)


async def about_consent(client: InternalClient, caller: Caller, consent_id: str) -> Found:
    response = await fetch(client, "consent", path("/consents/{}", consent_id), caller, "consent")
    consent = response.json()
    citizen_id = consent["citizen_id"]
    found = await about_citizen(client, caller, citizen_id)
    facts = Facts(relation=found.facts.relation, consent_party=is_consent_party(caller.unit, consent))
    return Found(facts, citizen_id, consent, response)
