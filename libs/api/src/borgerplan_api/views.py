"""What the gateway composes itself: the citizen's plan view, one plan or meeting as the caller may see it,
worklists and the access log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from borgerplan_api.base import Out
from borgerplan_api.meetings import CitizenDeadline, CitizenTask, MeetingPublic, NextMeeting, UnitDeadline
from borgerplan_api.plan import CaseloadPlan, CitizenPublic, PlanPublic
from borgerplan_contracts.events.consent import InformationCategory, Purpose


class Withheld(Out):
    """A part left out for this caller, and why (the citizen has not consented, minutes not sent to the unit)."""

    section: str = Field(
        description="where: plans.<plan_id>.goals.<goal_id>, meetings, meetings.<id>.minutes"
    )
    category: InformationCategory | None = None
    reason: Literal[
        "no_consent_for_category", "no_consent_to_receive_minutes", "not_published", "citizen_and_responsible"
    ]


class ConsentSummary(Out):
    consent_id: str
    grantee_unit: str
    categories: list[InformationCategory]
    purposes: list[Purpose]
    status: Literal["active", "revoked", "expired"]
    valid_from: date
    valid_until: date | None = None


class PlanView(Out):
    """The single composed view of a citizen's plan, as the caller may see it.

    ``withheld`` lists what was left out and why; ``degraded`` names parts that could not be fetched, so a partial
    answer is never mistaken for a whole one.
    """

    citizen: CitizenPublic
    plans: list[PlanPublic]
    meetings: list[MeetingPublic]
    tasks: list[CitizenTask] = Field(
        description="open tasks of published minutes the caller may see, by due date"
    )
    deadlines: list[CitizenDeadline] = Field(description="minutes and agenda deadlines, by due date")
    consent_summary: list[ConsentSummary]
    withheld: list[Withheld]
    degraded: list[Literal["meetings", "consents"]]


class PlanShown(PlanPublic):
    """One plan as the caller may see it."""

    withheld: list[Withheld]


class MeetingShown(MeetingPublic):
    """One meeting as the caller may see it."""

    withheld: list[Withheld]


class AccessLogEntry(Out):
    seq: int = Field(description="the entry's place in its chain (one chain per citizen and gateway process)")
    at: datetime
    unit: str
    purpose: str
    sections: list[str]
    sub: str | None = Field(default=None, description="who read (administrators only)")
    name: str | None = Field(default=None, description="administrators only")
    request_id: str | None = Field(default=None, description="administrators only")


class AccessLogPage(Out):
    items: list[AccessLogEntry]
    next_before: str | None = Field(description="ask with before=this for older entries")


class MyCitizen(Out):
    """A citizen of the caller's unit's caseload ("Mine borgere")."""

    citizen_id: str
    name: str | None = Field(description="left out for a unit without the citizen's consent to see the plan")
    birth_date: date | None = None
    relation: Literal["responsible", "actor"]
    consented: bool = Field(description="the unit may see the plan (responsible, or by consent)")
    plans: list[CaseloadPlan]
    next_meeting: NextMeeting | None = None
    overdue_count: int
    open_task_count: int


class MyDeadline(UnitDeadline):
    """A deadline or task of the caller's unit, with the citizen's name."""

    citizen_name: str | None = None


class Health(Out):
    status: Literal["ok"]
    service: str


class Readiness(Out):
    status: Literal["ready", "not_ready"]
    checks: dict[str, bool]
