"""Idempotency-Key on creates: a retried create returns the first result instead of creating twice."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pymongo
import pytest

from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build as build_plan
from tests.support.services import running

pytestmark = pytest.mark.integration

Created = tuple[int, object, dict[str, str]]


async def test_retried_create_returns_the_first_result(settings: Settings) -> None:
    async with running(build_plan, settings) as (runtime, client):
        body = {"cpr": "2304911234", "name": "Gentaget Borger"}
        first = await client.post("/citizens", json=body, headers={"Idempotency-Key": "k-1"})
        again = await client.post("/citizens", json=body, headers={"Idempotency-Key": "k-1"})
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["idempotent-replayed"] == "true"
        assert await runtime.db["citizens"].count_documents({}) == 1

        reused = await client.post(
            "/citizens", json={**body, "name": "En Anden"}, headers={"Idempotency-Key": "k-1"}
        )
        assert reused.status_code == 422
        assert reused.json()["type"].endswith("idempotency-key-reused")

        without_key = await client.post("/citizens", json=body)
        assert without_key.status_code == 409, "the CPR number is registered already"
        assert await runtime.db["citizens"].count_documents({}) == 1


async def test_a_failed_create_releases_its_key(settings: Settings) -> None:
    async with running(build_plan, settings) as (_, client):
        body = {"citizen_id": "nobody", "kind": "adult", "responsible_unit": "u"}
        failed = await client.post("/plans", json=body, headers={"Idempotency-Key": "k-2"})
        assert failed.status_code == 422
        retried = await client.post("/plans", json=body, headers={"Idempotency-Key": "k-2"})
        assert retried.status_code == 422, "the retry runs again instead of replaying a stored failure"


async def test_a_create_that_used_up_its_deadline_is_recorded_all_the_same(settings: Settings) -> None:
    """The create finishes as the request's database deadline runs out: it happened, so it is answered 201 and
    its key replays it (not "still running" for the key's lifetime). A create failing that late releases its key."""
    async with running(build_plan, settings) as (runtime, _):
        keys = runtime.idempotency
        made: list[str] = []

        def create(outcome: str, seconds: float = 0.0) -> Callable[[], Awaitable[Created]]:
            async def run() -> Created:
                await asyncio.sleep(seconds)
                if outcome == "refused":
                    raise Problem(422, "Invalid request", "refused late")
                made.append(outcome)
                return 201, {"made": outcome}, {"Location": f"/made/{outcome}"}

            return run

        with pymongo.timeout(0.2):  # the request's deadline; the create takes longer
            first = await keys.run(scope="t", key="late", payload={"a": 1}, create=create("late", 0.4))
        assert first.status_code == 201
        again = await keys.run(scope="t", key="late", payload={"a": 1}, create=create("twice"))
        assert again.status_code == 201, again.body
        assert again.headers["idempotent-replayed"] == "true"
        assert again.body == first.body
        assert made == ["late"], "the retry replayed the first create instead of running again"

        with pymongo.timeout(0.2), pytest.raises(Problem):
            await keys.run(scope="t", key="late-refusal", payload={"a": 2}, create=create("refused", 0.4))
        retried = await keys.run(scope="t", key="late-refusal", payload={"a": 2}, create=create("retried"))
        assert retried.status_code == 201, "a failed create released its key even with its deadline spent"
        assert made == ["late", "retried"]
