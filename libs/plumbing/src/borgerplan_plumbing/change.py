"""The one way a service changes an aggregate: read, let a pure rule decide, write once.

Every service has the same shape (decision 0015): its rules are pure functions in ``domain.py`` that take the stored
document (and the facts they need) and return an ``Outcome``: the fields to set, the history entry, the events.
``change`` reads the aggregate, asks the rule, and writes the outcome as the next version in one single-document
update that carries the history entry and the outbox events. A change sent with ``If-Match`` applies to that version
only (412 otherwise); one without (appending a goal, a follow-up, a system pass) is read again and retried when
another writer got in between, since it does not depend on what that writer did.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence

from borgerplan_contracts import CloudEvent, EventData, new_event
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.store import AggregateStore, VersionConflictError
from borgerplan_rules.outcome import Outcome, Stamp, history_entry

__all__ = ["change", "create", "events_of", "subject_of", "write"]

# A change without If-Match is read again and retried when another writer got in first. Under contention each round
# has one winner, so a writer may lose a few times; a short random pause spreads the next round out.
RETRIES = 12


async def write(
    store: AggregateStore,
    current: Document,
    outcome: Outcome,
    stamp: Stamp,
    *,
    leave_out: tuple[str, ...] = (),
) -> Document:
    """Store ``outcome`` as the aggregate's next version (``current`` as read is the expected version)."""
    if outcome.empty:
        return current
    push = dict(outcome.push)
    entry = history_entry(current["version"] + 1, stamp, outcome)
    if entry is not None:
        push["history"] = entry
    return await store.update(
        current["_id"],
        current["version"],
        outcome.set,
        events_of(outcome.events, subject_of(current)),
        extra={"$push": push} if push else None,
        leave_out=leave_out,
    )


async def change(
    store: AggregateStore,
    aggregate_id: str,
    expected: int | None,
    stamp: Stamp,
    decide: Callable[[Document], Outcome],
    *,
    leave_out: tuple[str, ...] = (),
    retries: int = RETRIES,
) -> Document:
    """Apply ``decide`` to the aggregate at ``expected`` (412 when stale), or to its latest version with retries."""
    for attempt in range(retries):
        current = await store.get(aggregate_id, leave_out=leave_out)
        if expected is not None and current["version"] != expected:
            raise VersionConflictError(aggregate_id, expected)
        try:
            return await write(store, current, decide(current), stamp, leave_out=leave_out)
        except VersionConflictError:
            if expected is not None:
                raise
        await asyncio.sleep(random.uniform(0, 0.004 * (attempt + 1)))  # noqa: S311 - spreading, not secrecy
    raise VersionConflictError(aggregate_id, -1)


async def create(store: AggregateStore, doc: Document, events: Sequence[EventData]) -> Document:
    """Store a new aggregate (as the rule built it, history included) at version 1 with its events."""
    return await store.insert(doc, events_of(events, subject_of(doc)))


def subject_of(doc: Document) -> str:
    """The events' subject and Kafka key: the aggregate's citizen, or, for an aggregate about a citizen not yet
    identified (an outreach course opened from a referral, decision 0056), the aggregate's own id."""
    return str(doc.get("citizen_id") or doc["_id"])


def events_of(events: Sequence[EventData], citizen_id: str) -> list[CloudEvent]:
    """The envelopes of one aggregate's events, keyed by its citizen (one citizen's events keep their order)."""
    return [new_event(e, subject=citizen_id) for e in events]
