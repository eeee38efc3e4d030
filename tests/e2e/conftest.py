from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.conftest import drop_namespace
from tests.support.servers import Servers
from tests.support.system import System, running_system


@pytest.fixture(scope="session")
def system(servers: Servers, session_namespace: str) -> Iterator[System]:
    """All five services running as processes, shared by the e2e tests of one session."""
    namespace = f"{session_namespace}e2e"
    with running_system(servers, namespace) as running:
        yield running
    asyncio.run(drop_namespace(servers, namespace))  # after the services stopped, so nothing writes again
