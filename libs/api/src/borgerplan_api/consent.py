"""The consent service's models: consents (samtykke) and their versions, disclosures, and the decision.

Field-level rules (lengths, list sizes, an oral consent naming who recorded it, a statutory basis naming its
paragraph) live here; rules that need the stored consent (narrowing only takes away, renewal only extends) live in
the consent service's domain. The models below the "internal" line are not part of the public API: the gateway and
the gateway, the meetings and the notify service read consents as facts with them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from borgerplan_api.base import In, Out
from borgerplan_contracts.events.consent import ConsentBasis, InformationCategory, Purpose

__all__ = ["ConsentBasis", "InformationCategory", "Purpose"]

MAX_CATEGORIES = 8
MAX_PURPOSES = 4
MAX_BATCH = 1000

ConsentStatus = Literal["active", "revoked", "expired"]
ConsentChange = Literal["granted", "narrowed", "renewed", "revoked", "expired"]
DisclosureWhat = Literal["plan_view", "plan", "minutes", "meeting_invitation", "information_exchange"]
# The grain of access control is the unit; its kind says whether it can be a plan's responsible unit.
UnitKind = Literal["authority", "provider", "external"]
Relation = Literal["responsible", "actor", "none"]
CitizenId = Annotated[str, Field(min_length=1, max_length=100)]


def _categories() -> Any:
    return Field(min_length=1, max_length=MAX_CATEGORIES)


def _purposes() -> Any:
    return Field(min_length=1, max_length=MAX_PURPOSES)


# --- consents -------------------------------------------------------------------------------------------------


class ConsentForm(In):
    """How the consent was given: written (with a document reference) or oral (recorded by whom)."""

    kind: Literal["written", "oral"]
    document_reference: str | None = Field(default=None, max_length=200)
    recorded_by: str | None = Field(default=None, max_length=200)
    recorded_at: datetime | None = None

    @model_validator(mode="after")
    def _complete(self) -> ConsentForm:
        if self.kind == "oral" and not self.recorded_by:
            raise ValueError("an oral consent names who recorded it (recorded_by)")
        return self


class ConsentCreate(In):
    """The citizen's declaration, registered by a unit for a receiving unit (``grantee_unit``)."""

    citizen_id: str = Field(min_length=1, max_length=100)
    grantee_unit: str = Field(min_length=1, max_length=200)
    categories: list[InformationCategory] = _categories()
    purposes: list[Purpose] = _purposes()
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


class ConsentNarrowing(In):
    """A new, narrower version: fewer categories and/or purposes (send If-Match)."""

    categories: list[InformationCategory] | None = Field(
        default=None, min_length=1, max_length=MAX_CATEGORIES
    )
    purposes: list[Purpose] | None = Field(default=None, min_length=1, max_length=MAX_PURPOSES)


class ConsentRenewal(In):
    """A new version with a later end, agreed with the citizen (send If-Match)."""

    valid_until: date | None
    form: ConsentForm | None = None


class RevocationCreate(In):
    reason: str | None = Field(default=None, max_length=500)


class Revocation(Out):
    """Who revoked the consent, when, and why (the citizen's word, recorded by a member of staff)."""

    revoked_by: str
    revoked_by_name: str
    revoked_by_unit: str | None = None
    revoked_at: datetime
    reason: str | None = None


class ConsentHistoryEntry(Out):
    """One version of the consent: who changed it, when, how, and what it covered from then on."""

    version: int
    change: ConsentChange
    at: datetime
    by: str
    by_name: str | None = None
    by_unit: str | None = None
    categories: list[InformationCategory]
    purposes: list[Purpose]
    valid_until: date | None = None


class ConsentPublic(Out):
    consent_id: str
    citizen_id: str
    grantee_unit: str
    categories: list[InformationCategory]
    purposes: list[Purpose]
    form: ConsentForm
    basis: ConsentBasis = "consent"
    statutory_paragraph: str | None = None
    valid_from: date
    valid_until: date | None = None
    status: ConsentStatus
    revocation: Revocation | None = None
    history: list[ConsentHistoryEntry] = []
    granted_by_unit: str | None = Field(default=None, description="the unit that registered the consent")
    version: int


# --- disclosures ----------------------------------------------------------------------------------------------


class DisclosureCreate(In):
    """Data left the system on a permit: what, to whom, for which purpose (internal: recorded by who sends)."""

    citizen_id: str = Field(min_length=1, max_length=100)
    unit: str = Field(min_length=1, max_length=200)
    purpose: Purpose
    categories: list[InformationCategory] = Field(max_length=MAX_CATEGORIES)
    consent_ids: list[str] = Field(default_factory=list, max_length=50)
    what: DisclosureWhat
    reference: str | None = Field(default=None, max_length=200, description="e.g. the meeting id")


class DisclosurePublic(Out):
    disclosure_id: str
    citizen_id: str
    unit: str
    purpose: Purpose
    categories: list[InformationCategory]
    consent_ids: list[str] = []
    what: DisclosureWhat
    reference: str | None = None
    at: datetime
    recorded_by: str


# --- internal: the consents as facts, and the decision the gateway answers ------------------------------------


class ConsentRef(Out):
    """What deciding access needs of a consent (internal: ``borgerplan_rules.access`` decides from these)."""

    consent_id: str
    citizen_id: str
    grantee_unit: str
    granted_by_unit: str | None = None
    categories: list[InformationCategory]
    purposes: list[Purpose]
    basis: ConsentBasis = "consent"
    valid_from: date
    valid_until: date | None = None
    status: ConsentStatus


class ConsentRefsAmong(In):
    """The consents one unit received, among these citizens (internal: the "Mine borgere" page)."""

    citizen_ids: list[CitizenId] = Field(min_length=1, max_length=MAX_BATCH)


class Decision(Out):
    """What the unit may see, as ``borgerplan_rules.access`` decides it. A deny names why: ``no_relation``,
    ``no_consent``, ``consent_revoked``, ``consent_not_in_force``, ``purpose_not_covered``,
    ``categories_not_covered``."""

    permit: bool
    relation: Relation
    categories: list[InformationCategory]
    consent_ids: list[str]
    basis: str
    reason: str
    consents: list[ConsentPublic] | None = Field(
        default=None, description="not filled (kept for old clients)"
    )
    disclosure_id: str | None = Field(default=None, description="not filled (kept for old clients)")


class ProposedConsent(In):
    """A consent as it would be granted (or as an existing one would become)."""

    categories: list[InformationCategory] = _categories()
    purposes: list[Purpose] = _purposes()
    valid_from: date
    valid_until: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ProposedConsent:
        if self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class PreviewRequest(In):
    """What would the unit see if ``proposed`` were granted, or the consent ``replaces_consent_id`` narrowed or
    renewed to it, or revoked (``proposed`` null)? With neither, ``after`` is what it sees now. Nothing is stored."""

    citizen_id: str = Field(min_length=1, max_length=100)
    unit: str = Field(min_length=1, max_length=200)
    unit_kind: UnitKind | None = None
    purpose: Purpose
    proposed: ProposedConsent | None = None
    replaces_consent_id: str | None = Field(default=None, min_length=1, max_length=100)


class DecisionPreview(Out):
    """The unit's decision now and as it would be (internal). In ``after``, a new consent's id is ``proposed``."""

    before: Decision
    after: Decision
