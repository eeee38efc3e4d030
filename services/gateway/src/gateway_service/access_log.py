"""The access log: who read which citizen's data, when, what and why — append-only and hash-chained.

Each citizen has a chain: entry n carries the SHA-256 of its own canonical content and of entry n−1's hash, and
its ``_id`` is ``<citizen_id>:<n>`` so two gateways appending at once cannot both write entry n (the second
retries as n+1). A head document per citizen records the last entry, so removing the newest entry is detected too.
An entry is written before the response leaves, and never for a refused request.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import Collection, Document

GENESIS = "0" * 64
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
    def __init__(self, entries: Collection, heads: Collection) -> None:
        self.entries = entries
        self.heads = heads
        # The last entry this process wrote per citizen: a hint that saves reading the head. It is stale when
        # other gateways append too; then the insert collides and the loop catches up by _id.
        self._last: dict[str, tuple[int, str]] = {}
        self._head_moves: set[asyncio.Task[None]] = set()

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
            # accepts a head behind the chain; only one ahead of it means a removal), so it runs alongside.
            move = asyncio.create_task(self._move_head(citizen_id, entry["seq"], entry["hash"]))
            self._head_moves.add(move)
            move.add_done_callback(self._head_moves.discard)
            return entry
        raise RuntimeError("could not append to the access log")

    async def _move_head(self, citizen_id: str, seq: int, digest: str) -> None:
        moved = await self.heads.update_one(
            {"_id": citizen_id, "seq": {"$lt": seq}}, {"$set": {"seq": seq, "hash": digest}}
        )
        if moved.matched_count == 0:  # the citizen's first entry (or a newer head written meanwhile)
            await self._ensure_head(citizen_id, seq, digest)

    async def flush(self) -> None:
        """Wait for the head moves under way (at shutdown; tests before they tamper)."""
        if self._head_moves:
            await asyncio.gather(*self._head_moves, return_exceptions=True)

    async def _ensure_head(self, citizen_id: str, seq: int, digest: str) -> None:
        try:
            await self.heads.insert_one({"_id": citizen_id, "seq": seq, "hash": digest})
        except DuplicateKeyError:
            pass

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
