"""Meeting invitations by email: what the skeleton of notify does with ``MeetingScheduled``.

The message says that a meeting is scheduled, its kind and time, and links to the gateway: no case content.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import aiosmtplib

from borgerplan_contracts import CloudEvent, new_event
from borgerplan_contracts.events import MeetingScheduled, NotificationSent
from borgerplan_plumbing.settings import Settings
from borgerplan_plumbing.store import AggregateStore, AlreadyExistsError

log = logging.getLogger(__name__)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
MEETING_KIND_DA = {
    "preparation": "forberedelsesmøde",
    "network": "netværksmøde",
    "citizen_plan": "borgerplansmøde",
    "coordinating": "koordinerende møde",
    "follow_up": "opfølgningsmøde",
}


def invitation_text(data: MeetingScheduled, link: str) -> tuple[str, str]:
    start = data.start.astimezone(COPENHAGEN)
    end = data.end.astimezone(COPENHAGEN)
    kind = MEETING_KIND_DA[data.kind]
    subject = f"Invitation: {kind} {start:%d.%m.%Y} kl. {start:%H.%M}"
    body = (
        f"Du er inviteret til et {kind} i Borgerplan.\n\n"
        f"Tidspunkt: {start:%d.%m.%Y} kl. {start:%H.%M}-{end:%H.%M}\n\n"
        f"Se mødet, dagsordenen og svar på invitationen her:\n{link}\n\n"
        "Denne mail indeholder ingen oplysninger om borgeren. Log ind for at se mødet.\n"
    )
    return subject, body


class InvitationSender:
    def __init__(self, settings: Settings, notifications: AggregateStore) -> None:
        self.settings = settings
        self.notifications = notifications

    async def on_meeting_scheduled(self, event: CloudEvent, data: MeetingScheduled) -> None:
        link = f"{self.settings.public_base_url}/api/v1/meetings/{data.meeting_id}"
        subject, body = invitation_text(data, link)
        for participant in data.participants:
            if not participant.email:
                continue  # the citizen and private network are told through their own channels
            notification_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.id}/{participant.participant_id}"))
            try:
                await self.notifications.insert(
                    {
                        "_id": notification_id,
                        "citizen_id": data.citizen_id,
                        "kind": "meeting_invitation",
                        "channel": "email",
                        "recipient_id": participant.participant_id,
                        "cause_event_id": event.id,
                        "meeting_id": data.meeting_id,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": datetime.now(UTC),
                    }
                )
            except AlreadyExistsError:
                pass
            current = await self.notifications.get(notification_id)
            if current["status"] == "sent":
                continue
            message = EmailMessage()
            message["From"] = self.settings.smtp_sender
            message["To"] = participant.email
            message["Subject"] = subject
            message["X-Borgerplan-Notification"] = notification_id
            message.set_content(body)
            await aiosmtplib.send(
                message, hostname=self.settings.smtp_host, port=self.settings.smtp_port, timeout=10
            )
            sent = NotificationSent(
                notification_id=notification_id,
                citizen_id=data.citizen_id,
                kind="meeting_invitation",
                channel="email",
                recipient_id=participant.participant_id,
                cause_event_id=event.id,
            )
            await self.notifications.update(
                notification_id,
                current["version"],
                {"status": "sent", "sent_at": datetime.now(UTC), "attempts": current["attempts"] + 1},
                [new_event(sent, subject=data.citizen_id)],
            )
            log.info(
                "invitation sent", extra={"notification_id": notification_id, "meeting_id": data.meeting_id}
            )
