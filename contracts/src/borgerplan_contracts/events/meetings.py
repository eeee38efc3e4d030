"""Events on ``borgerplan.meetings.v1``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from borgerplan_contracts.events.base import EventData

MeetingKind = Literal["preparation", "network", "citizen_plan", "coordinating", "follow_up"]
ParticipantKind = Literal["citizen", "authority", "provider", "external", "private_network"]


class InvitedParticipant(BaseModel):
    """A participant as the bus may carry it: professional contact data only.

    ``email`` is present for professionals (authority, provider, external); the citizen's and the private
    network's contact data never travel on the bus: notify asks the plan service for them.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    participant_id: str
    kind: ParticipantKind
    unit: str | None = None
    name: str | None = Field(default=None, description="Professionals only")
    email: str | None = Field(default=None, description="Professionals only")


class _MeetingsEvent(EventData):
    service: ClassVar[str] = "meetings"


class MeetingScheduled(_MeetingsEvent):
    """A meeting of a plan was scheduled and its participants are to be invited."""

    name: ClassVar[str] = "meeting_scheduled"
    meeting_id: str
    plan_id: str
    citizen_id: str
    kind: MeetingKind
    start: AwareDatetime
    end: AwareDatetime
    coordinator_unit: str
    participants: list[InvitedParticipant]
    sequence: int = 0
    agenda_closes_on: date | None = None
    minutes_due_on: date | None = None


class MeetingRescheduled(_MeetingsEvent):
    """Time or place changed: participants get an update (same UID, higher SEQUENCE)."""

    name: ClassVar[str] = "meeting_rescheduled"
    meeting_id: str
    plan_id: str
    citizen_id: str
    kind: MeetingKind
    start: AwareDatetime
    end: AwareDatetime
    sequence: int
    participants: list[InvitedParticipant]
    agenda_closes_on: date | None = None
    minutes_due_on: date | None = None


class MeetingCancelled(_MeetingsEvent):
    name: ClassVar[str] = "meeting_cancelled"
    meeting_id: str
    plan_id: str
    citizen_id: str
    kind: MeetingKind
    start: AwareDatetime
    sequence: int
    participants: list[InvitedParticipant]


class AgendaItemAdded(_MeetingsEvent):
    """A participant put an item on the agenda (its text stays in the meetings service)."""

    name: ClassVar[str] = "agenda_item_added"
    meeting_id: str
    citizen_id: str
    item_id: str
    added_by_unit: str


class PreparationWritten(_MeetingsEvent):
    """The citizen wrote their preparation sheet for the meeting (its words stay in the meetings service)."""

    name: ClassVar[str] = "preparation_written"
    meeting_id: str
    citizen_id: str
    coordinator_unit: str


class MinutesPublished(_MeetingsEvent):
    """The minutes are final; they go to the participants permitted to receive them."""

    name: ClassVar[str] = "minutes_published"
    meeting_id: str
    plan_id: str
    citizen_id: str
    recipients: list[InvitedParticipant]
    withheld_units: list[str] = Field(default_factory=list, description="Participants' units without consent")
    citizen_attended: bool
    task_count: int


class TaskAssigned(_MeetingsEvent):
    name: ClassVar[str] = "task_assigned"
    meeting_id: str
    citizen_id: str
    task_id: str
    responsible_unit: str | None
    responsible_participant_id: str | None = None
    due: date


class TaskCompleted(_MeetingsEvent):
    name: ClassVar[str] = "task_completed"
    meeting_id: str
    citizen_id: str
    task_id: str
    completed_on: date


class MinutesOverdue(_MeetingsEvent):
    name: ClassVar[str] = "minutes_overdue"
    meeting_id: str
    citizen_id: str
    coordinator_unit: str
    due: date


class TaskOverdue(_MeetingsEvent):
    name: ClassVar[str] = "task_overdue"
    meeting_id: str
    citizen_id: str
    task_id: str
    responsible_unit: str | None
    coordinator_unit: str
    due: date


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (
    MeetingScheduled,
    MeetingRescheduled,
    MeetingCancelled,
    AgendaItemAdded,
    MinutesPublished,
    TaskAssigned,
    TaskCompleted,
    MinutesOverdue,
    TaskOverdue,
    PreparationWritten,
)
