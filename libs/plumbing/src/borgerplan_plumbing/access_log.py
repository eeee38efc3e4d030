"""The access log: who read which citizen's data, when, what and why — append-only and hash-chained (decision 0045).

The gateway writes it, ``borgerplan audit verify`` checks it; the format lives here, once, for both.

**One chain per citizen and per writer.** Each gateway process is a writer with an id of its own (``writer``), and
keeps its own chain for each citizen it logs reads of: entry n of a chain carries the SHA-256 of its own canonical
content and of entry n−1's hash, and its ``_id`` is ``<citizen_id>:<writer>:<n>``. No two processes ever append to
the same chain, so any number of gateway replicas reading one citizen never collide, and no append waits on another
process. A citizen's log is the union of its chains, listed by time; the verifier checks every chain on its own.

**One writer per citizen in the process, in batches.** Concurrent reads of one citizen in one process do not race for
entry n either: they queue, and one task per citizen appends what is waiting in one ``insert_many`` (entries
n+1…n+k chained in order), then answers each waiting read. A burst on one citizen costs one database write per
round trip, however many callers there are, and nothing is retried against a competitor.

A head document per chain records its last entry, so removing a chain's newest entries is detected too. Heads are
moved in batches: what this process appended in the last ``head_delay`` seconds goes to the database in one bulk write
(the verifier accepts a head behind its chain; only one ahead of it means a removal).

Entries written before chains had writers (no ``chain`` field) form the citizen's chain ``""``: ids
``<citizen_id>:<n>``, the head's id the citizen's, their hash without the field. ``verify`` checks them as before.

An entry is stored before the response leaves, and never for a refused request. A read whose entry could not be
stored in time is answered 503 (the database's own problem, or the request's deadline), never 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.load import outside_the_deadline, remaining
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.problems import Problem

log = logging.getLogger(__name__)

GENESIS = "0" * 64
DUPLICATE_KEY = 11000
LEGACY = ""  # the chain of the entries written before chains had writers
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
MAX_BATCH = 200  # entries in one insert: a burst on one citizen is a few writes, each well under a megabyte
KEPT_CHAINS = 50_000  # idle chains' tails remembered per process (then forgotten, and read again when needed)
WAIT_SECONDS = 5.0  # the longest a read waits for its entry when no request deadline says otherwise


def entry_hash(entry: Document) -> str:
    canonical = {k: entry[k] for k in HASHED_FIELDS}
    if entry.get("chain", LEGACY) != LEGACY:
        canonical["chain"] = entry["chain"]
    canonical["at"] = _iso(entry["at"])
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    # Mongo keeps milliseconds: hash what is stored, in UTC.
    return value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000).isoformat()


def _order(at: datetime, chain: str, seq: int) -> str:
    """The listing's key: by time (milliseconds), then writer and place in its chain; unique, so it pages exactly."""
    return f"{int(at.timestamp() * 1000):013d}:{chain}:{seq:010d}"


def _not_written() -> Problem:
    return Problem(
        503,
        "Service unavailable",
        "The read could not be written to the access log; nothing was sent. Try again shortly.",
        kind="unavailable",
        headers={"Retry-After": "1"},
    )


def _retrieved(future: asyncio.Future[Document]) -> None:
    if not future.cancelled():
        future.exception()


@dataclass(frozen=True)
class ChainProblem:
    citizen_id: str
    seq: int
    problem: str
    chain: str = LEGACY


@dataclass
class _Chain:
    """This process's chain for one citizen: its last entry (once known) and the reads waiting to be appended."""

    tail: tuple[int, str] | None = None
    waiting: list[tuple[Document, asyncio.Future[Document]]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None

    @property
    def idle(self) -> bool:
        return not self.waiting and (self.writer is None or self.writer.done())


class AccessLog:
    def __init__(
        self, entries: Collection, heads: Collection, head_delay: float = 0.5, writer: str | None = None
    ) -> None:
        self.entries = entries
        self.heads = heads
        self.head_delay = head_delay
        # Unique per process (per AccessLog): its chains are its alone.
        self.writer = writer or uuid.uuid4().hex[:16]
        self._chains: dict[str, _Chain] = {}
        # Heads to move with the next batch (the newest entry per chain), and the task that will write them.
        self._pending: dict[str, tuple[int, str]] = {}
        self._mover: asyncio.Task[None] | None = None
        self._now = asyncio.Event()  # set by flush: move them without waiting
        self.batches = 0  # inserts made (a figure for tests and benchmarks)

    async def append(
        self,
        caller: Caller,
        citizen_id: str,
        purpose: str,
        sections: list[str],
        request_id: str | None = None,
    ) -> Document:
        """Store that ``caller`` read ``sections`` of the citizen's data; returns the stored entry."""
        now = datetime.now(UTC)
        fields: Document = {
            "citizen_id": citizen_id,
            "chain": self.writer,
            "at": now.replace(microsecond=now.microsecond // 1000 * 1000),
            "sub": caller.sub,
            "name": caller.name,
            "unit": caller.unit,
            "purpose": purpose,
            "sections": sections,
            "request_id": request_id or str(uuid.uuid4()),
        }
        chain = self._chain(citizen_id)
        stored: asyncio.Future[Document] = asyncio.get_running_loop().create_future()
        stored.add_done_callback(
            _retrieved
        )  # a read that gave up still leaves its failure seen, not a warning
        chain.waiting.append((fields, stored))
        if chain.writer is None or chain.writer.done():
            # Outside the request's deadline: the batch serves every read waiting, not only the one that started it.
            chain.writer = outside_the_deadline(self._write(citizen_id, chain))
        try:
            # shield: a read that gives up (its deadline, its client gone) leaves the batch to the others.
            return await asyncio.wait_for(asyncio.shield(stored), remaining(WAIT_SECONDS))
        except TimeoutError:
            raise _not_written() from None
        except Exception as exc:
            # Whatever kept the entry from being stored (the database away, a batch stored in part): the read is
            # refused and may be tried again; it is never answered without its entry, and never a 500.
            log.warning("access-log entry not written", extra={"error": type(exc).__name__})
            raise _not_written() from exc

    def _chain(self, citizen_id: str) -> _Chain:
        chain = self._chains.get(citizen_id)
        if chain is None:
            if len(self._chains) >= KEPT_CHAINS:
                self._chains = {c: ch for c, ch in self._chains.items() if not ch.idle}
            chain = self._chains[citizen_id] = _Chain()
        return chain

    async def _tail(self, citizen_id: str) -> tuple[int, str]:
        """This writer's last entry for the citizen (an index lookup); none yet for a chain this process starts."""
        last = await self.entries.find_one(
            {"citizen_id": citizen_id, "chain": self.writer}, sort=[("seq", -1)], projection=["seq", "hash"]
        )
        return (last["seq"], last["hash"]) if last else (0, GENESIS)

    async def _write(self, citizen_id: str, chain: _Chain) -> None:
        """Append what is waiting, a batch at a time, until nothing is."""
        while chain.waiting:
            batch, chain.waiting = chain.waiting[:MAX_BATCH], chain.waiting[MAX_BATCH:]
            failure: Exception | None = None
            try:
                written = await self._insert(citizen_id, chain, [fields for fields, _ in batch])
            except Exception as exc:  # the database: these reads are answered 503 (``append``)
                written, failure = 0, exc
            for i, (_, stored) in enumerate(batch):
                if stored.done():
                    continue
                if i < written:
                    stored.set_result(batch[i][0])
                else:
                    stored.set_exception(failure or RuntimeError("access-log entry not written"))

    async def _insert(self, citizen_id: str, chain: _Chain, batch: list[Document]) -> int:
        """Chain ``batch`` after the tail and insert it in order; the number written. On a partial failure the tail is
        read again, so the next batch chains after what was stored."""
        if chain.tail is None:
            chain.tail = await self._tail(citizen_id)
        seq, prev = chain.tail
        for fields in batch:
            seq += 1
            fields["_id"] = f"{citizen_id}:{self.writer}:{seq}"
            fields["seq"] = seq
            fields["prev_hash"] = prev
            fields["order"] = _order(fields["at"], self.writer, seq)
            fields["hash"] = prev = entry_hash(fields)
        self.batches += 1
        try:
            await self.entries.insert_many(batch, ordered=True)
        except BulkWriteError as exc:
            written = int(exc.details.get("nInserted", 0))
            chain.tail = None
            if written:
                self._head_moved_later(citizen_id, batch[written - 1]["seq"], batch[written - 1]["hash"])
            log.warning("access-log batch stored in part", extra={"written": written, "of": len(batch)})
            return written
        except PyMongoError:
            chain.tail = None  # some may be stored: read the tail again before the next batch
            raise
        chain.tail = (seq, prev)
        self._head_moved_later(citizen_id, seq, prev)
        return len(batch)

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
        """One bulk write for every pending head: each moves only forward, and a chain's first entry creates it."""
        batch, self._pending = self._pending, {}
        if not batch:
            return
        moves = [
            UpdateOne(
                {"_id": f"{citizen_id}:{self.writer}", "seq": {"$lt": seq}},
                {"$set": {"citizen_id": citizen_id, "chain": self.writer, "seq": seq, "hash": digest}},
                upsert=True,
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
        """Keep the newest entry per chain for the next batch."""
        if self._pending.get(citizen_id, (0, ""))[0] < seq:
            self._pending[citizen_id] = (seq, digest)

    async def flush(self) -> None:
        """Finish the appends under way and move the pending heads now (at shutdown; tests before they tamper)."""
        writers = [chain.writer for chain in self._chains.values() if chain.writer is not None]
        await asyncio.gather(*writers, return_exceptions=True)
        self._now.set()
        try:
            if self._mover is not None:
                await asyncio.gather(self._mover, return_exceptions=True)
            await self._move_heads()
        finally:
            self._now.clear()

    async def read(self, citizen_id: str, limit: int, before: str | None = None) -> list[Document]:
        """The citizen's entries from every chain, newest first; ``before``: an entry's ``order``, for the next page."""
        query: dict[str, Any] = {"citizen_id": citizen_id}
        if before is not None:
            query["order"] = {"$lt": before}
        return [d async for d in self.entries.find(query, sort=[("order", -1)], limit=limit)]

    async def verify(self, citizen_id: str | None = None) -> tuple[int, list[ChainProblem]]:
        """(entries checked, problems): a changed entry, a missing one, or a removed newest one, in every chain."""
        citizens = [citizen_id] if citizen_id else sorted(await self.entries.distinct("citizen_id"))
        checked, problems = 0, []
        for citizen in citizens:
            tails: dict[str, int] = {}  # chain → the seq the next entry must have
            prevs: dict[str, str] = {}
            cursor = self.entries.find({"citizen_id": citizen}, sort=[("chain", 1), ("seq", 1)])
            async for entry in cursor:
                checked += 1
                chain = entry.get("chain", LEGACY)
                if not isinstance(chain, str) or any(f not in entry for f in (*HASHED_FIELDS, "hash")):
                    problems.append(
                        ChainProblem(
                            citizen, int(entry.get("seq") or 0), "entry not part of the chain", str(chain)
                        )
                    )
                    continue
                expected_seq, expected_prev = tails.get(chain, 1), prevs.get(chain, GENESIS)
                if entry["seq"] != expected_seq:
                    problems.append(ChainProblem(citizen, expected_seq, "entry missing", chain))
                elif entry["prev_hash"] != expected_prev:
                    problems.append(
                        ChainProblem(citizen, entry["seq"], "link to the previous entry broken", chain)
                    )
                if entry_hash(entry) != entry["hash"]:
                    problems.append(ChainProblem(citizen, entry["seq"], "entry altered", chain))
                tails[chain], prevs[chain] = entry["seq"] + 1, entry["hash"]
            heads = [h async for h in self.heads.find({"citizen_id": citizen})]
            legacy = await self.heads.find_one({"_id": citizen})
            if legacy is not None:
                heads.append({**legacy, "chain": LEGACY})
            for head in heads:
                chain = head.get("chain", LEGACY)
                if head["seq"] >= tails.get(chain, 1):
                    problems.append(ChainProblem(citizen, head["seq"], "newest entry missing", chain))
        return checked, problems
