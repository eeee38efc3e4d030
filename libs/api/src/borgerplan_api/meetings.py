"""The meetings service's public models: meetings, participants, the agenda, minutes, tasks and deadlines.

Field-level rules (lengths, list sizes, formats) live here; rules that need the meeting's state (the agenda closing
4 working days before, minutes that can no longer change once published, who is invited) live in the meetings
service's domain. ``XCreate``/``XUpdate``/``XPut`` come in, ``XPublic`` goes out; the internal answers the gateway
composes views from (a citizen's meetings with tasks and deadlines, the worklist summary, a unit's deadlines) are
here too, so the gateway reads them with the same classes the service writes them with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal, get_args

from pydantic import AwareDatetime, EmailStr, Field, model_validator

from borgerplan_api.base import In, Out, Update
from borgerplan_api.consent import UnitKind
from borgerplan_contracts.events.meetings import MeetingKind, ParticipantKind

__all__ = ["MeetingKind", "ParticipantKind"]

InvitationStatus = Literal["needs_action", "accepted", "declined", "tentative"]
MeetingStatus = Literal["scheduled", "cancelled"]
MeetingWarning = Literal["coordinating_meeting_over_one_hour", "plan_meeting_less_than_12_weeks_ahead"]
CitizenDeadlineKind = Literal["minutes_due", "agenda_closes"]
UnitDeadlineKind = Literal["task", "minutes_due", "agenda_closes"]

MAX_PARTICIPANTS = 40
MAX_TASKS = 50
MAX_SUMMARY_CITIZENS = 1000

CitizenId = Annotated[str, Field(min_length=1, max_length=100)]


# --- scheduling -----------------------------------------------------------------------------------------------


class ParticipantCreate(In):
    name: str = Field(min_length=1, max_length=200)
    kind: ParticipantKind
    unit: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _unit_for_professionals(self) -> ParticipantCreate:
        if self.kind in get_args(UnitKind) and not self.unit:
            raise ValueError("a professional participant names their unit")
        return self


class MeetingCreate(In):
    plan_id: str = Field(min_length=1, max_length=100)
    kind: MeetingKind
    start: AwareDatetime
    end: AwareDatetime
    place: str | None = Field(default=None, max_length=300)
    place_chosen_by_citizen: bool = False
    coordinator_unit: str = Field(min_length=1, max_length=200)
    coordinator_name: str | None = Field(default=None, max_length=200)
    minute_taker: str | None = Field(default=None, max_length=200)
    participants: list[ParticipantCreate] = Field(min_length=1, max_length=MAX_PARTICIPANTS)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingCreate:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class InvitationPreviewRequest(In):
    """Who would be invited to a meeting of this plan, and who not and why? A dry run of scheduling."""

    plan_id: str = Field(min_length=1, max_length=100)
    participants: list[ParticipantCreate] = Field(min_length=1, max_length=MAX_PARTICIPANTS)


class MeetingUpdate(Update):
    """Reschedule (time, place), cancel, or name the minute-taker. Send only what changes; ``null`` clears the place
    or the minute-taker."""

    never_null: ClassVar[tuple[str, ...]] = ("start", "end", "status")

    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    place: str | None = Field(default=None, max_length=300)
    minute_taker: str | None = Field(default=None, max_length=200)
    status: Literal["cancelled"] | None = None


class ParticipantResponse(In):
    invitation_status: InvitationStatus
    apology: str | None = Field(default=None, max_length=500, description="afbud")


class AgendaItemCreate(In):
    topic: str = Field(min_length=1, max_length=300)
    responsible: str | None = Field(default=None, max_length=200)
    aim: str | None = Field(default=None, max_length=1000, description="what the item should achieve")
    minutes: int = Field(default=10, ge=1, le=120, description="minutes allotted")


# --- minutes --------------------------------------------------------------------------------------------------


class Attendance(In):
    participant_id: str = Field(max_length=100)
    attended: bool


class ItemDecision(In):
    item_id: str = Field(max_length=100)
    decision: str = Field(min_length=1, max_length=4000)


class TaskCreate(In):
    what: str = Field(min_length=1, max_length=1000)
    responsible_participant_id: str | None = Field(default=None, max_length=100)
    responsible_unit: str | None = Field(default=None, max_length=200)
    due: date
    item_id: str | None = Field(
        default=None, max_length=100, description="the agenda item the task was agreed under, if any"
    )

    @model_validator(mode="after")
    def _someone_responsible(self) -> TaskCreate:
        if not self.responsible_participant_id and not self.responsible_unit:
            raise ValueError("a task names who is responsible (participant or unit)")
        return self


class MinutesPut(In):
    attendance: list[Attendance] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)
    decisions: list[ItemDecision] = Field(default_factory=list, max_length=40)
    tasks: list[TaskCreate] = Field(default_factory=list, max_length=MAX_TASKS)
    citizen_attended: bool
    citizen_briefed_by: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _citizen_briefed(self) -> MinutesPut:
        if not self.citizen_attended and not self.citizen_briefed_by:
            raise ValueError("when the citizen did not attend, name who briefs them (citizen_briefed_by)")
        return self


# --- a meeting as answered ------------------------------------------------------------------------------------


class ParticipantPublic(Out):
    participant_id: str
    name: str
    kind: ParticipantKind
    unit: str | None = None
    role: str | None = None
    email: str | None = None
    invitation_status: InvitationStatus
    apology: str | None = None


class UninvitedPublic(Out):
    """A participant asked for but not invited, and why (the consent service's reason, or
    ``consent_unavailable`` when it could not answer)."""

    name: str
    unit: str | None = None
    reason: str = Field(
        examples=[
            "no_consent",
            "consent_revoked",
            "consent_not_in_force",
            "purpose_not_covered",
            "categories_not_covered",
            "no_relation",
            "consent_unavailable",
        ]
    )


class InvitedPreview(Out):
    """A participant a meeting scheduled now would invite."""

    name: str
    kind: ParticipantKind
    unit: str | None = None


class InvitationPreview(Out):
    """The answer of a dry run: the participants a meeting scheduled now would invite, and those it would not (with
    the reason, as in ``uninvited``). Nothing is stored or sent."""

    invited: list[InvitedPreview]
    uninvited: list[UninvitedPublic]


class AgendaItemPublic(Out):
    item_id: str
    key: str | None = Field(default=None, description="the template's standard item, none for added items")
    topic: str
    responsible: str | None = None
    aim: str | None = None
    minutes: int
    added_by_unit: str | None = None


class AttendancePublic(Out):
    participant_id: str
    attended: bool


class ItemDecisionPublic(Out):
    item_id: str
    decision: str


class TaskPublic(Out):
    task_id: str
    what: str
    responsible_participant_id: str | None = None
    responsible_unit: str | None = None
    due: date
    item_id: str | None = Field(default=None, description="the agenda item the task was agreed under, if any")
    completed_on: date | None = None
    overdue_notified: bool = False


class MinutesPublic(Out):
    attendance: list[AttendancePublic] = []
    decisions: list[ItemDecisionPublic] = []
    tasks: list[TaskPublic] = []
    citizen_attended: bool
    citizen_briefed_by: str | None = None
    published_at: datetime | None = None
    recipients: list[str] = Field(default=[], description="participant ids the published minutes went to")


class PreparationPut(In):
    """The citizen's preparation sheet (forberedelsesark, seed 003) before a meeting, in their own words."""

    hopes_and_dreams: str | None = Field(default=None, max_length=2000, description="Mine håb og drømme")
    talk_about: str | None = Field(default=None, max_length=2000, description="Det vil jeg gerne tale om")
    who_there: str | None = Field(default=None, max_length=1000, description="Dem vil jeg gerne have med")

    @model_validator(mode="after")
    def _something(self) -> PreparationPut:
        if not (self.hopes_and_dreams or self.talk_about or self.who_there):
            raise ValueError("write at least one of hopes_and_dreams, talk_about and who_there")
        return self


class PreparationPublic(Out):
    hopes_and_dreams: str | None = None
    talk_about: str | None = None
    who_there: str | None = None
    at: datetime
    by: str


class MeetingPublic(Out):
    meeting_id: str
    plan_id: str
    citizen_id: str
    kind: MeetingKind
    status: MeetingStatus
    start: AwareDatetime
    end: AwareDatetime
    place: str | None = None
    place_chosen_by_citizen: bool = False
    coordinator_unit: str
    coordinator_name: str | None = None
    minute_taker: str | None = None
    participants: list[ParticipantPublic]
    uninvited: list[UninvitedPublic] = []
    agenda: list[AgendaItemPublic] = []
    agenda_closes_on: date
    minutes_due_on: date
    minutes: MinutesPublic | None = None
    preparation: PreparationPublic | None = Field(
        default=None, description="the citizen's preparation sheet, written by the citizen (decision 0061)"
    )
    warnings: list[MeetingWarning] = []
    sequence: int = 0
    version: int


# --- facts the gateway composes views from (internal) ---------------------------------------------------------


class CitizenTask(Out):
    """An open task of published minutes, with its overdue state in Danish working days."""

    task_id: str
    meeting_id: str
    what: str
    responsible_unit: str | None = None
    responsible_participant_id: str | None = None
    due: date
    overdue: bool = Field(description="at least one working day past the due date")
    working_days_overdue: int = Field(ge=0)


class CitizenDeadline(Out):
    """Minutes due for a meeting whose minutes are not published; the last day to add agenda items."""

    kind: CitizenDeadlineKind
    meeting_id: str
    due: date
    overdue: bool
    working_days_overdue: int = Field(ge=0)


class CitizenMeetings(Out):
    """A citizen's meetings (by start), their open tasks (by due date) and deadlines (by due date)."""

    meetings: list[MeetingPublic]
    tasks: list[CitizenTask]
    deadlines: list[CitizenDeadline]


class MeetingSummaryRequest(In):
    citizen_ids: list[CitizenId] = Field(max_length=MAX_SUMMARY_CITIZENS)


class NextMeeting(Out):
    meeting_id: str
    kind: MeetingKind
    start: AwareDatetime
    end: AwareDatetime
    place: str | None = None


class MeetingSummary(Out):
    """One row of a worklist ("Mine borgere"): the next meeting, what is overdue, what is open."""

    citizen_id: str
    next_meeting: NextMeeting | None = None
    overdue_count: int = Field(ge=0, description="overdue open tasks and overdue minutes")
    open_task_count: int = Field(ge=0, description="open tasks of published minutes")


class UnitDeadline(Out):
    """One of a unit's deadlines: a task it is responsible for, minutes of a meeting it coordinates, or the last day
    to add items to a meeting it takes part in."""

    kind: UnitDeadlineKind
    citizen_id: str
    meeting_id: str
    task_id: str | None = None
    what: str | None = Field(default=None, description="the task's text; none for the other kinds")
    due: date
    overdue: bool
    working_days_overdue: int = Field(ge=0)


class OutreachDeadline(Out):
    """A deadline of the outreach workflow (fremskudt sagsbehandling), counted from one of its milestones."""

    kind: str
    label: str
    from_: str = Field(alias="from", description="the milestone it is counted from")
    due: date
