"""Notify's rules, without I/O.

Two kinds of decision live here. Which notifications an event causes: for each event a function takes the event's
data (and what notify was told earlier, or asked of the plan service) and returns ``Notice``s (who, what kind, the
template's values, when); ``new_notification`` then chooses the channel from the recipient's preference and derives
the notification's id from the cause event, the recipient and the kind, so a redelivered event makes the same ids.
And what a delivery attempt does to a notification: ``attempt_recorded`` returns the ``Outcome``: sent, a retry with
exponential backoff, or failed, with the attempt appended to the notification's log and NotificationSent or
NotificationFailed among its events. ``notify_service.changes`` does the reading, sending and writing around these.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import quote

from borgerplan_contracts.events import NotificationFailed, NotificationSent
from borgerplan_contracts.events.consent import ConsentExpiring, ConsentRevoked
from borgerplan_contracts.events.meetings import (
    InvitedParticipant,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    TaskOverdue,
)
from borgerplan_contracts.events.notify import Channel, NotificationKind
from borgerplan_contracts.events.plan import ChangeRequestDecided, ChangeRequested
from borgerplan_rules.access import (
    NOTIFICATION_PURPOSES,
    PROFESSIONAL_KINDS,
    CitizenFacts,
    PlanFacts,
    is_consent_party,
    is_responsible,
    meeting_access,
    needs_permit,
)
from borgerplan_rules.outcome import Outcome
from borgerplan_rules.violations import RuleViolation
from borgerplan_rules.workdays import COPENHAGEN, DANISH, WorkingDayCalendar
from notify_service import messages
from notify_service.messages import Language

__all__ = ["Document", "Outcome"]

Document = dict[str, Any]
Delivery = Literal["delivered", "temporary", "permanent"]

# The invitation, its update and its cancellation carry the meeting's calendar entry (ICS), by email.
ICS_KINDS: frozenset[str] = frozenset({"meeting_invitation", "meeting_update", "meeting_cancellation"})
# Dagsordenen lukker: professionals are reminded two working days before, at 08:00 Copenhagen time.
AGENDA_REMINDER_WORKING_DAYS = 2
AGENDA_REMINDER_AT = time(8, 0)


@dataclass(frozen=True)
class Rules:
    """What the rules need of the deployment: the gateway's address, the channels configured, the retry policy."""

    public_base_url: str
    channels: frozenset[str]
    max_attempts: int
    retry_base_seconds: float
    calendar: WorkingDayCalendar = DANISH

    def link(self, kind: str, resource_id: str) -> str:
        """Where the recipient reads what is waiting (through the gateway, where consent applies)."""
        return f"{self.public_base_url.rstrip('/')}/api/v1/{kind}/{quote(resource_id, safe='')}"


@dataclass(frozen=True)
class DeliveryResult:
    """What a channel answered: delivered, a temporary failure (try later) or a permanent one, with its code."""

    outcome: Delivery
    code: str


@dataclass(frozen=True)
class Recipient:
    """Someone to tell. Professionals carry their work contact data; a citizen only their id (Digital Post)."""

    participant_id: str
    kind: str
    unit: str | None = None
    email: str | None = None
    phone: str | None = None
    citizen_id: str | None = None

    @classmethod
    def of(cls, participant: InvitedParticipant, citizen_id: str) -> Recipient:
        return cls(
            participant_id=participant.participant_id,
            kind=participant.kind,
            unit=participant.unit,
            email=participant.email,
            citizen_id=citizen_id if participant.kind == "citizen" else None,
        )

    @classmethod
    def stored(cls, doc: Document) -> Recipient:
        """A participant as notify's meeting projection keeps it (a professional's contact data)."""
        return cls(
            participant_id=doc["participant_id"],
            kind=doc["kind"],
            unit=doc.get("unit"),
            email=doc.get("email"),
        )


@dataclass(frozen=True)
class Preference:
    """How a recipient wants to be told: a professional's channel and language, keyed by their email address (Danish
    and email by default); the citizen's channel and own contact detail, keyed by their id (``preference_key_of``).
    ``channel`` None: nothing chosen, the recipient's default applies."""

    channel: str | None = None
    phone: str | None = None
    email: str | None = None
    language: Language = "da"

    @classmethod
    def of(cls, doc: Document | None) -> Preference:
        if not doc:
            return cls()
        return cls(
            channel=doc.get("channel"),
            phone=doc.get("phone"),
            email=doc.get("contact_email"),
            language=doc.get("language", "da"),
        )


@dataclass(frozen=True)
class Notice:
    """One notification an event causes, before its channel is chosen: to whom, what, and when (None: now)."""

    kind: NotificationKind
    recipient: Recipient
    values: Mapping[str, str]
    meeting_id: str | None = None
    due: datetime | None = None


@dataclass(frozen=True)
class Cause:
    """The event a notification answers: its id (the notification's id derives from it) and its citizen."""

    event_id: str
    citizen_id: str


def preference_key(email: str) -> str:
    """Addresses are compared without case: ``Anne@Kommune.dk`` and ``anne@kommune.dk`` are one person."""
    return email.strip().casefold()


class NotifyRuleError(RuleViolation):
    """A request notify refuses; nothing was stored."""


def own_preference_key(email: str | None) -> str:
    """A professional's preference is theirs alone: keyed by the work address their sign-in carries (the token's
    ``email``), never by one they type. A sign-in without an address has no preference to read or set."""
    if not email:
        raise NotifyRuleError("email", "your sign-in carries no e-mail address to keep a preference for")
    return preference_key(email)


CITIZEN_KEY_PREFIX = "citizen:"


def citizen_preference_key(citizen_id: str) -> str:
    """The citizen's preference is keyed by their id (they have no work address); an address always holds an "@",
    this key never does, so the two kinds of key cannot meet in the one collection."""
    return f"{CITIZEN_KEY_PREFIX}{citizen_id}"


def preference_key_of(recipient: Recipient) -> str | None:
    """Where the recipient's preference is kept: the citizen's by their id, a professional's by their address."""
    if recipient.kind == "citizen":
        return citizen_preference_key(recipient.citizen_id) if recipient.citizen_id else None
    return preference_key(recipient.email) if recipient.email else None


def citizen_preference(body: Mapping[str, Any]) -> Document:
    """What is stored of the citizen's choice: the channel, and only the contact detail that channel needs (an
    address given with SMS chosen is not kept)."""
    channel = body["channel"]
    return {
        "channel": channel,
        "contact_email": body.get("email") if channel == "email" else None,
        "phone": body.get("phone") if channel == "sms" else None,
    }


def citizen_preference_public(citizen_id: str, doc: Document | None) -> Document:
    """The citizen's choice as the API shows it; Digital Post while they have chosen nothing."""
    doc = doc or {}
    return {
        "citizen_id": citizen_id,
        "channel": doc.get("channel") or "digital_post",
        "email": doc.get("contact_email"),
        "phone": doc.get("phone"),
        "set_at": doc.get("set_at"),
    }


# --- which notifications an event causes ----------------------------------------------------------------------


def _recipients(participants: Iterable[InvitedParticipant], citizen_id: str) -> list[Recipient]:
    return [Recipient.of(p, citizen_id) for p in participants]


def agenda_reminder_due(agenda_closes_on: date, calendar: WorkingDayCalendar) -> datetime:
    """08:00 Copenhagen time, two working days before the agenda closes."""
    day = calendar.add_working_days(agenda_closes_on, -AGENDA_REMINDER_WORKING_DAYS)
    return datetime.combine(day, AGENDA_REMINDER_AT, tzinfo=COPENHAGEN)


def meeting_projection(data: MeetingScheduled | MeetingRescheduled) -> Document:
    """What notify remembers of a meeting for later notices (overdue minutes and tasks, published minutes)."""
    fields: Document = {
        "citizen_id": data.citizen_id,
        "kind": data.kind,
        "start": data.start,
        "end": data.end,
        "participants": [p.model_dump() for p in data.participants],
        "sequence": data.sequence,
    }
    if isinstance(data, MeetingScheduled):
        fields["coordinator_unit"] = data.coordinator_unit
    return fields


def _agenda_reminders(
    data: MeetingScheduled | MeetingRescheduled, rules: Rules, now: datetime
) -> list[Notice]:
    if data.agenda_closes_on is None:
        return []
    due = agenda_reminder_due(data.agenda_closes_on, rules.calendar)
    if due <= now:
        return []  # too late to remind anyone
    values = messages.context(
        link=rules.link("meetings", data.meeting_id),
        meeting_kind=data.kind,
        start=data.start,
        due=data.agenda_closes_on,
    )
    return [
        Notice("agenda_reminder", r, values, data.meeting_id, due)
        for r in _recipients(data.participants, data.citizen_id)
        if r.kind != "citizen"
    ]


def meeting_scheduled(data: MeetingScheduled, rules: Rules, now: datetime) -> list[Notice]:
    """Everyone invited gets an invitation (with the ICS); professionals an agenda reminder for later."""
    values = messages.context(
        link=rules.link("meetings", data.meeting_id), meeting_kind=data.kind, start=data.start, end=data.end
    )
    invitations = [
        Notice("meeting_invitation", r, values, data.meeting_id)
        for r in _recipients(data.participants, data.citizen_id)
    ]
    return invitations + _agenda_reminders(data, rules, now)


def meeting_rescheduled(data: MeetingRescheduled, rules: Rules, now: datetime) -> list[Notice]:
    """Everyone gets an update; the old reminders are cancelled (by the caller) and new ones made."""
    values = messages.context(
        link=rules.link("meetings", data.meeting_id), meeting_kind=data.kind, start=data.start, end=data.end
    )
    updates = [
        Notice("meeting_update", r, values, data.meeting_id)
        for r in _recipients(data.participants, data.citizen_id)
    ]
    return updates + _agenda_reminders(data, rules, now)


def meeting_cancelled(data: MeetingCancelled, rules: Rules) -> list[Notice]:
    values = messages.context(
        link=rules.link("meetings", data.meeting_id), meeting_kind=data.kind, start=data.start
    )
    return [
        Notice("meeting_cancellation", r, values, data.meeting_id)
        for r in _recipients(data.participants, data.citizen_id)
    ]


def minutes_published(data: MinutesPublished, meeting: Document | None, rules: Rules) -> list[Notice]:
    """The recipients the meetings service permitted (consent decided there) learn the minutes are ready."""
    meeting = meeting or {}
    values = messages.context(
        link=rules.link("meetings", data.meeting_id),
        meeting_kind=meeting.get("kind"),
        start=meeting.get("start"),
    )
    return [
        Notice("minutes_published", r, values, data.meeting_id)
        for r in _recipients(data.recipients, data.citizen_id)
    ]


def _unit_professionals(meeting: Document | None, units: set[str | None]) -> list[Recipient]:
    participants: list[Document] = (meeting or {}).get("participants", [])
    return [
        Recipient.stored(p)
        for p in participants
        if p.get("kind") != "citizen" and p.get("unit") in units and p.get("email")
    ]


def minutes_overdue(data: MinutesOverdue, meeting: Document | None, rules: Rules) -> list[Notice]:
    """The coordinating unit's participants: the minutes were due."""
    values = messages.context(link=rules.link("meetings", data.meeting_id), due=data.due)
    return [
        Notice("minutes_overdue", r, values, data.meeting_id)
        for r in _unit_professionals(meeting, {data.coordinator_unit})
    ]


def task_overdue(data: TaskOverdue, meeting: Document | None, rules: Rules) -> list[Notice]:
    """The coordinating and the responsible unit's participants: a task from the meeting is overdue."""
    values = messages.context(link=rules.link("meetings", data.meeting_id), due=data.due)
    units = {data.coordinator_unit, data.responsible_unit}
    return [Notice("task_overdue", r, values, data.meeting_id) for r in _unit_professionals(meeting, units)]


def plan_actors(plans: Sequence[Document]) -> list[tuple[Recipient, bool]]:
    """The professional actors of the citizen's plans (as the plan service answers ``GET /plans``), each with
    whether their unit is responsible for that plan (``borgerplan_rules.access``). A person in several plans counts
    once."""
    seen: dict[str, tuple[Recipient, bool]] = {}
    for plan in plans:
        facts = (PlanFacts.of(plan),)
        for actor in plan.get("actors", []):
            if actor.get("kind") not in PROFESSIONAL_KINDS:
                continue  # the private network is not told about consents by us
            recipient = Recipient(
                participant_id=actor["actor_id"],
                kind=actor["kind"],
                unit=actor.get("unit"),
                email=actor.get("email"),
                phone=actor.get("phone"),
            )
            unit = actor.get("unit")
            responsible = unit is not None and is_responsible(unit, actor["kind"], facts)
            key = preference_key(recipient.email) if recipient.email else recipient.participant_id
            before = seen.get(key)
            seen[key] = (before[0], before[1] or responsible) if before else (recipient, responsible)
    return list(seen.values())


def consent_expiring(data: ConsentExpiring, plans: Sequence[Document], rules: Rules) -> list[Notice]:
    """The responsible authority's caseworkers: the consent ends soon and can be renewed with the citizen."""
    values = messages.context(link=rules.link("consents", data.consent_id), due=data.valid_until)
    return [Notice("consent_expiring", r, values) for r, responsible in plan_actors(plans) if responsible]


def consent_revoked(data: ConsentRevoked, plans: Sequence[Document], rules: Rules) -> list[Notice]:
    """The actors of the unit that lost the consent: it no longer covers anything."""
    values = messages.context(link=rules.link("consents", data.consent_id))
    consent = data.model_dump()
    return [
        Notice("consent_revoked", r, values)
        for r, _ in plan_actors(plans)
        if r.unit is not None and is_consent_party(r.unit, consent)
    ]


def change_requested(data: ChangeRequested, plans: Sequence[Document], rules: Rules) -> list[Notice]:
    """The responsible unit's people on the plan: the citizen asks for a change (what they ask stays in the plan)."""
    values = messages.context(link=rules.link("plans", data.plan_id))
    own = [p for p in plans if (p.get("plan_id") or p.get("_id")) == data.plan_id]
    return [Notice("change_requested", r, values) for r, responsible in plan_actors(own) if responsible]


def change_request_answered(data: ChangeRequestDecided, rules: Rules) -> list[Notice]:
    """The citizen: their request was answered (the answer is read in the plan)."""
    values = messages.context(link=rules.link("plans", data.plan_id))
    citizen = Recipient(participant_id=data.citizen_id, kind="citizen", citizen_id=data.citizen_id)
    return [Notice("change_request_answered", citizen, values)]


def _on_permit(kind: str, recipient_kind: str, unit: str | None) -> bool:
    return NOTIFICATION_PURPOSES[kind] is not None and needs_permit(recipient_kind, unit)


def _permits(kind: str, unit: str | None, facts: CitizenFacts | None, today: date) -> bool:
    purpose = NOTIFICATION_PURPOSES[kind]
    assert facts is not None and purpose is not None and unit is not None
    return meeting_access(unit, purpose, facts, today).permit


def needs_facts(notice: Notice) -> bool:
    """Is the notice made only on a permit (a professional of a unit, told for a purpose consent covers)?"""
    return _on_permit(notice.kind, notice.recipient.kind, notice.recipient.unit)


def permitted(notices: Sequence[Notice], facts: CitizenFacts | None, today: date) -> list[Notice]:
    """The notices the one answer permits now: the citizen and their network are told, and a professional's unit
    only while access permits the notice's purpose (a revoked consent stops the next notification, not only the
    next view). ``facts`` may be None only when no notice needs them."""
    return [n for n in notices if not needs_facts(n) or _permits(n.kind, n.recipient.unit, facts, today)]


def no_longer_permitted(notification: Document, facts: CitizenFacts, today: date) -> bool:
    """A notification stored on a permit (a reminder waits for its day) that the one answer no longer gives."""
    kind, unit = notification["kind"], notification.get("unit")
    return _on_permit(kind, notification.get("recipient_kind", ""), unit) and not _permits(
        kind, unit, facts, today
    )


# --- from a notice to a stored notification -------------------------------------------------------------------


def channel_for(
    recipient: Recipient, preference: Preference, channels: frozenset[str]
) -> tuple[Channel, str] | None:
    """The channel and address to reach the recipient on, or None when no configured channel reaches them.

    The citizen as they chose (decision 0023): not at all when they chose none; by e-mail or SMS to their own
    contact detail when they chose it and the channel is configured; else through Digital Post (the provider
    resolves their id to a mailbox). A professional by SMS when they chose it and gave a phone number and SMS is
    configured; else by email; else by SMS.
    """
    if recipient.kind == "citizen":
        return _citizen_channel(recipient, preference, channels)
    if preference.channel == "sms" and preference.phone and "sms" in channels:
        return "sms", preference.phone
    if recipient.email and "email" in channels:
        return "email", recipient.email
    if recipient.phone and "sms" in channels:
        return "sms", recipient.phone
    return None


def _citizen_channel(
    recipient: Recipient, preference: Preference, channels: frozenset[str]
) -> tuple[Channel, str] | None:
    if preference.channel == "none":
        return None
    if preference.channel == "email" and preference.email and "email" in channels:
        return "email", preference.email
    if preference.channel == "sms" and preference.phone and "sms" in channels:
        return "sms", preference.phone
    if "digital_post" in channels and recipient.citizen_id:
        return "digital_post", recipient.citizen_id
    return None


def notification_id(cause_event_id: str, participant_id: str, kind: str) -> str:
    """The same cause, recipient and kind always name the same notification: a redelivery stores nothing new."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{cause_event_id}/{participant_id}/{kind}"))


def new_notification(
    cause: Cause, notice: Notice, preference: Preference, rules: Rules, now: datetime
) -> Document | None:
    """The notification to store for ``notice`` (pending, due at once or at its time), or None: nobody to reach."""
    reach = channel_for(notice.recipient, preference, rules.channels)
    if reach is None:
        return None
    channel, address = reach
    return {
        "_id": notification_id(cause.event_id, notice.recipient.participant_id, notice.kind),
        "citizen_id": cause.citizen_id,
        "kind": notice.kind,
        "channel": channel,
        "address": address,
        "recipient_id": notice.recipient.participant_id,
        "recipient_kind": notice.recipient.kind,
        "unit": notice.recipient.unit,
        "language": preference.language,
        "cause_event_id": cause.event_id,
        "meeting_id": notice.meeting_id,
        "context": dict(notice.values),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": notice.due or now,
        "claim_until": None,
        "last_code": None,
        "created_at": now,
        "sent_at": None,
        "attempt_log": [],
    }


def carries_ics(notification: Document) -> bool:
    return (
        notification["kind"] in ICS_KINDS
        and notification["channel"] == "email"
        and bool(notification.get("meeting_id"))
    )


# --- what a delivery attempt does -----------------------------------------------------------------------------


def backoff(attempts: int, rules: Rules) -> timedelta:
    """The pause after the ``attempts``-th temporary failure: base × 2^(attempts−1)."""
    return timedelta(seconds=rules.retry_base_seconds * 2 ** (attempts - 1))


def attempt_recorded(notification: Document, result: DeliveryResult, rules: Rules, now: datetime) -> Outcome:
    """Sent; or pending again after a backoff (a temporary failure with attempts left); or failed for good."""
    attempts = notification["attempts"] + 1
    common = {
        "notification_id": notification["_id"],
        "citizen_id": notification["citizen_id"],
        "kind": notification["kind"],
        "channel": notification["channel"],
        "recipient_id": notification["recipient_id"],
        "cause_event_id": notification["cause_event_id"],
    }
    outcome = Outcome(push={"attempt_log": {"at": now, "outcome": result.outcome, "code": result.code}})
    if result.outcome == "delivered":
        outcome.set = {"status": "sent", "sent_at": now}
        outcome.events.append(NotificationSent(**common))
    elif result.outcome == "temporary" and attempts < rules.max_attempts:
        outcome.set = {"status": "pending", "next_attempt_at": now + backoff(attempts, rules)}
    else:
        outcome.set = {"status": "failed"}
        outcome.events.append(NotificationFailed(**common, reason_code=result.code))
    outcome.set.update({"attempts": attempts, "last_code": result.code, "claim_until": None})
    return outcome


def reminder_cancelled(notification: Document) -> Outcome:
    """A pending notification is not sent: a reminder of a meeting that moved or was cancelled, or one whose
    permit is gone (one being sent is let go)."""
    if notification["status"] != "pending":
        return Outcome()
    return Outcome(
        set={"status": "cancelled"}, changes=[{"field": "status", "from": "pending", "to": "cancelled"}]
    )
