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


class PlanChanged(_PlanEvent):
    """A new version of the plan: which fields changed (their content stays in the plan service)."""

    name: ClassVar[str] = "plan_changed"
    plan_id: str
    citizen_id: str
    status: PlanStatus
    plan_version: int
    fields_changed: list[str]
    valid_from: date | None = None
    valid_to: date | None = None


class GoalStatusChanged(_PlanEvent):
    name: ClassVar[str] = "goal_status_changed"
    plan_id: str
    citizen_id: str
    goal_id: str
    category: str
    status: Literal["baseline", "in_progress", "achieved", "no_longer_relevant"]


class ScoreRecorded(_PlanEvent):
    """A score was recorded for a goal (its value stays in the plan service)."""

    name: ClassVar[str] = "score_recorded"
    plan_id: str
    citizen_id: str
    goal_id: str
    citizen_disagrees: bool


class FollowUpRecorded(_PlanEvent):
    name: ClassVar[str] = "follow_up_recorded"
    plan_id: str
    citizen_id: str
    goal_id: str
    on: date
    by_unit: str


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (
    CitizenRegistered,
    PlanCreated,
    PlanChanged,
    GoalStatusChanged,
    ScoreRecorded,
    FollowUpRecorded,
)
