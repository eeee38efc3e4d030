"""Every event payload, and the registry from CloudEvents ``type`` to its model.

Each topic's module lists its events in ``EVENTS``; add a new event there and it is registered, gets a
JSON Schema (``python -m borgerplan_contracts.schemas``) and is decodable by every consumer.
"""

from __future__ import annotations

from borgerplan_contracts.events import consent, meetings, notify, outreach, plan
from borgerplan_contracts.events.base import EventData
from borgerplan_contracts.events.consent import ConsentGranted
from borgerplan_contracts.events.meetings import InvitedParticipant, MeetingScheduled
from borgerplan_contracts.events.notify import NotificationFailed, NotificationSent
from borgerplan_contracts.events.plan import CitizenRegistered, PlanCreated

ALL_EVENTS: tuple[type[EventData], ...] = (
    *plan.EVENTS,
    *consent.EVENTS,
    *meetings.EVENTS,
    *notify.EVENTS,
    *outreach.EVENTS,
)

EVENT_TYPES: dict[str, type[EventData]] = {model.event_type(): model for model in ALL_EVENTS}

__all__ = [
    "ALL_EVENTS",
    "EVENT_TYPES",
    "CitizenRegistered",
    "ConsentGranted",
    "EventData",
    "InvitedParticipant",
    "MeetingScheduled",
    "NotificationFailed",
    "NotificationSent",
    "PlanCreated",
]
