"""The access log's hash chain on the real database, and `borgerplan audit verify` finding tampering."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pymongo
import pytest

from borgerplan_plumbing.access_log import GENESIS, AccessLog, entry_hash
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import make_client, service_database
from borgerplan_plumbing.settings import Settings

pytestmark = pytest.mark.integration
READER = Caller(sub="t-reader", name="Læser", unit="t-unit", unit_kind="provider", roles=["contact_person"])


def _audit_verify(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URI": settings.mongodb_uri,
        "BORGERPLAN_DATABASE_PREFIX": settings.database_prefix,
    }
    return subprocess.run(
        [sys.executable, "-m", "borgerplan_cli.main", "audit", "verify", *args],
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


async def test_chain_verifies_and_detects_removed_altered_and_newest_missing(settings: Settings) -> None:
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    log = AccessLog(db["access_log"], db["access_log_heads"], writer="w1")
    try:
        for i in range(5):
            await log.append(READER, "c-1", "view_plan", ["plans"], f"req-{i}")
        await asyncio.gather(*(log.append(READER, "c-2", "view_plan", ["plans"]) for _ in range(4)))
        await log.flush()
        assert await log.verify() == (9, [])
        assert sorted(e["seq"] for e in await log.read("c-2", 10)) == [1, 2, 3, 4], (
            "concurrent appends chain up"
        )
        clean = await asyncio.to_thread(_audit_verify, settings)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "9 access-log entries checked, 0 problem(s)" in clean.stdout

        await db["access_log"].delete_one({"_id": "c-1:w1:3"})  # removed directly in the database
        _, problems = await log.verify("c-1")
        assert [(p.seq, p.problem) for p in problems] == [(3, "entry missing")]
        broken = await asyncio.to_thread(_audit_verify, settings)
        assert broken.returncode == 1
        assert "BROKEN citizen=c-1 chain=w1 entry=3: entry missing" in broken.stdout

        await db["access_log"].update_one({"_id": "c-2:w1:2"}, {"$set": {"unit": "someone-else"}})
        await db["access_log"].delete_one({"_id": "c-2:w1:4"})
        _, problems = await log.verify("c-2")
        assert {(p.seq, p.problem) for p in problems} == {(2, "entry altered"), (4, "newest entry missing")}
    finally:
        await client.close()


async def test_two_gateways_keep_a_chain_each_and_the_verifier_joins_them(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Two gateways append to the same citizens at once: never the same entry (each its own chain), both chains
    verify, the listing joins them by time, and a chain's removed newest entry is found by its own head."""
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    first = AccessLog(db["access_log"], db["access_log_heads"], head_delay=60, writer="g1")
    second = AccessLog(db["access_log"], db["access_log_heads"], head_delay=60, writer="g2")
    try:
        reads = [
            log.append(READER, c, "view_plan", ["plans"]) for c in ("h-1", "h-2") for log in (first, second)
        ]
        await asyncio.gather(*reads)
        await asyncio.gather(*(log.append(READER, "h-1", "view_plan", ["plans"]) for log in (first, second)))
        assert await db["access_log_heads"].count_documents({}) == 0, "no head moved before the batch"
        await second.flush()
        await first.flush()
        heads = {h["_id"]: h["seq"] async for h in db["access_log_heads"].find({})}
        assert heads == {"h-1:g1": 2, "h-1:g2": 2, "h-2:g1": 1, "h-2:g2": 1}
        assert "heads not moved" not in caplog.text
        assert await first.verify() == (6, [])
        listed = await first.read("h-1", 10)
        assert sorted((e["chain"], e["seq"]) for e in listed) == [("g1", 1), ("g1", 2), ("g2", 1), ("g2", 2)]
        assert [e["at"] for e in listed] == sorted((e["at"] for e in listed), reverse=True), "newest first"
        page = await first.read("h-1", 2)
        rest = await first.read("h-1", 10, before=page[-1]["order"])
        assert [e["_id"] for e in page + rest] == [e["_id"] for e in listed], "pages follow on exactly"

        await db["access_log"].delete_one(
            {"_id": "h-1:g2:2"}
        )  # the newest entry removed after its head moved
        _, problems = await first.verify("h-1")
        assert [(p.chain, p.seq, p.problem) for p in problems] == [("g2", 2, "newest entry missing")]
    finally:
        await client.close()


async def test_a_burst_on_one_citizen_is_a_few_batches_in_one_chain(settings: Settings) -> None:
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    log = AccessLog(db["access_log"], db["access_log_heads"])
    try:
        stored = await asyncio.gather(
            *(log.append(READER, "b-1", "view_plan", ["plans"]) for _ in range(300))
        )
        assert sorted(e["seq"] for e in stored) == list(range(1, 301))
        assert log.batches <= 10, f"{log.batches} inserts for 300 reads"
        await log.flush()
        assert await log.verify("b-1") == (300, [])
    finally:
        await client.close()


async def test_entries_from_before_the_chains_had_writers_still_verify(settings: Settings) -> None:
    """Entries of the earlier format (one chain per citizen, no ``chain`` field) beside the new ones."""
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    log = AccessLog(db["access_log"], db["access_log_heads"], writer="w9")
    try:
        prev = GENESIS
        for seq in (1, 2):
            old = {
                "_id": f"l-1:{seq}",
                "citizen_id": "l-1",
                "seq": seq,
                "at": f"2025-01-0{seq}T10:00:00+00:00",
                "sub": "s",
                "name": "n",
                "unit": "u",
                "purpose": "view_plan",
                "sections": ["plans"],
                "request_id": f"r{seq}",
                "prev_hash": prev,
            }
            old["hash"] = prev = entry_hash(old)
            await db["access_log"].insert_one(old)
        await db["access_log_heads"].insert_one({"_id": "l-1", "seq": 2, "hash": prev})
        await log.append(READER, "l-1", "view_plan", ["plans"])
        await log.flush()
        assert await log.verify("l-1") == (3, [])
        await db["access_log"].delete_one({"_id": "l-1:2"})
        _, problems = await log.verify("l-1")
        assert [(p.chain, p.seq, p.problem) for p in problems] == [("", 2, "newest entry missing")]
    finally:
        await client.close()


async def test_a_batch_of_heads_outlives_the_deadline_of_the_read_that_started_it(settings: Settings) -> None:
    """The read is over (its database deadline long past) when its head moves; the batch has its own."""
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    log = AccessLog(db["access_log"], db["access_log_heads"], head_delay=0.3, writer="d")
    try:
        with pymongo.timeout(0.2):  # what the load limit sets around a request
            await log.append(READER, "d-1", "view_plan", ["plans"])
        await asyncio.sleep(0.8)  # no flush: the batch moves by itself, after the read's deadline
        head = await db["access_log_heads"].find_one({"_id": "d-1:d"})
        assert head is not None and head["seq"] == 1
    finally:
        await client.close()
