"""The consent service through its HTTP API, against real FerretDB and Kafka."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from borgerplan_contracts import new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.settings import Settings
from consent_service.bootstrap import build
from consent_service.service import today
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


async def _decide(client: Any, unit: str, purpose: str = "view_plan") -> dict[str, Any]:
    response = await client.post("/decisions", json={"citizen_id": CITIZEN, "unit": unit, "purpose": purpose})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_grant_permit_revoke_deny_at_once(settings: Settings) -> None:
    async with running(build, settings) as (runtime, client):
        # The plan service's event tells consent who is responsible for the citizen's plan.
        plan = PlanCreated(
            plan_id="p-1",
            citizen_id=CITIZEN,
            kind="adult",
            status="active",
            responsible_unit=RESPONSIBLE,
            actor_units=[TREATMENT],
        )
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
        consent_id, etag = granted.json()["consent_id"], granted.headers["etag"]

        permit = await _decide(client, TREATMENT)
        assert permit["permit"] is True
        assert permit["categories"] == ["general", "substance_use"]
        assert permit["consent_ids"] == [consent_id]
        assert (await _decide(client, TREATMENT, "receive_minutes"))["permit"] is False

        # The composed view's form: the unit's own consents with the answer, the disclosure recorded with it.
        other = await client.post("/consents", json=_grant(grantee_unit="t-other-unit"))
        assert other.status_code == 201, other.text
        viewed = await client.post(
            "/decisions",
            json={
                "citizen_id": CITIZEN,
                "unit": TREATMENT,
                "purpose": "view_plan",
                "include_consents": True,
                "disclose": "plan_view",
            },
        )
        assert viewed.status_code == 200, viewed.text
        assert [c["consent_id"] for c in viewed.json()["consents"]] == [consent_id], "only its own"
        disclosures = (await client.get(f"/citizens/{CITIZEN}/disclosures")).json()
        assert [(d["disclosure_id"], d["unit"], d["what"], d["categories"]) for d in disclosures] == [
            (viewed.json()["disclosure_id"], TREATMENT, "plan_view", ["general", "substance_use"])
        ]
        responsible = await client.post(
            "/decisions",
            json={
                "citizen_id": CITIZEN,
                "unit": RESPONSIBLE,
                "purpose": "view_plan",
                "include_consents": True,
                "disclose": "plan_view",
            },
        )
        assert len(responsible.json()["consents"]) == 2, "the responsible unit sees every consent"
        assert responsible.json()["disclosure_id"] is None, "its own plan is no disclosure"

        missing = await client.post(
            f"/consents/{consent_id}/revocation", json={"reason": "borgeren ønsker det"}
        )
        assert missing.status_code == 428
        revoked = await client.post(
            f"/consents/{consent_id}/revocation",
            json={"reason": "borgeren ønsker det"},
            headers={"If-Match": etag},
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["status"] == "revoked"
        assert revoked.json()["revocation"]["revoked_by"] == "t-caseworker"

        deny = await _decide(client, TREATMENT)  # the very next decision
        assert (deny["permit"], deny["reason"]) == (False, "consent_revoked")

        again = await client.post(
            f"/consents/{consent_id}/revocation", json={}, headers={"If-Match": revoked.headers["etag"]}
        )
        assert again.status_code == 409

        async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.CONSENT)) as probe:
            await probe.wait_for_event("dk.borgerplan.consent.consent_revoked.v1", consent_id=consent_id)
            # At-least-once: the outbox may re-send an event; consumers deduplicate on its id, and so does this test.
            first_seen = {e.id: e.type for e in probe.events() if e.data.get("consent_id") == consent_id}
            types = list(first_seen.values())
        assert types == [
            "dk.borgerplan.consent.consent_granted.v1",
            "dk.borgerplan.consent.consent_revoked.v1",
        ]
        assert all(e.subject == CITIZEN for e in probe.events())


async def test_narrow_and_renew_are_versions_with_history(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        granted = await client.post("/consents", json=_grant())
        consent_id, etag = granted.json()["consent_id"], granted.headers["etag"]

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
        assert all(h["by"] == "t-caseworker" for h in body["history"])

        listed = await client.get(f"/citizens/{CITIZEN}/consents")
        assert [c["consent_id"] for c in listed.json()] == [consent_id]


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

        service = runtime.app.state.consent_service
        assert await service.run_expiry() == {"expired": 1, "expiring": 1}
        assert await service.run_expiry() == {"expired": 0, "expiring": 0}, "each event once"

        expired = (await client.get(f"/consents/{ran_out.json()['consent_id']}")).json()
        assert expired["status"] == "expired"
        assert expired["history"][-1]["change"] == "expired" and expired["history"][-1]["by"] == "system"

        async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.CONSENT)) as probe:
            await probe.wait_for_event(
                "dk.borgerplan.consent.consent_expired.v1", consent_id=ran_out.json()["consent_id"]
            )
            expiring = await probe.wait_for_event("dk.borgerplan.consent.consent_expiring.v1")
        assert expiring.data["consent_id"] == soon.json()["consent_id"]


async def test_disclosure_log(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        recorded = await client.post(
            "/disclosures",
            json={
                "citizen_id": CITIZEN,
                "unit": TREATMENT,
                "purpose": "view_plan",
                "categories": ["general"],
                "consent_ids": ["c-1"],
                "what": "plan_view",
            },
        )
        assert recorded.status_code == 201, recorded.text
        log = await client.get(f"/citizens/{CITIZEN}/disclosures")
        assert [(d["unit"], d["what"], d["recorded_by"]) for d in log.json()] == [
            (TREATMENT, "plan_view", "t-caseworker")
        ]
