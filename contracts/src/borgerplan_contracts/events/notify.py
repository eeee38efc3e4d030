"""Events on ``borgerplan.notify.v1``."""

from __future__ import annotations

from typing import ClassVar, Literal

from borgerplan_contracts.events.base import EventData

Channel = Literal["email", "sms", "digital_post"]
NotificationKind = Literal[
    "meeting_invitation",
    "meeting_update",
    "meeting_cancellation",
    "agenda_reminder",
    "minutes_published",
    "minutes_overdue",
    "task_overdue",
    "consent_expiring",
    "consent_revoked",
    "change_requested",
    "change_request_answered",
]


class _NotifyEvent(EventData):
    service: ClassVar[str] = "notify"


class NotificationSent(_NotifyEvent):
    """A notification reached the recipient's channel (the mail server accepted it)."""

    name: ClassVar[str] = "notification_sent"
    notification_id: str
    citizen_id: str
    kind: NotificationKind
    channel: Channel
    recipient_id: str
    cause_event_id: str


class NotificationFailed(_NotifyEvent):
    """A notification could not be delivered and will not be retried."""

    name: ClassVar[str] = "notification_failed"
    notification_id: str
    citizen_id: str
    kind: NotificationKind
    channel: Channel
    recipient_id: str
    cause_event_id: str
    reason_code: str


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (
    NotificationSent,
    NotificationFailed,
)
