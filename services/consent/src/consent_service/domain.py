"""The consent rules (samtykke), pure: no I/O.

Information about a citizen may be shared with another unit only with the citizen's consent or a statutory basis.
The responsible authority unit of one of the citizen's current plans is always permitted; every other unit needs a
consent (or a recorded statutory basis) that is unrevoked, valid today and covers the purpose; the categories
permitted are the union of what those consents cover. Deny is the default. Who is responsible, who is an actor and
who is a party to a consent are defined once, in ``borgerplan_rules.relations``.

A consent changes as one aggregate with versions. ``grant`` builds a new one; ``narrow``, ``renew``, ``revoke``,
``expire`` and ``warn_expiring`` take the stored document and return an ``Outcome`` (the fields to set, the history
entry's kind of change and coverage in ``record``, the events), an empty one when there is nothing to do, or raise
``ConsentRuleError``. ``consent_service.changes`` reads and writes around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args

from borgerplan_api.consent import (
    ConsentChange,
    ConsentCreate,
    ConsentNarrowing,
    ConsentRenewal,
    InformationCategory,
    ProposedConsent,
    Purpose,
    Relation,
    RevocationCreate,
    UnitKind,
)
from borgerplan_contracts import EventData
from borgerplan_contracts.events.consent import (
    ConsentExpired,
    ConsentExpiring,
    ConsentGranted,
    ConsentNarrowed,
    ConsentRenewed,
    ConsentRevoked,
)
from borgerplan_rules.outcome import Outcome, Stamp, history_entry
from borgerplan_rules.relations import PlanFacts, is_consent_party, relation
from borgerplan_rules.violations import RuleViolation

__all__ = ["Document", "Outcome", "PlanFacts", "Stamp"]

Document = dict[str, Any]

ALL_CATEGORIES: tuple[InformationCategory, ...] = get_args(InformationCategory)
EXPIRY_NOTICE = timedelta(days=30)
PROPOSED = "proposed"  # the id a hypothetical new consent has in a preview


class ConsentRuleError(RuleViolation):
    """A change the rules refuse; ``field`` names what is wrong (a 422 at the edge, 409 for a state)."""


# --- the decision ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentState:
    """What the decision needs of one consent."""

    consent_id: str
    grantee_unit: str
    categories: frozenset[str]
    purposes: frozenset[str]
    valid_from: date
    valid_until: date | None
    revoked: bool
    basis: str = "consent"
    granted_by_unit: str | None = None

    def in_force(self, today: date) -> bool:
        return (
            not self.revoked
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> ConsentState:
        """From a stored consent (dates as ISO strings)."""
        return cls(
            consent_id=str(doc["_id"]),
            grantee_unit=doc["grantee_unit"],
            categories=frozenset(doc["categories"]),
            purposes=frozenset(doc["purposes"]),
            valid_from=date.fromisoformat(doc["valid_from"]),
            valid_until=date.fromisoformat(doc["valid_until"]) if doc.get("valid_until") else None,
            revoked=doc["status"] == "revoked",
            basis=doc.get("basis", "consent"),
            granted_by_unit=doc.get("granted_by_unit"),
        )


@dataclass(frozen=True)
class Decision:
    permit: bool
    relation: Relation
    categories: tuple[InformationCategory, ...]
    consent_ids: tuple[str, ...]
    basis: str
    reason: str


def decide(
    *,
    unit: str,
    purpose: Purpose,
    categories: Iterable[InformationCategory] | None,
    today: date,
    consents: Sequence[ConsentState],
    plans: Sequence[PlanFacts],
    unit_kind: UnitKind | None = None,
) -> Decision:
    """May ``unit`` use ``categories`` (all when None) for ``purpose`` about the citizen today?

    ``consents`` are the citizen's (any unit's, any state: a party to one is related even when it no longer
    covers anything); ``plans`` the citizen's plans.
    """
    wanted: set[InformationCategory] = set(categories if categories is not None else ALL_CATEGORIES)
    named = {u for c in consents for u in (c.grantee_unit, c.granted_by_unit) if u}
    found = relation(unit, unit_kind, plans, consent_units=named)
    if found == "responsible":
        return Decision(
            True, "responsible", tuple(sorted(wanted)), (), "responsible_unit", "responsible_unit"
        )
    related: Relation = "none" if found in ("none", "self") else "actor"
    own = [c for c in consents if c.grantee_unit == unit]
    permitted: set[InformationCategory] = set()
    behind: list[str] = []
    bases: set[str] = set()
    for consent in own:
        if purpose in consent.purposes and consent.in_force(today):
            covered = wanted & consent.categories
            if covered:
                permitted |= covered
                behind.append(consent.consent_id)
                bases.add(consent.basis)
    if permitted:
        basis = "statutory" if bases == {"statutory"} else "consent"
        return Decision(True, "actor", tuple(sorted(permitted)), tuple(sorted(behind)), basis, "consent")
    reason = _why_not(own, purpose, wanted, today) if related == "actor" else "no_relation"
    return Decision(False, related, (), (), "none", reason)


def _why_not(own: Sequence[ConsentState], purpose: str, wanted: set[InformationCategory], today: date) -> str:
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


def worth_confirming(decision: Decision, unit_kind: UnitKind | None) -> bool:
    """Could the plan service's current plans change this answer? (The read model learns plans from events and
    may be a moment behind a plan just created, handed over or given a new actor.)

    Only when the unit is not responsible and might be (its kind is authority or unknown), or is a stranger that
    might turn out to be an actor (which changes a 404 into a 403 at the gateway).
    """
    if decision.relation == "responsible":
        return False
    return unit_kind in (None, "authority") or decision.relation == "none"


def visible_consents(unit: str, decision: Decision, consents: Iterable[Document]) -> list[Document] | None:
    """The consents the unit may see beside its decision: all for the responsible unit, else those it is a
    party to; none for a unit without relation."""
    if decision.relation == "none":
        return None
    if decision.relation == "responsible":
        return list(consents)
    return [c for c in consents if is_consent_party(unit, c)]


def decide_many(
    *,
    unit: str,
    unit_kind: UnitKind | None,
    purpose: Purpose,
    citizen_ids: Sequence[str],
    today: date,
    consents: Iterable[Mapping[str, Any]],
    plans: Iterable[PlanFacts],
) -> list[tuple[str, Decision]]:
    """The decision for one unit about each citizen (all categories asked), in the order asked, each once."""
    consents_of: dict[str, list[ConsentState]] = {}
    for doc in consents:
        consents_of.setdefault(doc["citizen_id"], []).append(ConsentState.of(doc))
    plans_of: dict[str, list[PlanFacts]] = {}
    for plan in plans:
        plans_of.setdefault(plan.citizen_id, []).append(plan)
    return [
        (
            citizen_id,
            decide(
                unit=unit,
                unit_kind=unit_kind,
                purpose=purpose,
                categories=None,
                today=today,
                consents=consents_of.get(citizen_id, []),
                plans=plans_of.get(citizen_id, []),
            ),
        )
        for citizen_id in dict.fromkeys(citizen_ids)
    ]


def preview(
    *,
    unit: str,
    unit_kind: UnitKind | None,
    purpose: Purpose,
    today: date,
    consents: Sequence[ConsentState],
    plans: Sequence[PlanFacts],
    proposed: ProposedConsent | None,
    replaces: str | None,
) -> tuple[Decision, Decision]:
    """The unit's decision now, and as it would be with ``proposed`` granted (or the consent ``replaces``
    narrowed or renewed to it, or revoked when nothing is proposed). Nothing is checked against the rules of
    narrowing and renewal: this only shows what the unit would see."""

    def decision(over: Sequence[ConsentState]) -> Decision:
        return decide(
            unit=unit,
            unit_kind=unit_kind,
            purpose=purpose,
            categories=None,
            today=today,
            consents=over,
            plans=plans,
        )

    before = decision(consents)
    if proposed is None and replaces is None:
        return before, before
    others = list(consents)
    template = ConsentState(PROPOSED, unit, frozenset(), frozenset(), today, None, False)
    if replaces is not None:
        replaced = next((c for c in consents if c.consent_id == replaces), None)
        if replaced is None or replaced.grantee_unit != unit:
            raise ConsentRuleError(
                "replaces_consent_id", "the unit received no consent of the citizen with this id"
            )
        others = [c for c in consents if c.consent_id != replaces]
        template = replaced
    if proposed is None:  # a revocation: the consent stays on record, revoked
        hypothetical = dataclasses.replace(template, revoked=True)
    else:
        hypothetical = dataclasses.replace(
            template,
            categories=frozenset(proposed.categories),
            purposes=frozenset(proposed.purposes),
            valid_from=proposed.valid_from,
            valid_until=proposed.valid_until,
            revoked=False,
        )

    return before, decision([*others, hypothetical])


# --- changes to one consent -----------------------------------------------------------------------------------


def check_validity(valid_from: date, valid_until: date | None) -> None:
    if valid_until is not None and valid_until < valid_from:
        raise ConsentRuleError("valid_until", "valid_until is before valid_from")


def check_narrowing(
    old_categories: Iterable[str],
    old_purposes: Iterable[str],
    new_categories: Iterable[str] | None,
    new_purposes: Iterable[str] | None,
) -> None:
    """Narrowing only takes away: new categories and purposes are non-empty subsets of the old ones."""
    if new_categories is None and new_purposes is None:
        raise ConsentRuleError("categories", "name the categories or purposes the consent narrows to")
    for name, old, new in (
        ("categories", old_categories, new_categories),
        ("purposes", old_purposes, new_purposes),
    ):
        if new is None:
            continue
        new_set, old_set = set(new), set(old)
        if not new_set:
            raise ConsentRuleError(name, f"a consent keeps at least one of its {name}; revoke it instead")
        if not new_set <= old_set:
            extra = ", ".join(sorted(new_set - old_set))
            raise ConsentRuleError(
                name, f"narrowing cannot add {name} ({extra}); grant a new consent instead"
            )
        if new_set == old_set and name == "categories" and new_purposes is None:
            raise ConsentRuleError(name, "the consent already has exactly these categories")


def check_renewal(valid_from: date, old_until: date | None, new_until: date | None, today: date) -> None:
    """Renewal extends the validity: the new end is later than the old one (or open) and not in the past."""
    check_validity(valid_from, new_until)
    if new_until is not None and new_until < today:
        raise ConsentRuleError("valid_until", "a renewed consent must be valid until today or later")
    if old_until is None:
        raise ConsentRuleError("valid_until", "the consent has no end date to renew")
    if new_until is not None and new_until <= old_until:
        raise ConsentRuleError("valid_until", "a renewal must extend the consent beyond its current end")


def status_on(valid_until: date | None, revoked: bool, today: date) -> str:
    if revoked:
        return "revoked"
    if valid_until is not None and valid_until < today:
        return "expired"
    return "active"


def is_expiring(valid_until: date | None, today: date) -> bool:
    """Within the notice period before the end (the caseworker renews it with the citizen)."""
    return valid_until is not None and today <= valid_until <= today + EXPIRY_NOTICE


def _until(doc: Mapping[str, Any]) -> date | None:
    value = doc.get("valid_until")
    return date.fromisoformat(value) if value else None


def record(change: ConsentChange, doc: Mapping[str, Any]) -> Document:
    """The history entry's own fields: the kind of change and what the consent covers from this version on."""
    return {
        "change": change,
        "categories": list(doc["categories"]),
        "purposes": list(doc["purposes"]),
        "valid_until": doc.get("valid_until"),
    }


def grant(body: ConsentCreate, consent_id: str, stamp: Stamp) -> tuple[Document, list[EventData]]:
    """A new consent as stored (version 1's history entry included) and its event."""
    check_validity(body.valid_from, body.valid_until)
    doc: Document = {
        "_id": consent_id,
        **body.model_dump(mode="json"),
        "status": "active",
        "revocation": None,
        "granted_by": stamp.by,
        "granted_by_unit": stamp.by_unit,
        "granted_at": stamp.at,
        "expiring_notified": False,
    }
    entry = history_entry(1, stamp, Outcome(record=record("granted", doc)))
    doc["history"] = [entry]
    event = ConsentGranted(
        consent_id=consent_id,
        citizen_id=body.citizen_id,
        grantee_unit=body.grantee_unit,
        categories=body.categories,
        purposes=body.purposes,
        basis=body.basis,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
    )
    return doc, [event]


def narrow(doc: Document, body: ConsentNarrowing) -> Outcome:
    """A narrower version: only categories or purposes taken away, of a consent still in force."""
    if doc["status"] != "active":
        raise ConsentRuleError("status", f"a {doc['status']} consent cannot be narrowed", status=409)
    check_narrowing(doc["categories"], doc["purposes"], body.categories, body.purposes)
    fields = {
        "categories": list(body.categories or doc["categories"]),
        "purposes": list(body.purposes or doc["purposes"]),
    }
    event = ConsentNarrowed(
        consent_id=doc["_id"],
        citizen_id=doc["citizen_id"],
        grantee_unit=doc["grantee_unit"],
        categories=fields["categories"],
        purposes=fields["purposes"],
        consent_version=doc["version"] + 1,
    )
    return Outcome(set=fields, record=record("narrowed", {**doc, **fields}), events=[event])


def renew(doc: Document, body: ConsentRenewal, today: date) -> Outcome:
    """A later end agreed with the citizen; an expired consent is in force again, and warned of again."""
    if doc["status"] == "revoked":
        raise ConsentRuleError("status", "a revoked consent cannot be renewed; grant a new one", status=409)
    check_renewal(date.fromisoformat(doc["valid_from"]), _until(doc), body.valid_until, today)
    fields: Document = {
        "valid_until": body.valid_until.isoformat() if body.valid_until else None,
        "status": "active",
        "expiring_notified": False,
    }
    if body.form is not None:
        fields["form"] = body.form.model_dump(mode="json")
    event = ConsentRenewed(
        consent_id=doc["_id"],
        citizen_id=doc["citizen_id"],
        grantee_unit=doc["grantee_unit"],
        valid_until=body.valid_until,
        consent_version=doc["version"] + 1,
    )
    return Outcome(set=fields, record=record("renewed", {**doc, **fields}), events=[event])


def revoke(doc: Document, body: RevocationCreate | None, stamp: Stamp) -> Outcome:
    """Revocation is as easy as consent (GDPR art. 7(3)): always possible, and asking twice changes nothing (the
    revocation that stands is the answer: no new version, no second event)."""
    if doc["status"] == "revoked":
        return Outcome()
    revocation = {
        "revoked_by": stamp.by,
        "revoked_by_name": stamp.by_name,
        "revoked_by_unit": stamp.by_unit,
        "revoked_at": stamp.at,
        "reason": body.reason if body else None,
    }
    event = ConsentRevoked(
        consent_id=doc["_id"],
        citizen_id=doc["citizen_id"],
        grantee_unit=doc["grantee_unit"],
        revoked_at=stamp.at,
    )
    return Outcome(
        set={"status": "revoked", "revocation": revocation}, record=record("revoked", doc), events=[event]
    )


def expire(doc: Document, today: date) -> Outcome:
    """An active consent whose end has passed is expired (by the system, with a history entry)."""
    until = _until(doc)
    if doc["status"] != "active" or until is None or until >= today:
        return Outcome()
    event = ConsentExpired(
        consent_id=doc["_id"],
        citizen_id=doc["citizen_id"],
        grantee_unit=doc["grantee_unit"],
        valid_until=until,
    )
    return Outcome(set={"status": "expired"}, record=record("expired", doc), events=[event])


def warn_expiring(doc: Document, today: date) -> Outcome:
    """Once per end date, within the notice period: the responsible caseworker can renew it with the citizen."""
    until = _until(doc)
    if doc["status"] != "active" or doc.get("expiring_notified") or not is_expiring(until, today):
        return Outcome()
    assert until is not None
    event = ConsentExpiring(
        consent_id=doc["_id"],
        citizen_id=doc["citizen_id"],
        grantee_unit=doc["grantee_unit"],
        valid_until=until,
    )
    return Outcome(set={"expiring_notified": True}, events=[event])
