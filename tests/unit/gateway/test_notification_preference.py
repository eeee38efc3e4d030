"""The citizen's notification preference through the gateway (decision 0023): the citizen themself reads and sets
it; nobody else, and a refusal reaches no service. The services are faked by an in-memory transport (unit test);
each call is recorded, so "nothing was forwarded" is seen, not assumed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from borgerplan_plumbing.auth import CALLER_HEADER, issue_development_token, verify_caller
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.settings import Settings
from gateway_service.bootstrap import build

CITIZEN = "3f1c2a9e-6b2d-4c1e-9a7f-2d8e5b0c4a11"
NEIGHBOUR = "6d2e4b1a-9c3f-4e5d-8a7b-1c2d3e4f5a6b"
PLAN = "8a0e7c52-1f3b-4d9a-b6e2-5c7d9f1a2b34"
RESPONSIBLE = "kk-hjemloeseenheden"
SETTINGS = Settings(service_name="gateway", environment="test")
PREFERENCE = f"/citizens/{CITIZEN}/notification-preference"
REF = {
    "plan_id": PLAN,
    "citizen_id": CITIZEN,
    "kind": "adult",
    "status": "active",
    "responsible_unit": RESPONSIBLE,
    "actor_units": [],
}


class Services:
    """The plan service's facts and the notify service's answers, and every call made to them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, Any]] = []
        self.queries: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        name = {SETTINGS.plan_url: "plan", SETTINGS.consent_url: "consent", SETTINGS.notify_url: "notify"}[
            origin
        ]
        body = json.loads(request.content) if request.content else None
        self.calls.append((name, request.method, request.url.path, body))
        self.queries.append(dict(request.url.params))
        path = request.url.path
        if name == "plan" and path.endswith("/plan-refs"):
            return httpx.Response(200, json=[REF] if f"/{CITIZEN}/" in path else [])
        if name == "consent":
            return httpx.Response(200, json=[])
        if name == "notify" and path == PREFERENCE:
            chosen = body or {"channel": "digital_post"}
            return httpx.Response(200, json={"citizen_id": CITIZEN, "email": None, "phone": None, **chosen})
        if name == "notify" and path == "/me/notification-preference":
            caller = verify_caller(
                request.headers[CALLER_HEADER],
                SETTINGS.internal_secret.get_secret_value(),
                request.method,
                request.url.raw_path.decode(),
            )
            chosen = body or {"channel": "email", "language": "da"}
            return httpx.Response(200, json={"email": caller.email, "phone": None, **chosen})
        if name == "notify" and path == f"/citizens/{CITIZEN}/notifications":
            return httpx.Response(200, json=[])
        return httpx.Response(404, json={"title": "Not found", "status": 404, "detail": path})

    def to(self, service: str) -> list[tuple[str, str, Any]]:
        return [(method, path, body) for name, method, path, body in self.calls if name == service]


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    services = Services()
    runtime = build(SETTINGS)
    runtime.internal.transport = HttpxTransport(httpx.MockTransport(services))
    transport = httpx.ASGITransport(app=runtime.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway/api/v1") as client:
        yield client, services


def _as(
    unit: str, kind: str, roles: list[str], citizen_id: str | None = None, email: str | None = None
) -> dict[str, str]:
    token = issue_development_token(
        SETTINGS,
        sub=f"s-{unit}",
        name="N",
        unit=unit,
        unit_kind=kind,  # type: ignore[arg-type]
        roles=roles,  # type: ignore[arg-type]
        citizen_id=citizen_id,
        email=email,
    )
    return {"Authorization": f"Bearer {token}"}


PETER = _as("borger", "external", ["citizen"], CITIZEN)
NEIGHBOUR_CITIZEN = _as("borger", "external", ["citizen"], NEIGHBOUR)
CASEWORKER = _as(RESPONSIBLE, "authority", ["caseworker"])
ADMIN = _as(RESPONSIBLE, "authority", ["admin"])
STRANGER = _as("kk-jobcenter", "authority", ["caseworker"])
BY_SMS = {"channel": "sms", "phone": "+45 20 30 40 50"}


async def test_the_citizen_sets_and_reads_their_own(gateway: tuple[httpx.AsyncClient, Services]) -> None:
    client, services = gateway
    put = await client.put(PREFERENCE, json=BY_SMS, headers=PETER)
    assert put.status_code == 200, put.text
    assert (put.json()["channel"], put.json()["phone"]) == ("sms", "+45 20 30 40 50")
    assert (await client.get(PREFERENCE, headers=PETER)).json()["channel"] == "digital_post"
    listed = await client.get(f"/citizens/{CITIZEN}/notifications", headers=PETER, params={"limit": 20})
    assert listed.status_code == 200 and listed.json() == []
    assert services.to("notify") == [
        ("PUT", PREFERENCE, BY_SMS),
        ("GET", PREFERENCE, None),
        ("GET", f"/citizens/{CITIZEN}/notifications", None),
    ]
    assert services.queries[-1] == {"limit": "20"}
    assert services.to("plan") == [], "the citizen's own relation is read from the token"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (NEIGHBOUR_CITIZEN, 404),  # another citizen learns nothing, not even that the citizen exists
        (STRANGER, 404),  # a unit without relation: the same
        (CASEWORKER, 403),  # the responsible caseworker may not choose for the citizen
        (ADMIN, 403),
    ],
    ids=["another citizen", "an unrelated unit", "the responsible caseworker", "an administrator"],
)
async def test_nobody_else_reads_or_sets_the_citizens_choice(
    gateway: tuple[httpx.AsyncClient, Services], who: dict[str, str], status: int
) -> None:
    client, services = gateway
    assert (await client.put(PREFERENCE, json={"channel": "none"}, headers=who)).status_code == status
    assert (await client.get(PREFERENCE, headers=who)).status_code == status
    assert (await client.get(f"/citizens/{CITIZEN}/notifications", headers=who)).status_code == status
    assert services.to("notify") == [], "a refusal reaches no service"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "sms"}, "body"),  # SMS without a phone number
        ({"channel": "email", "email": "ikke en adresse"}, "email"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "sms", "phone": "ring mig op"}, "phone"),
    ],
)
async def test_bad_input_is_refused_at_the_door_with_its_field(
    gateway: tuple[httpx.AsyncClient, Services], body: dict[str, str], field: str
) -> None:
    client, services = gateway
    response = await client.put(PREFERENCE, json=body, headers=PETER)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}
    assert services.to("notify") == [], "nothing stored"


async def test_a_professional_sets_the_preference_of_their_own_address_only(
    gateway: tuple[httpx.AsyncClient, Services],
) -> None:
    client, services = gateway
    mette = _as(RESPONSIBLE, "authority", ["caseworker"], email="mette.soerensen@hje.example.dk")
    put = await client.put("/me/notification-preference", json=BY_SMS, headers=mette)
    assert put.status_code == 200, put.text
    assert put.json()["email"] == "mette.soerensen@hje.example.dk", "the sign-in's address reached notify"
    someone_elses = {**BY_SMS, "email": "jonas.holm@mis.example.dk"}
    refused = await client.put("/me/notification-preference", json=someone_elses, headers=mette)
    assert refused.status_code == 422 and "email" in {e["field"] for e in refused.json()["errors"]}
    machine = _as(RESPONSIBLE, "authority", ["case_system"], email="sag@hje.example.dk")
    assert (await client.get("/me/notification-preference", headers=machine)).status_code == 403
    assert (await client.get("/me/notification-preference", headers=PETER)).status_code == 403
    assert services.to("notify") == [("PUT", "/me/notification-preference", BY_SMS)]
