"""Idempotency-Key on creates: a retried create returns the first result instead of creating twice."""

from __future__ import annotations

import pytest

from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build as build_plan
from tests.support.services import running

pytestmark = pytest.mark.integration


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
