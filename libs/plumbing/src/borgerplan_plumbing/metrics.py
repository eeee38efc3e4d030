"""Metrics in the Prometheus text format at ``/metrics``: load, shedding, how far behind the consumers are and how many
documents' events the outbox relay has yet to publish.

Names, labels and values only: no ids, no citizen data. Consumer lag is measured two ways: in messages (the
partition's high-water mark minus the group's position, read from the consumer at scrape time) and in seconds (the
age of each event when it was handled, from its CloudEvents ``time``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import pymongo
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from borgerplan_plumbing.load import ConcurrencyLimit

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _LoadCollector(Collector):
    """Per pool of slots (``calls``: ``edge``, the gateway's and other callers' requests; ``nested``, calls from
    the other services)."""

    def __init__(self, service: str, limits: dict[str, ConcurrencyLimit]) -> None:
        self.service = service
        self.limits = limits

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        labels = ["service", "calls"]
        in_flight = GaugeMetricFamily(
            "borgerplan_http_requests_in_flight", "Requests being handled", labels=labels
        )
        waiting = GaugeMetricFamily(
            "borgerplan_http_requests_waiting", "Requests waiting for a slot", labels=labels
        )
        shed = CounterMetricFamily(
            "borgerplan_http_requests_shed",
            "Requests answered 503 because the process was full",
            labels=labels,
        )
        for calls, limit in self.limits.items():
            in_flight.add_metric([self.service, calls], limit.in_flight)
            waiting.add_metric([self.service, calls], limit.waiting)
            shed.add_metric([self.service, calls], limit.shed_total)
        return [in_flight, waiting, shed]


class Metrics:
    def __init__(self, service: str, limits: dict[str, ConcurrencyLimit]) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_LoadCollector(service, limits))
        self.event_age = Histogram(
            "borgerplan_consumer_event_age_seconds",
            "Age of an event when its consumer handled it (publication to effect)",
            ["service", "group"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
            registry=self.registry,
        )
        self.lag = Gauge(
            "borgerplan_consumer_lag_messages",
            "Messages in the partition not yet handled by the group",
            ["service", "group", "topic", "partition"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "borgerplan_consumer_dead_lettered",
            "Messages parked on a dead-letter topic",
            ["service", "group"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "borgerplan_outbox_pending_documents",
            "Documents whose events the outbox relay has not yet published (its backlog), per collection",
            ["service", "collection"],
            registry=self.registry,
        )
        self._lag_sources: list[tuple[str, Callable[[], Any]]] = []
        self._outbox: Callable[[], Awaitable[dict[str, int]]] | None = None

    def observe_event_age(self, group: str, seconds: float) -> None:
        self.event_age.labels(self.service, group).observe(max(0.0, seconds))

    def count_dead_letter(self, group: str) -> None:
        self.dead_lettered.labels(self.service, group).inc()

    def add_lag_source(self, group: str, consumer: Callable[[], Any]) -> None:
        """``consumer()`` returns the group's aiokafka consumer (or None before it started)."""
        self._lag_sources.append((group, consumer))

    async def refresh_lag(self) -> None:
        for group, get in self._lag_sources:
            consumer = get()
            if consumer is None:
                continue
            try:
                for tp in consumer.assignment():
                    highwater = consumer.highwater(tp)
                    if highwater is None:
                        continue
                    position = await consumer.position(tp)
                    self.lag.labels(self.service, group, tp.topic, str(tp.partition)).set(
                        max(0, highwater - position)
                    )
            except Exception as exc:  # a rebalance in progress: report what is known next time
                log.debug("consumer lag not read", extra={"group": group, "error": type(exc).__name__})

    def set_outbox_source(self, pending: Callable[[], Awaitable[dict[str, int]]]) -> None:
        """``pending()`` counts each collection's documents with unpublished events (``OutboxRelay.pending``)."""
        self._outbox = pending

    async def refresh_outbox(self) -> None:
        if self._outbox is None:
            return
        try:
            with pymongo.timeout(2.0):  # a scrape does not wait on a struggling database
                counts = await self._outbox()
        except Exception as exc:
            # The database is away or slow: the last figures stay, and readiness says the rest.
            log.debug("outbox backlog not read", extra={"error": type(exc).__name__})
            return
        for collection, count in counts.items():
            self.outbox_pending.labels(self.service, collection).set(count)

    async def render(self) -> bytes:
        await self.refresh_lag()
        await self.refresh_outbox()
        return generate_latest(self.registry)
