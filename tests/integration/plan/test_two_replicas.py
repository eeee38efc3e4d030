"""Two replicas of the plan service on one database: no lost update, never a second active plan.

No lock in the process holds this together: a versioned update is a compare-and-set in the database, and one
active plan per citizen and kind is a unique partial index. Each replica is its own process.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from borgerplan_cli.servers import Servers
from borgerplan_cli.stack import SERVICES, ServiceStack, free_port
from borgerplan_plumbing.settings import Settings
from tests.support.services import signed_as

pytestmark = pytest.mark.integration
ROUNDS = 20
WRITERS = 8


@contextmanager
def two_replicas(servers: Servers, settings: Settings) -> Iterator[list[str]]:
    env = {
        "BORGERPLAN_ENVIRONMENT": "test",
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap_servers,
        "MONGODB_URI": servers.mongodb_uri,
        "BORGERPLAN_TOPIC_PREFIX": settings.topic_prefix,
        "BORGERPLAN_DATABASE_PREFIX": settings.database_prefix,
        "BORGERPLAN_LOG_LEVEL": "WARNING",
        "BORGERPLAN_MAX_IN_FLIGHT": "64",
    }
    stacks = []
    try:
        for _ in range(2):
            run = Path(tempfile.mkdtemp(prefix="borgerplan-replica-"))
            ports = {s: free_port() for s in SERVICES}
            stack = ServiceStack(env=env, ports=ports, run_dir=run / "run", log_dir=run / "logs")
            stack.start("plan")
            stacks.append(stack)
        for stack in stacks:
            stack.wait_ready(("plan",), timeout=90)
        yield [stack.url("plan") for stack in stacks]
    finally:
        for stack in stacks:
            stack.stop("plan")


async def test_no_lost_update_and_no_second_active_plan(servers: Servers, settings: Settings) -> None:
    auth = signed_as(settings)
    with two_replicas(servers, settings) as urls:
        async with httpx.AsyncClient(auth=auth, timeout=30) as http:
            citizen = await http.post(
                f"{urls[0]}/citizens", json={"cpr": "0203731234", "name": "To Replikaer"}
            )
            assert citizen.status_code == 201, citizen.text
            citizen_id = citizen.json()["citizen_id"]

            # One active plan per citizen and kind, whichever replica is asked.
            async def create(i: int, kind: str = "adult") -> httpx.Response:
                body = {"citizen_id": citizen_id, "kind": kind, "responsible_unit": "t-authority"}
                return await http.post(f"{urls[i % 2]}/plans", json=body)

            created = await asyncio.gather(*(create(i) for i in range(WRITERS)))
            statuses = sorted(r.status_code for r in created)
            assert statuses == [201] + [409] * (WRITERS - 1), [
                r.text for r in created if r.status_code != 409
            ]
            plan = next(r.json() for r in created if r.status_code == 201)
            path = f"/plans/{plan['plan_id']}"

            # The same If-Match from eight writers on two replicas: exactly one wins each round.
            etag = f'"{plan["version"]}"'
            for round_no in range(ROUNDS):

                async def patch(i: int, tag: str = etag, n: int = round_no) -> httpx.Response:
                    body = {"overview": {"purpose": f"runde {n} skriver {i}"}}
                    return await http.patch(f"{urls[i % 2]}{path}", json=body, headers={"If-Match": tag})

                answers = await asyncio.gather(*(patch(i) for i in range(WRITERS)))
                assert sorted(a.status_code for a in answers) == [200] + [412] * (WRITERS - 1)
                etag = next(a.headers["etag"] for a in answers if a.status_code == 200)

            # Appending without If-Match retries on a lost race: every goal is kept.
            goals = await asyncio.gather(
                *(http.post(f"{urls[i % 2]}{path}/goals", json={"title": f"Mål {i}"}) for i in range(WRITERS))
            )
            assert [g.status_code for g in goals] == [201] * WRITERS, [g.text[:200] for g in goals]
            stored = (await http.get(f"{urls[0]}{path}")).json()
            assert sorted(g["title"] for g in stored["goals"]) == sorted(f"Mål {i}" for i in range(WRITERS))
            history: list[dict[str, Any]] = (await http.get(f"{urls[1]}{path}/history")).json()
            versions = [h["version"] for h in history]
            assert versions == list(range(1, len(history) + 1)), "one history entry per version, none lost"
            assert len(history) == 1 + ROUNDS + WRITERS
            assert stored["version"] == len(history)

            # A unified plan and sector plans raced from both replicas: never a sector plan active beside it.
            raced = await asyncio.gather(
                create(0, "unified"), create(1, "child"), create(2, "unified"), create(3, "child")
            )
            outcome = [(r.status_code, r.json().get("kind") or r.json().get("detail")) for r in raced]
            assert sum(r.status_code == 201 for r in raced if r.json().get("kind") == "unified") == 1, outcome
            plans = (await http.get(f"{urls[0]}/plans", params={"citizen_id": citizen_id})).json()
            active = [p["kind"] for p in plans if p["status"] == "active"]
            assert active == ["unified"], plans
            unified = next(p for p in plans if p["status"] == "active")
            closed = {p["plan_id"] for p in plans if p["status"] == "closed"}
            assert plan["plan_id"] in closed and set(unified["replaces"]) <= closed
            assert all(
                p["replaced_by"] == unified["plan_id"] for p in plans if p["plan_id"] in unified["replaces"]
            )
