"""Notify's Kafka subscriptions: which use case answers which event (each handler is wrapped by the idempotent
consumer, so a redelivered event is skipped and one that keeps failing goes to the dead-letter topic)."""

from __future__ import annotations

from functools import partial

from borgerplan_contracts import EventData
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
from borgerplan_plumbing.consumer import Handler
from notify_service import changes
from notify_service.changes import Notify


def meeting_handlers(ctx: Notify) -> dict[type[EventData], Handler]:
    return {
        MeetingScheduled: partial(changes.on_meeting_scheduled, ctx),
        MeetingRescheduled: partial(changes.on_meeting_rescheduled, ctx),
        MeetingCancelled: partial(changes.on_meeting_cancelled, ctx),
        MinutesPublished: partial(changes.on_minutes_published, ctx),
        MinutesOverdue: partial(changes.on_minutes_overdue, ctx),
        TaskOverdue: partial(changes.on_task_overdue, ctx),
    }


def consent_handlers(ctx: Notify) -> dict[type[EventData], Handler]:
    return {
        ConsentExpiring: partial(changes.on_consent_expiring, ctx),
        ConsentRevoked: partial(changes.on_consent_revoked, ctx),
        ConsentNarrowed: partial(changes.on_consent_covering_less, ctx),
        ConsentExpired: partial(changes.on_consent_covering_less, ctx),
    }


def plan_handlers(ctx: Notify) -> dict[type[EventData], Handler]:
    """The citizen's requests for a change of their plan (decision 0061)."""
    return {
        ChangeRequested: partial(changes.on_change_requested, ctx),
        ChangeRequestDecided: partial(changes.on_change_request_decided, ctx),
    }
