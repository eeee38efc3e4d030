"""Events on ``borgerplan.meetings.v1``."""

from __future__ import annotations

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


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (MeetingScheduled,)
