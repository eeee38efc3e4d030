"""HTTP shapes of the meetings service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from borgerplan_contracts.events.meetings import MeetingKind, ParticipantKind

InvitationStatus = Literal["needs_action", "accepted", "declined", "tentative"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ParticipantCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    kind: ParticipantKind
    unit: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _unit_for_professionals(self) -> ParticipantCreate:
        if self.kind in ("authority", "provider", "external") and not self.unit:
            raise ValueError("a professional participant names their unit")
        return self


class MeetingCreate(_In):
    plan_id: str = Field(min_length=1, max_length=100)
    kind: MeetingKind
    start: AwareDatetime
    end: AwareDatetime
    place: str | None = Field(default=None, max_length=300)
    place_chosen_by_citizen: bool = False
    coordinator_unit: str = Field(min_length=1, max_length=200)
    coordinator_name: str | None = Field(default=None, max_length=200)
    minute_taker: str | None = Field(default=None, max_length=200)
    participants: list[ParticipantCreate] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingCreate:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class MeetingUpdate(_In):
    """Reschedule (time, place), cancel, or name the minute-taker. Send only what changes."""

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    place: str | None = Field(default=None, max_length=300)
    minute_taker: str | None = Field(default=None, max_length=200)
    status: Literal["cancelled"] | None = None


class ParticipantResponse(_In):
    invitation_status: InvitationStatus
    apology: str | None = Field(default=None, max_length=500, description="afbud")


class AgendaItemCreate(_In):
    topic: str = Field(min_length=1, max_length=300)
    responsible: str | None = Field(default=None, max_length=200)
    aim: str | None = Field(default=None, max_length=1000, description="what the item should achieve")
    minutes: int = Field(default=10, ge=1, le=120, description="minutes allotted")


class Attendance(_In):
    participant_id: str = Field(max_length=100)
    attended: bool


class ItemDecision(_In):
    item_id: str = Field(max_length=100)
    decision: str = Field(min_length=1, max_length=4000)


class TaskCreate(_In):
    what: str = Field(min_length=1, max_length=1000)
    responsible_participant_id: str | None = Field(default=None, max_length=100)
    responsible_unit: str | None = Field(default=None, max_length=200)
    due: date

    @model_validator(mode="after")
    def _someone_responsible(self) -> TaskCreate:
        if not self.responsible_participant_id and not self.responsible_unit:
            raise ValueError("a task names who is responsible (participant or unit)")
        return self


class MinutesPut(_In):
    attendance: list[Attendance] = Field(default_factory=list, max_length=40)
    decisions: list[ItemDecision] = Field(default_factory=list, max_length=40)
    tasks: list[TaskCreate] = Field(default_factory=list, max_length=50)
    citizen_attended: bool
    citizen_briefed_by: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _citizen_briefed(self) -> MinutesPut:
        if not self.citizen_attended and not self.citizen_briefed_by:
            raise ValueError("when the citizen did not attend, name who briefs them (citizen_briefed_by)")
        return self


class ParticipantPublic(ParticipantCreate, _Out):
    model_config = ConfigDict(extra="ignore")

    participant_id: str
    invitation_status: InvitationStatus
    apology: str | None = None


class Uninvited(_Out):
    name: str
    unit: str | None
    reason: str


class AgendaItemPublic(_Out):
    item_id: str
    key: str | None = None
    topic: str
    responsible: str | None = None
    aim: str | None = None
    minutes: int
    added_by_unit: str | None = None


class TaskPublic(_Out):
    task_id: str
    what: str
    responsible_participant_id: str | None
    responsible_unit: str | None
    due: date
    completed_on: date | None = None
    overdue_notified: bool = False


class MinutesPublic(_Out):
    attendance: list[Attendance]
    decisions: list[ItemDecision]
    tasks: list[TaskPublic]
    citizen_attended: bool
    citizen_briefed_by: str | None
    published_at: datetime | None = None
    recipients: list[str] = []


class MeetingPublic(_Out):
    meeting_id: str
    plan_id: str
    citizen_id: str
    kind: MeetingKind
    status: Literal["scheduled", "cancelled"]
    start: AwareDatetime
    end: AwareDatetime
    place: str | None
    place_chosen_by_citizen: bool = False
    coordinator_unit: str
    coordinator_name: str | None = None
    minute_taker: str | None = None
    participants: list[ParticipantPublic]
    uninvited: list[Uninvited] = []
    agenda: list[AgendaItemPublic] = []
    agenda_closes_on: date
    minutes_due_on: date
    minutes: MinutesPublic | None = None
    warnings: list[str] = []
    sequence: int = 0
    version: int


class OverdueItem(_Out):
    kind: Literal["minutes", "task"]
    meeting_id: str
    citizen_id: str
    due: date
    task_id: str | None = None
    responsible_unit: str | None = None
