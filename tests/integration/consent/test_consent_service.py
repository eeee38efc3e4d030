"""The consent service through its HTTP API, against a real database and Kafka."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from borgerplan_contracts import new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import today
from consent_service import changes
from consent_service.bootstrap import build
from plan_service.bootstrap import build as build_plan
from tests.support.kafka import TopicProbe
from tests.support.services import running

pytestmark = pytest.mark.integration
CITIZEN = "citizen-consent-1"
RESPONSIBLE, TREATMENT = "hjemloeseenheden", "rusmiddelenheden"


def _grant(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "citizen_id": CITIZEN,
        "grantee_unit": TREATMENT,
        "categories": ["general", "substance_use"],
        "purposes": ["view_plan", "meeting_invitation"],
        "form": {"kind": "written", "document_reference": "d-1"},
        "valid_from": (today() - timedelta(days=1)).isoformat(),
        "valid_until": (today() + timedelta(days=200)).isoformat(),
    }
    body.update(overrides)
    return body


async def _decide(
    client: Any, unit: str, purpose: str = "view_plan", citizen_id: str = CITIZEN, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/decisions", json={"citizen_id": citizen_id, "unit": unit, "purpose": purpose, **extra}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _without_plan_service(settings: Settings) -> ServiceRuntime:
    """The consent service whose calls to the plan service find nobody (it learns plans from events only)."""
    runtime = build(settings)
    runtime.internal.transport = HttpxTransport(httpx.MockTransport(lambda _: httpx.Response(503)))
    return runtime


async def test_grant_permit_revoke_without_if_match_deny_at_once(settings: Settings) -> None:
    async with running(_without_plan_service, settings) as (runtime, client):
        # The plan service's event tells consent who is responsible for the citizen's plan.
        plan = PlanCreated(
            plan_id="p-1",
            citizen_id=CITIZEN,
            kind="adult",
            status="active",
            responsible_unit=RESPONSIBLE,
            actor_units=[TREATMENT],
        )
        assert runtime.broker is not None
        await publish_event(
            runtime.broker, settings.topic(topics.PLAN), new_event(plan, subject=CITIZEN), CITIZEN
        )
        for _ in range(150):
            if (await _decide(client, RESPONSIBLE))["permit"]:
                break
            await asyncio.sleep(0.2)
        assert (await _decide(client, RESPONSIBLE))["relation"] == "responsible"
        assert await _decide(client, TREATMENT) == {
            "permit": False,
            "relation": "actor",
            "categories": [],
            "consent_ids": [],
            "basis": "none",
            "reason": "no_consent",
            "consents": None,
            "disclosure_id": None,
        }

        granted = await client.post("/consents", json=_grant())
        assert granted.status_code == 201, granted.text
        consent_id = granted.json()["consent_id"]

        permit = await _decide(client, TREATMENT)
        assert permit["permit"] is True
        assert permit["categories"] == ["general", "substance_use"]
        assert permit["consent_ids"] == [consent_id]
        assert (await _decide(client, TREATMENT, "receive_minutes"))["permit"] is False

        # The composed view's form: the unit's own consents with the answer, the disclosure recorded with it.
        other = await client.post("/consents", json=_grant(grantee_unit="t-other-unit"))
        assert other.status_code == 201, other.text
        viewed = await _decide(client, TREATMENT, include_consents=True, disclose="plan_view")
        assert [c["consent_id"] for c in viewed["consents"]] == [consent_id], "only its own"
        disclosures = (await client.get(f"/citizens/{CITIZEN}/disclosures")).json()
        assert [(d["disclosure_id"], d["unit"], d["what"], d["categories"]) for d in disclosures] == [
            (viewed["disclosure_id"], TREATMENT, "plan_view", ["general", "substance_use"])
        ]
        responsible = await _decide(client, RESPONSIBLE, include_consents=True, disclose="plan_view")
        assert len(responsible["consents"]) == 2, "the responsible unit sees every consent"
        assert responsible["disclosure_id"] is None, "its own plan is no disclosure"

        # Revocation is as easy as consent: no If-Match, and it decides the very next call.
        revoked = await client.post(
            f"/consents/{consent_id}/revocation", json={"reason": "borgeren ønsker det"}
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["status"] == "revoked"
        assert revoked.json()["revocation"]["revoked_by"] == "t-caseworker"
        assert revoked.json()["history"][-1]["change"] == "revoked"
        deny = await _decide(client, TREATMENT)
        assert (deny["permit"], deny["reason"]) == (False, "consent_revoked")

        # Asking again (with a stale If-Match, even) answers the revocation that stands: no new version.
        again = await client.post(f"/consents/{consent_id}/revocation", headers={"If-Match": '"1"'})
        assert again.status_code == 200, again.text
        assert again.json() == revoked.json()
        assert again.headers["etag"] == revoked.headers["etag"]

        async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.CONSENT)) as probe:
            await probe.wait_for_event("dk.borgerplan.consent.consent_revoked.v1", consent_id=consent_id)
            quiet_until = time.monotonic() + 2.0  # room for a second revocation event, which must not come
            await probe.wait_for(lambda _: time.monotonic() > quiet_until, timeout=10.0)
            # At-least-once: the outbox may re-send an event; consumers deduplicate on its id, and so does this test.
            first_seen = {e.id: e.type for e in probe.events() if e.data.get("consent_id") == consent_id}
            types = list(first_seen.values())
        assert types == [
            "dk.borgerplan.consent.consent_granted.v1",
            "dk.borgerplan.consent.consent_revoked.v1",
        ]
        assert all(e.subject == CITIZEN for e in probe.events())


async def test_a_plan_the_read_model_has_not_seen_permits_its_responsible_unit_at_once(
    settings: Settings,
) -> None:
    """No plan event reaches the consent service (it listens on other topics); it asks the plan service."""
    async with running(build_plan, settings) as (plan_runtime, plans):
        citizen = await plans.post("/citizens", json={"cpr": "0101801234", "name": "Læs Egne Skrivninger"})
        assert citizen.status_code == 201, citizen.text
        citizen_id = citizen.json()["citizen_id"]
        created = await plans.post(
            "/plans",
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": RESPONSIBLE,
                "actors": [
                    {
                        "name": "Kim Kontakt",
                        "role": "behandler",
                        "kind": "provider",
                        "unit": TREATMENT,
                        "network_category": "health_treatment",
                    }
                ],
            },
        )
        assert created.status_code == 201, created.text

        def routed_to_plan(consent_settings: Settings) -> ServiceRuntime:
            runtime = build(consent_settings)
            runtime.internal.transport = HttpxTransport(httpx.ASGITransport(app=plan_runtime.app))
            return runtime

        deaf = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}deaf."})
        async with running(routed_to_plan, deaf) as (runtime, client):
            decision = await _decide(client, RESPONSIBLE, citizen_id=citizen_id, unit_kind="authority")
            assert (decision["permit"], decision["relation"]) == (True, "responsible")
            actor = await _decide(client, TREATMENT, citizen_id=citizen_id, unit_kind="provider")
            assert (actor["permit"], actor["relation"], actor["reason"]) == (False, "actor", "no_consent")
            stranger = await _decide(client, "ukendt-enhed", citizen_id=citizen_id)
            assert (stranger["permit"], stranger["relation"]) == (False, "none")

            refs = await runtime.collection("plan_refs").find({"citizen_id": citizen_id}).to_list(None)
            assert [(r["_id"], r["responsible_unit"], r["actor_units"], r["status"]) for r in refs] == [
                (created.json()["plan_id"], RESPONSIBLE, [TREATMENT], "active")
            ], "the plan service's answer is kept in the read model"

        # The plan service down: the refusal stands (fails closed).
        async with running(_without_plan_service, deaf) as (_, client):
            other = await _decide(client, RESPONSIBLE, citizen_id="citizen-never-seen")
            assert (other["permit"], other["relation"]) == (False, "none")


async def test_narrow_and_renew_are_versions_with_history(settings: Settings) -> None:
    async with running(_without_plan_service, settings) as (_, client):
        granted = await client.post("/consents", json=_grant())
        consent_id, etag = granted.json()["consent_id"], granted.headers["etag"]

        unversioned = await client.patch(f"/consents/{consent_id}", json={"categories": ["general"]})
        assert unversioned.status_code == 428
        narrowed = await client.patch(
            f"/consents/{consent_id}", json={"categories": ["general"]}, headers={"If-Match": etag}
        )
        assert narrowed.status_code == 200, narrowed.text
        assert narrowed.json()["categories"] == ["general"]

        stale = await client.patch(
            f"/consents/{consent_id}", json={"purposes": ["view_plan"]}, headers={"If-Match": etag}
        )
        assert stale.status_code == 412

        widened = await client.patch(
            f"/consents/{consent_id}",
            json={"categories": ["general", "health"]},
            headers={"If-Match": narrowed.headers["etag"]},
        )
        assert widened.status_code == 422
        assert widened.json()["errors"][0]["field"] == "categories"

        new_end = (today() + timedelta(days=400)).isoformat()
        renewed = await client.post(
            f"/consents/{consent_id}/renewal",
            json={"valid_until": new_end},
            headers={"If-Match": narrowed.headers["etag"]},
        )
        assert renewed.status_code == 200, renewed.text
        body = renewed.json()
        assert body["valid_until"] == new_end and body["version"] == 3
        assert [(h["version"], h["change"]) for h in body["history"]] == [
            (1, "granted"),
            (2, "narrowed"),
            (3, "renewed"),
        ]
        assert body["history"][1]["categories"] == ["general"]
        assert all(h["by"] == "t-caseworker" and h["by_name"] for h in body["history"])

        revoked = await client.post(f"/consents/{consent_id}/revocation")
        assert revoked.status_code == 200 and revoked.json()["version"] == 4
        refused = await client.post(
            f"/consents/{consent_id}/renewal", json={"valid_until": new_end}, headers={"If-Match": '"4"'}
        )
        assert refused.status_code == 409

        listed = await client.get(f"/citizens/{CITIZEN}/consents")
        assert [c["consent_id"] for c in listed.json()] == [consent_id]


async def test_list_pages_by_valid_from_and_the_units_filter(settings: Settings) -> None:
    async with running(_without_plan_service, settings) as (_, client):
        ids = []
        for days, unit in ((3, TREATMENT), (2, "herberg"), (1, TREATMENT)):
            granted = await client.post(
                "/consents",
                json=_grant(grantee_unit=unit, valid_from=(today() - timedelta(days=days)).isoformat()),
            )
            ids.append(granted.json()["consent_id"])
        first = await client.get(f"/citizens/{CITIZEN}/consents", params={"limit": 2})
        assert [c["consent_id"] for c in first.json()] == ids[:2]
        link = first.headers["link"]
        following = await client.get(link[1 : link.index(">")])
        assert [c["consent_id"] for c in following.json()] == ids[2:]
        own = await client.get(f"/citizens/{CITIZEN}/consents", params={"unit": TREATMENT})
        assert [c["consent_id"] for c in own.json()] == [ids[0], ids[2]]
        registered = await client.get(f"/citizens/{CITIZEN}/consents", params={"unit": "t-authority"})
        assert len(registered.json()) == 3, "the unit that registered them sees them too"


async def test_batch_and_preview(settings: Settings) -> None:
    async with running(_without_plan_service, settings) as (_, client):
        for citizen, categories in (("b-1", ["general"]), ("b-2", ["general", "health"])):
            granted = await client.post("/consents", json=_grant(citizen_id=citizen, categories=categories))
            assert granted.status_code == 201, granted.text
        batch = await client.post(
            "/decisions/batch",
            json={
                "unit": TREATMENT,
                "unit_kind": "provider",
                "purpose": "view_plan",
                "citizen_ids": ["b-3", "b-2", "b-1"],
            },
        )
        assert batch.status_code == 200, batch.text
        assert batch.json() == [
            {"citizen_id": "b-3", "permit": False, "categories": []},
            {"citizen_id": "b-2", "permit": True, "categories": ["general", "health"]},
            {"citizen_id": "b-1", "permit": True, "categories": ["general"]},
        ]
        too_many = await client.post(
            "/decisions/batch",
            json={"unit": TREATMENT, "purpose": "view_plan", "citizen_ids": [f"c{i}" for i in range(1001)]},
        )
        assert too_many.status_code == 422

        consent_id = (await client.get("/citizens/b-2/consents")).json()[0]["consent_id"]
        ask = {"citizen_id": "b-2", "unit": TREATMENT, "unit_kind": "provider", "purpose": "view_plan"}
        narrowing = await client.post(
            "/decisions/preview",
            json={
                **ask,
                "proposed": {
                    "categories": ["health"],
                    "purposes": ["view_plan"],
                    "valid_from": today().isoformat(),
                },
                "replaces_consent_id": consent_id,
            },
        )
        assert narrowing.status_code == 200, narrowing.text
        assert narrowing.json()["before"]["categories"] == ["general", "health"]
        assert narrowing.json()["after"]["categories"] == ["health"]
        revocation = await client.post(
            "/decisions/preview", json={**ask, "proposed": None, "replaces_consent_id": consent_id}
        )
        assert (revocation.json()["after"]["permit"], revocation.json()["after"]["reason"]) == (
            False,
            "consent_revoked",
        )
        unknown = await client.post("/decisions/preview", json={**ask, "replaces_consent_id": "no-such"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "replaces_consent_id"
        still = await _decide(client, TREATMENT, citizen_id="b-2")
        assert still["categories"] == ["general", "health"], "a preview stores nothing"


async def test_expiry_and_expiring_events_once_each(settings: Settings) -> None:
    without_loop = lambda s: build(s, expiry_interval_seconds=None)  # noqa: E731 - the test drives expiry
    async with running(without_loop, settings) as (runtime, client):
        ran_out = await client.post(
            "/consents",
            json=_grant(
                valid_from=(today() - timedelta(days=30)).isoformat(),
                valid_until=(today() - timedelta(days=1)).isoformat(),
            ),
        )
        soon = await client.post(
            "/consents", json=_grant(valid_until=(today() + timedelta(days=20)).isoformat())
        )
        later = await client.post(
            "/consents", json=_grant(valid_until=(today() + timedelta(days=90)).isoformat())
        )
        assert {r.status_code for r in (ran_out, soon, later)} == {201}

        ctx = runtime.app.state.consents
        first, second = await asyncio.gather(changes.run_expiry(ctx), changes.run_expiry(ctx))
        assert {k: first[k] + second[k] for k in first} == {"expired": 1, "expiring": 1}, "racing replicas"
        assert await changes.run_expiry(ctx) == {"expired": 0, "expiring": 0}, "each event once"

        expired = (await client.get(f"/consents/{ran_out.json()['consent_id']}")).json()
        assert expired["status"] == "expired"
        assert expired["history"][-1]["change"] == "expired" and expired["history"][-1]["by"] == "system"

        async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.CONSENT)) as probe:
            await probe.wait_for_event(
                "dk.borgerplan.consent.consent_expired.v1", consent_id=ran_out.json()["consent_id"]
            )
            expiring = await probe.wait_for_event("dk.borgerplan.consent.consent_expiring.v1")
        assert expiring.data["consent_id"] == soon.json()["consent_id"]


async def test_expiry_work_per_pass_is_bounded(settings: Settings) -> None:
    without_loop = lambda s: build(s, expiry_interval_seconds=None)  # noqa: E731 - the test drives expiry
    async with running(without_loop, settings) as (runtime, client):
        for n in range(3):
            ran_out = _grant(
                citizen_id=f"x-{n}",
                valid_from=(today() - timedelta(days=30)).isoformat(),
                valid_until=(today() - timedelta(days=2)).isoformat(),
            )
            assert (await client.post("/consents", json=ran_out)).status_code == 201
        ctx = runtime.app.state.consents
        assert (await changes.run_expiry(ctx, batch=2))["expired"] == 2
        assert (await changes.run_expiry(ctx, batch=2))["expired"] == 1


async def test_disclosure_log_newest_first(settings: Settings) -> None:
    async with running(_without_plan_service, settings) as (_, client):
        recorded = []
        for what in ("plan_view", "minutes", "meeting_invitation"):
            response = await client.post(
                "/disclosures",
                json={
                    "citizen_id": CITIZEN,
                    "unit": TREATMENT,
                    "purpose": "view_plan",
                    "categories": ["general"],
                    "consent_ids": ["c-1"],
                    "what": what,
                },
            )
            assert response.status_code == 201, response.text
            recorded.append(response.json()["disclosure_id"])
            await asyncio.sleep(0.01)  # the database keeps milliseconds; each its own moment
        first = await client.get(f"/citizens/{CITIZEN}/disclosures", params={"limit": 2})
        assert [(d["unit"], d["recorded_by"]) for d in first.json()] == [(TREATMENT, "t-caseworker")] * 2
        link = first.headers["link"]
        rest = await client.get(link[1 : link.index(">")])
        assert [d["disclosure_id"] for d in [*first.json(), *rest.json()]] == recorded[::-1]
