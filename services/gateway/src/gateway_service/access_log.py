"""The access log: who read which citizen's data, when, what and why — append-only and hash-chained.

Each citizen has a chain: entry n carries the SHA-256 of its own canonical content and of entry n−1's hash, and
its ``_id`` is ``<citizen_id>:<n>`` so two gateways appending at once cannot both write entry n (the second
retries as n+1). A head document per citizen records the last entry, so removing the newest entry is detected too.
An entry is written before the response leaves, and never for a refused request.

The heads are moved in batches: what this process appended in the last ``head_delay`` seconds goes to the database
in one bulk write (one command, whatever the number of citizens), not one update per read. A head may therefore be
up to that long behind its chain (the verifier accepts a head behind; only one ahead of the chain means a removal).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.load import outside_the_deadline
from borgerplan_plumbing.mongo import Collection, Document

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DUPLICATE_KEY = 11000
HASHED_FIELDS = (
    "citizen_id",
    "seq",
    "at",
    "sub",
    "name",
    "unit",
    "purpose",
    "sections",
    "request_id",
    "prev_hash",
)


def entry_hash(entry: Document) -> str:
    canonical = {k: entry[k] for k in HASHED_FIELDS}
    canonical["at"] = _iso(entry["at"])
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    # Mongo keeps milliseconds: hash what is stored, in UTC.
    return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000).isoformat()


@dataclass(frozen=True)
class ChainProblem:
    citizen_id: str
    seq: int
    problem: str


class AccessLog:
    def __init__(self, entries: Collection, heads: Collection, head_delay: float = 0.5) -> None:
        self.entries = entries
        self.heads = heads
        self.head_delay = head_delay
        # The last entry this process wrote per citizen: a hint that saves reading the head. It is stale when
        # other gateways append too; then the insert collides and the loop catches up by _id.
        self._last: dict[str, tuple[int, str]] = {}
        # Heads to move with the next batch (the newest entry per citizen), and the task that will write them.
        self._pending: dict[str, tuple[int, str]] = {}
        self._mover: asyncio.Task[None] | None = None
        self._now = asyncio.Event()  # set by flush: move them without waiting

    async def append(
        self,
        caller: Caller,
        citizen_id: str,
        purpose: str,
        sections: list[str],
        request_id: str | None = None,
    ) -> Document:
        # Start from the head (an _id lookup: cheap however long the chain is). A head that lags behind a
        # concurrent writer only costs a retry: entry n exists, so read it by _id and chain after it.
        if citizen_id in self._last:
            seq, prev = self._last[citizen_id]
        else:
            head = await self.heads.find_one({"_id": citizen_id})
            seq, prev = (head["seq"], head["hash"]) if head else (0, GENESIS)
        for _ in range(50):
            now = datetime.now(UTC)
            entry: Document = {
                "_id": f"{citizen_id}:{seq + 1}",
                "citizen_id": citizen_id,
                "seq": seq + 1,
                "at": now.replace(microsecond=now.microsecond // 1000 * 1000),
                "sub": caller.sub,
                "name": caller.name,
                "unit": caller.unit,
                "purpose": purpose,
                "sections": sections,
                "request_id": request_id or str(uuid.uuid4()),
                "prev_hash": prev,
            }
            entry["hash"] = entry_hash(entry)
            try:
                await self.entries.insert_one(entry)
            except DuplicateKeyError:
                existing = await self.entries.find_one({"_id": entry["_id"]})
                seq, prev = entry["seq"], existing["hash"] if existing else prev
                continue
            if len(self._last) > 50_000:
                self._last.clear()
            self._last[citizen_id] = (entry["seq"], entry["hash"])
            # The entry is stored before the response leaves. Moving the head is bookkeeping that may lag (verify
            # accepts a head behind the chain; only one ahead of it means a removal), so it waits for the batch.
            self._head_moved_later(citizen_id, entry["seq"], entry["hash"])
            return entry
        raise RuntimeError("could not append to the access log")

    def _head_moved_later(self, citizen_id: str, seq: int, digest: str) -> None:
        self._pend(citizen_id, seq, digest)
        if self._mover is None or self._mover.done():
            # In a context of its own: the batch outlives the request that started it, and must not inherit that
            # request's database deadline (the client's default timeout applies instead).
            self._mover = outside_the_deadline(self._move_heads_after(self.head_delay))

    async def _move_heads_after(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._now.wait(), delay)
        await self._move_heads()

    async def _move_heads(self) -> None:
        """One bulk write for every pending head: each moves only forward (a newer head, written by another
        gateway meanwhile, stays), and a citizen's first entry creates it."""
        batch, self._pending = self._pending, {}
        if not batch:
            return
        moves = [
            UpdateOne(
                {"_id": citizen_id, "seq": {"$lt": seq}}, {"$set": {"seq": seq, "hash": digest}}, upsert=True
            )
            for citizen_id, (seq, digest) in batch.items()
        ]
        try:
            await self.heads.bulk_write(moves, ordered=False)
        except BulkWriteError as exc:
            # A duplicate key is a head already further on (the filter missed it, the upsert collided): done.
            others = [e for e in exc.details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
            if others:
                log.warning("access-log heads not moved", extra={"count": len(others)})
        except PyMongoError as exc:
            # The entries are stored; their heads stay behind until the next batch moves them (verify accepts that).
            log.warning("access-log heads not moved", extra={"error": type(exc).__name__})
            for citizen_id, (seq, digest) in batch.items():
                self._pend(citizen_id, seq, digest)

    def _pend(self, citizen_id: str, seq: int, digest: str) -> None:
        """Keep the newest entry per citizen for the next batch."""
        if self._pending.get(citizen_id, (0, ""))[0] < seq:
            self._pending[citizen_id] = (seq, digest)

    async def flush(self) -> None:
        """Move the pending heads now (at shutdown; tests before they tamper)."""
        self._now.set()
        try:
            if self._mover is not None:
                await asyncio.gather(self._mover, return_exceptions=True)
            await self._move_heads()
        finally:
            self._now.clear()

    async def read(self, citizen_id: str, limit: int, before_seq: int | None = None) -> list[Document]:
        query: dict[str, Any] = {"citizen_id": citizen_id}
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        return [d async for d in self.entries.find(query, sort=[("seq", -1)], limit=limit)]

    async def verify(self, citizen_id: str | None = None) -> tuple[int, list[ChainProblem]]:
        """(entries checked, problems): a changed entry, a missing one, or a removed newest one."""
        citizens = [citizen_id] if citizen_id else sorted(await self.entries.distinct("citizen_id"))
        checked, problems = 0, []
        for citizen in citizens:
            expected_prev, expected_seq = GENESIS, 1
            async for entry in self.entries.find({"citizen_id": citizen}, sort=[("seq", 1)]):
                checked += 1
                if any(field not in entry for field in (*HASHED_FIELDS, "hash")):
                    problems.append(
                        ChainProblem(citizen, int(entry.get("seq") or 0), "entry not part of the chain")
                    )
                    continue
                if entry["seq"] != expected_seq:
                    problems.append(ChainProblem(citizen, expected_seq, "entry missing"))
                elif entry["prev_hash"] != expected_prev:
                    problems.append(ChainProblem(citizen, entry["seq"], "link to the previous entry broken"))
                if entry_hash(entry) != entry["hash"]:
                    problems.append(ChainProblem(citizen, entry["seq"], "entry altered"))
                expected_prev, expected_seq = entry["hash"], entry["seq"] + 1
            head = await self.heads.find_one({"_id": citizen})
            if head and head["seq"] >= expected_seq:
                problems.append(ChainProblem(citizen, head["seq"], "newest entry missing"))
        return checked, problems
