from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.servers import Servers
from tests.support.system import System, running_system


@pytest.fixture(scope="session")
def system(servers: Servers, session_namespace: str) -> Iterator[System]:
    """All five services running as processes, shared by the e2e tests of one session."""
    with running_system(servers, f"{session_namespace}e2e") as running:
        yield running
