"""Fixtures shared by every test layer.

Integration and e2e tests use real Kafka and a real MongoDB-wire database (see ``borgerplan_cli.servers`` for
where they come from) and isolate themselves by namespace: a topic prefix and database prefix per test
session, so runs can share one broker and one database server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from pymongo import AsyncMongoClient

from borgerplan_cli.servers import Servers, discover
from borgerplan_plumbing.settings import Settings

IN_CI = os.environ.get("CI", "").lower() == "true"
# Each service's address in tests that route them in-process: distinct loopback addresses on the discard port, where
# nothing listens.
SERVICES = ("plan", "meetings", "consent", "notify", "outreach")


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    try:
        found = discover()
    except Exception as exc:
        message = f"no Kafka/MongoDB-wire servers for integration tests: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield found
    found.close()


@pytest.fixture(scope="session")
def session_namespace() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


def make_settings(servers: Servers, namespace: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "kafka_bootstrap_servers": servers.kafka_bootstrap_servers,
        "mongodb_uri": servers.mongodb_uri,
        "topic_prefix": f"{namespace}.",
        "database_prefix": f"{namespace}_",
        "consumer_retry_backoff_seconds": 0.05,
        "outbox_poll_seconds": 0.2,
        "log_level": "WARNING",
        # A service under test reaches another only where the test routes it (runtime.internal.transport); an
        # unrouted call fails at once instead of finding a developer's running stack on the default ports.
        **{f"{name}_url": f"http://127.0.0.{i}:9" for i, name in enumerate(SERVICES, 1)},
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def namespace(session_namespace: str) -> str:
    """A fresh namespace per test: its own topics and databases."""
    return f"{session_namespace}{uuid.uuid4().hex[:4]}"


@pytest.fixture
async def settings(servers: Servers, namespace: str) -> AsyncIterator[Settings]:
    yield make_settings(servers, namespace)
    await drop_namespace(servers, namespace)


async def drop_namespace(servers: Servers, namespace: str) -> None:
    """Drop the test's databases, so a developer's local database does not fill up with test runs."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongodb_uri)
    try:
        for name in await client.list_database_names():
            if name.startswith(f"{namespace}_"):
                await client.drop_database(name)
    finally:
        await client.close()
