"""One active plan per citizen and kind, unified plans replacing sector plans, actors, and refused changes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build
from tests.support.services import running

pytestmark = pytest.mark.integration


async def _citizen(client: Any, cpr: str) -> str:
    response = await client.post("/citizens", json={"cpr": cpr, "name": "Livs Forløb"})
    assert response.status_code == 201, response.text
    citizen_id: str = response.json()["citizen_id"]
    return citizen_id


def _plan(citizen_id: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"citizen_id": citizen_id, "kind": kind, "responsible_unit": "t-authority", **extra}


async def test_one_active_plan_per_kind_and_a_unified_plan_replaces_the_sector_plans(
    settings: Settings,
) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "0101701234")
        adult = await client.post("/plans", json=_plan(citizen_id, "adult"))
        assert adult.status_code == 201

        second = await client.post("/plans", json=_plan(citizen_id, "adult"))
        assert second.status_code == 409, second.text
        assert adult.json()["plan_id"] in second.json()["detail"]

        draft = await client.post("/plans", json=_plan(citizen_id, "adult", status="draft"))
        assert draft.status_code == 201, "a draft beside the active plan is allowed"
        activate = await client.patch(
            f"/plans/{draft.json()['plan_id']}", json={"status": "active"}, headers={"If-Match": '"1"'}
        )
        assert activate.status_code == 409

        unified = await client.post(
            "/plans", json=_plan(citizen_id, "unified", legal_bases=["SEL §141", "LAB §30a", "BAB §52"])
        )
        assert unified.status_code == 201, unified.text
        assert unified.json()["replaces"] == [adult.json()["plan_id"]]
        replaced = (await client.get(f"/plans/{adult.json()['plan_id']}")).json()
        assert (replaced["status"], replaced["replaced_by"]) == ("closed", unified.json()["plan_id"])
        history = (await client.get(f"/plans/{adult.json()['plan_id']}/history")).json()
        assert {"field": "replaced_by", "from": None, "to": unified.json()["plan_id"]} in history[-1][
            "changes"
        ]

        sector = await client.patch(
            f"/plans/{draft.json()['plan_id']}", json={"status": "active"}, headers={"If-Match": '"1"'}
        )
        assert sector.status_code == 409 and "unified" in sector.json()["detail"]

        closed_change = await client.patch(
            f"/plans/{adult.json()['plan_id']}",
            json={"overview": {"purpose": "x"}},
            headers={"If-Match": f'"{replaced["version"]}"'},
        )
        assert closed_change.status_code == 409, "a closed plan takes no changes"


async def test_concurrent_creates_leave_one_active_plan(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "0202702345")
        answers = await asyncio.gather(
            *(client.post("/plans", json=_plan(citizen_id, "adult")) for _ in range(4))
        )
        assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
        plans = (await client.get("/plans", params={"citizen_id": citizen_id})).json()
        assert [p["status"] for p in plans] == ["active"]


async def test_actors_are_added_changed_and_removed_with_history(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "0303703456")
        plan = (await client.post("/plans", json=_plan(citizen_id, "adult"))).json()
        path = f"/plans/{plan['plan_id']}/actors"
        sister = {"name": "Lise", "role": "Søster", "kind": "private_network", "phone": "+45 12 34 56 78"}
        added = await client.post(path, json=sister)
        assert added.status_code == 201, added.text
        actor = added.json()["actors"][0]
        assert (actor["network_category"], actor["unit"], actor["in_contact"]) == (
            "private_network",
            None,
            True,
        )
        assert added.headers["location"] == f"{path}/{actor['actor_id']}"

        refused = [
            {
                "name": "X",
                "role": "Tolk",
                "kind": "external",
                "unit": "t-tolk",
                "network_category": "interpreter",
            },
            {"name": "X", "role": "Læge", "kind": "external"},
            {
                "name": "X",
                "role": "Kontaktperson",
                "kind": "authority",
                "unit": "u",
                "anchor": "contact_person",
            },
            {"name": "X", "role": "Nabo", "kind": "private_network", "unit": "t-nabo"},
        ]
        for body in refused:
            response = await client.post(path, json=body)
            assert response.status_code == 422, (body, response.text)
        assert len((await client.get(f"/plans/{plan['plan_id']}")).json()["actors"]) == 1, "nothing stored"

        etag = added.headers["etag"]
        no_etag = await client.patch(f"{path}/{actor['actor_id']}", json={"in_contact": False})
        assert no_etag.status_code == 428
        changed = await client.patch(
            f"{path}/{actor['actor_id']}",
            json={"in_contact": False, "attention_points": "Ring efter kl. 16"},
            headers={"If-Match": etag},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["actors"][0]["in_contact"] is False
        removed = await client.delete(
            f"{path}/{actor['actor_id']}", headers={"If-Match": changed.headers["etag"]}
        )
        assert removed.status_code == 200 and removed.json()["actors"] == []
        gone = await client.delete(
            f"{path}/{actor['actor_id']}", headers={"If-Match": removed.headers["etag"]}
        )
        assert gone.status_code == 404

        history = (await client.get(f"/plans/{plan['plan_id']}/history")).json()
        fields = [c["field"] for h in history for c in h["changes"]]
        actor_id = actor["actor_id"]
        assert fields[-4:] == [
            f"actors.{actor_id}",
            f"actors.{actor_id}.attention_points",
            f"actors.{actor_id}.in_contact",
            f"actors.{actor_id}",
        ]
        assert history[-1]["changes"] == [{"field": f"actors.{actor_id}", "from": "Lise", "to": None}]


async def test_bad_input_is_refused_and_stores_nothing(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "0404704567")
        child_on_adult = _plan(
            citizen_id,
            "adult",
            child={
                "measures": [
                    {
                        "title": "x",
                        "granted_under": "SEL §52",
                        "kind": "preventive",
                        "valid_from": "2026-01-01",
                    }
                ]
            },
        )
        cases = [
            (child_on_adult, "child"),
            (_plan(citizen_id, "adult", valid_from="2026-02-01", valid_to="2026-01-01"), "valid_to"),
            (_plan(citizen_id, "adult", goals=[{"title": "t"}] * 11), "goals"),
            (_plan(citizen_id, "adult", goals=[{"title": "t", "sof_theme": "sport"}]), "goals.0.sof_theme"),
            (_plan(citizen_id, "adult", legal_bases=["x" * 61]), "legal_bases"),
            (_plan(citizen_id, "adult", status="closed"), "status"),
        ]
        for body, field in cases:
            response = await client.post("/plans", json=body)
            assert response.status_code == 422, (field, response.text)
            assert any(e["field"].startswith(field) for e in response.json()["errors"]), response.json()
        assert (await client.get("/plans", params={"citizen_id": citizen_id})).json() == []

        plan = await client.post("/plans", json=_plan(citizen_id, "adult", goals=[{"title": "Mål"}]))
        goal_id = plan.json()["goals"][0]["goal_id"]
        etag = plan.headers["etag"]
        for body in ({"step": 4}, {"status": "achieved", "step": 2}, {"title": None}):
            response = await client.patch(
                f"/plans/{plan.json()['plan_id']}/goals/{goal_id}", json=body, headers={"If-Match": etag}
            )
            assert response.status_code in (409, 422), (body, response.text)
        after = await client.get(f"/plans/{plan.json()['plan_id']}")
        assert after.headers["etag"] == etag, "no refused change made a version"


async def test_a_retried_goal_actor_or_follow_up_is_added_once(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "0505705678")
        plan = (await client.post("/plans", json=_plan(citizen_id, "adult"))).json()
        base = f"/plans/{plan['plan_id']}"
        goal = {"title": "Egen bolig", "category": "housing"}
        first = await client.post(f"{base}/goals", json=goal, headers={"Idempotency-Key": "g-1"})
        again = await client.post(f"{base}/goals", json=goal, headers={"Idempotency-Key": "g-1"})
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
        goal_id = first.json()["goals"][0]["goal_id"]
        other = await client.post(
            f"{base}/goals", json={**goal, "title": "Andet"}, headers={"Idempotency-Key": "g-1"}
        )
        assert other.status_code == 422, "the same key with another body"

        actor = {"name": "Mor", "role": "Mor", "kind": "private_network"}
        follow_up = {"date": "2026-02-01", "text": "Har set en bolig"}
        for path, body in ((f"{base}/actors", actor), (f"{base}/goals/{goal_id}/follow-ups", follow_up)):
            for _ in range(2):
                response = await client.post(path, json=body, headers={"Idempotency-Key": f"k-{path}"})
                assert response.status_code == 201, response.text
        stored = (await client.get(base)).json()
        assert (len(stored["goals"]), len(stored["actors"]), len(stored["goals"][0]["follow_ups"])) == (
            1,
            1,
            1,
        )
