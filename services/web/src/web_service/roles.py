"""What a person's role lets them do, so a page offers only that (issue 34: a provider never sees «Registrér
borger»). The gateway still decides every request (``docs/authorization.md``); this module only keeps the pages
from offering what it would refuse. Pure: the signed-in person's claims and, for a citizen's pages, the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HANDLING = frozenset({"caseworker", "contact_person", "admin"})  # the roles that change a case
REGISTERING = frozenset({"caseworker", "admin"})  # register a citizen, create a plan, look up by CPR


@dataclass(frozen=True)
class May:
    """The actions open to one person. Templates read it as ``may``: ``may.register_citizen``,
    ``may.read_history(plan)``."""

    unit: str
    unit_kind: str
    roles: frozenset[str]

    @classmethod
    def of(cls, caller: Mapping[str, Any] | None) -> May:
        caller = caller or {}
        return cls(
            unit=str(caller.get("unit") or ""),
            unit_kind=str(caller.get("unit_kind") or ""),
            roles=frozenset(caller.get("roles") or ()),
        )

    @property
    def citizen(self) -> bool:
        return "citizen" in self.roles

    @property
    def staff(self) -> bool:
        return bool(self.roles) and not self.citizen

    @property
    def handle(self) -> bool:
        """Change a case at all (goals, scores, meetings, consents): the handling roles."""
        return not self.citizen and bool(self.roles & HANDLING)

    @property
    def authority(self) -> bool:
        return self.unit_kind == "authority" and not self.citizen

    @property
    def register_citizen(self) -> bool:
        """Register a citizen, create a plan: authority caseworkers (and admins)."""
        return self.authority and bool(self.roles & REGISTERING)

    @property
    def look_up_cpr(self) -> bool:
        return self.register_citizen

    def responsible_for(self, plan: Mapping[str, Any] | None) -> bool:
        """The plan's responsible authority unit: it sees and changes everything of the plan."""
        return bool(plan) and self.authority and (plan or {}).get("responsible_unit") == self.unit

    def change_plan(self, plan: Mapping[str, Any] | None) -> bool:
        """The plan itself, its actors and overview: the responsible unit's handling roles."""
        return self.handle and self.responsible_for(plan)

    def work_on_goals(self, plan: Mapping[str, Any] | None) -> bool:
        """Goals, scores, status and follow-ups: the handling roles of the responsible unit and of the actors
        (the page is shown only to someone who may see the plan)."""
        return self.handle and bool(plan)

    def schedule_meeting(self, plan: Mapping[str, Any] | None) -> bool:
        return self.handle and bool(plan)

    def register_consent(self) -> bool:
        return self.handle

    def read_history(self, plan: Mapping[str, Any] | None) -> bool:
        """The plan's history holds every category: the citizen and the responsible unit only."""
        return self.citizen or self.responsible_for(plan)

    def manage_meeting(self, meeting: Mapping[str, Any], plan: Mapping[str, Any] | None) -> bool:
        """Write and publish the minutes, cancel: the coordinating unit or the plan's responsible unit."""
        return self.handle and (meeting.get("coordinator_unit") == self.unit or self.responsible_for(plan))
