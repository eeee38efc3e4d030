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
from dataclasses import dataclass, field
from datetime import UTC, datetime

from borgerplan_contracts import CloudEvent, EventData, new_event
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.store import AggregateStore, VersionConflictError

# A change without If-Match is read again and retried when another writer got in first. Under contention each round
# has one winner, so a writer may lose a few times; a short random pause spreads the next round out.
RETRIES = 12


@dataclass(frozen=True)
class Stamp:
    """Who made a change and when (from the caller the gateway signed, or the system itself)."""

    at: datetime
    by: str
    by_name: str
    by_unit: str | None

    def doc(self) -> Document:
        return {"at": self.at, "by": self.by, "by_name": self.by_name, "by_unit": self.by_unit}

    @classmethod
    def of(cls, caller: Caller) -> Stamp:
        return cls(at=datetime.now(UTC), by=caller.sub, by_name=caller.name, by_unit=caller.unit)

    @classmethod
    def system(cls) -> Stamp:
        return cls(at=datetime.now(UTC), by="system", by_name="Borgerplan", by_unit=None)


@dataclass
class Outcome:
    """What a change does: fields to set, what goes into the history, the events.

    ``changes`` are field-level entries (``{field, from, to}``); ``record`` further fields of the history entry (for
    example consent's kind of change). A history entry (version, who, when, plus these) is written when either is
    given. ``push`` appends to other arrays in the same write (a delivery attempt). An empty outcome writes nothing.
    """

    set: Document = field(default_factory=dict)
    changes: list[Document] = field(default_factory=list)
    events: list[EventData] = field(default_factory=list)
    record: Document | None = None
    push: Document = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.set or self.changes or self.events or self.record or self.push)


def history_entry(version: int, stamp: Stamp, outcome: Outcome) -> Document | None:
    if not outcome.changes and outcome.record is None:
        return None
    entry: Document = {"version": version, **stamp.doc()}
    if outcome.changes:
        entry["changes"] = outcome.changes
    entry.update(outcome.record or {})
    return entry


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
        events_of(outcome.events, current["citizen_id"]),
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
    return await store.insert(doc, events_of(events, doc["citizen_id"]))


def events_of(events: Sequence[EventData], citizen_id: str) -> list[CloudEvent]:
    """The envelopes of one aggregate's events, keyed by its citizen (one citizen's events keep their order)."""
    return [new_event(e, subject=citizen_id) for e in events]
