"""Two finds in one round trip (``mongo.find_together``): each side keeps its filter, sort, limit and projection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from borgerplan_cli.servers import Servers
from borgerplan_plumbing.mongo import Database, Query, find_together, make_client, service_database
from borgerplan_plumbing.settings import Settings

pytestmark = pytest.mark.integration


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    client = make_client(settings)
    try:
        yield service_database(client, settings, "together")
    finally:
        await client.drop_database(settings.database_name("together"))
        await client.close()


async def test_each_side_as_its_own_find_in_one_command(settings: Settings, db: Database) -> None:
    await db.people.insert_many(
        [{"_id": f"p{i}", "group": "a" if i < 3 else "b", "age": 30 - i, "secret": "x"} for i in range(6)]
    )
    await db.visits.insert_many(
        [{"_id": f"v{i}", "group": "a" if i % 2 else "b", "day": i, "note": "y"} for i in range(8)]
    )
    watched = Commands()
    observed: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongodb_uri, event_listeners=[watched]
    )
    try:
        seen = observed[db.name]
        people, visits = await find_together(
            Query(seen.people, {"group": "a"}, {"age": 1}, sort=[("age", 1)]),
            Query(seen.visits, {"group": "a"}, {"note": 0}, sort=[("day", -1)], limit=3),
        )
        sent = list(watched.names)
    finally:
        await observed.close()
    assert sent == ["aggregate"], "one command, one round trip"
    assert people == [{"_id": "p2", "age": 28}, {"_id": "p1", "age": 29}, {"_id": "p0", "age": 30}]
    assert visits == [
        {"_id": "v7", "group": "a", "day": 7},
        {"_id": "v5", "group": "a", "day": 5},
        {"_id": "v3", "group": "a", "day": 3},
    ]
    nobody, none = await find_together(Query(db.people, {"group": "c"}), Query(db.visits, {"group": "c"}))
    assert nobody == [] and none == []
    only_second = await find_together(Query(db.people, {"group": "c"}), Query(db.visits, {"day": 0}))
    assert only_second == ([], [{"_id": "v0", "group": "b", "day": 0, "note": "y"}])


async def test_no_streaming_cursor_given_up_in_the_log(servers: Servers, db: Database) -> None:
    """DocumentDB plans a union as a streaming cursor, finds a second level, gives it up for a persisted one and logs
    an entry each time (two per composed view); ``find_together`` asks for the persisted cursor from the start."""
    log = servers.postgres_log
    if log is None:
        pytest.skip(
            "only the project's local servers keep a PostgreSQL log to read (MongoDB has no such fallback)"
        )
    await db.people.insert_one({"_id": "p0", "group": "a"})
    await db.visits.insert_many([{"_id": f"v{i}", "person": "p0"} for i in range(3)])
    start = log.stat().st_size
    for _ in range(5):  # a first side without sort or limit, as the plan service's citizen and plans
        people, visits = await find_together(
            Query(db.people, {"_id": "p0"}), Query(db.visits, {"person": "p0"})
        )
        assert len(people) == 1 and len(visits) == 3
    with log.open("rb") as written:
        written.seek(start)
        added = written.read().decode(errors="replace")
    assert "more than 1 level with streaming mode" not in added
