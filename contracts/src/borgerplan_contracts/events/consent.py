"""Events on ``borgerplan.consent.v1``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from borgerplan_contracts.events.base import EventData

InformationCategory = Literal[
    "general", "health", "substance_use", "finances", "housing", "employment", "family", "criminal_matters"
]
Purpose = Literal["view_plan", "meeting_invitation", "receive_minutes", "exchange_information"]
ConsentBasis = Literal["consent", "statutory"]


class _ConsentEvent(EventData):
    service: ClassVar[str] = "consent"


class ConsentGranted(_ConsentEvent):
    """A consent (or recorded statutory basis) lets a unit use categories for purposes."""

    name: ClassVar[str] = "consent_granted"
    consent_id: str
    citizen_id: str
    grantee_unit: str
    categories: list[InformationCategory]
    purposes: list[Purpose]
    basis: ConsentBasis
    valid_from: date
    valid_until: date | None = None


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (ConsentGranted,)
