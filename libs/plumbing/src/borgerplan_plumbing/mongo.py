"""The one way services connect to MongoDB (or FerretDB) through PyMongo's async API."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from borgerplan_plumbing.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]
Client = AsyncMongoClient[Document]


def make_client(settings: Settings) -> Client:
    # tz_aware: datetimes come back as aware UTC, the only kind the code handles.
    return AsyncMongoClient(
        settings.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        appname=settings.service_name,
    )


def service_database(client: Client, settings: Settings, service: str) -> Database:
    return client[settings.database_name(service)]


async def ping(db: Database) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True
