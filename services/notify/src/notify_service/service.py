"""Notify's use cases: turn events into stored notifications, deliver them with retries, report the outcome.

A notification is stored before anything is sent, with an id derived from the cause event, the recipient and the
kind, so a redelivered event finds it there and sends nothing twice. Delivery is a loop in every replica that
claims one due notification at a time with a single-document atomic update; reminders are notifications due in
the future, so they survive restarts. Temporary failures retry with exponential backoff; permanent ones (and
running out of attempts) end as ``failed`` and publish ``NotificationFailed``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from pymongo import ReturnDocument

from borgerplan_contracts import CloudEvent, new_event
from borgerplan_contracts.events import InvitedParticipant, NotificationFailed, NotificationSent
from borgerplan_contracts.events.consent import ConsentExpiring, ConsentRevoked
from borgerplan_contracts.events.meetings import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    TaskOverdue,
)
from borgerplan_plumbing.auth import CALLER_HEADER, Caller, sign_caller
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.settings import Settings
from borgerplan_plumbing.store import AggregateStore, AlreadyExistsError, VersionConflictError
from borgerplan_plumbing.workdays import COPENHAGEN, WorkingDayCalendar
from notify_service import messages
from notify_service.channels import Channel, DeliveryResult, OutgoingMessage

log = logging.getLogger(__name__)
SYSTEM = Caller(
    sub="notify", name="Borgerplan notify", unit="borgerplan", unit_kind="authority", roles=["admin"]
)
ICS_KINDS = {"meeting_invitation", "meeting_update", "meeting_cancellation"}
AGENDA_REMINDER_WORKING_DAYS = 2


class NotificationService:
    def __init__(
        self,
        settings: Settings,
        notifications: AggregateStore,
        meetings: Collection,
        preferences: Collection,
        channels: dict[str, Channel],
        calendar: WorkingDayCalendar,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.notifications = notifications
        self.meetings = meetings
        self.preferences = preferences
        self.channels = channels
        self.calendar = calendar
        self.http = httpx.AsyncClient(transport=transport, timeout=settings.upstream_timeout_seconds)
        self.secret = settings.internal_secret.get_secret_value()
        self.wake = asyncio.Event()

    async def close(self) -> None:
        await self.http.aclose()

    def link(self, path: str) -> str:
        return f"{self.settings.public_base_url}/api/v1{path}"

    # ------------------------------------------------------------ from events to stored notifications

    async def _create(
        self,
        event: CloudEvent,
        kind: str,
        recipient: InvitedParticipant | Document,
        values: dict[str, str],
        *,
        due: datetime | None = None,
        key: str = "",
        meeting_id: str | None = None,
    ) -> None:
        person = recipient if isinstance(recipient, dict) else recipient.model_dump()
        channel, address = await self._channel_for(person)
        if channel is None or address is None:
            return  # nobody to reach on any channel we have
        preference = await self.preferences.find_one({"_id": address}) or {}
        notification_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{event.id}/{person['participant_id']}/{kind}{key}")
        )
        doc = {
            "_id": notification_id,
            "citizen_id": event.subject,
            "kind": kind,
            "channel": channel,
            "address": address,
            "recipient_id": person["participant_id"],
            "language": preference.get("language", "da"),
            "cause_event_id": event.id,
            "meeting_id": meeting_id,
            "context": values,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due or datetime.now(UTC),
            "claim_until": None,
            "last_code": None,
            "created_at": datetime.now(UTC),
            "sent_at": None,
        }
        try:
            await self.notifications.insert(doc)
        except AlreadyExistsError:
            return  # a redelivered event: this notification exists already
        self.wake.set()

    async def _channel_for(self, person: Document) -> tuple[str | None, str | None]:
        if person.get("kind") == "citizen":
            if self.settings.digital_post_url and "digital_post" in self.channels:
                return "digital_post", person.get("citizen_id")
            return None, None
        preference = (
            await self.preferences.find_one({"_id": person.get("email")}) if person.get("email") else None
        )
        if (
            preference
            and preference.get("channel") == "sms"
            and preference.get("phone")
            and "sms" in self.channels
        ):
            return "sms", str(preference["phone"])
        if person.get("email"):
            return "email", str(person["email"])
        if person.get("phone") and "sms" in self.channels:
            return "sms", str(person["phone"])
        return None, None

    async def _remember_meeting(self, data: MeetingScheduled | MeetingRescheduled) -> None:
        fields: Document = {
            "citizen_id": data.citizen_id,
            "kind": data.kind,
            "start": data.start,
            "end": data.end,
            "participants": [p.model_dump() for p in data.participants],
        }
        if isinstance(data, MeetingScheduled):
            fields["coordinator_unit"] = data.coordinator_unit
        await self.meetings.update_one({"_id": data.meeting_id}, {"$set": fields}, upsert=True)

    def _people(self, participants: Sequence[InvitedParticipant], citizen_id: str) -> list[Document]:
        people = []
        for p in participants:
            person = p.model_dump()
            if p.kind == "citizen":
                person["citizen_id"] = citizen_id
            people.append(person)
        return people

    async def on_meeting_scheduled(self, event: CloudEvent, data: MeetingScheduled) -> None:
        await self._remember_meeting(data)
        values = messages.context(
            link=self.link(f"/meetings/{data.meeting_id}"),
            meeting_kind=data.kind,
            start=data.start,
            end=data.end,
        )
        for person in self._people(data.participants, data.citizen_id):
            await self._create(event, "meeting_invitation", person, values, meeting_id=data.meeting_id)
        await self._schedule_agenda_reminders(event, data)

    async def on_meeting_rescheduled(self, event: CloudEvent, data: MeetingRescheduled) -> None:
        await self._remember_meeting(data)
        await self._cancel_pending_reminders(data.meeting_id)
        values = messages.context(
            link=self.link(f"/meetings/{data.meeting_id}"),
            meeting_kind=data.kind,
            start=data.start,
            end=data.end,
        )
        for person in self._people(data.participants, data.citizen_id):
            await self._create(event, "meeting_update", person, values, meeting_id=data.meeting_id)
        await self._schedule_agenda_reminders(event, data)

    async def on_meeting_cancelled(self, event: CloudEvent, data: MeetingCancelled) -> None:
        await self._cancel_pending_reminders(data.meeting_id)
        values = messages.context(
            link=self.link(f"/meetings/{data.meeting_id}"), meeting_kind=data.kind, start=data.start
        )
        for person in self._people(data.participants, data.citizen_id):
            await self._create(event, "meeting_cancellation", person, values, meeting_id=data.meeting_id)

    async def _schedule_agenda_reminders(
        self, event: CloudEvent, data: MeetingScheduled | MeetingRescheduled
    ) -> None:
        if data.agenda_closes_on is None:
            return
        remind_on = self.calendar.add_working_days(data.agenda_closes_on, -AGENDA_REMINDER_WORKING_DAYS)
        due = datetime.combine(remind_on, time(8, 0), tzinfo=COPENHAGEN)
        if due <= datetime.now(UTC):
            return
        values = {
            **messages.context(
                link=self.link(f"/meetings/{data.meeting_id}"),
                meeting_kind=data.kind,
                start=data.start,
                due=data.agenda_closes_on,
            )
        }
        for person in self._people(data.participants, data.citizen_id):
            if person["kind"] != "citizen":
                await self._create(
                    event, "agenda_reminder", person, values, due=due, meeting_id=data.meeting_id
                )

    async def _cancel_pending_reminders(self, meeting_id: str) -> None:
        await self.notifications.collection.update_many(
            {"meeting_id": meeting_id, "kind": "agenda_reminder", "status": "pending"},
            {"$set": {"status": "cancelled"}},
        )

    async def on_minutes_published(self, event: CloudEvent, data: MinutesPublished) -> None:
        meeting = await self.meetings.find_one({"_id": data.meeting_id}) or {}
        values = messages.context(
            link=self.link(f"/meetings/{data.meeting_id}"),
            meeting_kind=meeting.get("kind"),
            start=meeting.get("start"),
        )
        for person in self._people(data.recipients, data.citizen_id):
            await self._create(event, "minutes_published", person, values, meeting_id=data.meeting_id)

    async def _unit_people(self, meeting_id: str, units: set[str | None]) -> list[Document]:
        meeting = await self.meetings.find_one({"_id": meeting_id}) or {}
        return [p for p in meeting.get("participants", []) if p.get("unit") in units and p.get("email")]

    async def on_minutes_overdue(self, event: CloudEvent, data: MinutesOverdue) -> None:
        values = messages.context(link=self.link(f"/meetings/{data.meeting_id}"), due=data.due)
        for person in await self._unit_people(data.meeting_id, {data.coordinator_unit}):
            await self._create(event, "minutes_overdue", person, values, meeting_id=data.meeting_id)

    async def on_task_overdue(self, event: CloudEvent, data: TaskOverdue) -> None:
        values = messages.context(link=self.link(f"/meetings/{data.meeting_id}"), due=data.due)
        people = await self._unit_people(data.meeting_id, {data.coordinator_unit, data.responsible_unit})
        for person in people:
            await self._create(event, "task_overdue", person, values, meeting_id=data.meeting_id)

    async def _plan_actors(self, citizen_id: str) -> list[Document]:
        """The plan service's actors of the citizen's plans: professional contact data, asked for over HTTP."""
        response = await self.http.get(
            f"{self.settings.plan_url}/plans",
            params={"citizen_id": citizen_id},
            headers={CALLER_HEADER: sign_caller(SYSTEM, self.secret)},
        )
        response.raise_for_status()  # raising makes the consumer retry, then dead-letter
        actors: list[Document] = []
        for plan in response.json():
            for actor in plan.get("actors", []):
                if actor.get("kind") in ("authority", "provider", "external"):
                    actors.append(
                        {
                            **actor,
                            "participant_id": actor["actor_id"],
                            "responsible": actor.get("unit") == plan.get("responsible_unit"),
                        }
                    )
        return actors

    async def on_consent_expiring(self, event: CloudEvent, data: ConsentExpiring) -> None:
        values = messages.context(link=self.link(f"/consents/{data.consent_id}"), due=data.valid_until)
        for actor in await self._plan_actors(data.citizen_id):
            if actor["responsible"] and actor.get("kind") == "authority":
                await self._create(event, "consent_expiring", actor, values)

    async def on_consent_revoked(self, event: CloudEvent, data: ConsentRevoked) -> None:
        values = messages.context(link=self.link(f"/consents/{data.consent_id}"))
        for actor in await self._plan_actors(data.citizen_id):
            if actor.get("unit") == data.grantee_unit:
                await self._create(event, "consent_revoked", actor, values)

    # ------------------------------------------------------------ delivery

    async def _claim(self) -> Document | None:
        now = datetime.now(UTC)
        return await self.notifications.collection.find_one_and_update(
            {
                "$or": [
                    {"status": "pending", "next_attempt_at": {"$lte": now}},
                    {"status": "sending", "claim_until": {"$lt": now}},
                ]
            },
            {"$set": {"status": "sending", "claim_until": now + timedelta(seconds=60)}},
            return_document=ReturnDocument.AFTER,
        )

    async def deliver_due(self) -> int:
        """Send everything that is due now; returns how many were handled."""
        handled = 0
        while (doc := await self._claim()) is not None:
            handled += 1
            try:
                result = await self._send(doc)
            except Exception as exc:
                result = DeliveryResult("temporary", type(exc).__name__)
            await self._record(doc, result)
        return handled

    async def _send(self, doc: Document) -> DeliveryResult:
        subject, body = messages.render(doc["kind"], doc["language"], doc["context"])
        attachments: tuple[tuple[str, str, bytes], ...] = ()
        if doc["kind"] in ICS_KINDS and doc["channel"] == "email" and doc.get("meeting_id"):
            response = await self.http.get(
                f"{self.settings.meetings_url}/meetings/{doc['meeting_id']}/invitation.ics",
                headers={CALLER_HEADER: sign_caller(SYSTEM, self.secret)},
            )
            if response.status_code != 200:
                return DeliveryResult("temporary", f"ics_http_{response.status_code}")
            attachments = (("invitation.ics", "text/calendar", response.content),)
        message = OutgoingMessage(doc["_id"], doc["address"], subject, body, attachments)
        return await self.channels[doc["channel"]].send(message)

    async def _record(self, doc: Document, result: DeliveryResult) -> None:
        attempts = doc["attempts"] + 1
        common: dict[str, Any] = {
            "notification_id": doc["_id"],
            "citizen_id": doc["citizen_id"],
            "kind": doc["kind"],
            "channel": doc["channel"],
            "recipient_id": doc["recipient_id"],
            "cause_event_id": doc["cause_event_id"],
        }
        now = datetime.now(UTC)
        events: list[CloudEvent] = []
        if result.outcome == "delivered":
            changes: Document = {"status": "sent", "sent_at": now}
            events.append(new_event(NotificationSent(**common), subject=doc["citizen_id"]))
        elif result.outcome == "temporary" and attempts < self.settings.notify_max_attempts:
            backoff = self.settings.notify_retry_base_seconds * 2 ** (attempts - 1)
            changes = {"status": "pending", "next_attempt_at": now + timedelta(seconds=backoff)}
        else:
            changes = {"status": "failed"}
            events.append(
                new_event(NotificationFailed(**common, reason_code=result.code), subject=doc["citizen_id"])
            )
        changes.update({"attempts": attempts, "last_code": result.code, "claim_until": None})
        try:
            await self.notifications.update(
                doc["_id"],
                doc["version"],
                changes,
                events,
                extra={"$push": {"attempt_log": {"at": now, "code": result.code}}},
            )
        except VersionConflictError:
            log.warning("notification changed while sending", extra={"notification_id": doc["_id"]})
        log.info(
            "notification attempt",
            extra={
                "notification_id": doc["_id"],
                "kind": doc["kind"],
                "outcome": result.outcome,
                "code": result.code,
            },
        )

    async def delivery_loop(self) -> None:
        while True:
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("delivery pass failed", extra={"error": type(exc).__name__})
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as the
            # event is set, and the loop would never stop.
            try:
                async with asyncio.timeout(self.settings.notify_poll_seconds):
                    await self.wake.wait()
            except TimeoutError:
                pass
            self.wake.clear()
