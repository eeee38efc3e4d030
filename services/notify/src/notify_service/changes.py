"""Notify's changes: store the notifications an event causes, claim what is due, send it, record the attempt.

A notification is stored before anything is sent, with an id derived from the cause event, the recipient and the
kind (``notify_service.domain``), so a redelivered event finds it there and sends nothing twice. Delivery runs in
every replica: ``claim`` takes one due notification with a single-document update that also moves it to the next
version, so the replica holding the claim is the only one whose ``record`` can write the attempt (a claim that ran
out and was taken over makes the late writer's version stale). Cancelling a reminder is a versioned change too, so
it cannot overwrite a claim.

The plan service (a consent notice's recipients), the owners of the facts access is decided from (the plan and the
consent service: a professional of a unit is told only while ``borgerplan_rules.access`` permits the notice's
purpose) and the meetings service (the ICS) are asked over the internal client as the notify service itself. Fail
closed: when they do not answer, the handler raises, the consumer retries and then dead-letters the event; nobody is
told on a guess.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument

from borgerplan_api.notify import CitizenPreferenceIn, PreferenceIn
from borgerplan_contracts import CloudEvent
from borgerplan_contracts.events.consent import (
    ConsentExpired,
    ConsentExpiring,
    ConsentNarrowed,
    ConsentRevoked,
)
from borgerplan_contracts.events.meetings import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    TaskOverdue,
)
from borgerplan_contracts.events.plan import ChangeRequestDecided, ChangeRequested
from borgerplan_plumbing import access as owners
from borgerplan_plumbing import outbox
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.change import change, create, write
from borgerplan_plumbing.consumer import TransientError
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.store import AggregateStore, AlreadyExistsError, VersionConflictError
from borgerplan_rules.access import CitizenFacts
from borgerplan_rules.outcome import Stamp
from borgerplan_rules.workdays import today
from notify_service import domain, messages
from notify_service.channels import Channel, OutgoingMessage
from notify_service.domain import Cause, DeliveryResult, Notice, Preference, Rules

log = logging.getLogger(__name__)

# The notify service when it asks the other services (for actors' contact data, for a meeting's ICS).
SYSTEM = Caller(
    sub="notify", name="Borgerplan notify", unit="borgerplan", unit_kind="authority", roles=["admin"]
)
# A sender that dies mid-send leaves a claim that runs out; another replica then sends again (at least once).
CLAIM_SECONDS = 60
MAX_REMINDERS_PER_MEETING = 500
MAX_PENDING_PER_UNIT = 500  # one unit's pending notifications about one citizen
# What a claim reads: not the outbox, not the attempt log.
CLAIMED_FIELDS = {**dict.fromkeys(outbox.OUTBOX_FIELDS, 0), "attempt_log": 0}


@dataclass(frozen=True)
class Notify:
    """The notify service's stores, channels and rules, as the entry points hand them to changes and queries.

    ``meetings`` is notify's own projection of each meeting's kind, time and participants (from meeting events);
    ``preferences`` professionals' channel and language by email address. ``wake`` tells this replica's delivery
    loop that something was stored for now.
    """

    notifications: AggregateStore
    meetings: Collection
    preferences: Collection
    channels: Mapping[str, Channel]
    internal: InternalClient
    rules: Rules
    poll_seconds: float = 1.0
    wake: asyncio.Event = field(default_factory=asyncio.Event)


# --- from events to stored notifications ----------------------------------------------------------------------


class FactsUnavailableError(TransientError):
    """The consents (or plans) a notice's permit rests on could not be read: the consumer retries until they can be,
    and never dead-letters the event for it (nobody is told on a guess, and nobody is dropped silently)."""


async def _facts(ctx: Notify, citizen_id: str, notices: Sequence[Notice]) -> CitizenFacts | None:
    """The citizen's facts, when a notice is made only on a permit (once per event)."""
    if not any(domain.needs_facts(n) for n in notices):
        return None
    try:
        facts = await owners.citizen_facts(ctx.internal, SYSTEM, citizen_id)
    except UnavailableError as exc:
        raise FactsUnavailableError("the plan service did not answer") from exc
    if facts.consents is None:
        raise FactsUnavailableError("the consent service did not answer")
    return facts


async def store_notices(ctx: Notify, event: CloudEvent, notices: Sequence[Notice]) -> int:
    """Store the notifications ``notices`` name that the one answer permits now (those that exist already, from a
    redelivery, stay as they are)."""
    notices = domain.permitted(notices, await _facts(ctx, event.subject, notices), today())
    if not notices:
        return 0
    keys = {key for n in notices if (key := domain.preference_key_of(n.recipient)) is not None}
    preferences = await _preferences(ctx, keys)
    cause = Cause(event_id=event.id, citizen_id=event.subject)
    now = datetime.now(UTC)
    stored = 0
    for notice in notices:
        key = domain.preference_key_of(notice.recipient)
        preference = preferences.get(key) if key else None
        doc = domain.new_notification(cause, notice, preference or Preference(), ctx.rules, now)
        if doc is None:
            continue  # nobody to reach on any channel we have
        try:
            await create(ctx.notifications, doc, [])
        except AlreadyExistsError:
            continue  # a redelivered event: this notification exists already
        stored += 1
    if stored:
        ctx.wake.set()
    return stored


async def _preferences(ctx: Notify, keys: set[str]) -> dict[str, Preference]:
    if not keys:
        return {}
    found = ctx.preferences.find({"_id": {"$in": sorted(keys)}}, limit=len(keys))
    return {doc["_id"]: Preference.of(doc) async for doc in found}


async def _meeting(ctx: Notify, meeting_id: str) -> Document | None:
    return await ctx.meetings.find_one({"_id": meeting_id})


async def _remember_meeting(ctx: Notify, data: MeetingScheduled | MeetingRescheduled) -> None:
    # Absolute values: a redelivered event sets the same fields again.
    await ctx.meetings.update_one(
        {"_id": data.meeting_id}, {"$set": domain.meeting_projection(data)}, upsert=True
    )


async def cancel_reminders(ctx: Notify, meeting_id: str) -> int:
    """Cancel the meeting's pending agenda reminders; returns how many."""
    pending = await ctx.notifications.find(
        {"meeting_id": meeting_id, "kind": "agenda_reminder", "status": "pending"},
        fields=("_id",),
        limit=MAX_REMINDERS_PER_MEETING,
    )
    stamp = Stamp.system()
    cancelled = 0
    for doc in pending:
        after = await change(ctx.notifications, doc["_id"], None, stamp, domain.reminder_cancelled)
        cancelled += after["status"] == "cancelled"
    return cancelled


async def _superseded(ctx: Notify, meeting_id: str, sequence: int) -> bool:
    """Whether a later version of the meeting (its iCalendar sequence) was handled already: an older event, a dead
    letter replayed late, then changes nothing (decision 0030)."""
    meeting = await _meeting(ctx, meeting_id)
    return meeting is not None and int(meeting.get("sequence", 0)) > sequence


async def on_meeting_scheduled(ctx: Notify, event: CloudEvent, data: MeetingScheduled) -> None:
    if await _superseded(ctx, data.meeting_id, data.sequence):
        return
    await _remember_meeting(ctx, data)
    await store_notices(ctx, event, domain.meeting_scheduled(data, ctx.rules, datetime.now(UTC)))


async def on_meeting_rescheduled(ctx: Notify, event: CloudEvent, data: MeetingRescheduled) -> None:
    if await _superseded(ctx, data.meeting_id, data.sequence):
        return
    await _remember_meeting(ctx, data)
    await cancel_reminders(ctx, data.meeting_id)
    await store_notices(ctx, event, domain.meeting_rescheduled(data, ctx.rules, datetime.now(UTC)))


async def on_meeting_cancelled(ctx: Notify, event: CloudEvent, data: MeetingCancelled) -> None:
    if await _superseded(ctx, data.meeting_id, data.sequence):
        return
    await ctx.meetings.update_one(
        {"_id": data.meeting_id}, {"$set": {"sequence": data.sequence, "cancelled": True}}
    )
    await cancel_reminders(ctx, data.meeting_id)
    await store_notices(ctx, event, domain.meeting_cancelled(data, ctx.rules))


async def on_minutes_published(ctx: Notify, event: CloudEvent, data: MinutesPublished) -> None:
    meeting = await _meeting(ctx, data.meeting_id)
    await store_notices(ctx, event, domain.minutes_published(data, meeting, ctx.rules))


async def on_minutes_overdue(ctx: Notify, event: CloudEvent, data: MinutesOverdue) -> None:
    meeting = await _meeting(ctx, data.meeting_id)
    await store_notices(ctx, event, domain.minutes_overdue(data, meeting, ctx.rules))


async def on_task_overdue(ctx: Notify, event: CloudEvent, data: TaskOverdue) -> None:
    meeting = await _meeting(ctx, data.meeting_id)
    await store_notices(ctx, event, domain.task_overdue(data, meeting, ctx.rules))


class PlanServiceError(Exception):
    """The plan service answered, but not with the citizen's plans: the consumer retries, then dead-letters."""


class PlanServiceBusyError(PlanServiceError, TransientError):
    """The plan service answered 503 or 429 (shedding load): it passes, so the consumer retries and never
    dead-letters."""


async def plans_of(ctx: Notify, citizen_id: str) -> list[Document]:
    """The citizen's plans with their actors, asked of the plan service (raises when it does not answer)."""
    response = await ctx.internal.get("plan", "/plans", SYSTEM, params={"citizen_id": citizen_id})
    if response.status_code in (429, 502, 503, 504):
        raise PlanServiceBusyError(f"plan service answered {response.status_code}")
    if response.status_code != 200:
        raise PlanServiceError(f"plan service answered {response.status_code}")
    plans: list[Document] = response.json()
    return plans


async def on_consent_expiring(ctx: Notify, event: CloudEvent, data: ConsentExpiring) -> None:
    plans = await plans_of(ctx, data.citizen_id)
    await store_notices(ctx, event, domain.consent_expiring(data, plans, ctx.rules))


async def on_consent_revoked(ctx: Notify, event: CloudEvent, data: ConsentRevoked) -> None:
    plans = await plans_of(ctx, data.citizen_id)
    await store_notices(ctx, event, domain.consent_revoked(data, plans, ctx.rules))
    await withdraw_unpermitted(ctx, data.citizen_id, data.grantee_unit)


async def on_change_requested(ctx: Notify, event: CloudEvent, data: ChangeRequested) -> None:
    plans = await plans_of(ctx, data.citizen_id)
    await store_notices(ctx, event, domain.change_requested(data, plans, ctx.rules))


async def on_change_request_decided(ctx: Notify, event: CloudEvent, data: ChangeRequestDecided) -> None:
    await store_notices(ctx, event, domain.change_request_answered(data, ctx.rules))


async def on_consent_covering_less(
    ctx: Notify, event: CloudEvent, data: ConsentNarrowed | ConsentExpired
) -> None:
    await withdraw_unpermitted(ctx, data.citizen_id, data.grantee_unit)


async def withdraw_unpermitted(ctx: Notify, citizen_id: str, unit: str) -> int:
    """A consent covers less: the unit's pending notifications about the citizen (reminders wait for their day)
    that the one answer no longer permits are cancelled; how many."""
    pending = await ctx.notifications.find(
        {"citizen_id": citizen_id, "status": "pending", "unit": unit},
        fields=("_id", "kind", "unit", "recipient_kind"),
        limit=MAX_PENDING_PER_UNIT,
    )
    if not pending:
        return 0
    facts = await owners.citizen_facts(ctx.internal, SYSTEM, citizen_id)
    if facts.consents is None:
        raise FactsUnavailableError("the consent service did not answer")
    day, stamp, withdrawn = today(), Stamp.system(), 0
    for doc in pending:
        if domain.no_longer_permitted(doc, facts, day):
            after = await change(ctx.notifications, doc["_id"], None, stamp, domain.reminder_cancelled)
            withdrawn += after["status"] == "cancelled"
    return withdrawn


async def set_preference(ctx: Notify, body: PreferenceIn, caller: Caller) -> Document:
    """A professional's channel and language, for their own address (the token's); one document written whole."""
    key = domain.own_preference_key(caller.email)
    doc = {**body.model_dump(), "email": key, "set_by": caller.sub, "set_at": datetime.now(UTC)}
    await ctx.preferences.replace_one({"_id": key}, doc, upsert=True)
    return doc


async def set_citizen_preference(
    ctx: Notify, citizen_id: str, body: CitizenPreferenceIn, caller: Caller
) -> Document:
    """The citizen's channel and, for e-mail or SMS, their own contact detail; keyed by their id, as the notices to
    them look it up. One document written whole: the choice before it is replaced, not merged."""
    key = domain.citizen_preference_key(citizen_id)
    doc = {
        **domain.citizen_preference(body.model_dump()),
        "citizen_id": citizen_id,
        "set_by": caller.sub,
        "set_at": datetime.now(UTC),
    }
    await ctx.preferences.replace_one({"_id": key}, doc, upsert=True)
    return domain.citizen_preference_public(citizen_id, doc)


# --- delivery -------------------------------------------------------------------------------------------------


def due_queries(now: datetime) -> tuple[Document, Document]:
    """What a claim may take: pending and due; else being sent by a replica whose claim ran out.

    Two queries, not one ``$or``: FerretDB v2 (PostgreSQL) plans a one-document ``$or`` as a walk along the
    ``_id`` index that reads every notification when nothing is due (30-80 ms per idle poll with 50,000
    stored), while each branch alone is a seek into its own partial index (``notification_due``,
    ``notification_claim_expired``), which holds only pending, or only sending, notifications: about the cost
    of a ping however many notifications were sent over the years.
    """
    return (
        {"status": "pending", "next_attempt_at": {"$lte": now}},
        {"status": "sending", "claim_until": {"$lt": now}},
    )


async def claim(ctx: Notify) -> Document | None:
    """One due notification, claimed for this replica (atomically: replicas never share one)."""
    now = datetime.now(UTC)
    for query in due_queries(now):
        claimed: Document | None = await ctx.notifications.collection.find_one_and_update(
            query,
            {
                "$set": {"status": "sending", "claim_until": now + timedelta(seconds=CLAIM_SECONDS)},
                "$inc": {"version": 1},
            },
            projection=CLAIMED_FIELDS,
            return_document=ReturnDocument.AFTER,
        )
        if claimed is not None:
            return claimed
    return None


async def send(ctx: Notify, notification: Document) -> DeliveryResult:
    """Render and send one notification on its channel; the ICS comes from the meetings service at send time."""
    subject, body = messages.render(notification["kind"], notification["language"], notification["context"])
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    if domain.carries_ics(notification):
        try:
            response = await ctx.internal.get(
                "meetings", path("/meetings/{}/invitation.ics", notification["meeting_id"]), SYSTEM
            )
        except UnavailableError:
            return DeliveryResult("temporary", "ics_unavailable")
        if response.status_code != 200:
            return DeliveryResult("temporary", f"ics_http_{response.status_code}")
        attachments = (("invitation.ics", "text/calendar", response.content),)
    channel = ctx.channels.get(notification["channel"])
    if channel is None:  # the deployment no longer has this channel configured
        return DeliveryResult("permanent", f"no_channel_{notification['channel']}")
    message = OutgoingMessage(notification["_id"], notification["address"], subject, body, attachments)
    return await channel.send(message)


async def record(ctx: Notify, notification: Document, result: DeliveryResult) -> Document | None:
    """Write the attempt as the claimed notification's next version (None: the claim was lost meanwhile)."""
    outcome = domain.attempt_recorded(notification, result, ctx.rules, datetime.now(UTC))
    try:
        stored = await write(ctx.notifications, notification, outcome, Stamp.system())
    except VersionConflictError:
        # The claim ran out and another replica took the notification over: its attempt is the one recorded.
        log.warning("notification claim lost while sending", extra={"notification_id": notification["_id"]})
        return None
    log.info(
        "notification attempt",
        extra={
            "notification_id": notification["_id"],
            "kind": notification["kind"],
            "outcome": result.outcome,
            "code": result.code,
        },
    )
    return stored


async def deliver_due(ctx: Notify) -> int:
    """Send everything that is due now; returns how many were handled."""
    handled = 0
    while (notification := await claim(ctx)) is not None:
        handled += 1
        try:
            result = await send(ctx, notification)
        except (
            Exception
        ) as exc:  # a template or adapter bug: recorded as an attempt, not left to a lapsing claim
            log.warning(
                "notification send raised",
                extra={"notification_id": notification["_id"], "error": type(exc).__name__},
            )
            result = DeliveryResult("temporary", type(exc).__name__)
        await record(ctx, notification, result)
    return handled
