"""What a change does, who made it, and the history entry it leaves: the shape every domain rule answers in.

A rule in a service's ``domain.py`` takes the stored document (and the facts it needs) and returns an ``Outcome``;
``borgerplan_plumbing.change`` writes it as the aggregate's next version, with its history entry and its events, in
one single-document update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

Document = dict[str, Any]


class Author(Protocol):
    """Whoever makes a change: the caller the gateway verified (``borgerplan_plumbing.auth.Caller``)."""

    @property
    def sub(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str | None: ...


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
    def of(cls, caller: Author) -> Stamp:
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
    events: list[Any] = field(default_factory=list)  # the contract's event models (borgerplan_contracts)
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
