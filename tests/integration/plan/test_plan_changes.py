"""Changing a plan: versions with history, concurrent If-Match, goal status and score history, follow-ups."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from borgerplan_contracts import topics
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build
from tests.support.kafka import TopicProbe
from tests.support.services import running, signed_as

pytestmark = pytest.mark.integration
CONTACT = Caller(
    sub="t-kontakt", name="Ali Demir", unit="t-herberg", unit_kind="provider", roles=["contact_person"]
)


async def _plan(client: Any) -> dict[str, Any]:
    citizen = await client.post("/citizens", json={"cpr": "0908924422", "name": "Plan Borger"})
    plan = await client.post(
        "/plans",
        json={
            "citizen_id": citizen.json()["citizen_id"],
            "kind": "adult",
            "responsible_unit": "t-authority",
            "valid_from": "2026-01-01",
            "valid_to": "2026-06-30",
            "overview": {"purpose": "Egen bolig"},
            "goals": [{"title": "Egen bolig", "category": "housing"}],
        },
    )
    assert plan.status_code == 201, plan.text
    result: dict[str, Any] = plan.json()
    result["etag"] = plan.headers["etag"]
    return result


async def test_two_updates_with_the_same_if_match_one_wins(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        plan = await _plan(client)
        path = f"/plans/{plan['plan_id']}"
        assert (await client.patch(path, json={"legal_bases": ["SEL §141"]})).status_code == 428
        first, second = await asyncio.gather(
            client.patch(
                path, json={"overview": {"occupied_with": "Økonomi"}}, headers={"If-Match": plan["etag"]}
            ),
            client.patch(
                path, json={"legal_bases": ["SEL §141", "LAB §30a"]}, headers={"If-Match": plan["etag"]}
            ),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 412]
        winner = first if first.status_code == 200 else second
        loser_body = (
            {"legal_bases": ["SEL §141", "LAB §30a"]}
            if winner is first
            else {"overview": {"occupied_with": "Økonomi"}}
        )
        retried = await client.patch(path, json=loser_body, headers={"If-Match": winner.headers["etag"]})
        assert retried.status_code == 200, "read again, re-apply: nothing is lost"
        final = retried.json()
        assert final["overview"]["purpose"] == "Egen bolig"
        assert final["overview"]["occupied_with"] == "Økonomi"
        assert final["legal_bases"] == ["SEL §141", "LAB §30a"]
        assert final["version"] == 3

        refused = await client.patch(
            path, json={"valid_to": "2025-01-01"}, headers={"If-Match": retried.headers["etag"]}
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "valid_to"
        history = (await client.get(f"{path}/history")).json()
        assert [h["version"] for h in history] == [1, 2, 3]
        assert all(h["by"] == "t-caseworker" for h in history)
        assert {c["field"] for h in history[1:] for c in h["changes"]} == {
            "overview.occupied_with",
            "legal_bases",
        }


async def test_goal_history_shows_every_status_and_score_with_who_and_when(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        plan = await _plan(client)
        goal_id = plan["goals"][0]["goal_id"]
        path = f"/plans/{plan['plan_id']}/goals/{goal_id}"
        etag = plan["etag"]
        for body in (
            {"score": {"now": "2", "expected": "6"}},
            {
                "status": "in_progress",
                "score": {"now": "4", "citizen_disagrees": True, "citizen_view": "Jeg synes 6"},
            },
            {"status": "achieved", "score": {"now": "7"}},
        ):
            response = await client.patch(path, json=body, headers={"If-Match": etag})
            assert response.status_code == 200, response.text
            etag = response.headers["etag"]
        goal = response.json()["goals"][0]
        assert [(s["status"], s["step"]) for s in goal["status_history"]] == [
            ("baseline", None),
            ("in_progress", 1),
            ("achieved", None),
        ]
        assert [(s["now"], s["citizen_disagrees"], s["citizen_view"]) for s in goal["scores"]] == [
            (2, False, None),
            (4, True, "Jeg synes 6"),
            (7, False, None),
        ]
        assert all(
            entry["by"] == "t-caseworker" and entry["at"] for entry in goal["scores"] + goal["status_history"]
        )

        reopened = await client.patch(path, json={"status": "in_progress"}, headers={"If-Match": etag})
        assert reopened.status_code == 409

    async with running(build, settings, caller=CONTACT) as (_, contact):
        late = await contact.post(f"{path}/follow-ups", json={"date": "2026-03-01", "text": "Opfølgning"})
        assert late.status_code == 409, "no follow-ups on an achieved goal"
        async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.PLAN)) as probe:
            await probe.wait_for(
                lambda _: (
                    sum(e.type.endswith("score_recorded.v1") for e in probe.events()) >= 3
                    and sum(e.type.endswith("goal_status_changed.v1") for e in probe.events()) >= 2
                )
            )
            kinds = [e.type.split(".")[3] for e in {e.id: e for e in probe.events()}.values()]
        assert kinds.count("goal_status_changed") == 2
        assert all("Jeg synes" not in e.model_dump_json() for e in probe.events()), (
            "no citizen text on the bus"
        )


async def test_follow_ups_by_the_caller(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        plan = await _plan(client)
        goal_id = plan["goals"][0]["goal_id"]
        added = await client.post(
            f"/plans/{plan['plan_id']}/goals/{goal_id}/follow-ups",
            json={"date": "2026-02-01", "text": "Har søgt bolig"},
            auth=signed_as(settings, CONTACT),
        )
        assert added.status_code == 201, added.text
        follow_up = added.json()["goals"][0]["follow_ups"][0]
        assert (follow_up["by_name"], follow_up["by_unit"], follow_up["date"]) == (
            "Ali Demir",
            "t-herberg",
            "2026-02-01",
        )
