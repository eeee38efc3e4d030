"""Who stands in which relation to a citizen: one definition of each, pure.

The gateway's policy (``gateway_service.policy``) and the consent service's decision use these, so "the responsible
unit", "a party to a consent" and "a participant of a meeting" mean the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Relation = Literal["self", "responsible", "actor", "none"]
CLOSED = "closed"


@dataclass(frozen=True)
class PlanFacts:
    """What a relation needs of one plan."""

    plan_id: str
    citizen_id: str
    responsible_unit: str
    actor_units: frozenset[str] = frozenset()
    status: str = "active"

    @property
    def current(self) -> bool:
        """Draft and active plans bind their units; a closed plan no longer does."""
        return self.status != CLOSED

    @classmethod
    def of(cls, plan: Mapping[str, Any]) -> PlanFacts:
        """From a plan or plan reference as the plan service answers it (``plan_id`` or ``_id``)."""
        return cls(
            plan_id=str(plan.get("plan_id") or plan.get("_id")),
            citizen_id=str(plan["citizen_id"]),
            responsible_unit=str(plan["responsible_unit"]),
            actor_units=frozenset(
                plan.get("actor_units")
                or (
                    a["unit"]
                    for a in plan.get("actors", [])
                    if a.get("unit") and a.get("kind") != "private_network"
                )
            ),
            status=str(plan.get("status", "active")),
        )


def is_responsible(unit: str, unit_kind: str | None, plans: Iterable[PlanFacts]) -> bool:
    """The responsible unit: the authority unit (myndighed) responsible for one of the citizen's current plans.

    ``unit_kind`` None means the kind is not known to the asker (it is checked where the caller is known).
    """
    if unit_kind not in (None, "authority"):
        return False
    return any(p.current and p.responsible_unit == unit for p in plans)


def is_actor(unit: str, plans: Iterable[PlanFacts]) -> bool:
    """The unit takes part in one of the citizen's current plans (an actor on its network map)."""
    return any(p.current and unit in p.actor_units for p in plans)


def relation(
    unit: str,
    unit_kind: str | None,
    plans: Iterable[PlanFacts],
    *,
    consent_units: Iterable[str] = (),
    citizen: bool = False,
) -> Relation:
    """The unit's relation to the citizen whose ``plans`` these are.

    A unit named by a consent of the citizen (as receiver or registrar) is related even without a plan: outreach
    work collects consent before any plan exists.
    """
    if citizen:
        return "self"
    plans = list(plans)
    if is_responsible(unit, unit_kind, plans):
        return "responsible"
    if is_actor(unit, plans) or unit in set(consent_units):
        return "actor"
    return "none"


def is_consent_party(unit: str, consent: Mapping[str, Any]) -> bool:
    """A party to a consent: the unit that received it or the unit that registered it."""
    return unit in (consent.get("grantee_unit"), consent.get("granted_by_unit"))


def is_meeting_participant(unit: str, meeting: Mapping[str, Any]) -> bool:
    """A participant of a meeting: a unit invited to it (the meetings service invites only with consent)."""
    return any(p.get("unit") == unit for p in meeting.get("participants", []))


def manages_meeting(unit: str, meeting: Mapping[str, Any], responsible: bool) -> bool:
    """The meeting's coordinating unit, and the responsible unit of its plan, manage it."""
    return responsible or unit == meeting.get("coordinator_unit")
