"""HTTP shapes of the consent service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from borgerplan_contracts.events.consent import ConsentBasis, InformationCategory, Purpose


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConsentForm(_In):
    kind: Literal["written", "oral"]
    document_reference: str | None = Field(default=None, max_length=200)
    recorded_by: str | None = Field(default=None, max_length=200)
    recorded_at: datetime | None = None

    @model_validator(mode="after")
    def _complete(self) -> ConsentForm:
        if self.kind == "oral" and not self.recorded_by:
            raise ValueError("an oral consent names who recorded it (recorded_by)")
        return self


class ConsentCreate(_In):
    citizen_id: str = Field(min_length=1, max_length=100)
    grantee_unit: str = Field(min_length=1, max_length=200)
    categories: list[InformationCategory] = Field(min_length=1, max_length=8)
    purposes: list[Purpose] = Field(min_length=1, max_length=4)
    form: ConsentForm
    basis: ConsentBasis = "consent"
    statutory_paragraph: str | None = Field(default=None, max_length=100)
    valid_from: date
    valid_until: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ConsentCreate:
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if self.basis == "statutory" and not self.statutory_paragraph:
            raise ValueError("a statutory basis names its paragraph (statutory_paragraph)")
        return self


class Revocation(BaseModel):
    revoked_by: str
    revoked_by_name: str
    revoked_by_unit: str
    revoked_at: datetime
    reason: str | None = None


class HistoryEntry(BaseModel):
    """One version of the consent: who changed it, when, and to what."""

    version: int
    change: Literal["granted", "narrowed", "renewed", "revoked", "expired"]
    at: datetime
    by: str
    by_unit: str | None = None
    categories: list[InformationCategory]
    purposes: list[Purpose]
    valid_until: date | None = None


class ConsentPublic(ConsentCreate):
    model_config = ConfigDict(extra="ignore")

    consent_id: str
    status: Literal["active", "revoked", "expired"]
    revocation: Revocation | None = None
    history: list[HistoryEntry] = []
    granted_by_unit: str | None = Field(default=None, description="the unit that registered the consent")
    version: int


class ConsentNarrowing(_In):
    """A new, narrower version: fewer categories and/or purposes."""

    categories: list[InformationCategory] | None = Field(default=None, min_length=1, max_length=8)
    purposes: list[Purpose] | None = Field(default=None, min_length=1, max_length=4)


class ConsentRenewal(_In):
    """A new version with a later end, agreed with the citizen."""

    valid_until: date | None
    form: ConsentForm | None = None


class RevocationCreate(_In):
    reason: str | None = Field(default=None, max_length=500)


DisclosureWhat = Literal["plan_view", "plan", "minutes", "meeting_invitation", "information_exchange"]


class DecisionRequest(_In):
    citizen_id: str = Field(min_length=1, max_length=100)
    unit: str = Field(min_length=1, max_length=200)
    purpose: Purpose
    categories: list[InformationCategory] | None = Field(default=None, max_length=8)
    disclose: DisclosureWhat | None = Field(
        default=None,
        description="record a disclosure of this kind when the answer permits on another unit's consent (the "
        "composed view's read, which leaves right after)",
    )
    include_consents: bool = Field(
        default=False,
        description="also return the consents the unit may see: all of the citizen's for the responsible "
        "unit, the unit's own otherwise (saves the composed view a second call)",
    )


class Decision(BaseModel):
    permit: bool
    relation: Literal["responsible", "actor", "none"]
    categories: list[InformationCategory]
    consent_ids: list[str]
    basis: str
    reason: str
    consents: list[ConsentPublic] | None = None
    disclosure_id: str | None = Field(default=None, description="the disclosure recorded on this answer")


class DisclosureCreate(_In):
    """Data left the system on a permit: what, to whom, for which purpose (internal)."""

    citizen_id: str = Field(min_length=1, max_length=100)
    unit: str = Field(min_length=1, max_length=200)
    purpose: Purpose
    categories: list[InformationCategory] = Field(max_length=8)
    consent_ids: list[str] = Field(default_factory=list, max_length=50)
    what: DisclosureWhat
    reference: str | None = Field(default=None, max_length=200, description="e.g. the meeting id")


class DisclosurePublic(DisclosureCreate):
    model_config = ConfigDict(extra="ignore")

    disclosure_id: str
    at: datetime
    recorded_by: str
