"""Ids are checked at the door and encoded on the way in: on every route of the contract, an id holding `?`, `#`, `/`,
`%`, `..`, spaces or non-ASCII letters is answered 404 (or 422) as a problem, never reaches another route of a
service, and never makes the gateway answer 5xx."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from borgerplan_cli.system import System
from gateway_service.openapi import CONTRACT

pytestmark = pytest.mark.e2e
DOC: dict[str, Any] = json.loads(CONTRACT.read_text())
ROUTES = [
    (method.upper(), path)
    for path, operations in DOC["paths"].items()
    for method in operations
    if "{" in path
]
REAL = str(uuid.uuid4())
NASTY = [
    f"{REAL}?x=1",
    f"{REAL}#frag",
    f"{REAL}/history",
    f"{REAL}%3Fx=1",
    "..",
    f"{REAL[:8]} {REAL[9:]}",
    "bøgeskov-æøå",
    "%",
    "a" * 300,
]


def _headers(system: System, sub: str) -> dict[str, str]:
    # A caller of its own per test: the gateway's rate limit is per caller.
    token = system.token(sub=sub, unit="e2e-ids-unit", unit_kind="authority", roles=["caseworker"])
    return {"Authorization": f"Bearer {token}", "If-Match": '"1"'}


@pytest.fixture(scope="module")
def headers(system: System) -> dict[str, str]:
    return _headers(system, "e2e-ids")


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_route_refuses_ids_that_cannot_be_ids(system: System, method: str, path: str) -> None:
    headers = _headers(system, f"e2e-ids-{method}-{path}")
    with httpx.Client(base_url=system.stack.url("gateway"), timeout=15) as client:
        for nasty in NASTY:
            # As a client sends an id: percent-encoded as one path segment (dots too, or ".." would be resolved
            # by the client before it is sent).
            url = re.sub(r"{[a-z_]+}", quote(nasty, safe="").replace(".", "%2E"), path)
            response = client.request(method, url, headers=headers, json={} if method != "GET" else None)
            assert response.status_code in (404, 422), (nasty, response.status_code, response.text[:200])
            assert response.headers["content-type"] == "application/problem+json", nasty


def test_an_encoded_question_mark_does_not_reach_another_route(
    system: System, headers: dict[str, str]
) -> None:
    """The case the fuzzer found: `/plans/{id}%3Fx=1/history` used to reach the plan service's GET /plans/{id}."""
    caseworker = {**headers}
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen = api.post("/citizens", json={"cpr": "0506781234", "name": "Id Borger"}, headers=caseworker)
        plan = api.post(
            "/plans",
            json={
                "citizen_id": citizen.json()["citizen_id"],
                "kind": "adult",
                "responsible_unit": "e2e-ids-unit",
            },
            headers=caseworker,
        ).json()
        for suffix in ("%3Fx=1", "%23", "%2F..%2F"):
            response = api.get(f"/plans/{plan['plan_id']}{suffix}/history", headers=caseworker)
            assert response.status_code == 404, (suffix, response.text)
            assert "plan_id" not in response.text, "no plan's content came back"
        assert api.get(f"/plans/{plan['plan_id']}/history", headers=caseworker).status_code == 200
