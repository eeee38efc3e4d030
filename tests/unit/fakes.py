"""In-memory stand-ins the unit tests of the consumers share: the processed-events collection and a recorder of
what a handler was given."""

from __future__ import annotations

from typing import Any

from borgerplan_contracts import CloudEvent


class FakeCollection:
    """``find_one`` and ``update_one`` by ``_id``, as the idempotent consumer uses its markers; ``fail`` makes every
    write raise it (a database away)."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.fail: Exception | None = None

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return self.docs.get(query["_id"])

    async def update_one(self, query: dict[str, Any], update: dict[str, Any], upsert: bool = False) -> None:
        if self.fail is not None:
            raise self.fail
        doc = self.docs.setdefault(query["_id"], {"_id": query["_id"]})
        doc.update(update["$set"])


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes, dict[str, str]]] = []

    async def __call__(self, topic: str, key: bytes | None, value: bytes, headers: dict[str, str]) -> None:
        self.sent.append((topic, key, value, headers))


class Recorder:
    """A handler that keeps (event id, citizen, typed data) of each event it is given."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, Any]] = []

    async def __call__(self, event: CloudEvent, data: Any) -> None:
        self.seen.append((event.id, event.subject, data))
