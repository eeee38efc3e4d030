"""The facts access is decided from, asked of their owners (``borgerplan_plumbing.access``), and the one writer of a
disclosure. The services are faked by an in-memory transport here; the end-to-end tests run the real ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
import pytest

from borgerplan_plumbing import access as owners
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import HttpxTransport, InternalClient, UnavailableError
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.access import Disclosure

CALLER = Caller(sub="s", name="N", unit="u-job", unit_kind="authority", roles=["caseworker"])
PLAN_REF = {
    "plan_id": "p1",
    "citizen_id": "c1",
    "kind": "adult",
    "status": "active",
    "responsible_unit": "u-job",
    "actor_units": ["u-bo"],
}
CONSENT_REF = {
    "consent_id": "k1",
    "citizen_id": "c1",
    "grantee_unit": "u-bo",
    "granted_by_unit": "u-job",
    "categories": ["general"],
    "purposes": ["view_plan"],
    "basis": "consent",
    "valid_from": "2026-01-01",
    "valid_until": None,
    "status": "active",
}
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def _client(handler: Handler) -> tuple[InternalClient, list[str]]:
    asked: list[str] = []

    async def recorded(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url.host}:{request.url.port}{request.url.path}")
        return await handler(request)

    settings = Settings(service_name="test")
    client = InternalClient(settings, transport=HttpxTransport(httpx.MockTransport(recorded)))
    return client, asked


def _port(settings_url: str) -> int:
    return httpx.URL(settings_url).port or 80


SETTINGS = Settings(service_name="test")
PLAN, CONSENT = _port(SETTINGS.plan_url), _port(SETTINGS.consent_url)


async def test_plans_and_consents_are_asked_side_by_side() -> None:
    consent_asked = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.port == PLAN:
            # The plan service answers only once the consent service has been asked too: the calls overlap.
            await asyncio.wait_for(consent_asked.wait(), timeout=2)
            return httpx.Response(200, json=[PLAN_REF])
        consent_asked.set()
        return httpx.Response(200, json=[CONSENT_REF])

    client, asked = _client(handler)
    facts = await owners.citizen_facts(client, CALLER, "c1")
    assert sorted(a.split(" ")[1].split("/", 1)[1] for a in asked) == [
        "citizens/c1/consent-refs",
        "citizens/c1/plan-refs",
    ]
    assert [p.responsible_unit for p in facts.plans] == ["u-job"]
    assert facts.consents is not None and facts.consents[0].valid_from == date(2026, 1, 1)


async def test_without_consents_only_the_plans_are_asked() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[PLAN_REF] if request.url.port == PLAN else [])

    client, asked = _client(handler)
    facts = await owners.citizen_facts(client, CALLER, "c1", consents=False)
    assert facts.consents is None and len(asked) == 1 and asked[0].endswith("/plan-refs")
    with_them = await owners.with_consents(client, CALLER, facts)
    assert len(asked) == 2 and with_them.consents == ()


@pytest.mark.parametrize("failure", ["refused", "500", "404"])
async def test_consents_not_answered_are_none_so_access_fails_closed(failure: str) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.port == PLAN:
            return httpx.Response(200, json=[PLAN_REF])
        if failure == "refused":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(int(failure), json={"title": "no"})

    client, _ = _client(handler)
    facts = await owners.citizen_facts(client, CALLER, "c1")
    assert facts.consents is None and len(facts.plans) == 1


async def test_plans_not_answered_decide_nothing() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.port == PLAN:
            return httpx.Response(503, json={"title": "away"})
        return httpx.Response(200, json=[CONSENT_REF])

    client, _ = _client(handler)
    with pytest.raises(UnavailableError):
        await owners.citizen_facts(client, CALLER, "c1")


async def test_one_units_consents_over_many_citizens_in_one_call() -> None:
    sent: list[dict[str, object]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json=[CONSENT_REF, {**CONSENT_REF, "consent_id": "k2"}])

    client, asked = _client(handler)
    assert await owners.unit_consent_refs(client, CALLER, "u-bo", []) == {}
    assert asked == [], "no citizens: nothing asked"
    found = await owners.unit_consent_refs(client, CALLER, "u-bo", ["c1", "c2", "c1"])
    assert found is not None and [c.consent_id for c in found["c1"]] == ["k1", "k2"] and found["c2"] == ()
    assert asked == [f"POST 127.0.0.1:{CONSENT}/units/u-bo/consent-refs"] and sent == [
        {"citizen_ids": ["c1", "c2"]}
    ]


async def test_a_disclosure_is_recorded_or_nothing_may_leave() -> None:
    disclosure = Disclosure("c1", "u-bo", "view_plan", "plan_view", ("general",), ("k1",))
    bodies: list[dict[str, object]] = []

    async def stored(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"disclosure_id": "d1"})

    client, asked = _client(stored)
    assert await owners.record_disclosure(client, CALLER, disclosure) == "d1"
    assert asked == [f"POST 127.0.0.1:{CONSENT}/disclosures"]
    assert bodies == [
        {
            "citizen_id": "c1",
            "unit": "u-bo",
            "purpose": "view_plan",
            "categories": ["general"],
            "consent_ids": ["k1"],
            "what": "plan_view",
            "reference": None,
        }
    ]

    async def refused(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"title": "no"})

    failing, _ = _client(refused)
    with pytest.raises(owners.DisclosureNotRecordedError):
        await owners.record_disclosure(failing, CALLER, disclosure)
