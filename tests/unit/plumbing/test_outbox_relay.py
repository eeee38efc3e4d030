"""The outbox relay's bookkeeping, with an in-memory stand-in for one collection (unit level).

The fake understands exactly the queries the relay sends; the real behaviour on FerretDB and Kafka is proven
in tests/integration/foundation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from borgerplan_contracts import new_event
from borgerplan_contracts.events import CitizenRegistered
from borgerplan_plumbing import outbox
from borgerplan_plumbing.outbox import OutboxRelay


class Result:
    def __init__(self, matched: int) -> None:
        self.matched_count = matched


class OneDocument:
    name = "plans"
    full_name = "db.plans"

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def _matches(self, query: dict[str, Any]) -> bool:
        for key, value in query.items():
            if isinstance(value, dict) and "$lt" in value:
                if not self.doc[key] < value["$lt"]:
                    return False
            elif self.doc.get(key) != value:
                return False
        return True

    def _apply(self, update: dict[str, Any]) -> None:
        self.doc.update(update.get("$set", {}))
        for key, amount in update.get("$inc", {}).items():
            self.doc[key] = self.doc.get(key, 0) + amount

    async def find_one(self, query: dict[str, Any], **_: Any) -> Any:
        return dict(self.doc) if self._matches(query) else None

    async def find_one_and_update(self, query: dict[str, Any], update: dict[str, Any], **_: Any) -> Any:
        if not self._matches(query):
            return None
        self._apply(update)
        return dict(self.doc)

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> Result:
        if not self._matches(query):
            return Result(0)
        self._apply(update)
        return Result(1)


def _document(n_events: int = 2) -> dict[str, Any]:
    events = [new_event(CitizenRegistered(citizen_id=f"c{i}"), subject=f"c{i}") for i in range(n_events)]
    return {"_id": "a1", "version": 1, **outbox.new_document_fields("t.borgerplan.plan.v1", events)}


async def test_publishes_in_order_then_clears() -> None:
    sent: list[tuple[str, str]] = []

    async def publish(topic: str, key: str, value: str) -> None:
        sent.append((topic, key))

    collection = OneDocument(_document())
    assert await OutboxRelay([collection], publish).relay_once() == 2  # type: ignore[list-item]
    assert sent == [("t.borgerplan.plan.v1", "c0"), ("t.borgerplan.plan.v1", "c1")]
    assert collection.doc[outbox.OUTBOX] == []
    assert collection.doc[outbox.PENDING] is False
    assert collection.doc[outbox.PUBLISHED] == 2
    assert await OutboxRelay([collection], publish).relay_once() == 0  # type: ignore[list-item]


async def test_a_failed_send_keeps_the_events_and_backs_off() -> None:
    async def broker_down(topic: str, key: str, value: str) -> None:
        raise ConnectionError("kafka away")

    collection = OneDocument(_document())
    relay = OutboxRelay([collection], broker_down)  # type: ignore[list-item]
    assert await relay.relay_once() == 0
    assert len(collection.doc[outbox.OUTBOX]) == 2
    assert collection.doc[outbox.ATTEMPTS] == 1
    assert collection.doc[outbox.CLAIM] > datetime.now(UTC), "claimed into the future: the next pass waits"
    assert await relay.relay_once() == 0
    assert collection.doc[outbox.ATTEMPTS] == 1, "backing off: no second try before the claim runs out"
    assert relay.last_error == "ConnectionError"


async def test_events_appended_during_a_send_are_not_lost() -> None:
    collection = OneDocument(_document(n_events=1))
    late = new_event(CitizenRegistered(citizen_id="late"), subject="late")
    sent: list[str] = []

    async def publish_while_a_writer_appends(topic: str, key: str, value: str) -> None:
        sent.append(key)
        if len(sent) == 1:  # a writer stores a new event while the first send is under way
            collection.doc[outbox.OUTBOX] = [*collection.doc[outbox.OUTBOX], *outbox.entries(topic, [late])]
            collection.doc[outbox.SEQUENCE] += 1

    await OutboxRelay([collection], publish_while_a_writer_appends).relay_once()  # type: ignore[list-item]
    # The first clear is refused (the sequence moved), the claim is released and the document sent again whole:
    # the late event goes out, and c0 a second time, which consumers deduplicate.
    assert sent == ["c0", "c0", "late"]
    assert collection.doc[outbox.OUTBOX] == []
    assert collection.doc[outbox.PENDING] is False
