"""HTTP shapes of the plan service (``XCreate`` in, ``XPublic`` out)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from borgerplan_contracts.events.consent import InformationCategory
from borgerplan_contracts.events.plan import PlanKind, PlanStatus


def _text() -> Any:
    return Field(default=None, max_length=2000)


ActorKind = Literal["authority", "provider", "external", "private_network"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CitizenCreate(_In):
    cpr: str = Field(description="CPR number, DDMMYY-SSSS or DDMMYYSSSS", examples=["0101901234"])
    name: str = Field(min_length=1, max_length=200)

    @field_validator("cpr")
    @classmethod
    def _valid_cpr(cls, value: str) -> str:
        from plan_service.cpr import normalise_cpr

        return normalise_cpr(value)


class CitizenPublic(BaseModel):
    citizen_id: str
    name: str
    birth_date: date
    version: int


class Overview(_In):
    purpose: str | None = _text()
    occupied_with: str | None = _text()
    own_words: str | None = _text()


class GoalCreate(_In):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = _text()
    category: InformationCategory = "general"


class ActorCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=200)
    kind: ActorKind
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)


class PlanCreate(_In):
    citizen_id: str = Field(min_length=1, max_length=100)
    kind: PlanKind
    responsible_unit: str = Field(min_length=1, max_length=200)
    legal_bases: list[str] = Field(default_factory=list, max_length=20)
    valid_from: date | None = None
    valid_to: date | None = None
    overview: Overview = Field(default_factory=Overview)
    goals: list[GoalCreate] = Field(default_factory=list, max_length=10)
    actors: list[ActorCreate] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _validity_in_order(self) -> PlanCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class GoalPublic(GoalCreate):
    model_config = ConfigDict(extra="ignore")

    goal_id: str
    status: str
    status_history: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []


class ActorPublic(ActorCreate):
    model_config = ConfigDict(extra="ignore")

    actor_id: str


class PlanPublic(BaseModel):
    plan_id: str
    citizen_id: str
    kind: PlanKind
    status: PlanStatus
    responsible_unit: str
    legal_bases: list[str]
    valid_from: date | None
    valid_to: date | None
    overview: Overview
    goals: list[GoalPublic]
    actors: list[ActorPublic]
    version: int


PlanStatusIn = Literal["draft", "active", "closed"]
GoalStatus = Literal["baseline", "in_progress", "achieved", "no_longer_relevant"]


class PlanUpdate(_In):
    """Send only what changes. Every change is a new version with a history entry."""

    overview: Overview | None = None
    legal_bases: list[str] | None = Field(default=None, max_length=20)
    valid_from: date | None = None
    valid_to: date | None = None
    status: PlanStatusIn | None = None


class ScoreIn(_In):
    """Score now and expected (a scale; words are allowed where numbers mean little)."""

    now: str = Field(min_length=1, max_length=50)
    expected: str | None = Field(default=None, max_length=50)
    citizen_disagrees: bool = False
    citizen_view: str | None = Field(
        default=None, max_length=500, description="the citizen's own score or words"
    )

    @model_validator(mode="after")
    def _view_when_disagreeing(self) -> ScoreIn:
        if self.citizen_disagrees and not self.citizen_view:
            raise ValueError("when the citizen disagrees, record the citizen's view (citizen_view)")
        return self


class GoalUpdate(_In):
    status: GoalStatus | None = None
    score: ScoreIn | None = None


class FollowUpCreate(_In):
    date: date
    text: str = Field(min_length=1, max_length=4000)


class HistoryEntry(BaseModel):
    version: int
    at: datetime
    by: str
    by_unit: str
    changes: list[dict[str, Any]]
