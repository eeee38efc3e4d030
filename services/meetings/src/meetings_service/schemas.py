"""HTTP shapes of the meetings service."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from borgerplan_contracts.events.meetings import MeetingKind, ParticipantKind


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
    coordinator_unit: str = Field(min_length=1, max_length=200)
    participants: list[ParticipantCreate] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingCreate:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ParticipantPublic(ParticipantCreate):
    model_config = ConfigDict(extra="ignore")

    participant_id: str
    invitation_status: Literal["needs_action", "accepted", "declined", "tentative"]


class MeetingPublic(BaseModel):
    meeting_id: str
    plan_id: str
    citizen_id: str
    kind: MeetingKind
    status: Literal["scheduled", "cancelled", "held"]
    start: AwareDatetime
    end: AwareDatetime
    place: str | None
    coordinator_unit: str
    participants: list[ParticipantPublic]
    version: int
