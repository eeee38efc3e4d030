"""The access log without a hot spot (decision 0045): 200 concurrent reads of one citizen's composed view through two
gateway processes are answered 200 or shed with 503 (never 500), every read answered 200 is in the citizen's chains,
and ``borgerplan audit verify`` proves them (exit 0)."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from borgerplan_cli.servers import Servers
from borgerplan_cli.stack import ServiceStack, free_port
from borgerplan_cli.system import System, running_system
from borgerplan_plumbing.mongo import make_client, service_database
from tests.conftest import drop_namespace

pytestmark = pytest.mark.e2e
READS = 200
UNIT = "t-burst-myndighed"


@pytest.fixture(scope="module")
def two_gateways(servers: Servers, session_namespace: str) -> Iterator[tuple[System, list[str]]]:
    """The whole system, and a second gateway process on the same services and database."""
    namespace = f"{session_namespace}burst"
    with running_system(servers, namespace) as system:
        run = Path(tempfile.mkdtemp(prefix="borgerplan-gateway-2-"))
        second = ServiceStack(
            env=system.stack.env,
            ports={**system.stack.ports, "gateway": free_port()},
            run_dir=run / "run",
            log_dir=run / "logs",
        )
        second.start("gateway")
        try:
            second.wait_ready(("gateway",), timeout=90)
            yield system, [system.api, f"{second.url('gateway')}/api/v1"]
        finally:
            second.stop("gateway")
    asyncio.run(drop_namespace(servers, namespace))


def _citizen(system: System) -> str:
    caseworker = system.bearer(sub="t-burst-cw", unit=UNIT, unit_kind="authority", roles=["caseworker"])
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen = api.post(
            "/citizens", json={"cpr": "0304751234", "name": "Mange Læsere"}, headers=caseworker
        )
        assert citizen.status_code == 201, citizen.text
        citizen_id: str = citizen.json()["citizen_id"]
        plan = api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": UNIT,
                "goals": [{"title": "Bolig"}],
            },
        )
        assert plan.status_code == 201, plan.text
    return citizen_id


def _audit_verify(system: System, citizen_id: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URI": system.stack.env["MONGODB_URI"],
        "BORGERPLAN_DATABASE_PREFIX": system.stack.env["BORGERPLAN_DATABASE_PREFIX"],
    }
    return subprocess.run(
        [sys.executable, "-m", "borgerplan_cli.main", "audit", "verify", "--citizen-id", citizen_id],
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


def _p(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0.0


async def _burst(system: System, gateways: list[str], citizen_id: str) -> list[tuple[str, int, str, float]]:
    """READS callers, each its own caseworker of the responsible unit, all at once, alternating the gateways."""
    tokens = [
        system.bearer(sub=f"t-burst-{i}", unit=UNIT, unit_kind="authority", roles=["caseworker"])
        for i in range(READS)
    ]
    limits = httpx.Limits(max_connections=READS, max_keepalive_connections=READS)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def read(i: int) -> tuple[str, int, str, float]:
            request_id = str(uuid.uuid4())
            began = time.perf_counter()
            answer = await http.get(
                f"{gateways[i % 2]}/citizens/{citizen_id}/plan-view",
                headers={**tokens[i], "X-Request-ID": request_id},
            )
            kind = answer.headers.get("content-type", "")
            if answer.status_code != 200:
                problem = answer.json()
                kind += f" {problem.get('type')}" + (
                    f" ({problem.get('detail')})"
                    if not str(problem.get("type")).endswith("overloaded")
                    else ""
                )
            return request_id, answer.status_code, kind, time.perf_counter() - began

        return await asyncio.gather(*(read(i) for i in range(READS)))


async def _logged(system: System, citizen_id: str) -> tuple[set[str], int]:
    client = make_client(system.settings.model_copy(update={"mongodb_uri": system.stack.env["MONGODB_URI"]}))
    try:
        settings = system.settings.model_copy(
            update={"database_prefix": system.stack.env["BORGERPLAN_DATABASE_PREFIX"]}
        )
        entries = service_database(client, settings, "gateway")["access_log"]
        found = {
            e["request_id"] async for e in entries.find({"citizen_id": citizen_id}, projection=["request_id"])
        }
        chains = len(await entries.distinct("chain", {"citizen_id": citizen_id}))
        return found, chains
    finally:
        await client.close()


def test_a_burst_on_one_citizen_through_two_gateways_is_answered_and_logged(
    two_gateways: tuple[System, list[str]],
) -> None:
    system, gateways = two_gateways
    citizen_id = _citizen(system)
    began = time.perf_counter()
    answers = asyncio.run(_burst(system, gateways, citizen_id))
    wall = time.perf_counter() - began
    by_status: dict[int, int] = {}
    for _, status, _, _ in answers:
        by_status[status] = by_status.get(status, 0) + 1
    ok = [a for a in answers if a[1] == 200]
    shed = [a for a in answers if a[1] == 503]
    logged, chains = asyncio.run(_logged(system, citizen_id))
    missing = [a[0] for a in ok if a[0] not in logged]
    verified = _audit_verify(system, citizen_id)
    ok_s, shed_s = [a[3] * 1000 for a in ok], [a[3] * 1000 for a in shed]
    print(
        f"one-citizen burst: {READS} reads through 2 gateways in {wall:.2f} s: {dict(sorted(by_status.items()))}; "
        f"200 p50 {statistics.median(ok_s) if ok_s else 0:.0f} ms p99 {_p(ok_s, 0.99):.0f} ms; "
        f"503 p99 {_p(shed_s, 0.99):.0f} ms; {len(logged)} entries in {chains} chain(s), "
        f"{len(missing)} answered reads missing; audit verify exit {verified.returncode}"
    )
    assert set(by_status) <= {200, 503}, by_status
    assert ok, "no read was answered"
    kinds: dict[str, int] = {}
    for a in shed:
        kinds[a[2]] = kinds.get(a[2], 0) + 1
    print(f"one-citizen burst refusals: {kinds}")
    assert all(a[2].startswith("application/problem+json") for a in shed), "every refusal is a problem"
    assert not missing, f"{len(missing)} reads answered 200 are not in the access log"
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{len(logged)} access-log entries checked, 0 problem(s)" in verified.stdout
