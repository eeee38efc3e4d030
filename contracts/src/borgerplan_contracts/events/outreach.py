"""Events on ``borgerplan.outreach.v1``: the outreach course (fremskudt sagsbehandling), decision 0056.

Ids, phases, kinds and dates only: no CPR, no name, no contact details, no concern or reason in the referrer's or the
caseworker's words. A course may start before the citizen is known by CPR: ``citizen_id`` is then none and the
envelope's subject (the Kafka key) is the course's id; from ``OutreachCitizenIdentified`` on it is the citizen's.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from borgerplan_contracts.events.base import EventData

ReferrerKind = Literal[
    "regional_psychiatry",
    "housing_association",
    "shelter",
    "general_practitioner",
    "relative",
    "citizen",
    "other",
]
AttemptMeans = Literal["letter", "phone", "visit", "partner"]
AttemptOutcome = Literal["no_answer", "door_not_opened", "refused", "contact_made"]
CoursePhase = Literal[
    "referred", "assessed", "not_in_target_group", "contacting", "in_contact", "transferred"
]
TransitionKind = Literal["plan", "advice_only", "network_support"]
DeadlineKind = Literal[
    "contact",
    "first_meeting",
    "advice",
    "needs_assessment",
    "coordinating_internal",
    "coordinating_external",
    "follow_up",
]
Milestone = Literal[
    "assessed",
    "assigned",
    "attempt",
    "first_contact",
    "first_meeting",
    "advice",
    "agreement",
    "external_request",
    "needs_assessment",
    "coordinating_meeting",
    "clock_stopped",
    "clock_restarted",
    "follow_up",
]


class _OutreachEvent(EventData):
    service: ClassVar[str] = "outreach"


class OutreachCourseOpened(_OutreachEvent):
    """A referral opened a course for the outreach team."""

    name: ClassVar[str] = "course_opened"
    course_id: str
    citizen_id: str | None = None
    team_unit: str
    referrer_kind: ReferrerKind
    received_on: date
    contact_due_on: date


class OutreachMilestoneRecorded(_OutreachEvent):
    """A step of the course was recorded; ``next_due_on`` is the earliest open deadline after it."""

    name: ClassVar[str] = "milestone_recorded"
    course_id: str
    citizen_id: str | None = None
    team_unit: str
    milestone: Milestone
    on: date
    phase: CoursePhase
    caseworker_sub: str | None = Field(default=None, description="the assigned outreach caseworker")
    next_due_on: date | None = None


class OutreachCitizenIdentified(_OutreachEvent):
    """A course opened for an unidentified citizen was joined to the citizen (registered by the plan service)."""

    name: ClassVar[str] = "citizen_identified"
    course_id: str
    citizen_id: str
    team_unit: str


class OutreachCourseTransferred(_OutreachEvent):
    """The course ended: handed over to ordinary casework, or closed with advice or network support."""

    name: ClassVar[str] = "course_transferred"
    course_id: str
    citizen_id: str | None = None
    team_unit: str
    kind: TransitionKind
    receiving_units: list[str] = Field(default_factory=list)
    plan_id: str | None = None
    ended_on: date
    follow_up_from: date
    follow_up_by: date


EVENTS: tuple[type[EventData], ...] = (
    OutreachCourseOpened,
    OutreachMilestoneRecorded,
    OutreachCitizenIdentified,
    OutreachCourseTransferred,
)
