from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from borgerplan_cli.servers import Servers
from borgerplan_cli.system import System, running_system
from tests.conftest import drop_namespace


@pytest.fixture(scope="session")
def system(servers: Servers, session_namespace: str) -> Iterator[System]:
    """All five services running as processes, shared by the e2e tests of one session."""
    namespace = f"{session_namespace}e2e"
    with running_system(servers, namespace) as running:
        yield running
    asyncio.run(drop_namespace(servers, namespace))  # after the services stopped, so nothing writes again
