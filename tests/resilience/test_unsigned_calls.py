"""Zero trust inside (decision 0044): every route of every service, read from the running processes' own OpenAPI, is
refused (401 problem+json) without a caller signature, and with a signature made for another path or method; the same
call signed for itself is let in. Only health, readiness and metrics answer anyone."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from borgerplan_cli.servers import Servers
from borgerplan_cli.system import System, running_system
from borgerplan_plumbing.auth import CALLER_HEADER, Caller, SignedCaller, sign_caller
from tests.conftest import drop_namespace

pytestmark = pytest.mark.e2e
SERVICES = ("plan", "meetings", "consent", "notify", "outreach")
METHODS = ("get", "post", "put", "patch", "delete")
OPEN = ("/healthz", "/readyz", "/metrics")
CALLER = Caller(sub="t-sweep", name="Test Sweep", unit="t-sweep", unit_kind="authority", roles=["caseworker"])


@pytest.fixture(scope="module")
def system(servers: Servers, session_namespace: str) -> Iterator[System]:
    namespace = f"{session_namespace}zt"
    with running_system(servers, namespace) as running:
        yield running
    asyncio.run(drop_namespace(servers, namespace))


def _routes(system: System, service: str, secret: str) -> list[tuple[str, str]]:
    document = httpx.get(
        f"{system.stack.url(service)}/openapi.json", auth=SignedCaller(CALLER, secret), timeout=10
    ).json()
    routes = []
    for template, operations in document["paths"].items():
        if template in OPEN:
            continue
        path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), template)
        routes += [(method.upper(), path) for method in operations if method in METHODS]
    return routes


def _is_problem_401(response: httpx.Response) -> bool:
    return response.status_code == 401 and response.headers.get("content-type") == "application/problem+json"


def test_every_service_route_refuses_a_call_not_signed_for_it(system: System) -> None:
    secret = system.settings.internal_secret.get_secret_value()
    figures: dict[str, dict[str, int]] = {}
    wrong: list[str] = []
    for service in SERVICES:
        routes = _routes(system, service, secret)
        assert routes, f"{service}: its OpenAPI lists no routes"
        counts = {"routes": len(routes), "unsigned": 0, "other path": 0, "other method": 0, "signed": 0}
        with httpx.Client(base_url=system.stack.url(service), timeout=10) as http:

            def call(
                method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
            ) -> httpx.Response:
                body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                return http.request(method, path, headers=headers or {}, **body, **kw)

            for method, path in routes:
                other_method = "DELETE" if method != "DELETE" else "GET"
                attempts = {
                    "unsigned": call(method, path),
                    "other path": call(
                        method, path, {CALLER_HEADER: sign_caller(CALLER, secret, method, path + "x")}
                    ),
                    "other method": call(
                        method, path, {CALLER_HEADER: sign_caller(CALLER, secret, other_method, path)}
                    ),
                }
                for kind, response in attempts.items():
                    if _is_problem_401(response):
                        counts[kind] += 1
                    else:
                        wrong.append(f"{service} {method} {path} {kind}: {response.status_code}")
                # The same call signed for itself passes the door (its answer is the route's own: 404, 422 …).
                signed = call(method, path, auth=SignedCaller(CALLER, secret))
                if signed.status_code != 401:
                    counts["signed"] += 1
                else:
                    wrong.append(f"{service} {method} {path} signed for itself: 401")
            for open_path in OPEN:
                assert http.get(open_path).status_code == 200, f"{service} {open_path}"
            assert _is_problem_401(http.get("/openapi.json")), f"{service}: its OpenAPI is open"
        figures[service] = counts
    for service, counts in figures.items():
        print(f"unsigned-call sweep {service}: {counts}")
    assert not wrong, "\n".join(wrong)
    total = sum(c["routes"] for c in figures.values())
    print(
        f"unsigned-call sweep: {total} routes on {len(SERVICES)} services, every one refused 3 ways, let in signed"
    )
