"""The plan service's public models: citizens, plans, goals (with scores on a declared scale), actors, child sections.

Field-level rules (lengths, list sizes, formats, scales) live here; rules that need the plan's state, and the
normalising of legal-basis spellings, live in the plan service's domain. Lists are bounded so a plan stays a
readable document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import EmailStr, Field, field_validator, model_validator

from borgerplan_api.base import In, Out, Update
from borgerplan_contracts.events.consent import InformationCategory
from borgerplan_contracts.events.plan import (
    ActorKind,
    GoalStatus,
    NetworkCategory,
    PlanKind,
    PlanStatus,
    Section70Assessment,
    SofTheme,
    VumTheme,
)

__all__ = [
    "ActorKind",
    "GoalStatus",
    "InformationCategory",
    "NetworkCategory",
    "PlanKind",
    "PlanStatus",
    "Section70Assessment",
    "SofTheme",
    "VumTheme",
]

MeasureKind = Literal["placement", "preventive"]
# "Handleplan for" in the children's template: what the plan covers.
ChildEffort = Literal["placement", "preventive", "aftercare", "youth_sanction", "network_council"]
# The two anchor roles around the citizen (DOMAIN.md, Parties).
Anchor = Literal["contact_person", "caseworker"]

CPR_PATTERN = r"^\s*[0-9]{6}-?[0-9]{4}\s*$"
MAX_GOALS = 10
MAX_ACTORS = 50
MAX_SUB_GOALS = 10
MAX_AGREEMENTS = 20
MAX_LEGAL_BASES = 20


def _text(max_length: int = 2000) -> Any:
    return Field(default=None, max_length=max_length)


# --- citizens -------------------------------------------------------------------------------------------------


class CitizenCreate(In):
    cpr: str = Field(
        description="CPR number, DDMMYY-SSSS or DDMMYYSSSS", examples=["0101901234"], pattern=CPR_PATTERN
    )
    name: str = Field(min_length=1, max_length=200)

    @field_validator("cpr")
    @classmethod
    def _valid_cpr(cls, value: str) -> str:
        from borgerplan_api.cpr import normalise_cpr

        return normalise_cpr(value)


class CitizenPublic(Out):
    citizen_id: str
    name: str
    birth_date: date
    version: int


# --- overview -------------------------------------------------------------------------------------------------


class OwnWords(In):
    """ "Her er mit liv": the citizen's own words."""

    manage_myself: str | None = Field(default=None, max_length=2000, description="Jeg vil gerne selv kunne")
    i_can: str | None = Field(default=None, max_length=2000, description="Jeg kan")
    dreams: str | None = Field(default=None, max_length=2000, description="Mine drømme")
    interests: str | None = Field(default=None, max_length=2000, description="Mine interesser")


class Overview(In):
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


class OwnWordsUpdate(In):
    manage_myself: str | None = _text()
    i_can: str | None = _text()
    dreams: str | None = _text()
    interests: str | None = _text()


class OverviewUpdate(Update):
    """Only the fields sent change; send ``null`` to clear one."""

    never_null = ("own_words",)

    purpose: str | None = _text()
    occupied_with: str | None = _text()
    own_words: OwnWordsUpdate | None = None
    employment: str | None = _text()
    notes: str | None = _text(4000)


# --- goals ----------------------------------------------------------------------------------------------------


class SubGoal(In):
    """One step of the goal ladder (måltrappen); the list's order is the ladder, first step first."""

    title: str = Field(min_length=1, max_length=500)
    achieved: bool = False


class Agreement(In):
    """Who does what, when and how (aftaler)."""

    who: str = Field(min_length=1, max_length=200)
    what: str = Field(min_length=1, max_length=1000)
    when: str | None = Field(default=None, max_length=200, description="a date or words, e.g. 'hver tirsdag'")
    how: str | None = Field(default=None, max_length=1000)


class GoalCreate(In):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = _text(4000)
    category: InformationCategory = "general"
    sof_theme: SofTheme | None = None
    vum_theme: VumTheme | None = None
    sub_goals: list[SubGoal] = Field(default_factory=list, max_length=MAX_SUB_GOALS)
    agreements: list[Agreement] = Field(default_factory=list, max_length=MAX_AGREEMENTS)


class GoalUpdate(Update):
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


ScoreScale = Literal["1-10", "0-4", "words"]
# The declared scales: the visual plan's 1-10 ("Mit liv - Min plan"), VUM's and FSIII's function levels 0-4 (0 no,
# 1 slight, 2 moderate, 3 severe, 4 complete reduction of function), and words where numbers mean little.
SCALE_RANGES: dict[str, tuple[int, int]] = {"1-10": (1, 10), "0-4": (0, 4)}


class ScoreIn(In):
    """Score now and expected on a declared scale; words instead of numbers where numbers mean little.

    When the citizen and the professional cannot agree, the professional score is recorded and the citizen's
    disagreement noted, with the citizen's own score on the same scale and/or their own words.
    """

    scale: ScoreScale = Field(default="1-10", description="1-10 (the visual plan), 0-4 (VUM/FSIII) or words")
    now: int | None = Field(default=None, description="the score now, on the scale (numeric scales)")
    expected: int | None = Field(default=None, description="the score expected, on the scale")
    now_words: str | None = Field(
        default=None, max_length=200, description="the score now in words (scale 'words'), or a note"
    )
    expected_words: str | None = Field(default=None, max_length=200)
    citizen_score: int | None = Field(
        default=None, description="the citizen's own score on the same scale, when they disagree"
    )
    citizen_disagrees: bool = False
    citizen_view: str | None = Field(
        default=None, max_length=500, description="the citizen's own words, when they disagree"
    )

    @model_validator(mode="after")
    def _on_the_scale(self) -> ScoreIn:
        numbers = {"now": self.now, "expected": self.expected, "citizen_score": self.citizen_score}
        if self.scale == "words":
            given = [name for name, value in numbers.items() if value is not None]
            if given:
                raise ValueError(f"the words scale takes no numbers ({', '.join(given)}); use now_words")
            if not self.now_words:
                raise ValueError("a score in words needs now_words")
        else:
            low, high = SCALE_RANGES[self.scale]
            if self.now is None:
                raise ValueError(f"a score on the {self.scale} scale needs now")
            for name, value in numbers.items():
                if value is not None and not low <= value <= high:
                    raise ValueError(f"{name} must be between {low} and {high} on the {self.scale} scale")
        if self.citizen_disagrees and self.citizen_score is None and not self.citizen_view:
            raise ValueError("when the citizen disagrees, record their own score or view")
        if (self.citizen_score is not None or self.citizen_view) and not self.citizen_disagrees:
            raise ValueError("the citizen's own score and view are recorded only when the citizen disagrees")
        return self


class ScorePublic(Out):
    """A recorded score: the score as given, who recorded it and when."""

    scale: ScoreScale
    now: int | None = None
    expected: int | None = None
    now_words: str | None = None
    expected_words: str | None = None
    citizen_score: int | None = None
    citizen_disagrees: bool = False
    citizen_view: str | None = None
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _stored_before_scales(cls, data: Any) -> Any:
        # Scores stored before scales were declared held free strings; the plan service migrates them at start,
        # and a reader never fails on one it has not reached yet.
        if isinstance(data, dict) and isinstance(data.get("now"), str):
            return {**data, **score_on_a_scale(data)}
        return data


def score_on_a_scale(old: dict[str, Any]) -> dict[str, Any]:
    """A score of the free-text era (``now``/``expected`` strings, ``scale`` a free label) on a declared scale."""

    def number(text: Any) -> int | None:
        text = str(text).strip() if text is not None else ""
        return int(text) if text.isdigit() else None

    now, expected = number(old.get("now")), number(old.get("expected"))
    numeric = now is not None and (old.get("expected") in (None, "") or expected is not None)
    label = str(old.get("scale") or "").replace(" ", "")
    candidates = [label] if label in SCALE_RANGES else ["1-10", "0-4"]
    for scale in candidates if numeric else []:
        low, high = SCALE_RANGES[scale]
        if all(v is None or low <= v <= high for v in (now, expected)):
            return {
                "scale": scale,
                "now": now,
                "expected": expected,
                "now_words": None,
                "expected_words": None,
            }
    return {
        "scale": "words",
        "now": None,
        "expected": None,
        "now_words": str(old.get("now") or "")[:200] or "-",
        "expected_words": str(old["expected"])[:200] if old.get("expected") else None,
    }


class StatusEntry(Out):
    status: GoalStatus
    step: int | None = None
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None


class FollowUpPublic(Out):
    date: date
    text: str
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None


GoalUpdate.model_rebuild()


class FollowUpCreate(In):
    date: date
    text: str = Field(min_length=1, max_length=4000)


class SubGoalPublic(SubGoal, Out):
    step: int


class GoalPublic(Out):
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
    status_history: list[StatusEntry] = []
    scores: list[ScorePublic] = []
    follow_ups: list[FollowUpPublic] = []
    citizen_scores: list[CitizenScorePublic] = Field(
        default=[],
        description="the citizen's own scores and whether they agree (the professional score stays the "
        "record)",
    )
    comments: list[CommentPublic] = []

    @model_validator(mode="before")
    @classmethod
    def _number_the_ladder(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("sub_goals"):
            data = {**data, "sub_goals": [{**s, "step": i} for i, s in enumerate(data["sub_goals"], 1)]}
        return data


# --- actors (the network map) ---------------------------------------------------------------------------------


class ActorFields(In):
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


class ActorUpdate(Update):
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


class ActorPublic(Out):
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


class Measure(In):
    """A current measure (foranstaltning): granted under a paragraph, from / to."""

    title: str = Field(min_length=1, max_length=300)
    granted_under: str = Field(min_length=1, max_length=60, examples=["SEL §52, stk. 3, nr. 7"])
    kind: MeasureKind
    valid_from: date
    valid_to: date | None = None
    valid_to_text: str | None = Field(default=None, max_length=200, description="'Til' in words")


class PlacementDecisions(In):
    """ "Kun anbringelsessager": the decisions made."""

    parent_support: bool = Field(default=False, description="§ 54, stk. 2, with a parents' plan")
    contact_and_visits: bool = False
    parental_payment: bool = False


class ExpectedDuration(In):
    valid_from: date | None = None
    to_text: str | None = Field(default=None, max_length=200)


class ChildSections(In):
    measures: list[Measure] = Field(default_factory=list, max_length=20)
    plan_for: list[ChildEffort] = Field(default_factory=list, max_length=5)
    goals_for_effort: str | None = Field(default=None, max_length=4000, description="Mål for indsatsen")
    expected_duration: ExpectedDuration | None = None
    concern_basis: str | None = Field(default=None, max_length=8000, description="Bekymringsgrundlag (§ 50)")
    placement_decisions: PlacementDecisions | None = None


class ChildFollowUpCreate(In):
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


class ChildFollowUpPublic(Out):
    """A recorded § 70 follow-up, with who recorded it and when."""

    period_from: date
    period_to: date
    progress: str
    assessment_text: str | None = None
    assessments: list[Section70Assessment]
    personal_supervision_done: bool = False
    parent_plan_revision_offered: bool = False
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None


# --- the collaboration agreement ------------------------------------------------------------------------------


class AgreementGoal(In):
    goal: str = Field(min_length=1, max_length=1000)
    citizen_actions: str | None = _text(1000)
    caseworker_actions: str | None = _text(1000)
    follow_up_on: date | None = None
    reached: bool | None = Field(default=None, description="Er målet nået?")
    went_well: str | None = _text(1000)
    went_less_well: str | None = _text(1000)


class CollaborationAgreement(In):
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
    if value is not None:
        for reference in value:
            if not reference.strip() or len(reference) > 60:
                raise ValueError("each legal basis is 1-60 characters")
    return value


class PlanCreate(In):
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
    def _bounded_bases(cls, value: list[str]) -> list[str]:
        return _legal_bases(value) or []


class PlanUpdate(Update):
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
    def _bounded_bases(cls, value: list[str] | None) -> list[str] | None:
        return _legal_bases(value)


class PlanPublic(Out):
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
    child_follow_ups: list[ChildFollowUpPublic] = []
    collaboration_agreement: CollaborationAgreement | None = None
    replaced_by: str | None = None
    replaces: list[str] = []
    citizen_words: CitizenWordsPublic | None = Field(
        default=None, description="the citizen's own words as they wrote them themself (decision 0061)"
    )
    change_requests: list[ChangeRequestPublic] = []
    version: int


class LegalBasisPublic(Out):
    reference: str
    label: str
    plan_kinds: list[PlanKind]


class FieldChange(Out):
    """One field of a version: its path (``goals.<goal_id>.status``) and the value before and after."""

    model_config = Out.model_config | {"extra": "allow"}

    field: str
    from_: Any = Field(default=None, alias="from")
    to: Any = None


class HistoryEntry(Out):
    """One version of the plan: who made it, when, and what changed."""

    version: int
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None
    author: Author = Field(default="staff", description="citizen: the citizen wrote this version themself")
    changes: list[FieldChange] = []


# --- between the gateway and the plan service -----------------------------------------------------------------


class CitizenPlans(Out):
    """The citizen and their plans in one answer (the composed view's read)."""

    citizen: CitizenPublic
    plans: list[PlanPublic]


class PlanRef(Out):
    """What deciding a relation needs of a plan: its citizen, kind, status and units."""

    plan_id: str
    citizen_id: str
    kind: PlanKind
    status: PlanStatus
    responsible_unit: str
    actor_units: list[str] = []


class CaseloadPlan(Out):
    plan_id: str
    kind: PlanKind
    status: PlanStatus


class CaseloadRow(Out):
    """A citizen of a unit's caseload: the unit is responsible for or takes part in a current plan."""

    citizen_id: str
    name: str
    birth_date: date
    relation: Literal["responsible", "actor"]
    plans: list[CaseloadPlan]


class CaseloadAmong(In):
    """The rows of a unit's caseload among these citizens (the worklist's overdue ones)."""

    citizen_ids: list[str] = Field(min_length=1, max_length=1000)
    name: str | None = Field(default=None, max_length=200)


class CitizenLookup(In):
    citizen_ids: list[str] = Field(min_length=1, max_length=1000)


class CitizenName(Out):
    citizen_id: str
    name: str
    birth_date: date


# --- the citizen writes (decision 0061) ---------------------------------------------------------------------

MAX_COMMENTS = 50
MAX_CITIZEN_SCORES = 50
MAX_CHANGE_REQUESTS = 50
ChangeRequestKind = Literal["new_goal", "change_agreement", "correct_fact"]
ChangeRequestStatus = Literal["open", "accepted", "changed", "declined"]
ChangeRequestOutcome = Literal["accepted", "changed", "declined"]
Author = Literal["citizen", "staff"]


class CitizenWordsUpdate(Update):
    """The citizen's own words, written by the citizen: only the parts sent change; ``null`` clears one."""

    occupied_with: str | None = _text()
    own_words: OwnWordsUpdate | None = None

    @model_validator(mode="after")
    def _something(self) -> CitizenWordsUpdate:
        if not self.model_fields_set:
            raise ValueError("send at least one of occupied_with and own_words")
        return self


class CitizenWordsPublic(Out):
    """What the citizen wrote themself: shown as theirs beside (not instead of) what staff recorded."""

    occupied_with: str | None = None
    own_words: OwnWords = OwnWords()
    at: datetime | None = None


class CitizenScoreCreate(In):
    """The citizen's own score on a goal and whether they agree with the professional score (which stays the
    record); on the scale of the goal's latest professional score (1-10 when it has none)."""

    agrees: bool
    score: int | None = Field(default=None, description="the citizen's own score now, on the goal's scale")
    words: str | None = Field(default=None, max_length=200, description="the score in words (scale 'words')")
    view: str | None = Field(default=None, max_length=500, description="the citizen's own words about it")

    @model_validator(mode="after")
    def _something_said(self) -> CitizenScoreCreate:
        if self.score is None and not self.words and self.agrees is False and not self.view:
            raise ValueError("when you disagree, give your own score or say why")
        return self


class CitizenScorePublic(Out):
    scale: ScoreScale
    agrees: bool
    score: int | None = None
    words: str | None = None
    view: str | None = None
    at: datetime
    by: str


class CommentCreate(In):
    text: str = Field(min_length=1, max_length=2000)


class CommentPublic(Out):
    comment_id: str
    text: str
    author: Author
    at: datetime
    by: str
    by_name: str | None = None


class ChangeRequestCreate(In):
    """The citizen asks for a change: a new goal, a change of an agreement, or a correction of a fact."""

    kind: ChangeRequestKind
    text: str = Field(min_length=1, max_length=2000, description="what the citizen asks for, in their words")
    goal_id: str | None = Field(default=None, max_length=100, description="the goal it is about, if any")
    title: str | None = Field(
        default=None, min_length=1, max_length=300, description="a new goal's title (kind new_goal)"
    )

    @model_validator(mode="after")
    def _fits_the_kind(self) -> ChangeRequestCreate:
        if self.kind == "new_goal" and not self.title:
            raise ValueError("a request for a new goal names the goal (title)")
        if self.kind == "change_agreement" and not self.goal_id:
            raise ValueError("a request to change an agreement names its goal (goal_id)")
        return self


class ChangeRequestDecision(In):
    """The responsible caseworker's answer: accept, change (what is done differs from what was asked) or decline,
    always with a reason. Accepting a new goal adds it; ``title`` is the goal as changed."""

    outcome: ChangeRequestOutcome
    reason: str = Field(min_length=1, max_length=2000)
    title: str | None = Field(default=None, min_length=1, max_length=300)

    @model_validator(mode="after")
    def _changed_says_how(self) -> ChangeRequestDecision:
        if self.title is not None and self.outcome != "changed":
            raise ValueError("title belongs to outcome changed")
        return self


class DecisionPublic(Out):
    outcome: ChangeRequestOutcome
    reason: str
    goal_id: str | None = None
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None


class ChangeRequestPublic(Out):
    request_id: str
    kind: ChangeRequestKind
    text: str
    goal_id: str | None = None
    title: str | None = None
    status: ChangeRequestStatus
    at: datetime
    by: str
    decision: DecisionPublic | None = None


class OpenRequest(Out):
    """A citizen's request waiting for the responsible unit's answer (the unit's worklist; its words are in the
    plan)."""

    plan_id: str
    citizen_id: str
    request_id: str
    kind: ChangeRequestKind
    at: datetime
    citizen_name: str | None = None


for _model in (GoalPublic, PlanPublic, CitizenPlans, HistoryEntry):
    _model.model_rebuild()
