"""Reading what services publish, straight from the real broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from borgerplan_contracts import CloudEvent


class TopicProbe:
    """Consumes ``topic`` from the beginning and collects its records."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            group_id=None,
        )
        self.records: list[Any] = []

    async def __aenter__(self) -> TopicProbe:
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def _poll(self, seconds: float) -> None:
        batches = await self.consumer.getmany(timeout_ms=int(seconds * 1000))
        for records in batches.values():
            self.records.extend(records)

    async def read_for(self, seconds: float) -> list[Any]:
        """Every record the topic holds, read for ``seconds`` (to show that nothing is there)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await self._poll(0.5)
        return self.records

    def events(self) -> list[CloudEvent]:
        return [CloudEvent.from_bytes(r.value) for r in self.records]

    async def wait_for(self, predicate: Callable[[list[Any]], bool], timeout: float = 30.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while not predicate(self.records):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting on {self.topic}; saw {len(self.records)}"
                )
            await self._poll(0.5)
        return self.records

    async def wait_for_event(self, event_type: str, timeout: float = 30.0, **data: Any) -> CloudEvent:
        def match(event: CloudEvent) -> bool:
            return event.type == event_type and all(event.data.get(k) == v for k, v in data.items())

        await self.wait_for(lambda _: any(match(e) for e in self.events()), timeout)
        return next(e for e in self.events() if match(e))


async def settle(seconds: float) -> None:
    await asyncio.sleep(seconds)
