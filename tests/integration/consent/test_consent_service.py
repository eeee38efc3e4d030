"""The consent service through its HTTP API, against a real database and Kafka: consents, their versions, what
consents exist (the facts ``borgerplan_rules.access`` decides from), expiry and the disclosure log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from borgerplan_contracts import topics
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.access import Access, CitizenFacts, ConsentFacts, PlanFacts, access
from borgerplan_rules.workdays import today
from consent_service import changes
from consent_service.bootstrap import build
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


async def _refs(client: Any, citizen_id: str = CITIZEN) -> list[dict[str, Any]]:
    response = await client.get(f"/citizens/{citizen_id}/consent-refs")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _access(refs: list[dict[str, Any]], unit: str, purpose: str = "view_plan") -> Access:
    """The one answer over the consent service's facts, for a citizen whose plan RESPONSIBLE is responsible for and
    TREATMENT takes part in."""
    plan = PlanFacts("p-1", CITIZEN, RESPONSIBLE, frozenset({TREATMENT}))
    facts = CitizenFacts(CITIZEN, (plan,), tuple(ConsentFacts.of(r) for r in refs))
    return access(unit, None, purpose, facts, today())


class _Recording:
    """The process's own transport, with a record of every call made through it (real calls, not a stand-in)."""

    def __init__(self, inner: Any, asked: list[str]) -> None:
        self.inner, self.asked = inner, asked

    async def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
    ) -> Any:
        self.asked.append(url)
        return await self.inner(method, url, headers, body, timeout)

    async def close(self) -> None:
        await self.inner.close()


def _asking_nobody(asked: list[str]) -> Callable[[Settings], ServiceRuntime]:
    """The consent service, with a record of every call it makes to another service (it should make none)."""

    def build_recorded(settings: Settings) -> ServiceRuntime:
        runtime = build(settings)
        runtime.internal.transport = _Recording(runtime.internal.transport, asked)
        return runtime

    return build_recorded


async def test_grant_read_revoke_without_if_match_the_next_read_says_so(settings: Settings) -> None:
    asked: list[str] = []
    async with running(_asking_nobody(asked), settings) as (runtime, client):
        assert runtime.consumers == [], "the consent service consumes no topic: it keeps no copy of the plans"
        assert await _refs(client) == []
        granted = await client.post("/consents", json=_grant())
        assert granted.status_code == 201, granted.text
        consent_id = granted.json()["consent_id"]

        [ref] = await _refs(client)
        assert ref == {
            "consent_id": consent_id,
            "citizen_id": CITIZEN,
            "grantee_unit": TREATMENT,
            "granted_by_unit": "t-authority",
            "categories": ["general", "substance_use"],
            "purposes": ["view_plan", "meeting_invitation"],
            "basis": "consent",
            "valid_from": _grant()["valid_from"],
            "valid_until": _grant()["valid_until"],
            "status": "active",
        }, "only what deciding needs: no form, no history, no revocation's reason"
        permit = _access([ref], TREATMENT)
        assert (permit.listed(), permit.consent_ids) == (("general", "substance_use"), (consent_id,))
        assert not _access([ref], TREATMENT, "receive_minutes").permit

        # Revocation is as easy as consent: no If-Match, and the very next read says so.
        revoked = await client.post(
            f"/consents/{consent_id}/revocation", json={"reason": "borgeren ønsker det"}
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["status"] == "revoked"
        assert revoked.json()["revocation"]["revoked_by"] == "t-caseworker"
        assert revoked.json()["history"][-1]["change"] == "revoked"
        deny = _access(await _refs(client), TREATMENT)
        assert (deny.permit, deny.reason) == (False, "consent_revoked")

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
        assert await runtime.collection("disclosures").count_documents({}) == 0, "no read writes"
        assert asked == [], "it asks no other service, during a read least of all"


async def test_narrow_and_renew_are_versions_with_history(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
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
    async with running(build, settings) as (_, client):
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


async def test_one_units_consents_among_many_citizens(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        for citizen, unit in (("b-1", TREATMENT), ("b-2", TREATMENT), ("b-2", "herberg"), ("b-4", TREATMENT)):
            granted = await client.post("/consents", json=_grant(citizen_id=citizen, grantee_unit=unit))
            assert granted.status_code == 201, granted.text
        among = await client.post(
            f"/units/{TREATMENT}/consent-refs", json={"citizen_ids": ["b-3", "b-2", "b-1"]}
        )
        assert among.status_code == 200, among.text
        assert sorted((r["citizen_id"], r["grantee_unit"]) for r in among.json()) == [
            ("b-1", TREATMENT),
            ("b-2", TREATMENT),
        ], "only the unit's own, only among the citizens asked"
        too_many = await client.post(
            f"/units/{TREATMENT}/consent-refs", json={"citizen_ids": [f"c{i}" for i in range(1001)]}
        )
        assert too_many.status_code == 422


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
    async with running(build, settings) as (_, client):
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
