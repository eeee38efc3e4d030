"""The access log's hash chain on the real database, and `borgerplan audit verify` finding tampering."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pymongo
import pytest

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import make_client, service_database
from borgerplan_plumbing.settings import Settings
from gateway_service.access_log import AccessLog

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
    log = AccessLog(db["access_log"], db["access_log_heads"])
    try:
        for i in range(5):
            await log.append(READER, "c-1", "view_plan", ["plans"], f"req-{i}")
        await asyncio.gather(*(log.append(READER, "c-2", "view_plan", ["plans"]) for _ in range(4)))
        await log.flush()
        assert await log.verify() == (9, [])
        assert [e["seq"] for e in await log.read("c-2", 10)] == [4, 3, 2, 1], "concurrent appends chain up"
        clean = await asyncio.to_thread(_audit_verify, settings)
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "9 access-log entries checked, 0 problem(s)" in clean.stdout

        await db["access_log"].delete_one({"_id": "c-1:3"})  # removed directly in the database
        _, problems = await log.verify("c-1")
        assert [(p.seq, p.problem) for p in problems] == [(3, "entry missing")]
        broken = await asyncio.to_thread(_audit_verify, settings)
        assert broken.returncode == 1
        assert "BROKEN citizen=c-1 entry=3: entry missing" in broken.stdout

        await db["access_log"].update_one({"_id": "c-2:2"}, {"$set": {"unit": "someone-else"}})
        await db["access_log"].delete_one({"_id": "c-2:4"})
        _, problems = await log.verify("c-2")
        assert {(p.seq, p.problem) for p in problems} == {(2, "entry altered"), (4, "newest entry missing")}
    finally:
        await client.close()


async def test_heads_move_in_batches_forward_only_across_gateways(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Two gateways append to the same citizens; each moves its heads in one bulk write. The head ends at the
    newest entry whichever batch lands last (an older one finds a newer head and leaves it), and a first entry
    creates the head."""
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    first = AccessLog(db["access_log"], db["access_log_heads"], head_delay=60)
    second = AccessLog(db["access_log"], db["access_log_heads"], head_delay=60)
    try:
        for citizen in ("h-1", "h-2", "h-3"):
            await first.append(READER, citizen, "view_plan", ["plans"])
            await second.append(READER, citizen, "view_plan", ["plans"])  # collides, chains on as entry 2
        assert await db["access_log_heads"].count_documents({}) == 0, "no head moved before the batch"
        await second.flush()  # heads at 2
        await first.flush()  # its heads at 1 are older: they find the newer ones and leave them
        heads = {h["_id"]: h["seq"] async for h in db["access_log_heads"].find({})}
        assert heads == {"h-1": 2, "h-2": 2, "h-3": 2}
        assert "heads not moved" not in caplog.text, "an older head finding a newer one is no failure"
        assert await first.verify() == (6, [])

        await db["access_log"].delete_one({"_id": "h-2:2"})  # the newest entry removed after its head moved
        _, problems = await first.verify("h-2")
        assert [(p.seq, p.problem) for p in problems] == [(2, "newest entry missing")]
    finally:
        await client.close()


async def test_a_batch_of_heads_outlives_the_deadline_of_the_read_that_started_it(settings: Settings) -> None:
    """The read is over (its database deadline long past) when its head moves; the batch has its own."""
    client = make_client(settings)
    db = service_database(client, settings, "gateway")
    log = AccessLog(db["access_log"], db["access_log_heads"], head_delay=0.3)
    try:
        with pymongo.timeout(0.2):  # what the load limit sets around a request
            await log.append(READER, "d-1", "view_plan", ["plans"])
        await asyncio.sleep(0.8)  # no flush: the batch moves by itself, after the read's deadline
        head = await db["access_log_heads"].find_one({"_id": "d-1"})
        assert head is not None and head["seq"] == 1
    finally:
        await client.close()
