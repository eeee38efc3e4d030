"""Borgerplan's public event contract: the CloudEvents envelope, event payloads and topic names.

Importable by outside subscribers (case systems) with pydantic as its only dependency.
"""

from borgerplan_contracts import topics
from borgerplan_contracts.envelope import CloudEvent, UnknownEventTypeError, new_event
from borgerplan_contracts.events import EVENT_TYPES, EventData

__all__ = ["EVENT_TYPES", "CloudEvent", "EventData", "UnknownEventTypeError", "new_event", "topics"]
