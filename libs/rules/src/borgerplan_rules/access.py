"""Who may see what of a citizen, decided once: how a unit is related to the citizen, and which categories it may
see for a purpose now. Pure: it answers from facts only, the owning services' (the plan service's plans, the consent
service's consents), which ``borgerplan_plumbing.access`` fetches once per request.

Every place that shows or sends citizen data asks ``access`` (the gateway's views and guards, the meetings service's
invitations and minutes, notify's recipients, the preview of a consent): nobody else reads a consent's categories or
purposes to decide (``tests/unit/rules/test_one_answer.py`` fails when a module does).

The relations:

- **self**: the citizen, about themselves: everything;
- **responsible**: the authority unit (myndighed) responsible for one of the citizen's current (draft or active)
  plans: everything, no consent needed (a unit whose kind is provider or external never is);
- **actor**: a unit on a current plan's network map, or named by one of the citizen's consents (as the receiver or
  as the unit that registered it: outreach work collects consent before any plan exists): what its own unrevoked
  consents (or statutory bases) in force today cover for the purpose, the union over them;
- **none**: nothing, and it may not learn that the citizen exists.

Deny is the default, and consent fails closed: without the consents (``CitizenFacts.consents`` None: the consent
service did not answer, or was not asked) nothing beyond the responsible unit's own data is permitted
(``consent_unavailable``).

A new relation (a relative acting under a power of attorney, an outreach team on a course before any plan, a leader
reading only aggregates) is one more case here: a value of ``Relation``, its facts a field of ``CitizenFacts``
(fetched beside the others in ``borgerplan_plumbing.access``), a clause in ``relation`` that recognises it, and what
it may see in ``access`` (``Access.categories``: all, a set, or none, with the basis and reason).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from borgerplan_rules.violations import RuleViolation

Relation = Literal["self", "responsible", "actor", "none"]
Basis = Literal["self", "responsible_unit", "consent", "statutory", "none"]
Reason = Literal[
    "self",
    "responsible_unit",
    "consent",
    "no_relation",
    "no_consent",
    "consent_revoked",
    "consent_not_in_force",
    "purpose_not_covered",
    "categories_not_covered",
    "consent_unavailable",
]

# The vocabularies, as the public models' Literals name them (``tests/unit/rules`` checks they are equal).
CATEGORIES: tuple[str, ...] = (
    "general",
    "health",
    "substance_use",
    "finances",
    "housing",
    "employment",
    "family",
    "criminal_matters",
)
PURPOSES: tuple[str, ...] = ("view_plan", "meeting_invitation", "receive_minutes", "exchange_information")
# The kinds of unit a professional works in; only an authority unit can be responsible for a plan.
PROFESSIONAL_KINDS: frozenset[str] = frozenset({"authority", "provider", "external"})
CLOSED = "closed"
PROPOSED = "proposed"  # the id a hypothetical new consent has in a preview

# What a meeting's invitation and its minutes disclose of the plan, and for which purpose each is sent.
MEETING_CATEGORIES: tuple[str, ...] = ("general",)
INVITATION, MINUTES = "meeting_invitation", "receive_minutes"
# For each kind of notification, the purpose a professional of another unit must be permitted before it is made
# (None: told without consent, since it goes to the responsible unit, or to the unit a consent is about).
NOTIFICATION_PURPOSES: Mapping[str, str | None] = {
    "meeting_invitation": INVITATION,
    "meeting_update": INVITATION,
    "meeting_cancellation": INVITATION,
    "agenda_reminder": INVITATION,
    "minutes_published": MINUTES,
    "minutes_overdue": INVITATION,
    "task_overdue": MINUTES,
    "consent_expiring": None,
    "consent_revoked": None,
    # the citizen's request for a change: to the responsible unit, and the answer to the citizen (decision 0061)
    "change_requested": None,
    "change_request_answered": None,
}


# --- the facts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanFacts:
    """What a relation needs of one plan (the plan service's plan reference)."""

    plan_id: str
    citizen_id: str
    responsible_unit: str
    actor_units: frozenset[str] = frozenset()
    status: str = "active"

    @property
    def current(self) -> bool:
        """Draft and active plans bind their units; a closed plan no longer does."""
        return self.status != CLOSED

    @classmethod
    def of(cls, plan: Mapping[str, Any]) -> PlanFacts:
        """From a plan or plan reference as the plan service answers it (``plan_id`` or ``_id``)."""
        return cls(
            plan_id=str(plan.get("plan_id") or plan.get("_id")),
            citizen_id=str(plan["citizen_id"]),
            responsible_unit=str(plan["responsible_unit"]),
            actor_units=frozenset(
                plan.get("actor_units")
                or (
                    a["unit"]
                    for a in plan.get("actors", [])
                    if a.get("unit") and a.get("kind") != "private_network"
                )
            ),
            status=str(plan.get("status", "active")),
        )


@dataclass(frozen=True)
class ConsentFacts:
    """What deciding needs of one consent (the consent service's consent reference)."""

    consent_id: str
    grantee_unit: str
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    valid_from: date
    valid_until: date | None = None
    status: str = "active"
    basis: str = "consent"
    granted_by_unit: str | None = None
    citizen_id: str = ""

    @property
    def revoked(self) -> bool:
        return self.status == "revoked"

    def in_force(self, today: date) -> bool:
        return (
            not self.revoked
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> ConsentFacts:
        """From a consent or consent reference (``consent_id`` or ``_id``; dates as ISO strings or dates)."""
        return cls(
            consent_id=str(doc.get("consent_id") or doc.get("_id")),
            grantee_unit=str(doc["grantee_unit"]),
            categories=tuple(doc["categories"]),
            purposes=tuple(doc["purposes"]),
            valid_from=_date(doc["valid_from"]),
            valid_until=_date(doc["valid_until"]) if doc.get("valid_until") else None,
            status=str(doc.get("status", "active")),
            basis=str(doc.get("basis") or "consent"),
            granted_by_unit=doc.get("granted_by_unit"),
            citizen_id=str(doc.get("citizen_id", "")),
        )


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class CitizenFacts:
    """What the owners know of one citizen that decides access: the plans (all of them, or the one plan a plan's
    own operations are about) and the consents, ``None`` when they are not known (fail closed)."""

    citizen_id: str
    plans: tuple[PlanFacts, ...] = ()
    consents: tuple[ConsentFacts, ...] | None = ()


# --- the answer -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """How the unit is related to the citizen and what it may see: every category (``categories`` None), these,
    or none (empty: then ``reason`` says why). ``consent_ids`` and ``basis`` are what a permit rests on."""

    relation: Relation
    categories: frozenset[str] | None
    consent_ids: tuple[str, ...] = ()
    basis: Basis = "none"
    reason: Reason = "no_relation"

    @property
    def permit(self) -> bool:
        return self.categories is None or bool(self.categories)

    @property
    def full(self) -> bool:
        """Everything: the citizen themself, or the responsible unit (its own case)."""
        return self.categories is None

    @property
    def on_consent(self) -> bool:
        """Data shown or sent on this answer leaves on the citizen's consent: a disclosure is recorded."""
        return self.permit and not self.full

    @property
    def unknown(self) -> bool:
        """The consents could not be read: nothing beyond the responsible unit's own data (fail closed)."""
        return self.reason == "consent_unavailable"

    def may_see(self, category: str) -> bool:
        return self.categories is None or category in self.categories

    def listed(self) -> tuple[str, ...]:
        """The categories permitted, in order (every category for full access)."""
        return tuple(sorted(CATEGORIES if self.categories is None else self.categories))


SELF = Access("self", None, basis="self", reason="self")
RESPONSIBLE = Access("responsible", None, basis="responsible_unit", reason="responsible_unit")


def is_responsible(unit: str, unit_kind: str | None, plans: Iterable[PlanFacts]) -> bool:
    """The responsible unit: the authority unit responsible for one of the citizen's current plans.

    ``unit_kind`` None means the kind is not known to the asker (a meeting's participant, a notification's
    recipient): then the plans alone decide.
    """
    if unit_kind not in (None, "authority"):
        return False
    return any(p.current and p.responsible_unit == unit for p in plans)


def is_actor(unit: str, plans: Iterable[PlanFacts]) -> bool:
    """The unit takes part in one of the citizen's current plans (an actor on its network map)."""
    return any(p.current and unit in p.actor_units for p in plans)


def responsible_units(plans: Iterable[PlanFacts]) -> frozenset[str]:
    """The units responsible for the citizen's current plans."""
    return frozenset(p.responsible_unit for p in plans if p.current)


def units_taking_part(plans: Iterable[PlanFacts]) -> frozenset[str]:
    """The units on the network maps of the citizen's current plans."""
    return frozenset(u for p in plans if p.current for u in p.actor_units)


def named_by_consent(unit: str, consents: Iterable[ConsentFacts]) -> bool:
    """A consent of the citizen names the unit: it received it, or it registered it."""
    return any(unit in (c.grantee_unit, c.granted_by_unit) for c in consents)


def relation(unit: str, unit_kind: str | None, facts: CitizenFacts, *, citizen: bool = False) -> Relation:
    """The unit's relation to the citizen whose facts these are (``citizen``: the asker is the citizen)."""
    if citizen:
        return "self"
    if is_responsible(unit, unit_kind, facts.plans):
        return "responsible"
    if is_actor(unit, facts.plans) or named_by_consent(unit, facts.consents or ()):
        return "actor"
    return "none"


def access(
    unit: str,
    unit_kind: str | None,
    purpose: str,
    facts: CitizenFacts,
    today: date,
    *,
    citizen: bool = False,
    asked: Iterable[str] | None = None,
) -> Access:
    """What ``unit`` may see of the citizen for ``purpose`` today: of ``asked`` (every category when None)."""
    found = relation(unit, unit_kind, facts, citizen=citizen)
    if found == "self":
        return SELF
    if found == "responsible":
        return RESPONSIBLE
    if facts.consents is None:
        return Access(found, frozenset(), reason="consent_unavailable")
    if found == "none":
        return Access("none", frozenset(), reason="no_relation")
    wanted = set(CATEGORIES if asked is None else asked)
    own = [c for c in facts.consents if c.grantee_unit == unit]
    permitted: set[str] = set()
    behind: list[str] = []
    bases: set[str] = set()
    for consent in own:
        if purpose in consent.purposes and consent.in_force(today):
            covered = wanted & set(consent.categories)
            if covered:
                permitted |= covered
                behind.append(consent.consent_id)
                bases.add(consent.basis)
    if permitted:
        basis: Basis = "statutory" if bases == {"statutory"} else "consent"
        return Access("actor", frozenset(permitted), tuple(sorted(behind)), basis, "consent")
    return Access("actor", frozenset(), reason=_why_not(own, purpose, wanted, today))


def _why_not(own: Sequence[ConsentFacts], purpose: str, wanted: set[str], today: date) -> Reason:
    if not own:
        return "no_consent"
    if all(c.revoked for c in own):
        return "consent_revoked"
    live = [c for c in own if c.in_force(today)]
    if not live:
        return "consent_not_in_force"
    if not any(purpose in c.purposes for c in live):
        return "purpose_not_covered"
    return "categories_not_covered"


def access_many(
    unit: str,
    unit_kind: str | None,
    purpose: str,
    citizens: Sequence[CitizenFacts],
    today: date,
) -> list[tuple[str, Access]]:
    """The answer for one unit about each citizen (every category asked), in the order given, each once."""
    seen: dict[str, Access] = {}
    for facts in citizens:
        if facts.citizen_id not in seen:
            seen[facts.citizen_id] = access(unit, unit_kind, purpose, facts, today)
    return list(seen.items())


# --- what the unit sees of what is shown ------------------------------------------------------------------------


def consents_shown(unit: str, seen: Access, consents: Sequence[ConsentFacts]) -> list[ConsentFacts]:
    """The consents shown beside a view: all of them with full access, else those the unit received."""
    if seen.full:
        return list(consents)
    if seen.relation == "none":
        return []
    return [c for c in consents if c.grantee_unit == unit]


def is_consent_party(unit: str, consent: Mapping[str, Any]) -> bool:
    """A party to a consent: the unit that received it or the unit that registered it."""
    return unit in (consent.get("grantee_unit"), consent.get("granted_by_unit"))


def is_meeting_participant(unit: str, meeting: Mapping[str, Any]) -> bool:
    """A participant of a meeting: a unit invited to it (the meetings service invites only with consent)."""
    return any(p.get("unit") == unit for p in meeting.get("participants", []))


def manages_meeting(unit: str, meeting: Mapping[str, Any], responsible: bool) -> bool:
    """The meeting's coordinating unit, and the responsible unit of its plan, manage it."""
    return responsible or unit == meeting.get("coordinator_unit")


def meeting_read(
    unit: str, unit_kind: str | None, facts: CitizenFacts, today: date, *, invited: bool
) -> Access:
    """Reading a meeting that the unit does not manage: an invited unit while its consent to be invited stands, any
    other related unit with consent to see the plan's general part."""
    if invited:
        return access(unit, unit_kind, INVITATION, facts, today)
    return access(unit, unit_kind, "view_plan", facts, today, asked=MEETING_CATEGORIES)


def minutes_withheld(
    meeting: Mapping[str, Any], unit: str, *, full: bool, citizen: bool
) -> Literal["not_published", "no_consent_to_receive_minutes"] | None:
    """Why the reader does not see a meeting's minutes, or None when it does. Whoever manages the meeting (``full``)
    sees drafts too; the citizen the published minutes; another unit published minutes only if they were sent to
    one of its participants (the meetings service asked for its consent to receive them then)."""
    minutes = meeting.get("minutes")
    if not minutes or full:
        return None
    if not minutes.get("published_at"):
        return "not_published"
    own = {p["participant_id"] for p in meeting.get("participants", []) if p.get("unit") == unit}
    if citizen or own & set(minutes.get("recipients", [])):
        return None
    return "no_consent_to_receive_minutes"


def needs_permit(kind: str, unit: str | None) -> bool:
    """A participant or recipient is told of a meeting only on a permit for their unit when they are a professional
    (the citizen and their private network are told without)."""
    return kind in PROFESSIONAL_KINDS and bool(unit)


def meeting_access(unit: str, purpose: str, facts: CitizenFacts, today: date) -> Access:
    """May ``unit``'s people be told of a meeting for ``purpose`` (invitation, minutes, a notification)? Its kind is
    the one the meeting's organiser wrote, not a signed fact, so the plans alone say whether it is responsible."""
    return access(unit, None, purpose, facts, today, asked=MEETING_CATEGORIES)


@dataclass(frozen=True)
class Disclosure:
    """Data that left for another unit on its consent: what, to whom, for which purpose, on which consents."""

    citizen_id: str
    unit: str
    purpose: str
    what: str
    categories: tuple[str, ...]
    consent_ids: tuple[str, ...]
    reference: str | None = None

    @classmethod
    def of(
        cls, seen: Access, citizen_id: str, unit: str, purpose: str, what: str, reference: str | None = None
    ) -> Disclosure | None:
        """The disclosure an answer makes, or None when nothing leaves on consent (the citizen's or the responsible
        unit's own case, or a refusal)."""
        if not seen.on_consent:
            return None
        return cls(citizen_id, unit, purpose, what, seen.listed(), seen.consent_ids, reference)


# --- a preview: what would the unit see with a consent granted, changed or revoked? --------------------------------


@dataclass(frozen=True)
class Proposal:
    """A consent as it would be granted (or as an existing one would become)."""

    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    valid_from: date
    valid_until: date | None = None


def preview(
    unit: str,
    unit_kind: str | None,
    purpose: str,
    facts: CitizenFacts,
    today: date,
    *,
    proposed: Proposal | None,
    replaces: str | None,
) -> tuple[Access, Access]:
    """The unit's access now, and as it would be with ``proposed`` granted (or the consent ``replaces`` narrowed or
    renewed to it, or revoked when nothing is proposed). Nothing is checked against the rules of narrowing and
    renewal: this only shows what the unit would see."""
    before = access(unit, unit_kind, purpose, facts, today)
    if proposed is None and replaces is None:
        return before, before
    consents = list(facts.consents or ())
    template = ConsentFacts(PROPOSED, unit, (), (), today, citizen_id=facts.citizen_id)
    if replaces is not None:
        replaced = next((c for c in consents if c.consent_id == replaces), None)
        if replaced is None or replaced.grantee_unit != unit:
            raise RuleViolation(
                "replaces_consent_id", "the unit received no consent of the citizen with this id"
            )
        consents = [c for c in consents if c.consent_id != replaces]
        template = replaced
    if proposed is None:  # a revocation: the consent stays on record, revoked
        hypothetical = dataclasses.replace(template, status="revoked")
    else:
        hypothetical = dataclasses.replace(
            template,
            categories=proposed.categories,
            purposes=proposed.purposes,
            valid_from=proposed.valid_from,
            valid_until=proposed.valid_until,
            status="active",
        )
    after = (
        dataclasses.replace(facts, consents=(*consents, hypothetical))
        if facts.consents is not None
        else facts
    )
    return before, access(unit, unit_kind, purpose, after, today)
