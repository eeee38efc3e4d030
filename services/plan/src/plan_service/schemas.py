"""HTTP shapes of the plan service (``XCreate``/``XUpdate`` in, ``XPublic`` out).

Field-level rules (lengths, list sizes, formats) live here; rules that need the plan's state live in
``plan_service.domain``. Lists are bounded so a plan stays a readable document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from borgerplan_contracts.events.consent import InformationCategory
from plan_service.vocabulary import (
    ActorKind,
    Anchor,
    ChildEffort,
    GoalStatus,
    MeasureKind,
    NetworkCategory,
    PlanKind,
    PlanStatus,
    Section70Assessment,
    SofTheme,
    VumTheme,
    canonical_legal_basis,
)

MAX_GOALS = 10
MAX_ACTORS = 50
MAX_SUB_GOALS = 10
MAX_AGREEMENTS = 20
MAX_LEGAL_BASES = 20


def _text(max_length: int = 2000) -> Any:
    return Field(default=None, max_length=max_length)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Update(_In):
    """A partial update: fields left out stay; ``null`` clears a field, except those that always have a value."""

    never_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Any:
        for name in self.never_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- citizens -------------------------------------------------------------------------------------------------


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


# --- overview -------------------------------------------------------------------------------------------------


class OwnWords(_In):
    """ "Her er mit liv": the citizen's own words."""

    manage_myself: str | None = Field(default=None, max_length=2000, description="Jeg vil gerne selv kunne")
    i_can: str | None = Field(default=None, max_length=2000, description="Jeg kan")
    dreams: str | None = Field(default=None, max_length=2000, description="Mine drømme")
    interests: str | None = Field(default=None, max_length=2000, description="Mine interesser")


class Overview(_In):
    purpose: str | None = Field(default=None, max_length=2000, description="Formålet med indsatsen")
    occupied_with: str | None = Field(default=None, max_length=2000, description="Hvad er jeg optaget af")
    own_words: OwnWords = Field(default_factory=OwnWords)
    employment: str | None = Field(default=None, max_length=2000, description="Beskæftigelse (visual plan)")
    notes: str | None = Field(default=None, max_length=4000, description="Noter (visual plan)")

    @field_validator("own_words", mode="before")
    @classmethod
    def _older_single_text(cls, value: Any) -> Any:
        # Plans stored before the citizen's words had their four parts kept them as one text.
        return {"dreams": value} if isinstance(value, str) else value


class OwnWordsUpdate(_In):
    manage_myself: str | None = _text()
    i_can: str | None = _text()
    dreams: str | None = _text()
    interests: str | None = _text()


class OverviewUpdate(_Update):
    """Only the fields sent change; send ``null`` to clear one."""

    never_null = ("own_words",)

    purpose: str | None = _text()
    occupied_with: str | None = _text()
    own_words: OwnWordsUpdate | None = None
    employment: str | None = _text()
    notes: str | None = _text(4000)


# --- goals ----------------------------------------------------------------------------------------------------


class SubGoal(_In):
    """One step of the goal ladder (måltrappen); the list's order is the ladder, first step first."""

    title: str = Field(min_length=1, max_length=500)
    achieved: bool = False


class Agreement(_In):
    """Who does what, when and how (aftaler)."""

    who: str = Field(min_length=1, max_length=200)
    what: str = Field(min_length=1, max_length=1000)
    when: str | None = Field(default=None, max_length=200, description="a date or words, e.g. 'hver tirsdag'")
    how: str | None = Field(default=None, max_length=1000)


class GoalCreate(_In):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = _text(4000)
    category: InformationCategory = "general"
    sof_theme: SofTheme | None = None
    vum_theme: VumTheme | None = None
    sub_goals: list[SubGoal] = Field(default_factory=list, max_length=MAX_SUB_GOALS)
    agreements: list[Agreement] = Field(default_factory=list, max_length=MAX_AGREEMENTS)


class GoalUpdate(_Update):
    """Content fields replace what was there; ``status`` and ``score`` are appended to the goal's history."""

    never_null = ("title", "category", "sub_goals", "agreements", "status")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = _text(4000)
    category: InformationCategory | None = None
    sof_theme: SofTheme | None = None
    vum_theme: VumTheme | None = None
    sub_goals: list[SubGoal] | None = Field(default=None, max_length=MAX_SUB_GOALS)
    agreements: list[Agreement] | None = Field(default=None, max_length=MAX_AGREEMENTS)
    status: GoalStatus | None = None
    step: int | None = Field(default=None, ge=1, le=3, description="progress step 1-3 when in_progress")
    score: ScoreIn | None = None

    @model_validator(mode="after")
    def _step_only_in_progress(self) -> GoalUpdate:
        if self.step is not None and self.status not in (None, "in_progress"):
            raise ValueError("step belongs to status in_progress")
        return self


class ScoreIn(_In):
    """Score now and expected (a scale; words are allowed where numbers mean little)."""

    now: str = Field(min_length=1, max_length=50)
    expected: str | None = Field(default=None, max_length=50)
    scale: str | None = Field(default=None, max_length=50, examples=["1-10", "ord"])
    citizen_disagrees: bool = False
    citizen_view: str | None = Field(
        default=None, max_length=500, description="the citizen's own score or words"
    )

    @model_validator(mode="after")
    def _view_when_disagreeing(self) -> ScoreIn:
        if self.citizen_disagrees and not self.citizen_view:
            raise ValueError("when the citizen disagrees, record the citizen's view (citizen_view)")
        if self.citizen_view and not self.citizen_disagrees:
            raise ValueError("citizen_view is recorded only when the citizen disagrees")
        return self


GoalUpdate.model_rebuild()


class FollowUpCreate(_In):
    date: date
    text: str = Field(min_length=1, max_length=4000)


class SubGoalPublic(SubGoal, _Out):
    step: int


class GoalPublic(_Out):
    goal_id: str
    title: str
    description: str | None = None
    category: InformationCategory
    sof_theme: SofTheme | None = None
    vum_theme: VumTheme | None = None
    sub_goals: list[SubGoalPublic] = []
    agreements: list[Agreement] = []
    status: GoalStatus
    step: int | None = None
    status_history: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []

    @model_validator(mode="before")
    @classmethod
    def _number_the_ladder(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("sub_goals"):
            data = {**data, "sub_goals": [{**s, "step": i} for i, s in enumerate(data["sub_goals"], 1)]}
        return data


# --- actors (the network map) ---------------------------------------------------------------------------------


class ActorFields(_In):
    role: str | None = Field(default=None, max_length=200, examples=["kontaktperson", "jobkonsulent"])
    unit: str | None = Field(default=None, max_length=200, description="unit id; none for private network")
    unit_name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    anchor: Anchor | None = Field(default=None, description="one of the two anchor roles, if this actor is")
    in_contact: bool = Field(default=True, description="Har du kontakt til (ja/nej)")
    meeting_cadence: str | None = Field(default=None, max_length=200, examples=["Tirsdage kl. 9"])
    communication_agreements: list[str] = Field(default_factory=list, max_length=10)
    attention_points: str | None = _text()
    interpreter_language: str | None = Field(default=None, max_length=100)

    @field_validator("communication_agreements")
    @classmethod
    def _bounded_agreements(cls, value: list[str]) -> list[str]:
        for item in value:
            if not item or len(item) > 500:
                raise ValueError("each communication agreement is 1-500 characters")
        return value


class ActorCreate(ActorFields):
    name: str = Field(min_length=1, max_length=200)
    kind: ActorKind
    network_category: NetworkCategory | None = Field(
        default=None, description="where on the network map; defaults from the kind"
    )
    role: str = Field(min_length=1, max_length=200)


class ActorUpdate(_Update):
    """Only the fields sent change."""

    never_null = ("name", "role", "kind", "network_category", "in_contact", "communication_agreements")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = Field(default=None, min_length=1, max_length=200)
    kind: ActorKind | None = None
    network_category: NetworkCategory | None = None
    unit: str | None = Field(default=None, max_length=200)
    unit_name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    anchor: Anchor | None = None
    in_contact: bool | None = None
    meeting_cadence: str | None = Field(default=None, max_length=200)
    communication_agreements: list[str] | None = Field(default=None, max_length=10)
    attention_points: str | None = _text()
    interpreter_language: str | None = Field(default=None, max_length=100)


class ActorPublic(_Out):
    actor_id: str
    name: str
    role: str
    kind: ActorKind
    network_category: NetworkCategory
    unit: str | None = None
    unit_name: str | None = None
    email: str | None = None
    phone: str | None = None
    anchor: Anchor | None = None
    in_contact: bool = True
    meeting_cadence: str | None = None
    communication_agreements: list[str] = []
    attention_points: str | None = None
    interpreter_language: str | None = None


# --- child plans ----------------------------------------------------------------------------------------------


class Measure(_In):
    """A current measure (foranstaltning): granted under a paragraph, from / to."""

    title: str = Field(min_length=1, max_length=300)
    granted_under: str = Field(min_length=1, max_length=60, examples=["SEL §52, stk. 3, nr. 7"])
    kind: MeasureKind
    valid_from: date
    valid_to: date | None = None
    valid_to_text: str | None = Field(default=None, max_length=200, description="'Til' in words")

    @field_validator("granted_under")
    @classmethod
    def _canonical(cls, value: str) -> str:
        return canonical_legal_basis(value)


class PlacementDecisions(_In):
    """ "Kun anbringelsessager": the decisions made."""

    parent_support: bool = Field(default=False, description="§ 54, stk. 2, with a parents' plan")
    contact_and_visits: bool = False
    parental_payment: bool = False


class ExpectedDuration(_In):
    valid_from: date | None = None
    to_text: str | None = Field(default=None, max_length=200)


class ChildSections(_In):
    measures: list[Measure] = Field(default_factory=list, max_length=20)
    plan_for: list[ChildEffort] = Field(default_factory=list, max_length=5)
    goals_for_effort: str | None = Field(default=None, max_length=4000, description="Mål for indsatsen")
    expected_duration: ExpectedDuration | None = None
    concern_basis: str | None = Field(default=None, max_length=8000, description="Bekymringsgrundlag (§ 50)")
    placement_decisions: PlacementDecisions | None = None


class ChildFollowUpCreate(_In):
    """The § 70 follow-up for a period."""

    period_from: date
    period_to: date
    progress: str = Field(min_length=1, max_length=8000, description="Opfølgning på mål fra handleplanen")
    assessment_text: str | None = Field(default=None, max_length=8000)
    assessments: list[Section70Assessment] = Field(min_length=1, max_length=5)
    personal_supervision_done: bool = Field(default=False, description="Personrettet tilsyn (placements)")
    parent_plan_revision_offered: bool = Field(default=False, description="placements only")

    @model_validator(mode="after")
    def _period_in_order(self) -> ChildFollowUpCreate:
        if self.period_to < self.period_from:
            raise ValueError("period_to is before period_from")
        if len(set(self.assessments)) != len(self.assessments):
            raise ValueError("an assessment is listed twice")
        return self


# --- the collaboration agreement ------------------------------------------------------------------------------


class AgreementGoal(_In):
    goal: str = Field(min_length=1, max_length=1000)
    citizen_actions: str | None = _text(1000)
    caseworker_actions: str | None = _text(1000)
    follow_up_on: date | None = None
    reached: bool | None = Field(default=None, description="Er målet nået?")
    went_well: str | None = _text(1000)
    went_less_well: str | None = _text(1000)


class CollaborationAgreement(_In):
    """The outreach collaboration agreement (samarbejdsaftale) between the citizen and the caseworker."""

    agreed_on: date
    place: str | None = Field(default=None, max_length=300)
    present: list[str] = Field(default_factory=list, max_length=20)
    current_situation: str | None = _text(4000)
    goals_next_three_months: str | None = _text(4000)
    challenges: str | None = _text(4000)
    what_helps: str | None = _text(4000)
    goals: list[AgreementGoal] = Field(default_factory=list, max_length=10)
    coordination: str | None = _text(4000)


# --- plans ----------------------------------------------------------------------------------------------------


def _legal_bases(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    seen: list[str] = []
    for reference in value:
        if not reference.strip() or len(reference) > 60:
            raise ValueError("each legal basis is 1-60 characters")
        canonical = canonical_legal_basis(reference)
        if canonical not in seen:
            seen.append(canonical)
    return seen


class PlanCreate(_In):
    citizen_id: str = Field(min_length=1, max_length=100)
    kind: PlanKind
    status: PlanStatus = Field(default="active", description="draft or active; a plan is not created closed")
    responsible_unit: str = Field(min_length=1, max_length=200)
    legal_bases: list[str] = Field(default_factory=list, max_length=MAX_LEGAL_BASES)
    valid_from: date | None = None
    valid_to: date | None = None
    follow_up_period: str | None = Field(default=None, max_length=200, examples=["hver 3. måned"])
    overview: Overview = Field(default_factory=Overview)
    goals: list[GoalCreate] = Field(default_factory=list, max_length=MAX_GOALS)
    actors: list[ActorCreate] = Field(default_factory=list, max_length=MAX_ACTORS)
    child: ChildSections | None = None
    collaboration_agreement: CollaborationAgreement | None = None

    @field_validator("legal_bases")
    @classmethod
    def _canonical_bases(cls, value: list[str]) -> list[str]:
        return _legal_bases(value) or []


class PlanUpdate(_Update):
    """Send only what changes. Every change is a new version with a history entry."""

    never_null = ("overview", "legal_bases", "responsible_unit", "status")

    overview: OverviewUpdate | None = None
    legal_bases: list[str] | None = Field(default=None, max_length=MAX_LEGAL_BASES)
    responsible_unit: str | None = Field(default=None, min_length=1, max_length=200)
    valid_from: date | None = None
    valid_to: date | None = None
    follow_up_period: str | None = Field(default=None, max_length=200)
    status: PlanStatus | None = None
    child: ChildSections | None = None
    collaboration_agreement: CollaborationAgreement | None = None

    @field_validator("legal_bases")
    @classmethod
    def _canonical_bases(cls, value: list[str] | None) -> list[str] | None:
        return _legal_bases(value)


class PlanPublic(_Out):
    plan_id: str
    citizen_id: str
    kind: PlanKind
    status: PlanStatus
    responsible_unit: str
    legal_bases: list[str]
    valid_from: date | None = None
    valid_to: date | None = None
    follow_up_period: str | None = None
    overview: Overview
    goals: list[GoalPublic]
    actors: list[ActorPublic]
    child: ChildSections | None = None
    child_follow_ups: list[dict[str, Any]] = []
    collaboration_agreement: CollaborationAgreement | None = None
    replaced_by: str | None = None
    replaces: list[str] = []
    version: int


class LegalBasisPublic(BaseModel):
    reference: str
    label: str
    plan_kinds: list[PlanKind]


class HistoryEntry(BaseModel):
    version: int
    at: datetime
    by: str
    by_unit: str
    changes: list[dict[str, Any]]
