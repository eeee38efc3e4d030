"""Events on ``borgerplan.consent.v1``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import AwareDatetime

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


class ConsentNarrowed(_ConsentEvent):
    """A consent now covers fewer categories or purposes (a new version of it)."""

    name: ClassVar[str] = "consent_narrowed"
    consent_id: str
    citizen_id: str
    grantee_unit: str
    categories: list[InformationCategory]
    purposes: list[Purpose]
    consent_version: int


class ConsentRenewed(_ConsentEvent):
    """A consent's validity was extended with the citizen (a new version of it)."""

    name: ClassVar[str] = "consent_renewed"
    consent_id: str
    citizen_id: str
    grantee_unit: str
    valid_until: date | None
    consent_version: int


class ConsentRevoked(_ConsentEvent):
    """The citizen revoked a consent; it stops covering anything at once."""

    name: ClassVar[str] = "consent_revoked"
    consent_id: str
    citizen_id: str
    grantee_unit: str
    revoked_at: AwareDatetime


class ConsentExpiring(_ConsentEvent):
    """A consent ends within 30 days: the responsible caseworker can renew it with the citizen."""

    name: ClassVar[str] = "consent_expiring"
    consent_id: str
    citizen_id: str
    grantee_unit: str
    valid_until: date


class ConsentExpired(_ConsentEvent):
    """A consent ran out."""

    name: ClassVar[str] = "consent_expired"
    consent_id: str
    citizen_id: str
    grantee_unit: str
    valid_until: date


# Every event of this topic; the registry in events/__init__.py collects these tuples.
EVENTS: tuple[type[EventData], ...] = (
    ConsentGranted,
    ConsentNarrowed,
    ConsentRenewed,
    ConsentRevoked,
    ConsentExpiring,
    ConsentExpired,
)
