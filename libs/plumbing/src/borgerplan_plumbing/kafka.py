"""The Kafka broker as every service builds it: a durable, idempotent producer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaClient
from faststream.kafka import KafkaBroker

from borgerplan_contracts import CloudEvent
from borgerplan_plumbing.settings import Settings

PUBLISH_TIMEOUT_SECONDS = 15.0
log = logging.getLogger(__name__)


def make_broker(settings: Settings) -> KafkaBroker:
    # acks=all with idempotence: a record is confirmed only once the in-sync replicas have it, and a retried
    # send never writes it twice. Consumers still deduplicate, because the outbox may re-send after a crash.
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        client_id=settings.service_name,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
        # FastStream's own lines (received / processed, with topic, group and message id) go through the
        # service's JSON logging like everything else. Payloads are never logged.
        logger=logging.getLogger("borgerplan.kafka"),
    )


async def publish_event(broker: KafkaBroker, topic: str, event: CloudEvent | str | bytes, key: str) -> None:
    """Publish one envelope, keyed by citizen, and wait for the broker's acknowledgement."""
    body = event.to_bytes() if isinstance(event, CloudEvent) else event
    payload = body.encode() if isinstance(body, str) else body
    # asyncio.timeout rather than wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives just as
    # the publish completes, and a relay being stopped would then never stop.
    async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
        await broker.publish(
            payload, topic=topic, key=key.encode(), headers={"content-type": CloudEvent.content_type}
        )


async def ensure_topics(settings: Settings, names: Sequence[str], timeout: float = 10.0) -> None:
    """Make sure the topics a process consumes exist before it subscribes to them.

    A consumer subscribed to a topic that does not exist yet learns of it only at its next metadata refresh (every
    five minutes), so the first events its own producer or another service publishes would wait that long. One
    metadata request for the topics creates them where the broker creates topics on demand (locally, in the tests);
    where it does not, they are provisioned with the cluster and this finds them at once. A topic still missing after
    ``timeout`` is logged, and the consumer finds it at a later refresh.
    """
    if not names:
        return
    missing = list(names)
    client = AIOKafkaClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id=f"{settings.service_name}-topics"
    )
    try:
        async with asyncio.timeout(timeout):
            await client.bootstrap()
            await client.set_topics(list(names))
            while missing := [n for n in names if not client.cluster.partitions_for_topic(n)]:
                await asyncio.sleep(0.2)
                await client.force_metadata_update()
    except TimeoutError:
        log.warning("topics not found", extra={"topics": missing})
    finally:
        await client.close()
