"""The consent rules (samtykke), pure: no I/O.

A consent changes as one aggregate with versions. ``grant`` builds a new one; ``narrow``, ``renew``, ``revoke``,
``expire`` and ``warn_expiring`` take the stored document and return an ``Outcome`` (the fields to set, the history
entry's kind of change and coverage in ``record``, the events), an empty one when there is nothing to do, or raise
``ConsentRuleError``. ``consent_service.changes`` reads and writes around them.

What a consent permits is not decided here: ``borgerplan_rules.access`` decides who may see what from the consents
this service answers (``GET /citizens/{id}/consent-refs``) and the plan service's plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from borgerplan_api.consent import (
    ConsentChange,
    ConsentCreate,
    ConsentNarrowing,
    ConsentRenewal,
    RevocationCreate,
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
from borgerplan_rules.violations import RuleViolation

__all__ = ["Document", "Outcome", "Stamp"]

Document = dict[str, Any]

EXPIRY_NOTICE = timedelta(days=30)


class ConsentRuleError(RuleViolation):
    """A change the rules refuse; ``field`` names what is wrong (a 422 at the edge, 409 for a state)."""


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
