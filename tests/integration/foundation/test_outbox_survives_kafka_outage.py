"""State and its events change together: a plan created while Kafka is down is published when it returns, and the
backlog in between shows on the service's ``/metrics``."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from borgerplan_cli.servers import Servers
from borgerplan_contracts import topics
from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build as build_plan
from tests.support.kafka import TopicProbe
from tests.support.services import running

pytestmark = pytest.mark.integration
OUTAGE_SECONDS = 20


async def test_plan_created_while_kafka_is_down_is_delivered_after_it_returns(
    servers: Servers, settings: Settings
) -> None:
    if not servers.kafka_controllable:
        pytest.skip("needs the project's own local broker, which the test may stop and start")
    async with running(build_plan, settings) as (runtime, client):
        citizen = await client.post("/citizens", json={"cpr": "1203814427", "name": "Test Borger"})
        assert citizen.status_code == 201
        citizen_id = citizen.json()["citizen_id"]

        await asyncio.to_thread(servers.stop_kafka)
        try:
            created = await client.post(
                "/plans",
                json={
                    "citizen_id": citizen_id,
                    "kind": "adult",
                    "responsible_unit": "t-authority",
                    "legal_bases": ["SEL §141"],
                },
            )
            assert created.status_code == 201
            plan_id = created.json()["plan_id"]
            await asyncio.sleep(OUTAGE_SECONDS)
            stored = await runtime.db["plans"].find_one({"_id": plan_id})
            assert stored is not None
            assert stored["_outbox_pending"] is True, "the event must wait in the outbox while Kafka is down"
            assert stored["_outbox_attempts"] >= 1, "the relay must have tried and backed off"
            assert await pending_metric(client, "plans") == 1, "the backlog shows on /metrics"
        finally:
            await asyncio.to_thread(servers.start_kafka)

        async with TopicProbe(servers.kafka_bootstrap_servers, settings.topic(topics.PLAN)) as probe:
            event = await probe.wait_for_event(
                "dk.borgerplan.plan.plan_created.v1", timeout=90, plan_id=plan_id
            )
        assert event.subject == citizen_id
        assert probe.records[-1].key == citizen_id.encode()
        for _ in range(50):
            stored = await runtime.db["plans"].find_one({"_id": plan_id})
            if stored and not stored["_outbox_pending"]:
                break
            await asyncio.sleep(0.2)
        # plan_created and plan_activated, both published once
        assert stored is not None and stored["_outbox"] == [] and stored["_outbox_published"] == 2
        # The citizen, registered just before the outage, may still have waited in the outbox when it began: it is
        # then sent when its own back-off ends, maybe after the plan.
        backlog = {}
        for _ in range(200):  # the longest back-off is 30 s
            backlog = {c: await pending_metric(client, c) for c in ("plans", "citizens")}
            if not any(backlog.values()):
                break
            await asyncio.sleep(0.2)
        assert backlog == {"plans": 0, "citizens": 0}, "the backlog on /metrics is gone once Kafka is back"


async def pending_metric(client: httpx.AsyncClient, collection: str) -> float:
    """The plan service's ``borgerplan_outbox_pending_documents`` for one collection, from its ``/metrics``."""
    text = (await client.get("/metrics")).text
    wanted = f'borgerplan_outbox_pending_documents{{collection="{collection}",service="plan"}} '
    (line,) = [line for line in text.splitlines() if line.startswith(wanted)]
    return float(line.removeprefix(wanted))
