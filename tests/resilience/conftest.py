"""The running system and the edge in front of it, as a municipality runs them (issue 33, decisions 0040 and 0041).

The services run as processes on free ports (``running_system``, a namespace of their own); the edge is the real
HAProxy that ``deploy/local/servers.sh start edge`` runs, with a data folder and ports of its own here, in front of
this system's gateway and pages. Every figure the tests measure is printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from borgerplan_cli import stack
from borgerplan_cli.servers import Servers
from borgerplan_cli.system import System, running_system
from tests.conftest import drop_namespace

# The application's own read timeout (``BORGERPLAN_READ_TIMEOUT_SECONDS``) and the edge's: the default, 10 s.
READ_TIMEOUT = 10.0


@dataclass
class Edge:
    api: str  # the public API through the edge: http://127.0.0.1:PORT/api/v1
    pages: str
    api_port: int
    pages_port: int
    env: dict[str, str]


@pytest.fixture(scope="session")
def resilient_system(servers: Servers, session_namespace: str) -> Iterator[System]:
    namespace = f"{session_namespace}res"
    # The per-caller token bucket (429) is not what these tests are about: the readers here read often.
    extra = {"BORGERPLAN_RATE_LIMIT_PER_SECOND": "1000", "BORGERPLAN_RATE_LIMIT_BURST": "1000"}
    with running_system(servers, namespace, extra_env=extra) as running:
        yield running
    asyncio.run(drop_namespace(servers, namespace))


@pytest.fixture(scope="session")
def edge(resilient_system: System) -> Iterator[Edge]:
    api_port, pages_port = stack.free_port(), stack.free_port()
    env = {
        **os.environ,
        "BORGERPLAN_DATA_DIR": tempfile.mkdtemp(prefix="borgerplan-edge-"),
        "BORGERPLAN_EDGE_API_PORT": str(api_port),
        "BORGERPLAN_EDGE_PAGES_PORT": str(pages_port),
        "BORGERPLAN_EDGE_GATEWAY": f"127.0.0.1:{resilient_system.stack.ports['gateway']}",
        "BORGERPLAN_EDGE_WEB": f"127.0.0.1:{resilient_system.stack.ports['web']}",
    }
    stack.servers("start", "edge", env=env)
    try:
        yield Edge(
            f"http://127.0.0.1:{api_port}/api/v1", f"http://127.0.0.1:{pages_port}", api_port, pages_port, env
        )
    finally:
        stack.servers("stop", "edge", env=env)
        log = Path(env["BORGERPLAN_DATA_DIR"]) / "logs" / "edge.log"
        if log.exists():
            print(f"edge log: {log}")


@dataclass
class World:
    citizen_id: str
    headers: dict[str, str]


@pytest.fixture(scope="session")
def world(resilient_system: System) -> World:
    headers = resilient_system.bearer(
        sub="res-cw", unit="res-myndighed", unit_kind="authority", roles=["caseworker"]
    )
    with httpx.Client(base_url=resilient_system.api, timeout=15) as api:
        created = api.post("/citizens", json={"cpr": "1507814429", "name": "Robust Borger"}, headers=headers)
        assert created.status_code == 201, created.text
        citizen_id = created.json()["citizen_id"]
        assert api.get(f"/citizens/{citizen_id}", headers=headers).status_code == 200
    return World(citizen_id, headers)
