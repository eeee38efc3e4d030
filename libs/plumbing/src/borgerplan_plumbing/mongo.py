"""The one way services connect to MongoDB (or FerretDB) through PyMongo's async API.

Every call carries a deadline. The client's default (``timeoutMS``) bounds calls made outside a request; inside a
request the limits middleware narrows it to what is left of the request's budget with ``pymongo.timeout``, so a
query never outlives the request that wanted it (PyMongo sends the rest as ``maxTimeMS`` and gives up itself when
it runs out).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from borgerplan_plumbing.logs import redact
from borgerplan_plumbing.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]
Client = AsyncMongoClient[Document]


def make_client(settings: Settings) -> Client:
    listeners: list[monitoring.CommandListener] = []
    if settings.query_log:
        listeners.append(QueryRecorder(settings.query_log, settings.database_prefix))
    # tz_aware: datetimes come back as aware UTC, the only kind the code handles.
    return AsyncMongoClient(
        settings.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        timeoutMS=int(settings.db_timeout_seconds * 1000),
        maxPoolSize=settings.db_pool_size,
        appname=settings.service_name,
        event_listeners=listeners,
    )


def service_database(client: Client, settings: Settings, service: str) -> Database:
    return client[settings.database_name(service)]


async def ping(db: Database) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Query:
    """One find, described, so that two can be sent in one round trip (``find_together``)."""

    collection: Collection
    filter: Document
    projection: Document | None = None
    sort: Sequence[tuple[str, int]] = ()
    limit: int = 0

    def stages(self, side: int) -> list[Document]:
        stages: list[Document] = [{"$match": self.filter}]
        if self.sort:
            stages.append({"$sort": dict(self.sort)})
        if self.limit:
            stages.append({"$limit": self.limit})
        if self.projection:
            stages.append({"$project": self.projection})
        stages.append({"$addFields": {_SIDE: side}})
        return stages


_SIDE = "__side"
# A last stage that never binds. Without it DocumentDB plans the union as a streaming cursor, finds a second level in
# it, logs "Query has more than 1 level with streaming mode" with the statement (in PostgreSQL's log, twice per
# composed view) and falls back to the persisted cursor; a limit above one asks for it from the start (decision 0031).
_UNBOUNDED = 2**31 - 1


async def find_together(first: Query, second: Query) -> tuple[list[Document], list[Document]]:
    """What ``first`` and ``second`` find, from one aggregation (``$unionWith``): one round trip to the database
    instead of two. Each side keeps its own filter, sort, limit and projection, and so its own index. The two
    collections must be in one database. Each document is tagged with its side in the pipeline and untagged here
    (the union's order is not relied on)."""
    if first.collection.database.name != second.collection.database.name:
        raise ValueError("find_together reads two collections of one database")
    pipeline = [
        *first.stages(0),
        {"$unionWith": {"coll": second.collection.name, "pipeline": second.stages(1)}},
        {"$limit": _UNBOUNDED},
    ]
    found: tuple[list[Document], list[Document]] = ([], [])
    async for doc in await first.collection.aggregate(pipeline):
        found[doc.pop(_SIDE)].append(doc)
    return found


# Commands whose filter is a query the database has to answer with an index.
_QUERIES = {
    "find": ("filter", "sort"),
    "count": ("query", None),
    "distinct": ("query", None),
    "delete": (None, None),
    "update": (None, None),
    "findAndModify": ("query", "sort"),
    "aggregate": (None, None),
}


class QueryRecorder(monitoring.CommandListener):
    """Test-only: writes one JSON line per query (database, collection, command, filter, sort).

    The explain test replays each distinct shape. CPR-shaped strings are masked, like in logs.
    """

    def __init__(self, path: str, database_prefix: str) -> None:
        self.path = path
        self.prefix = database_prefix
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in _QUERIES or not event.database_name.startswith(self.prefix):
            return
        command = event.command
        collection = command.get(event.command_name)
        records: list[Document] = []
        if event.command_name in ("update", "delete"):
            key = "updates" if event.command_name == "update" else "deletes"
            records = [{"filter": op.get("q", {})} for op in command.get(key, [])]
        elif event.command_name == "aggregate":
            records = _pipeline_queries(str(collection), command.get("pipeline", []))
        else:
            filter_key, sort_key = _QUERIES[event.command_name]
            records = [
                {
                    "filter": command.get(filter_key or "", {}) or {},
                    "sort": _pairs(command.get(sort_key)) if sort_key else None,
                }
            ]
        lines = []
        for record in records:
            entry = {
                "database": event.database_name.removeprefix(self.prefix),
                "collection": collection,
                "command": event.command_name,
                **record,  # an aggregation's $unionWith names its own collection
            }
            lines.append(redact(json.dumps(entry, default=_json_default, sort_keys=True)))
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def _pipeline_queries(collection: str, stages: list[Document]) -> list[Document]:
    """The queries an aggregation makes: its first ``$match`` (with ``$sort``) on ``collection``, and the same of
    each ``$unionWith`` sub-pipeline on that stage's collection."""
    match: Document = next((s["$match"] for s in stages if "$match" in s), {})
    sort = next((s["$sort"] for s in stages if "$sort" in s), None)
    records: list[Document] = [{"filter": match, "sort": _pairs(sort)}]
    for stage in stages:
        union = stage.get("$unionWith")
        if isinstance(union, dict):
            records.extend(_pipeline_queries(union["coll"], union.get("pipeline", [])))
    return [{"collection": collection, **r} for r in records]


def _pairs(sort: Any) -> list[list[Any]] | None:
    """A sort as ``[[field, direction], ...]``: its order survives the recorder's sorted JSON keys."""
    return [[field, direction] for field, direction in sort.items()] if sort else None


def _json_default(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    return str(value)
