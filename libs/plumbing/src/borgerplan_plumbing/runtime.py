"""One service process: its FastAPI app and its FastStream Kafka broker, started and stopped together.

A service builds a ``ServiceRuntime``, asks it for aggregate stores and consumers, includes its routers
and serves ``runtime.app``. The runtime owns the Mongo client, the broker, the outbox relay, the
idempotent consumers, the internal client to the other services, the load limit and request deadlines, health,
readiness and metrics, logging and problem details, once for every service. A process that publishes and consumes
nothing (the gateway) runs without a broker: no producer, no outbox relay, and its readiness does not depend on Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any

import pymongo
from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaRouter
from pymongo import IndexModel
from pymongo.errors import OperationFailure
from starlette.middleware import Middleware

from borgerplan_contracts import EventData, topics
from borgerplan_plumbing.auth import AuthenticationError, Caller
from borgerplan_plumbing.consumer import CaughtUp, Handler, IdempotentConsumer, subscribe
from borgerplan_plumbing.door import WholeRequestMiddleware
from borgerplan_plumbing.heap import settle_heap
from borgerplan_plumbing.http import IdempotencyKeys
from borgerplan_plumbing.internal import InternalClient
from borgerplan_plumbing.kafka import ensure_topics, make_broker, publish_event
from borgerplan_plumbing.load import EDGE, ConcurrencyLimit, LoadLimitMiddleware
from borgerplan_plumbing.logs import configure_logging
from borgerplan_plumbing.metrics import CONTENT_TYPE, Metrics
from borgerplan_plumbing.mongo import Collection, Database, make_client, ping, service_database
from borgerplan_plumbing.outbox import OutboxRelay
from borgerplan_plumbing.problems import install_problem_handlers
from borgerplan_plumbing.settings import Settings
from borgerplan_plumbing.store import AggregateStore
from borgerplan_plumbing.trust import STATE_KEY, CallerSignatureMiddleware

log = logging.getLogger(__name__)

Startup = Callable[[], Awaitable[None]]


class ServiceRuntime:
    def __init__(
        self,
        settings: Settings,
        service: str,
        *,
        title: str,
        description: str = "",
        kafka: bool = True,
    ) -> None:
        self.settings = settings
        self.service = service
        if settings.environment != "test":  # tests keep pytest's own log capture
            configure_logging(service, settings.log_level)
        self.client = make_client(settings)
        self.db: Database = service_database(self.client, settings, service)
        self.broker = make_broker(settings) if kafka else None
        # The consumers' subscribers (``consume``), on a router of their own that the broker includes.
        self.router = KafkaRouter() if kafka else None
        if self.broker is not None and self.router is not None:
            self.broker.include_router(self.router)
        self.relay = OutboxRelay(
            [],
            self._publish,
            poll_seconds=settings.outbox_poll_seconds,
            claim_seconds=settings.outbox_claim_seconds,
        )
        self.idempotency = IdempotencyKeys(self.db["idempotency_keys"])
        self.internal = InternalClient(settings, origin=service)
        # Two pools of slots: requests from the gateway (or any other caller), and calls from the other services. The
        # gateway is the edge: every caller there is outside and shares one pool (a header must not buy more slots).
        slots = (settings.max_in_flight, settings.max_queued, settings.max_queue_ms / 1000)
        pools = {"edge": ConcurrencyLimit(*slots)}
        if service != EDGE:
            pools["nested"] = ConcurrencyLimit(*slots)
        self.metrics = Metrics(service, pools)
        if self.broker is not None:
            self.metrics.set_outbox_source(self.relay.pending)
        self.consumers: list[IdempotentConsumer] = []
        self.consumed: list[str] = []  # the topics the consumers subscribe to (made sure to exist at start)
        self._startup: list[Startup] = []
        self._shutdown: list[Startup] = []
        self._background: list[asyncio.Task[None]] = []
        # True when the app is the whole process (uvicorn's factory), not one of many apps inside a test run.
        self.own_process = False
        self._background_factories: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._readiness: dict[str, Callable[[], Awaitable[bool]]] = {}
        self.indexes: dict[str, list[IndexModel]] = {}
        self.app = FastAPI(title=title, description=description, version="1", lifespan=self._lifespan)
        self.app.state.runtime = self
        install_problem_handlers(self.app)
        self.app.add_middleware(
            LoadLimitMiddleware,
            limit=pools["edge"],
            nested=pools.get("nested"),
            timeout_seconds=settings.request_timeout_seconds,
        )
        # a request asks for a slot only once it is whole (decision 0041)
        self.app.add_middleware(
            WholeRequestMiddleware,
            read_timeout_seconds=settings.read_timeout_seconds,
            max_body_bytes=settings.max_body_bytes,
        )
        if service != EDGE:
            # Outermost (added last): an unsigned call is refused before it takes a load slot (decision 0044). The
            # gateway is the edge: its callers prove who they are with their own token instead.
            self.app.add_middleware(
                CallerSignatureMiddleware, secret=settings.internal_secret.get_secret_value()
            )
        self.app.include_router(self._health_router())

    # ------------------------------------------------------------------ building blocks

    def process_app(self) -> FastAPI:
        """The app for a process of its own (``uvicorn --factory``): once started, the process also settles its heap
        (``borgerplan_plumbing.heap``). Tests that start many apps in one process use ``app`` and leave the
        collector as it is."""
        self.own_process = True
        return self.app

    def inner_middleware(self, middleware: type[Any], **options: Any) -> None:
        """An ASGI middleware that runs after the load limit: a request refused for load costs nothing more."""
        self.app.user_middleware.append(Middleware(middleware, **options))  # type: ignore[arg-type]

    def store(self, collection: str, topic_base: str, kind: str) -> AggregateStore:
        return AggregateStore(self.db[collection], self.settings.topic(topic_base), self.relay, kind)

    def collection(self, name: str) -> Collection:
        return self.db[name]

    def declare_indexes(self, collection: str, *indexes: IndexModel) -> None:
        """The indexes the queries on ``collection`` need; created at start (each query has one, decision 0031)."""
        self.indexes.setdefault(collection, []).extend(indexes)

    def on_startup(self, step: Startup) -> None:
        self._startup.append(step)

    def on_shutdown(self, step: Startup) -> None:
        self._shutdown.append(step)

    def readiness_check(self, name: str, check: Callable[[], Awaitable[bool]]) -> None:
        """A further dependency ``/readyz`` waits for (besides the database and the broker)."""
        self._readiness[name] = check

    def background(self, loop: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A coroutine run for the life of the process (e.g. a scheduler); cancelled at shutdown."""
        self._background_factories.append(loop)

    def consume(
        self,
        topic_bases: Sequence[str],
        group: str,
        handlers: Mapping[type[EventData], Handler],
        *,
        absolute: bool = False,
        ready_when_caught_up: bool = False,
    ) -> None:
        """Subscribe ``handlers`` (by event type) to the topics as consumer group ``group``: one FastStream batch
        subscriber on the runtime's ``KafkaRouter`` (``borgerplan_plumbing.consumer.subscribe``).

        ``absolute``: every handler sets absolute values (a projection), so handling an event twice changes
        nothing and no processed-event marker is kept (one database call per event instead of three).

        ``ready_when_caught_up``: the process reads this projection itself, and ``/readyz`` waits at start until the
        events of everything it acknowledged before are handled (``consumer.CaughtUp``).
        """
        if self.broker is None or self.router is None:
            raise RuntimeError(f"{self.service} runs without Kafka and cannot consume")
        group_id = f"{self.settings.topic_prefix}{group}"
        names = [self.settings.topic(base) for base in topic_bases]
        self.consumed.extend(n for n in names if n not in self.consumed)

        def observe(outcome: str, age: float | None) -> None:
            if outcome == "processed" and age is not None:
                self.metrics.observe_event_age(group, age)
            elif outcome == "dead_lettered":
                self.metrics.count_dead_letter(group)

        consumer = IdempotentConsumer(
            group_id=group_id,
            processed=self.db["processed_events"],
            handlers=handlers,
            dead_letter_topic=topics.dead_letter_topic(names[0], group_id),
            publish_dead_letter=self._publish_dead_letter,
            max_attempts=self.settings.consumer_max_attempts,
            retry_backoff_seconds=self.settings.consumer_retry_backoff_seconds,
            observe=observe,
            markers=not absolute,
        )
        self.consumers.append(consumer)
        caught_up = (
            CaughtUp(self.relay.pending_since, lambda: getattr(subscriber, "consumer", None))
            if ready_when_caught_up
            else None
        )
        if caught_up is not None:
            self.readiness_check(group, caught_up)
        subscriber = subscribe(
            self.router,
            consumer,
            names,
            batch=self.settings.consumer_batch,
            name=group.replace("-", "_"),
            listener=caught_up,
        )
        self.metrics.add_lag_source(group, lambda: getattr(subscriber, "consumer", None))

    # ------------------------------------------------------------------ plumbing

    async def _publish(self, topic: str, key: str, value: str) -> None:
        assert self.broker is not None
        await publish_event(self.broker, topic, value, key)

    async def _publish_dead_letter(
        self, topic: str, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> None:
        assert self.broker is not None
        async with asyncio.timeout(15):  # not wait_for: see publish_event
            await self.broker.publish(value, topic=topic, key=key, headers=headers)

    async def ready(self) -> dict[str, bool]:
        """Whether each dependency answers now (briefly: a slow dependency is not a ready one)."""
        checks: dict[str, Awaitable[bool]] = {"database": self._database_ready()}
        if self.broker is not None:
            checks["broker"] = self._broker_ready()
        checks.update({name: check() for name, check in self._readiness.items()})
        results = await asyncio.gather(*checks.values())
        return dict(zip(checks, results, strict=True))

    async def _database_ready(self) -> bool:
        with pymongo.timeout(2.0):
            return await ping(self.db)

    async def _broker_ready(self) -> bool:
        assert self.broker is not None
        try:
            return bool(await self.broker.ping(timeout=2.0))
        except Exception:
            return False

    def _health_router(self) -> APIRouter:
        router = APIRouter(tags=["health"])

        @router.get("/healthz", summary="Liveness", operation_id="healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok", "service": self.service}

        @router.get("/readyz", summary="Readiness: database and broker reachable", operation_id="readyz")
        async def readyz() -> JSONResponse:
            checks = await self.ready()
            ok = all(checks.values())
            return JSONResponse(
                {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
            )

        @router.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(await self.metrics.render(), media_type=CONTENT_TYPE)

        return router

    async def _ensure_indexes(self) -> None:
        await _retrying_conflicts(self.relay.ensure_indexes)
        for name, indexes in self.indexes.items():
            await _retrying_conflicts(partial(self.db[name].create_indexes, indexes))
        # A retry comes within minutes; a week of keys is plenty and keeps the collection from growing forever.
        await _retrying_conflicts(
            lambda: self.db["idempotency_keys"].create_index(
                "at", name="idempotency_expiry", expireAfterSeconds=7 * 24 * 3600
            )
        )
        # Redeliveries come within minutes; remembering processed events for 30 days bounds the collection.
        await _retrying_conflicts(
            lambda: self.db["processed_events"].create_index(
                "at", name="processed_expiry", expireAfterSeconds=30 * 24 * 3600
            )
        )

    async def start(self) -> None:
        await self._ensure_indexes()
        for step in self._startup:
            await step()
        if self.broker is not None:
            await self._start_broker()
            self.relay.start()
        for factory in self._background_factories:
            self._background.append(asyncio.create_task(factory()))
        if self.own_process:
            settle_heap()
        log.info("service started", extra={"topic_prefix": self.settings.topic_prefix})

    async def _start_broker(self, attempts: int = 30) -> None:
        assert self.broker is not None
        for attempt in range(1, attempts + 1):
            try:
                await ensure_topics(self.settings, self.consumed)
                await self.broker.start()
                return
            except Exception as exc:
                if attempt == attempts:
                    raise
                log.warning(
                    "kafka not reachable yet", extra={"attempt": attempt, "error": type(exc).__name__}
                )
                await self.broker.stop()
                await asyncio.sleep(min(5.0, 0.5 * attempt))

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        try:
            async with asyncio.timeout(
                10
            ):  # a loop that ignores its cancellation must not hold shutdown forever
                await asyncio.gather(*self._background, return_exceptions=True)
        except TimeoutError:
            log.error("background tasks did not stop within 10 s")
        self._background.clear()
        await self.relay.stop()
        for step in self._shutdown:
            await step()
        await self.internal.close()
        if self.broker is not None:
            try:
                async with asyncio.timeout(
                    15
                ):  # commits and leaves the consumer groups; bounded like the rest
                    await self.broker.stop()
            except TimeoutError:
                log.error("kafka broker did not stop within 15 s")
        await self.client.close()

    @asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()


async def _retrying_conflicts(create: Callable[[], Awaitable[Any]], attempts: int = 10) -> None:
    """Replicas starting together create the same indexes at once; PostgreSQL (under FerretDB) may then pick one
    of them as a deadlock victim. The index is there, or will be, after a short pause."""
    for attempt in range(1, attempts + 1):
        try:
            await create()
            return
        except OperationFailure as exc:
            if attempt == attempts or "deadlock" not in str(exc):
                raise
            await asyncio.sleep(0.1 * attempt)


# Dependencies are ``async def``: FastAPI runs a plain ``def`` in its thread pool, a hop per request for work
# that takes microseconds.
async def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def current_caller(request: Request) -> Caller:
    """The caller the gateway (or another service) signed for this call, verified before any route ran
    (``borgerplan_plumbing.trust``); a call without it never gets here (401)."""
    caller: Caller | None = request.scope.get("state", {}).get(STATE_KEY)
    if caller is None:
        raise AuthenticationError("missing caller header")
    return caller


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
