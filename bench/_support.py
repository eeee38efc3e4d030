"""Shared by the benchmarks: real servers (as the tests find them) and latency percentiles."""

from __future__ import annotations

import statistics
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.servers import discover  # noqa: E402

from borgerplan_plumbing.settings import Settings  # noqa: E402


def bench_settings(**overrides: object) -> Settings:
    servers = discover()
    namespace = f"b{uuid.uuid4().hex[:8]}"
    values: dict[str, object] = {
        "environment": "test",
        "kafka_bootstrap_servers": servers.kafka_bootstrap_servers,
        "mongodb_uri": servers.mongodb_uri,
        "topic_prefix": f"{namespace}.",
        "database_prefix": f"{namespace}_",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def drop_databases(mongodb_uri: str, namespace: str) -> None:
    """Drop the run's databases, so repeated runs do not fill the local database (and slow it down)."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(mongodb_uri)
    try:
        for name in client.list_database_names():
            if name.startswith(f"{namespace}_"):
                client.drop_database(name)
    finally:
        client.close()


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[98]


def report(name: str, samples_ms: list[float]) -> tuple[float, float]:
    p50, p99 = percentiles(samples_ms)
    print(f"{name:<40} n={len(samples_ms):>5}  p50={p50:7.2f} ms  p99={p99:7.2f} ms")
    return p50, p99
