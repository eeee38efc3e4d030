"""How many calls the gateway makes to the services for each kind of request (decision 0020): the composed view is
not slower by design. The services are faked by an in-memory transport (unit test); each call is counted.

| request                          | before (0010)                                 | now                                        |
|----------------------------------|-----------------------------------------------|--------------------------------------------|
| composed view, responsible unit  | 3 side by side                                | 3 side by side                             |
| composed view, another unit      | 3 side by side (the decision wrote the        | 3 side by side, then the disclosure beside |
|                                  | disclosure inside the consent call)           | the meetings' answer and the access log    |
| composed view, the citizen       | 3 side by side                                | 3 side by side                             |
| one plan, responsible / another  | 1 / 2 in a row                                | 1 / 3 (plan, consents, disclosure)         |
| a meeting, responsible / invited | 2 / 3 in a row                                | 3 in two rounds (meeting, then both facts) |
| a change of a plan               | 2 (the plan, then forwarded)                  | 2: no consent is asked for a change        |
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from borgerplan_plumbing.auth import issue_development_token
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.settings import Settings
from gateway_service.bootstrap import build

CITIZEN = "3f1c2a9e-6b2d-4c1e-9a7f-2d8e5b0c4a11"
PLAN = "8a0e7c52-1f3b-4d9a-b6e2-5c7d9f1a2b34"
MEETING = "5b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
RESPONSIBLE, TREATMENT = "kk-hjemloeseenheden", "kk-rusmiddelenheden"
SETTINGS = Settings(service_name="gateway", environment="test")
PLAN_DOC = {
    "plan_id": PLAN,
    "citizen_id": CITIZEN,
    "kind": "adult",
    "status": "active",
    "responsible_unit": RESPONSIBLE,
    "actors": [{"actor_id": "a1", "name": "B", "kind": "provider", "unit": TREATMENT}],
    "goals": [
        {"goal_id": "g1", "title": "Bolig", "category": "housing"},
        {"goal_id": "g2", "title": "Aftaler", "category": "general"},
    ],
    "version": 1,
}
REF = {**{k: PLAN_DOC[k] for k in ("plan_id", "citizen_id", "kind", "status", "responsible_unit")}}
CONSENT = {
    "consent_id": "k1",
    "citizen_id": CITIZEN,
    "grantee_unit": TREATMENT,
    "granted_by_unit": RESPONSIBLE,
    "categories": ["general"],
    "purposes": ["view_plan", "meeting_invitation"],
    "basis": "consent",
    "valid_from": "2020-01-01",
    "valid_until": None,
    "status": "active",
}
MEETING_DOC = {
    "meeting_id": MEETING,
    "citizen_id": CITIZEN,
    "plan_id": PLAN,
    "coordinator_unit": RESPONSIBLE,
    "participants": [{"participant_id": "p1", "kind": "provider", "unit": TREATMENT, "name": "B"}],
    "minutes": None,
}


def _answer(method: str, path: str) -> httpx.Response:
    answers: dict[tuple[str, str], Any] = {
        ("GET", f"/citizens/{CITIZEN}/plans"): {
            "citizen": {"citizen_id": CITIZEN, "name": "P"},
            "plans": [PLAN_DOC],
        },
        ("GET", f"/citizens/{CITIZEN}/plan-refs"): [{**REF, "actor_units": [TREATMENT]}],
        ("GET", f"/plans/{PLAN}"): PLAN_DOC,
        ("PATCH", f"/plans/{PLAN}"): PLAN_DOC,
        ("GET", f"/citizens/{CITIZEN}/meetings"): {"meetings": [], "tasks": [], "deadlines": []},
        ("GET", f"/meetings/{MEETING}"): MEETING_DOC,
        ("GET", f"/citizens/{CITIZEN}/consent-refs"): [CONSENT],
    }
    if (method, path) == ("POST", "/disclosures"):
        return httpx.Response(201, json={"disclosure_id": "d1"})
    return httpx.Response(200, json=answers[(method, path)], headers={"ETag": '"1"'})


class FakeLog:
    async def append(self, *args: Any) -> None:
        return None

    async def flush(self) -> None:
        return None


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    calls: list[str] = []

    def services(request: httpx.Request) -> httpx.Response:
        service = {
            SETTINGS.plan_url: "plan",
            SETTINGS.meetings_url: "meetings",
            SETTINGS.consent_url: "consent",
        }
        name = service[f"{request.url.scheme}://{request.url.host}:{request.url.port}"]
        calls.append(f"{name} {request.method} {request.url.path}")
        return _answer(request.method, request.url.path)

    runtime = build(SETTINGS)
    runtime.internal.transport = HttpxTransport(httpx.MockTransport(services))
    runtime.app.state.access_log = FakeLog()
    runtime.app.state.context.access_log = FakeLog()
    transport = httpx.ASGITransport(app=runtime.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway/api/v1") as client:
        yield client, calls


def _as(
    unit: str, kind: str = "authority", roles: tuple[str, ...] = ("caseworker",), **extra: Any
) -> dict[str, str]:
    token = issue_development_token(
        SETTINGS,
        sub=f"s-{unit}",
        name="N",
        unit=unit,
        unit_kind=kind,
        roles=list(roles),
        **extra,  # type: ignore[arg-type]
    )
    return {"Authorization": f"Bearer {token}"}


RESP = {"unit": RESPONSIBLE}
ACTOR = {"unit": TREATMENT, "kind": "provider", "roles": ("contact_person",)}
CASES = [
    # name, caller, method, path, body, the calls made
    ("view, responsible", RESP, "GET", f"/citizens/{CITIZEN}/plan-view", None, [
        f"consent GET /citizens/{CITIZEN}/consent-refs", f"meetings GET /citizens/{CITIZEN}/meetings",
        f"plan GET /citizens/{CITIZEN}/plans"]),
    ("view, another unit on consent", ACTOR, "GET", f"/citizens/{CITIZEN}/plan-view", None, [
        f"consent GET /citizens/{CITIZEN}/consent-refs", "consent POST /disclosures",
        f"meetings GET /citizens/{CITIZEN}/meetings", f"plan GET /citizens/{CITIZEN}/plans"]),
    ("view, the citizen", {"unit": "borger", "kind": "external", "roles": ("citizen",), "citizen_id": CITIZEN},
     "GET", f"/citizens/{CITIZEN}/plan-view", None, [
        f"consent GET /citizens/{CITIZEN}/consent-refs", f"meetings GET /citizens/{CITIZEN}/meetings",
        f"plan GET /citizens/{CITIZEN}/plans"]),
    ("one plan, responsible", RESP, "GET", f"/plans/{PLAN}", None, [f"plan GET /plans/{PLAN}"]),
    ("one plan, another unit on consent", ACTOR, "GET", f"/plans/{PLAN}", None, [
        f"consent GET /citizens/{CITIZEN}/consent-refs", "consent POST /disclosures", f"plan GET /plans/{PLAN}"]),
    ("a meeting, responsible", RESP, "GET", f"/meetings/{MEETING}", None, [
        f"consent GET /citizens/{CITIZEN}/consent-refs", f"meetings GET /meetings/{MEETING}",
        f"plan GET /citizens/{CITIZEN}/plan-refs"]),
    ("a meeting, invited", ACTOR, "GET", f"/meetings/{MEETING}", None, [
        f"consent GET /citizens/{CITIZEN}/consent-refs", f"meetings GET /meetings/{MEETING}",
        f"plan GET /citizens/{CITIZEN}/plan-refs"]),
    ("a change of a plan", RESP, "PATCH", f"/plans/{PLAN}", {"overview": {"purpose": "x"}}, [
        f"plan GET /plans/{PLAN}", f"plan PATCH /plans/{PLAN}"]),
    ("a change of a plan refused to an actor", ACTOR, "PATCH", f"/plans/{PLAN}", {"overview": {"purpose": "x"}}, [
        f"plan GET /plans/{PLAN}"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "caller", "method", "path", "body", "expected"), CASES, ids=[c[0] for c in CASES]
)
async def test_calls_per_request(
    gateway: tuple[httpx.AsyncClient, list[str]],
    name: str,
    caller: dict[str, Any],
    method: str,
    path: str,
    body: Any,
    expected: list[str],
) -> None:
    client, calls = gateway
    headers = {**_as(**caller), **({"If-Match": '"1"'} if method == "PATCH" else {})}
    response = await client.request(method, path, headers=headers, json=body)
    assert response.status_code in (200, 403), response.text
    assert sorted(calls) == sorted(expected), name
