"""Events on ``borgerplan.plan.v1``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from borgerplan_contracts.events.base import EventData

PlanKind = Literal["adult", "child", "unified"]
PlanStatus = Literal["draft", "active", "closed"]
GoalStatus = Literal["baseline", "in_progress", "achieved", "no_longer_relevant"]
ActorKind = Literal["authority", "provider", "external", "private_network"]
NetworkCategory = Literal[
    "private_network",
    "employment",
    "education",
    "housing",
    "everyday_home",
    "health_treatment",
    "social_administration",
    "probation",
    "interpreter",
]
SofTheme = Literal["education_employment", "independence_relations", "health"]
VumTheme = Literal[
    "physical_impairment",
    "mental_impairment",
    "social_problem",
    "practical_tasks_at_home",
    "self_care",
    "communication",
    "mobility",
    "community_life",
    "social_life",
    "health",
    "surroundings",
]
Section70Assessment = Literal[
    "goals_still_support", "goals_to_be_revised", "new_measure", "measure_ended", "return_home"
]


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
    responsible_unit: str | None = Field(default=None, description="Unit id of the responsible authority")


class PlanActivated(_PlanEvent):
    """A plan became the citizen's active plan of its kind."""

    name: ClassVar[str] = "plan_activated"
    plan_id: str
    citizen_id: str
    kind: PlanKind
    plan_version: int
    replaces: list[str] = Field(default_factory=list, description="Sector plans this unified plan replaced")


class PlanClosed(_PlanEvent):
    """A plan was closed, by hand or because a unified plan replaced it."""

    name: ClassVar[str] = "plan_closed"
    plan_id: str
    citizen_id: str
    kind: PlanKind
    plan_version: int
    reason: Literal["closed", "replaced_by_unified"]
    replaced_by: str | None = None


class GoalAdded(_PlanEvent):
    name: ClassVar[str] = "goal_added"
    plan_id: str
    citizen_id: str
    goal_id: str
    category: str
    sof_theme: SofTheme | None = None
    vum_theme: VumTheme | None = None
    status: GoalStatus = "baseline"


class GoalChanged(_PlanEvent):
    """A goal's content changed (which fields; their content stays in the plan service)."""

    name: ClassVar[str] = "goal_changed"
    plan_id: str
    citizen_id: str
    goal_id: str
    category: str
    fields_changed: list[str]


class GoalStatusChanged(_PlanEvent):
    name: ClassVar[str] = "goal_status_changed"
    plan_id: str
    citizen_id: str
    goal_id: str
    category: str
    status: GoalStatus
    step: int | None = Field(default=None, description="The progress step (1-3) when in_progress")


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


class _ActorEvent(_PlanEvent):
    plan_id: str
    citizen_id: str
    actor_id: str
    actor_kind: ActorKind
    unit: str | None = Field(default=None, description="Unit id; none for the private network")
    network_category: NetworkCategory
    actor_units: list[str] = Field(
        default_factory=list, description="Unit ids of all the plan's professional actors after the change"
    )


class ActorAdded(_ActorEvent):
    name: ClassVar[str] = "actor_added"
    in_contact: bool


class ActorChanged(_ActorEvent):
    name: ClassVar[str] = "actor_changed"
    in_contact: bool
    fields_changed: list[str]


class ActorRemoved(_ActorEvent):
    name: ClassVar[str] = "actor_removed"


class ChildFollowUpRecorded(_PlanEvent):
    """The §70 follow-up of a child plan: the period and the assessment's options (the text stays here)."""

    name: ClassVar[str] = "child_follow_up_recorded"
    plan_id: str
    citizen_id: str
    period_from: date
    period_to: date
    assessments: list[Section70Assessment]


CitizenPart = Literal["own_words", "citizen_score", "comment"]


class CitizenWrote(_PlanEvent):
    """The citizen wrote in their own plan: which part (what they wrote stays in the plan service)."""

    name: ClassVar[str] = "citizen_wrote"
    plan_id: str
    citizen_id: str
    part: CitizenPart
    goal_id: str | None = None
    responsible_unit: str = Field(description="Unit id of the responsible authority, whose worklist shows it")


class ChangeRequested(_PlanEvent):
    """The citizen asked for a change of their plan (the request's words stay in the plan service)."""

    name: ClassVar[str] = "change_requested"
    plan_id: str
    citizen_id: str
    request_id: str
    kind: Literal["new_goal", "change_agreement", "correct_fact"]
    responsible_unit: str = Field(description="Unit id of the responsible authority, who answers it")


class ChangeRequestDecided(_PlanEvent):
    """The responsible caseworker answered the citizen's request (the reason stays in the plan service)."""

    name: ClassVar[str] = "change_request_decided"
    plan_id: str
    citizen_id: str
    request_id: str
    outcome: Literal["accepted", "changed", "declined"]
    responsible_unit: str


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (
    CitizenRegistered,
    PlanCreated,
    PlanChanged,
    PlanActivated,
    PlanClosed,
    GoalAdded,
    GoalChanged,
    GoalStatusChanged,
    ScoreRecorded,
    FollowUpRecorded,
    ActorAdded,
    ActorChanged,
    ActorRemoved,
    ChildFollowUpRecorded,
    CitizenWrote,
    ChangeRequested,
    ChangeRequestDecided,
)
