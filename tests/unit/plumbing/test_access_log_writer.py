"""The access log's writer without a database: one insert per batch however many reads wait, and a read whose entry
was not stored is refused with 503, never answered without its entry and never a 500 (decision 0045)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo.errors import AutoReconnect, BulkWriteError

from borgerplan_plumbing.access_log import AccessLog
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.problems import Problem

READER = Caller(sub="r", name="R", unit="u", unit_kind="authority", roles=["caseworker"])


class Entries:
    """Stores inserts; ``fail`` decides what an insert does instead (an exception) after ``stored`` documents."""

    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []
        self.inserts = 0
        self.fail: Exception | None = None
        self.stored_before_failing = 0

    async def find_one(self, query: dict[str, Any], **_: Any) -> dict[str, Any] | None:
        mine = [
            d for d in self.docs if d["citizen_id"] == query["citizen_id"] and d["chain"] == query["chain"]
        ]
        return max(mine, key=lambda d: d["seq"]) if mine else None

    async def insert_many(self, docs: list[dict[str, Any]], ordered: bool) -> None:
        assert ordered
        self.inserts += 1
        await asyncio.sleep(0.01)  # a round trip, during which more reads arrive
        if self.fail is not None:
            self.docs += [dict(d) for d in docs[: self.stored_before_failing]]
            raise self.fail
        self.docs += [dict(d) for d in docs]


class Heads:
    async def bulk_write(self, moves: list[Any], ordered: bool) -> None:
        return None


def _log(entries: Entries) -> AccessLog:
    return AccessLog(entries, Heads(), head_delay=0.01, writer="w")  # type: ignore[arg-type]


async def test_concurrent_reads_of_one_citizen_are_a_few_inserts_in_one_chain() -> None:
    entries = Entries()
    log = _log(entries)
    stored = await asyncio.gather(*(log.append(READER, "c", "view_plan", ["plans"]) for _ in range(500)))
    assert sorted(e["seq"] for e in stored) == list(range(1, 501))
    assert entries.inserts <= 5, entries.inserts  # 200 at most per insert: the first alone, then what waited
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries.docs, entries.docs[1:], strict=False))


async def test_a_database_failure_refuses_the_reads_with_503_and_the_next_batch_chains_on() -> None:
    entries = Entries()
    log = _log(entries)
    await log.append(READER, "c", "view_plan", ["plans"])
    entries.fail = AutoReconnect("gone")
    answers = await asyncio.gather(
        *(log.append(READER, "c", "view_plan", ["plans"]) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(a, Problem) and a.status == 503 for a in answers), answers
    entries.fail = None
    after = await log.append(READER, "c", "view_plan", ["plans"])
    assert after["seq"] == 2 and after["prev_hash"] == entries.docs[0]["hash"]


async def test_a_batch_stored_in_part_answers_what_was_stored_and_refuses_the_rest() -> None:
    entries = Entries()
    log = _log(entries)
    entries.fail = BulkWriteError({"nInserted": 2, "writeErrors": [{"code": 11000, "index": 2}]})
    entries.stored_before_failing = 2
    answers = await asyncio.gather(
        *(log.append(READER, "c", "view_plan", ["plans"]) for _ in range(4)), return_exceptions=True
    )
    stored = [a for a in answers if isinstance(a, dict)]
    refused = [a for a in answers if isinstance(a, Problem)]
    assert len(refused) + len(stored) == 4 and refused and all(r.status == 503 for r in refused)
    assert {e["request_id"] for e in stored} <= {d["request_id"] for d in entries.docs}, (
        "no answer without its entry"
    )
    entries.fail = None
    after = await log.append(READER, "c", "view_plan", ["plans"])
    assert after["prev_hash"] == entries.docs[-2]["hash"], "chained after what was stored"


async def test_a_read_waits_no_longer_than_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = Entries()
    log = _log(entries)
    release = asyncio.Event()

    async def hangs(docs: list[dict[str, Any]], ordered: bool) -> None:
        await release.wait()

    monkeypatch.setattr(entries, "insert_many", hangs)
    monkeypatch.setattr("borgerplan_plumbing.access_log.WAIT_SECONDS", 0.05)
    with pytest.raises(Problem) as refused:
        await log.append(READER, "c", "view_plan", ["plans"])
    assert refused.value.status == 503
    release.set()
    await log.flush()
