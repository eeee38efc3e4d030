"""The outreach service's public models: the course (forløb) of outreach casework (fremskudt sagsbehandling), from
the referral to ordinary casework (seed 002, decision 0056).

Field-level rules live here (lengths, vocabularies, "some way to reach the citizen"); rules that need the stored
course (an attempt dated before the referral, a transition without a receiving unit) live in the service's domain.
Free text about the citizen (the concern, the reasons) is stored on the course and shown through the API only; it is
never in an event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from borgerplan_api.base import In, Out
from borgerplan_api.plan import ActorCreate, CollaborationAgreement, InformationCategory
from borgerplan_contracts.events.outreach import (
    AttemptMeans,
    AttemptOutcome,
    CoursePhase,
    DeadlineKind,
    ReferrerKind,
    TransitionKind,
)

__all__ = ["AttemptMeans", "AttemptOutcome", "CoursePhase", "DeadlineKind", "ReferrerKind", "TransitionKind"]

Channel = Literal["phone", "mail", "in_person"]
# The seed's target-group signs: category 1 (does not seek help, misses meetings, does not answer) and category 2
# (psychological difficulties showing as signs a-f).
TargetCategory = Literal["1", "2a", "2b", "2c", "2d", "2e", "2f"]
PartnerKind = Literal["authority", "provider", "external"]


def _text(limit: int) -> str | None:
    return Field(default=None, max_length=limit)


class Referrer(In):
    name: str = Field(min_length=1, max_length=200, description="who refers: a named person")
    kind: ReferrerKind
    organisation: str | None = Field(default=None, max_length=200, examples=["Region Hovedstadens Psykiatri"])
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)


class CitizenContact(In):
    """The citizen as known at the referral; at least one way to reach them (address, phone, email, or a place
    where they are found)."""

    name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    found_at: str | None = Field(default=None, max_length=300, examples=["Værestedet på Halmtorvet"])

    def reachable(self) -> bool:
        return any((self.address, self.phone, self.email, self.found_at))


class ReferralCreate(In):
    """A referral (henvendelse). CPR may be unknown; when given, the citizen is registered with the plan service and
    the course holds only their id."""

    referrer: Referrer
    channel: Channel
    received_on: date
    citizen: CitizenContact
    cpr: str | None = Field(
        default=None, pattern=r"^[0-9]{10}$", description="stored by the plan service only"
    )
    concern: str = Field(min_length=1, max_length=4000, description="the concern in the referrer's words")
    interpreter_needed: bool = False
    language: str | None = Field(default=None, max_length=100)


class CategoryReason(In):
    category: TargetCategory
    reason: str = Field(min_length=1, max_length=1000)


class AssessmentPut(In):
    """The target-group assessment (målgruppevurdering)."""

    categories: list[CategoryReason] = Field(default_factory=list, max_length=7)
    in_target_group: bool
    reason: str = Field(min_length=1, max_length=2000)
    referred_elsewhere: str | None = Field(
        default=None, max_length=500, description="out: where the referrer was told to go"
    )
    assessed_on: date


class AssignmentPut(In):
    caseworker_sub: str = Field(min_length=1, max_length=200)
    caseworker_name: str = Field(min_length=1, max_length=200)
    assigned_on: date


class AttemptCreate(In):
    means: AttemptMeans
    at: datetime
    outcome: AttemptOutcome
    note: str | None = _text(1000)


class FirstMeetingPut(In):
    held_on: date
    place: str = Field(min_length=1, max_length=300)
    place_chosen_by_citizen: bool = True
    interpreter_present: bool = False
    consent_id: str | None = Field(default=None, max_length=100, description="the consent collected there")


class AgreementPut(In):
    """The collaboration agreement (samarbejdsaftale) and the network map drawn with the citizen."""

    agreement: CollaborationAgreement
    network: list[ActorCreate] = Field(default_factory=list, max_length=30)


class MilestonePut(In):
    on: date
    note: str | None = _text(2000)


class ExternalRequestCreate(In):
    """A request for information from a partner (ekstern sagsoplysning): allowed only where a consent of the citizen
    covers the partner for exchanging information in these categories."""

    partner_unit: str = Field(min_length=1, max_length=200)
    partner_kind: PartnerKind = "authority"
    categories: list[InformationCategory] = Field(min_length=1, max_length=8)
    requested_on: date


class CoordinatingMeetingPut(In):
    with_external_partners: bool
    on: date
    meeting_id: str | None = Field(
        default=None, max_length=100, description="the meeting in the meetings service"
    )


class ClockStopCreate(In):
    reason: Literal["hospital", "prison", "other"]
    note: str | None = _text(500)
    stopped_from: date
    stopped_to: date | None = Field(default=None, description="none while the clock is still stopped")


class ClockRestart(In):
    on: date


class IdentificationPut(In):
    cpr: str = Field(pattern=r"^[0-9]{10}$")
    name: str = Field(min_length=1, max_length=200)


class TransitionPut(In):
    kind: TransitionKind
    receiving_units: list[str] = Field(default_factory=list, max_length=10)
    caseworker_name: str | None = Field(default=None, max_length=200)
    ended_on: date


class FollowUpPut(In):
    done_on: date
    outcome: str = Field(min_length=1, max_length=2000)


# --- answers ---------------------------------------------------------------------------------------------------


class CourseDeadline(Out):
    kind: DeadlineKind
    label: str
    counted_from: str
    due: date | None = Field(description="none while the clock is stopped")
    done_on: date | None = None
    overdue: bool = False


class CoursePublic(Out):
    course_id: str
    version: int
    citizen_id: str | None
    team_unit: str
    phase: CoursePhase
    referral: dict[str, object]
    assessment: dict[str, object] | None = None
    assignment: dict[str, object] | None = None
    attempts: list[dict[str, object]] = Field(default_factory=list)
    next_attempt: AttemptMeans | None = Field(
        default=None, description="the seed's rule: visit, phone, visit"
    )
    first_contact_on: date | None = None
    first_meeting: dict[str, object] | None = None
    advice: dict[str, object] | None = None
    agreement: dict[str, object] | None = None
    network: list[dict[str, object]] = Field(default_factory=list)
    external_requests: list[dict[str, object]] = Field(default_factory=list)
    needs_assessment: dict[str, object] | None = None
    coordinating_meetings: list[dict[str, object]] = Field(default_factory=list)
    clock_stops: list[dict[str, object]] = Field(default_factory=list)
    transition: dict[str, object] | None = None
    plan_id: str | None = None
    follow_up: dict[str, object] | None = None
    deadlines: list[CourseDeadline] = Field(default_factory=list)


class CourseSummary(Out):
    """A line of the team board: no free text about the citizen, the name as the referral gave it."""

    course_id: str
    citizen_id: str | None
    citizen_name: str | None
    phase: CoursePhase
    caseworker_name: str | None
    received_on: date
    next_deadline: CourseDeadline | None
