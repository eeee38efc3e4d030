"""Where the tests and the benchmarks find Kafka and a MongoDB-wire database.

In order: the environment (``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI``), testcontainers when a Docker
engine answers, the project's own local servers script. With ``CI=true`` a missing server fails the run.

The local script runs a test instance of its own (``deploy/local/test-servers.env``: data under ``.data/test``,
other ports), so a developer's ``make dev`` servers keep running through ``make test`` and its Kafka outage.
Testcontainers (and the Docker client) are the test suite's dependencies, imported only when Docker answers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borgerplan_cli import stack

TEST_INSTANCE = stack.ROOT / "deploy" / "local" / "test-servers.env"


@dataclass
class Servers:
    kafka_bootstrap_servers: str
    mongodb_uri: str
    origin: str  # "environment" | "docker" | "local-script"
    containers: tuple[Any, ...] = ()
    # the local servers only: the environment that names their instance, and what ``servers.sh env`` printed
    script_env: dict[str, str] | None = None
    postgres_url: str | None = None

    @property
    def kafka_controllable(self) -> bool:
        """Whether a test may stop and start the broker and the database (only the project's own local servers)."""
        return self.origin == "local-script"

    @property
    def data_dir(self) -> Path | None:
        """The local servers' data folder (only the project's own local servers have one)."""
        return None if self.script_env is None else Path(self.script_env["BORGERPLAN_DATA_DIR"])

    @property
    def postgres_log(self) -> Path | None:
        """PostgreSQL's log under FerretDB (only the project's own local servers have one to read)."""
        return None if self.data_dir is None else self.data_dir / "logs" / "postgres.log"

    @property
    def local_pids(self) -> dict[str, int]:
        """The running servers' process ids by name (only the project's own local servers)."""
        if self.data_dir is None:
            return {}
        return {pid.stem: int(pid.read_text()) for pid in (self.data_dir / "run").glob("*.pid")}

    def stop_kafka(self) -> None:
        stack.servers("stop", "kafka", env=self.script_env)

    def start_kafka(self) -> None:
        stack.servers("start", "kafka", env=self.script_env)

    def stop_database(self) -> None:
        """PostgreSQL and the FerretDB in front of it (the local script stops both for either)."""
        stack.servers("stop", "ferretdb", env=self.script_env)

    def start_database(self) -> None:
        stack.servers("start", "ferretdb", env=self.script_env)

    def close(self) -> None:
        for container in self.containers:
            container.stop()


def _from_environment() -> Servers | None:
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    if kafka and mongo:
        return Servers(kafka, mongo, "environment")
    return None


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


def _from_docker() -> Servers | None:
    if not _docker_answers():
        return None
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    kafka = KafkaContainer("apache/kafka:4.1.1").with_kraft()
    mongo = MongoDbContainer("mongo:7")
    kafka.start()
    mongo.start()
    return Servers(kafka.get_bootstrap_server(), mongo.get_connection_url(), "docker", (kafka, mongo))


def tests_instance() -> dict[str, str]:
    """The environment that points the local servers script at the tests' own instance."""
    values: dict[str, str] = {}
    for line in TEST_INSTANCE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    values["BORGERPLAN_DATA_DIR"] = str(stack.ROOT / values["BORGERPLAN_DATA_DIR"])
    # Several checkouts on one machine (git worktrees) each run an instance of their own: the offset moves its ports.
    offset = int(os.environ.get("BORGERPLAN_TEST_PORT_OFFSET", "0"))
    for key in [k for k in values if k.endswith("_PORT")]:
        values[key] = str(int(values[key]) + offset)
    return {**os.environ, **values}


def start_local(env: Mapping[str, str]) -> Servers:
    """The local servers of the instance ``env`` names (its data folder and ports), started: PostgreSQL with
    FerretDB, and Kafka. Not the SMTP sink: the tests and the benchmarks run their own."""
    stack.servers("start", "ferretdb", "kafka", env=env)
    values = stack.server_env(env)
    return Servers(
        values["KAFKA_BOOTSTRAP_SERVERS"],
        values["MONGODB_URI"],
        "local-script",
        script_env=dict(env),
        postgres_url=values.get("BORGERPLAN_POSTGRES_URL"),
    )


def discover() -> Servers:
    return _from_environment() or _from_docker() or start_local(tests_instance())
