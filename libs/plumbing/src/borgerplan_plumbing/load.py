"""Load is shed, not queued: a bound on the work in flight per process, and a deadline on every request.

A process works on at most ``max_in_flight`` requests at once. A request that finds every slot taken waits at most
``max_queue_ms`` for one, and only while fewer than ``max_queued`` others wait; otherwise it is answered at once with
503 and ``Retry-After`` (RFC 9457 problem). So under a burst the answers stay fast, the refused ones included, and
nothing piles up that nobody waits for any more: when the burst ends there is no backlog to work off.

Calls from another service (``X-Borgerplan-From`` names a service other than the gateway, sent by the internal
client) are part of work an edge has already admitted: a meeting being scheduled asks the consent service once per
invited unit, and each decision may ask the plan service for the citizen's plans. They get slots of their own
(``nested``, as many again), so they never crowd out the gateway's requests, nor those them: a caller working 16 at a
time through the gateway then never finds a service full of its own nested calls.

Each admitted request gets a deadline: the process's ``request_timeout_seconds``, or less when the caller says how
long it will still wait (``X-Borgerplan-Deadline-Ms``, sent by the internal client), counted from the moment the
request (read whole, ``borgerplan_plumbing.door``) asked for a slot, so the wait for one is inside it. Database calls
inside the request run under ``pymongo.timeout`` with what is left, and calls to other services take at most what is
left. What runs under neither (a loop of retries, CPU work) is cut: a request that has not begun its answer
``DEADLINE_MARGIN`` seconds past its deadline is cancelled and answered 503 (decision 0042), so no request waits
longer than its deadline plus that margin, queueing included.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections import deque
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

import pymongo
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from borgerplan_plumbing.problems import Problem, problem_response

DEADLINE_HEADER = "x-borgerplan-deadline-ms"
FROM_HEADER = "x-borgerplan-from"  # the calling service; the gateway's calls are the edge's own
EDGE = "gateway"
_DEADLINE, _FROM, _EDGE = DEADLINE_HEADER.encode(), FROM_HEADER.encode(), EDGE.encode()
T = TypeVar("T")
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("borgerplan_deadline", default=None)
# Paths that never queue or shed: an orchestrator must always learn whether the process is alive and ready.
UNLIMITED = ("/healthz", "/readyz", "/metrics", "/api/v1/healthz", "/api/v1/readyz")
# Past its deadline a request's own database and service calls have failed already (503); this is the backstop for
# what waits on neither.
DEADLINE_MARGIN = 0.5


def remaining(default: float) -> float:
    """Seconds left of the current request's deadline (``default`` outside a request), never below 1 ms."""
    deadline = _deadline.get()
    if deadline is None:
        return default
    return max(0.001, min(default, deadline - time.monotonic()))


def outside_the_deadline(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """``work`` as a task in a context of its own: none of the current request's deadline applies to it (neither
    ``remaining`` nor ``pymongo.timeout``), only the client's default timeout. For what must happen once the request
    did its part, however little of its time is left (a batch that outlives it, the record of a create)."""
    return asyncio.create_task(work, context=contextvars.Context())


class Shed(Exception):
    """No slot within the queue time: the caller gets 503 with Retry-After."""


class ConcurrencyLimit:
    """At most ``limit`` holders; up to ``queue`` waiters, each for at most ``wait`` seconds (FIFO).

    Waiting is for a moment's crowd, not for an overload: once a waiter's time ran out without a slot, nobody waits
    for ``futile`` seconds after (a request that finds every slot taken is refused at once). In a burst that lasts,
    the refusals then cost no queue time; after it, the queue is there again for the next short crowd.
    """

    def __init__(self, limit: int, queue: int, wait: float, futile: float = 1.0) -> None:
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self.futile = futile
        self.in_flight = 0
        self.shed_total = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._no_waiting_until = 0.0  # monotonic time until which waiting is futile

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return
        if len(self._waiters) >= self.queue or self.wait <= 0 or time.monotonic() < self._no_waiting_until:
            self.shed_total += 1
            raise Shed
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(self.wait):
                await waiter
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return  # release() handed the slot over just as the wait ran out: it is this request's
            self.shed_total += 1
            self._no_waiting_until = time.monotonic() + self.futile
            raise Shed from None
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # cancelled after the slot was handed over: pass it on, never lose it
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        # release() handed its slot to this waiter: in_flight already counts it.

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the waiter directly
                return
        self.in_flight -= 1


async def _unavailable(detail: str, kind: str, scope: Scope, receive: Receive, send: Send) -> None:
    problem = Problem(503, "Service unavailable", detail, kind=kind, headers={"Retry-After": "1"})
    await problem_response(problem, scope["path"])(scope, receive, send)


class LoadLimitMiddleware:
    """Plain ASGI (no per-request task or stream): admit, set the deadline, or refuse at once."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: ConcurrencyLimit,
        timeout_seconds: float,
        nested: ConcurrencyLimit | None = None,
        unlimited: Iterable[str] = UNLIMITED,
    ) -> None:
        self.app = app
        self.limit = limit
        self.nested = nested or limit
        self.timeout_seconds = timeout_seconds
        self.unlimited = tuple(unlimited)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith(self.unlimited):
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        budget, limit = self.timeout_seconds, self.limit
        for name, value in scope.get("headers", ()):
            if name == _DEADLINE:
                try:
                    budget = min(budget, max(0.001, int(value) / 1000))
                except ValueError:
                    pass
            elif name == _FROM and value != _EDGE:
                limit = self.nested
        try:
            await limit.acquire()
        except Shed:
            await _unavailable("The service is busy; try again shortly.", "overloaded", scope, receive, send)
            return
        try:
            # the wait for the slot is inside the deadline
            budget = max(0.001, arrived + budget - time.monotonic())
            token = _deadline.set(time.monotonic() + budget)
            try:
                with pymongo.timeout(budget):
                    await self._within(budget + DEADLINE_MARGIN, scope, receive, send)
            finally:
                _deadline.reset(token)
        finally:
            limit.release()

    async def _within(self, seconds: float, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, cancelled and answered 503 if it has not begun its answer within ``seconds``."""
        task = asyncio.current_task()
        assert task is not None
        begun = cut = False

        async def watched(message: Message) -> None:
            nonlocal begun
            begun = True
            await send(message)

        def expire() -> None:
            nonlocal cut
            if not begun:
                cut = True
                task.cancel()

        timer = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            await self.app(scope, receive, watched)
        except asyncio.CancelledError:
            if not cut or task.uncancel() > 0:
                raise  # cancelled for another reason (the client went away, shutdown)
            detail = "The request did not finish within its deadline; try again shortly."
            await _unavailable(detail, "deadline", scope, receive, send)
        finally:
            timer.cancel()
