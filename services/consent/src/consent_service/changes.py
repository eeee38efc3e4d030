"""The consent service's changes: read, let the consent rules (``consent_service.domain``) decide, write once.

Every change of a consent is one ``borgerplan_plumbing.change.change``: a versioned single-document write with its
history entry and its events. Narrowing and renewal apply to the version the caller read (``If-Match``, 412 when
stale). Revocation and the system's expiry pass apply to the latest version and are retried when another writer got
in between: neither depends on what that writer did, and revoking must be as easy as consenting (GDPR art. 7(3)).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from borgerplan_api.consent import (
    ConsentCreate,
    ConsentNarrowing,
    ConsentRenewal,
    DisclosureCreate,
    RevocationCreate,
)
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.change import change, create
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.store import AggregateStore, VersionConflictError
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.workdays import today
from consent_service import domain

log = logging.getLogger(__name__)

# One expiry pass changes at most this many consents of each kind; the next pass goes on where it stopped.
EXPIRY_BATCH = 200


@dataclass(frozen=True)
class Consents:
    """The consent service's stores, as the routes hand them to changes and queries."""

    consents: AggregateStore
    disclosures: Collection


def new_id() -> str:
    return str(uuid.uuid4())


async def grant(ctx: Consents, body: ConsentCreate, caller: Caller) -> Document:
    doc, events = domain.grant(body, new_id(), Stamp.of(caller))
    return await create(ctx.consents, doc, events)


async def narrow(
    ctx: Consents, consent_id: str, expected: int, body: ConsentNarrowing, caller: Caller
) -> Document:
    return await change(
        ctx.consents, consent_id, expected, Stamp.of(caller), lambda doc: domain.narrow(doc, body)
    )


async def renew(
    ctx: Consents, consent_id: str, expected: int, body: ConsentRenewal, caller: Caller
) -> Document:
    day = today()
    return await change(
        ctx.consents, consent_id, expected, Stamp.of(caller), lambda doc: domain.renew(doc, body, day)
    )


async def revoke(ctx: Consents, consent_id: str, body: RevocationCreate | None, caller: Caller) -> Document:
    """No version is expected: a lost race is read again and retried, and a revoked consent stays as it is."""
    stamp = Stamp.of(caller)
    return await change(ctx.consents, consent_id, None, stamp, lambda doc: domain.revoke(doc, body, stamp))


async def record_disclosure(ctx: Consents, body: DisclosureCreate, caller: Caller) -> Document:
    doc = {
        "_id": new_id(),
        **body.model_dump(mode="json"),
        "at": datetime.now(UTC),
        "recorded_by": caller.sub,
    }
    await ctx.disclosures.insert_one(doc)
    return doc


# --- expiry (the system's own changes; safe with several replicas) --------------------------------------------


async def _system_change(ctx: Consents, consent_id: str, rule: Callable[[Document], Outcome]) -> bool:
    """Apply ``rule`` as the system; whether it changed anything (a replica or a caseworker may have been first)."""
    applied = False

    def decide(doc: Document) -> Outcome:
        nonlocal applied
        outcome = rule(doc)
        applied = not outcome.empty
        return outcome

    try:
        await change(ctx.consents, consent_id, None, Stamp.system(), decide)
    except VersionConflictError:
        return False  # lost every race this pass; the next pass looks again
    return applied


async def run_expiry(ctx: Consents, on: date | None = None, batch: int = EXPIRY_BATCH) -> dict[str, int]:
    """Mark consents that ran out and warn of those ending within 30 days, each once; at most ``batch`` of each.

    Each is a versioned single-document write whose rule looks at the consent as it is then, so when two replicas
    race, one stores the change and its event and the other finds nothing left to do.
    """
    day = on or today()
    counts = {"expired": 0, "expiring": 0}
    ran_out = await ctx.consents.find(
        {"status": "active", "valid_until": {"$lt": day.isoformat()}},
        sort=[("valid_until", 1)],
        limit=batch,
        fields=("_id",),
    )
    for doc in ran_out:
        counts["expired"] += await _system_change(ctx, doc["_id"], lambda d: domain.expire(d, day))
    ending = await ctx.consents.find(
        {
            "status": "active",
            "expiring_notified": False,
            "valid_until": {"$gte": day.isoformat(), "$lte": (day + domain.EXPIRY_NOTICE).isoformat()},
        },
        sort=[("valid_until", 1)],
        limit=batch,
        fields=("_id",),
    )
    for doc in ending:
        counts["expiring"] += await _system_change(ctx, doc["_id"], lambda d: domain.warn_expiring(d, day))
    return counts
