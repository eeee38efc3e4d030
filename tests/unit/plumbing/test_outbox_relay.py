"""The outbox relay's bookkeeping, with an in-memory stand-in for one collection (unit level).

The fake understands exactly the queries the relay sends; the real behaviour on FerretDB and Kafka is proven
in tests/integration/foundation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from borgerplan_contracts import new_event
from borgerplan_contracts.events import CitizenRegistered
from borgerplan_plumbing import outbox
from borgerplan_plumbing.outbox import OutboxRelay


class Result:
    def __init__(self, matched: int) -> None:
        self.matched_count = matched


class Cursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    async def to_list(self) -> list[dict[str, Any]]:
        return self.docs


class Documents:
    """One collection's documents, answering the queries the relay sends."""

    def __init__(self, *docs: dict[str, Any], name: str = "plans") -> None:
        self.name = name
        self.full_name = f"db.{name}"
        self.docs = {d["_id"]: d for d in docs}
        self.finds = 0

    @property
    def doc(self) -> dict[str, Any]:
        (only,) = self.docs.values()
        return only

    @staticmethod
    def _matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
        for key, value in query.items():
            if isinstance(value, dict) and "$lt" in value:
                if not doc[key] < value["$lt"]:
                    return False
            elif doc.get(key) != value:
                return False
        return True

    @staticmethod
    def _apply(doc: dict[str, Any], update: dict[str, Any]) -> None:
        doc.update(update.get("$set", {}))
        for key, amount in update.get("$inc", {}).items():
            doc[key] = doc.get(key, 0) + amount

    def find(self, query: dict[str, Any], projection: dict[str, Any], *, limit: int) -> Cursor:
        self.finds += 1
        found = [d for d in self.docs.values() if self._matches(d, query)][:limit]
        return Cursor([{k: d[k] for k in projection if k in d} for d in found])

    async def find_one_and_update(self, query: dict[str, Any], update: dict[str, Any], **_: Any) -> Any:
        for doc in self.docs.values():
            if self._matches(doc, query):
                self._apply(doc, update)
                return dict(doc)
        return None

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> Result:
        for doc in self.docs.values():
            if self._matches(doc, query):
                self._apply(doc, update)
                return Result(1)
        return Result(0)


def _document(n_events: int = 2, doc_id: str = "a1", subject: str = "c") -> dict[str, Any]:
    events = [
        new_event(CitizenRegistered(citizen_id=f"{subject}{i}"), subject=f"{subject}{i}")
        for i in range(n_events)
    ]
    return {"_id": doc_id, "version": 1, **outbox.new_document_fields("t.borgerplan.plan.v1", events)}


async def test_publishes_in_order_then_clears() -> None:
    sent: list[tuple[str, str]] = []

    async def publish(topic: str, key: str, value: str) -> None:
        sent.append((topic, key))

    collection = Documents(_document())
    assert await OutboxRelay([collection], publish).relay_once() == 2  # type: ignore[list-item]
    assert sent == [("t.borgerplan.plan.v1", "c0"), ("t.borgerplan.plan.v1", "c1")]
    assert collection.doc[outbox.OUTBOX] == []
    assert collection.doc[outbox.PENDING] is False
    assert collection.doc[outbox.PUBLISHED] == 2
    assert await OutboxRelay([collection], publish).relay_once() == 0  # type: ignore[list-item]


async def test_a_failed_send_keeps_the_events_and_backs_off() -> None:
    async def broker_down(topic: str, key: str, value: str) -> None:
        raise ConnectionError("kafka away")

    collection = Documents(_document())
    relay = OutboxRelay([collection], broker_down)  # type: ignore[list-item]
    assert await relay.relay_once() == 0
    assert len(collection.doc[outbox.OUTBOX]) == 2
    assert collection.doc[outbox.ATTEMPTS] == 1
    assert collection.doc[outbox.CLAIM] > datetime.now(UTC), "claimed into the future: the next pass waits"
    assert await relay.relay_once() == 0
    assert collection.doc[outbox.ATTEMPTS] == 1, "backing off: no second try before the claim runs out"
    assert relay.last_error == "ConnectionError"


async def test_events_appended_during_a_send_are_not_lost() -> None:
    collection = Documents(_document(n_events=1))
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


async def test_a_busy_collection_does_not_hold_back_another() -> None:
    """Writers keep adding to the plans as fast as the relay sends them; the citizens' events still go out."""
    plans = Documents(_document(1, "p0", "plan"), name="plans")
    citizens = Documents(_document(1, "k0", "citizen"), name="citizens")
    sent: list[str] = []

    async def publish_while_plans_keep_coming(topic: str, key: str, value: str) -> None:
        sent.append(key)
        if key.startswith("plan") and len(sent) < 50:
            n = len(plans.docs)
            plans.docs[f"p{n}"] = _document(1, f"p{n}", f"plan{n}-")

    relay = OutboxRelay([plans, citizens], publish_while_plans_keep_coming, batch=4)  # type: ignore[list-item]
    assert await relay.relay_once() == len(sent)
    assert sent.index("citizen0") <= 1, f"the citizen waited behind {sent.index('citizen0')} plan events"
    assert all(not d[outbox.PENDING] for d in [*plans.docs.values(), *citizens.docs.values()])


async def test_claims_a_batch_per_read_and_sends_one_keys_documents_in_turn() -> None:
    # Ten documents: two of them share a key (two aggregates of one citizen).
    docs = [_document(1, f"d{i}", f"k{i}-") for i in range(9)]
    docs.append(_document(1, "d9", "k0-"))
    collection = Documents(*docs)
    in_flight: dict[str, int] = {}
    most: dict[str, int] = {}

    async def publish(topic: str, key: str, value: str) -> None:
        in_flight[key] = in_flight.get(key, 0) + 1
        most[key] = max(most.get(key, 0), in_flight[key])
        await asyncio.sleep(0.01)
        in_flight[key] -= 1

    relay = OutboxRelay([collection], publish, batch=4)  # type: ignore[list-item]
    assert await relay.relay_once() == 10
    assert collection.finds == 4, "three batches of at most four, then one read that finds none"
    assert max(most.values()) == 1, "a key never has two sends in flight"
    assert all(not d[outbox.PENDING] for d in collection.docs.values())


async def test_a_failed_send_releases_the_same_keys_untried_documents() -> None:
    collection = Documents(_document(1, "d0", "k"), _document(1, "d1", "k"))

    async def broker_down(topic: str, key: str, value: str) -> None:
        raise ConnectionError("kafka away")

    relay = OutboxRelay([collection], broker_down)  # type: ignore[list-item]
    assert await relay.relay_once() == 0
    first, second = collection.docs["d0"], collection.docs["d1"]
    assert first[outbox.ATTEMPTS] == 1 and first[outbox.CLAIM] > datetime.now(UTC)
    assert second[outbox.ATTEMPTS] == 0 and second[outbox.CLAIM] == outbox.UNCLAIMED, "not tried, not held"
