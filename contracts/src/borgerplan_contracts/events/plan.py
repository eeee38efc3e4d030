"""Events on ``borgerplan.plan.v1``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from borgerplan_contracts.events.base import EventData

PlanKind = Literal["adult", "child", "unified"]
PlanStatus = Literal["draft", "active", "closed"]


class _PlanEvent(EventData):
    service: ClassVar[str] = "plan"


class CitizenRegistered(_PlanEvent):
    """A citizen was registered. The CPR number stays in the plan service."""

    name: ClassVar[str] = "citizen_registered"
    citizen_id: str


class PlanCreated(_PlanEvent):
    """A plan was created for a citizen."""

    name: ClassVar[str] = "plan_created"
    plan_id: str
    citizen_id: str
    kind: PlanKind
    status: PlanStatus
    responsible_unit: str = Field(description="Unit id of the responsible authority (myndighed)")
    legal_bases: list[str] = Field(default_factory=list, description="Paragraph references, e.g. 'SEL §141'")
    valid_from: date | None = None
    valid_to: date | None = None
    actor_units: list[str] = Field(default_factory=list, description="Unit ids of the plan's actors")


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (
    CitizenRegistered,
    PlanCreated,
)
