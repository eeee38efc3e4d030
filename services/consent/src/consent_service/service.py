"""Use cases of the consent service: grant, narrow, renew, revoke, decide, disclose, expire."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from borgerplan_contracts import new_event
from borgerplan_contracts.events.consent import (
    ConsentExpired,
    ConsentExpiring,
    ConsentGranted,
    ConsentNarrowed,
    ConsentRenewed,
    ConsentRevoked,
    InformationCategory,
    Purpose,
)
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.store import AggregateStore, VersionConflictError
from consent_service import rules
from consent_service.schemas import ConsentCreate, ConsentNarrowing, ConsentRenewal, DisclosureCreate

log = logging.getLogger(__name__)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def today() -> date:
    """Validity dates are Danish calendar dates."""
    return datetime.now(COPENHAGEN).date()


def _history(change: str, version: int, caller: Caller | None, doc: Document) -> Document:
    """One history entry; ``caller`` is None for the system's own changes (expiry)."""
    return {
        "version": version,
        "change": change,
        "at": datetime.now(UTC),
        "by": caller.sub if caller else "system",
        "by_unit": caller.unit if caller else None,
        "categories": doc["categories"],
        "purposes": doc["purposes"],
        "valid_until": doc.get("valid_until"),
    }


_DECISION_FIELDS = {
    "grantee_unit": 1,
    "categories": 1,
    "purposes": 1,
    "valid_from": 1,
    "valid_until": 1,
    "status": 1,
    "basis": 1,
}


def consent_state(doc: Document) -> rules.ConsentState:
    return rules.ConsentState(
        consent_id=doc["_id"],
        grantee_unit=doc["grantee_unit"],
        categories=frozenset(doc["categories"]),
        purposes=frozenset(doc["purposes"]),
        valid_from=date.fromisoformat(doc["valid_from"]),
        valid_until=date.fromisoformat(doc["valid_until"]) if doc.get("valid_until") else None,
        revoked=doc["status"] == "revoked",
        basis=doc.get("basis", "consent"),
    )


class ConsentService:
    def __init__(self, consents: AggregateStore, plan_refs: Collection, disclosures: Collection) -> None:
        self.consents = consents
        self.plan_refs = plan_refs
        self.disclosures = disclosures

    async def grant(self, body: ConsentCreate, caller: Caller) -> Document:
        consent_id = str(uuid.uuid4())
        doc: Document = {
            "_id": consent_id,
            **body.model_dump(mode="json"),
            "status": "active",
            "revocation": None,
            "granted_by": caller.sub,
            "granted_by_unit": caller.unit,
            "granted_at": datetime.now(UTC),
            "expiring_notified": False,
        }
        doc["history"] = [_history("granted", 1, caller, doc)]
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
        return await self.consents.insert(doc, [new_event(event, subject=body.citizen_id)])

    async def narrow(
        self, consent_id: str, expected: int, body: ConsentNarrowing, caller: Caller
    ) -> Document:
        doc = await self.consents.get(consent_id)
        if doc["status"] != "active":
            raise rules.ConsentRuleError(
                "status", f"a {doc['status']} consent cannot be narrowed", status=409
            )
        rules.check_narrowing(doc["categories"], doc["purposes"], body.categories, body.purposes)
        changes = {
            "categories": body.categories or doc["categories"],
            "purposes": body.purposes or doc["purposes"],
        }
        entry = _history("narrowed", expected + 1, caller, {**doc, **changes})
        event = ConsentNarrowed(
            consent_id=consent_id,
            citizen_id=doc["citizen_id"],
            grantee_unit=doc["grantee_unit"],
            categories=changes["categories"],
            purposes=changes["purposes"],
            consent_version=expected + 1,
        )
        return await self.consents.update(
            consent_id,
            expected,
            changes,
            [new_event(event, subject=doc["citizen_id"])],
            extra={"$push": {"history": entry}},
        )

    async def renew(self, consent_id: str, expected: int, body: ConsentRenewal, caller: Caller) -> Document:
        doc = await self.consents.get(consent_id)
        if doc["status"] == "revoked":
            raise rules.ConsentRuleError(
                "status", "a revoked consent cannot be renewed; grant a new one", status=409
            )
        old_until = date.fromisoformat(doc["valid_until"]) if doc.get("valid_until") else None
        rules.check_renewal(date.fromisoformat(doc["valid_from"]), old_until, body.valid_until, today())
        changes: Document = {
            "valid_until": body.valid_until.isoformat() if body.valid_until else None,
            "status": "active",
            "expiring_notified": False,
        }
        if body.form is not None:
            changes["form"] = body.form.model_dump(mode="json")
        entry = _history("renewed", expected + 1, caller, {**doc, **changes})
        event = ConsentRenewed(
            consent_id=consent_id,
            citizen_id=doc["citizen_id"],
            grantee_unit=doc["grantee_unit"],
            valid_until=body.valid_until,
            consent_version=expected + 1,
        )
        return await self.consents.update(
            consent_id,
            expected,
            changes,
            [new_event(event, subject=doc["citizen_id"])],
            extra={"$push": {"history": entry}},
        )

    async def revoke(self, consent_id: str, expected: int, reason: str | None, caller: Caller) -> Document:
        doc = await self.consents.get(consent_id)
        rules.check_revocable(doc["status"])
        now = datetime.now(UTC)
        changes = {
            "status": "revoked",
            "revocation": {
                "revoked_by": caller.sub,
                "revoked_by_name": caller.name,
                "revoked_by_unit": caller.unit,
                "revoked_at": now,
                "reason": reason,
            },
        }
        entry = _history("revoked", expected + 1, caller, doc)
        event = ConsentRevoked(
            consent_id=consent_id,
            citizen_id=doc["citizen_id"],
            grantee_unit=doc["grantee_unit"],
            revoked_at=now,
        )
        return await self.consents.update(
            consent_id,
            expected,
            changes,
            [new_event(event, subject=doc["citizen_id"])],
            extra={"$push": {"history": entry}},
        )

    async def decide(
        self,
        citizen_id: str,
        unit: str,
        purpose: Purpose,
        categories: Sequence[InformationCategory] | None,
        *,
        all_consents: bool = False,
    ) -> tuple[rules.Decision, list[Document]]:
        """From current state only: a revocation stored a moment ago decides the very next call.

        With ``all_consents`` every consent of the citizen is read (and returned) in the same query, else only
        the unit's own, projected to what the decision needs.
        """
        query = (
            {"citizen_id": citizen_id} if all_consents else {"citizen_id": citizen_id, "grantee_unit": unit}
        )
        plan_docs, consent_docs = await asyncio.gather(
            self.plan_refs.find({"citizen_id": citizen_id}).to_list(None),
            self.consents.find(query, sort=[("valid_from", 1), ("_id", 1)], limit=500)
            if all_consents
            else self.consents.collection.find(query, projection=_DECISION_FIELDS).to_list(None),
        )
        plans = [
            rules.PlanRelation(
                p["responsible_unit"], frozenset(p.get("actor_units", [])), p.get("status") != "closed"
            )
            for p in plan_docs
        ]
        decision = rules.decide(
            unit=unit,
            purpose=purpose,
            categories=categories,
            today=today(),
            consents=[consent_state(d) for d in consent_docs if d["grantee_unit"] == unit],
            plans=plans,
        )
        return decision, consent_docs

    async def record_disclosure(self, body: DisclosureCreate, caller: Caller) -> Document:
        doc = {
            "_id": str(uuid.uuid4()),
            **body.model_dump(mode="json"),
            "at": datetime.now(UTC),
            "recorded_by": caller.sub,
        }
        await self.disclosures.insert_one(doc)
        return doc

    async def disclosures_of(self, citizen_id: str, limit: int) -> list[Document]:
        cursor = self.disclosures.find({"citizen_id": citizen_id}, sort=[("at", -1)], limit=limit)
        return [d async for d in cursor]

    # ------------------------------------------------------------ expiry (safe with several replicas)

    async def run_expiry(self, on: date | None = None) -> dict[str, int]:
        """Mark consents that ran out and warn of those ending within 30 days, each once.

        Every change is a versioned single-document update: when two replicas race, one wins and the other's
        update matches nothing (VersionConflictError), so each event is stored once.
        """
        day = on or today()
        counts = {"expired": 0, "expiring": 0}
        for doc in await self.consents.find({"status": "active", "valid_until": {"$lt": day.isoformat()}}):
            event = ConsentExpired(
                consent_id=doc["_id"],
                citizen_id=doc["citizen_id"],
                grantee_unit=doc["grantee_unit"],
                valid_until=doc["valid_until"],
            )
            entry = _history("expired", doc["version"] + 1, None, doc)
            counts["expired"] += await self._apply(doc, {"status": "expired"}, event, entry)
        horizon = (day + rules.EXPIRY_NOTICE).isoformat()
        query: dict[str, Any] = {
            "status": "active",
            "expiring_notified": False,
            "valid_until": {"$gte": day.isoformat(), "$lte": horizon},
        }
        for doc in await self.consents.find(query):
            event_e = ConsentExpiring(
                consent_id=doc["_id"],
                citizen_id=doc["citizen_id"],
                grantee_unit=doc["grantee_unit"],
                valid_until=doc["valid_until"],
            )
            counts["expiring"] += await self._apply(doc, {"expiring_notified": True}, event_e, None)
        return counts

    async def _apply(self, doc: Document, changes: Document, event: Any, entry: Document | None) -> int:
        try:
            await self.consents.update(
                doc["_id"],
                doc["version"],
                changes,
                [new_event(event, subject=doc["citizen_id"])],
                extra={"$push": {"history": entry}} if entry else None,
            )
        except VersionConflictError:
            return 0  # another replica (or a caseworker) changed it first
        return 1

    async def expiry_loop(self, interval_seconds: float) -> None:
        while True:
            try:
                counts = await self.run_expiry()
                if any(counts.values()):
                    log.info("consent expiry pass", extra=counts)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consent expiry pass failed", extra={"error": type(exc).__name__})
            await asyncio.sleep(interval_seconds)
