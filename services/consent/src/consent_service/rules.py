"""The consent rules (samtykke), pure: no I/O.

Information about a citizen may be shared with another unit only with the citizen's consent or a statutory basis.
The plan's responsible authority unit is always permitted for its own plan; everyone else needs a consent (or a
recorded statutory basis) that is unrevoked, valid today and covers the purpose; the categories permitted are the
union of what those consents cover. Deny is the default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from borgerplan_contracts.events.consent import InformationCategory, Purpose
from borgerplan_plumbing.problems import RuleViolation

ALL_CATEGORIES: tuple[InformationCategory, ...] = get_args(InformationCategory)
EXPIRY_NOTICE = timedelta(days=30)
Relation = Literal["responsible", "actor", "none"]


class ConsentRuleError(RuleViolation):
    """A change the rules refuse; ``field`` names what is wrong (a 422 at the edge)."""


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

    def in_force(self, today: date) -> bool:
        return (
            not self.revoked
            and self.valid_from <= today
            and (self.valid_until is None or today <= self.valid_until)
        )


@dataclass(frozen=True)
class PlanRelation:
    """What the decision needs of one plan: who is responsible and which units take part."""

    responsible_unit: str
    actor_units: frozenset[str] = frozenset()
    active: bool = True


@dataclass(frozen=True)
class Decision:
    permit: bool
    relation: Relation
    categories: tuple[str, ...]
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
    plans: Sequence[PlanRelation],
) -> Decision:
    """May ``unit`` use ``categories`` for ``purpose`` about the citizen today?"""
    wanted: set[str] = set(categories) if categories is not None else set(ALL_CATEGORIES)
    if any(p.active and p.responsible_unit == unit for p in plans):
        return Decision(
            True, "responsible", tuple(sorted(wanted)), (), "responsible_unit", "responsible_unit"
        )
    own = [c for c in consents if c.grantee_unit == unit]
    related = any(unit in p.actor_units for p in plans) or bool(own)
    permitted: set[str] = set()
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
    reason = _why_not(own, purpose, wanted, today) if related else "no_relation"
    return Decision(False, "actor" if related else "none", (), (), "none", reason)


def _why_not(own: Sequence[ConsentState], purpose: str, wanted: set[str], today: date) -> str:
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


# ---------------------------------------------------------------- changes to one consent


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


def check_revocable(status: str) -> None:
    if status == "revoked":
        raise ConsentRuleError("status", "the consent is revoked already", status=409)


def status_on(valid_until: date | None, revoked: bool, today: date) -> str:
    if revoked:
        return "revoked"
    if valid_until is not None and valid_until < today:
        return "expired"
    return "active"


def is_expiring(valid_until: date | None, today: date) -> bool:
    """Within the notice period before the end (the caseworker renews it with the citizen)."""
    return valid_until is not None and today <= valid_until <= today + EXPIRY_NOTICE
