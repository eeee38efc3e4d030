"""Load is shed, not queued: the concurrency limit and the request deadline (unit level, no servers)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from prometheus_client.exposition import generate_latest

from borgerplan_plumbing.auth import Caller, SignedCaller
from borgerplan_plumbing.internal import HttpxTransport, InternalClient
from borgerplan_plumbing.load import (
    DEADLINE_HEADER,
    DEADLINE_MARGIN,
    FROM_HEADER,
    ConcurrencyLimit,
    LoadLimitMiddleware,
    Shed,
    remaining,
)
from borgerplan_plumbing.problems import install_problem_handlers
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings


async def test_within_the_limit_requests_run_at_once() -> None:
    limit = ConcurrencyLimit(limit=2, queue=0, wait=0.05)
    await limit.acquire()
    await limit.acquire()
    assert limit.in_flight == 2
    limit.release()
    limit.release()
    assert limit.in_flight == 0


async def test_beyond_the_limit_with_no_queue_a_request_is_refused_at_once() -> None:
    limit = ConcurrencyLimit(limit=1, queue=0, wait=1.0)
    await limit.acquire()
    began = time.perf_counter()
    with pytest.raises(Shed):
        await limit.acquire()
    assert time.perf_counter() - began < 0.01
    assert limit.shed_total == 1


async def test_a_waiter_gets_the_slot_that_is_released() -> None:
    limit = ConcurrencyLimit(limit=1, queue=1, wait=1.0)
    await limit.acquire()
    waiter = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0.01)
    assert limit.waiting == 1
    limit.release()
    await asyncio.wait_for(waiter, 1)
    assert limit.in_flight == 1 and limit.waiting == 0
    limit.release()
    assert limit.in_flight == 0


async def test_a_waiter_gives_up_after_the_queue_time() -> None:
    limit = ConcurrencyLimit(limit=1, queue=5, wait=0.05)
    await limit.acquire()
    began = time.perf_counter()
    with pytest.raises(Shed):
        await limit.acquire()
    assert 0.04 < time.perf_counter() - began < 0.5
    assert limit.waiting == 0 and limit.in_flight == 1


async def test_after_a_wait_ran_out_nobody_waits_for_a_while_then_the_queue_is_back() -> None:
    limit = ConcurrencyLimit(limit=1, queue=5, wait=0.02, futile=0.2)
    await limit.acquire()
    with pytest.raises(Shed):
        await limit.acquire()  # waited 20 ms for nothing: an overload, not a moment's crowd
    began = time.perf_counter()
    with pytest.raises(Shed):
        await limit.acquire()
    assert time.perf_counter() - began < 0.01, "refused at once, no queue time"
    assert limit.shed_total == 2
    await asyncio.sleep(0.2)
    waiter = asyncio.create_task(limit.acquire())  # the window is over: it may wait again
    await asyncio.sleep(0.005)
    assert limit.waiting == 1
    limit.release()
    await asyncio.wait_for(waiter, 1)
    assert limit.in_flight == 1
    limit.release()


async def test_a_full_queue_refuses_at_once() -> None:
    limit = ConcurrencyLimit(limit=1, queue=1, wait=5.0)
    await limit.acquire()
    first = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0.01)
    began = time.perf_counter()
    with pytest.raises(Shed):
        await limit.acquire()
    assert time.perf_counter() - began < 0.01
    limit.release()
    await first
    limit.release()


def _app(limit: ConcurrencyLimit, timeout: float = 5.0, nested: ConcurrencyLimit | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(LoadLimitMiddleware, limit=limit, nested=nested, timeout_seconds=timeout)
    gate = asyncio.Event()
    app.state.gate = gate

    @app.get("/slow")
    async def slow() -> dict[str, float]:
        await gate.wait()
        return {"left": remaining(99.0)}

    @app.get("/deadline")
    async def deadline() -> dict[str, float | None]:
        return {"left": remaining(99.0), "mongo": _mongo_left()}

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


def _mongo_left() -> float | None:
    from pymongo import _csot

    return _csot.remaining()


async def test_the_middleware_answers_503_problem_with_retry_after_and_keeps_probes_open() -> None:
    limit = ConcurrencyLimit(limit=1, queue=0, wait=0.0)
    app = _app(limit)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        busy = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        refused = await client.get("/slow")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "urn:borgerplan:problem:overloaded"
        assert (await client.get("/readyz")).status_code == 200  # probes never queue
        app.state.gate.set()
        assert (await busy).status_code == 200
    assert limit.in_flight == 0 and limit.shed_total == 1


async def test_every_request_has_a_deadline_the_database_calls_inherit() -> None:
    app = _app(ConcurrencyLimit(limit=4, queue=0, wait=0.0), timeout=3.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        body = (await client.get("/deadline")).json()
        assert 2.5 < body["left"] <= 3.0
        assert body["mongo"] is not None and 2.5 < body["mongo"] <= 3.0
        # A caller that will wait less says so; the request gets no more than that.
        body = (await client.get("/deadline", headers={DEADLINE_HEADER: "400"})).json()
        assert 0.2 < body["left"] <= 0.4
        assert 0.2 < body["mongo"] <= 0.4
    assert remaining(7.0) == 7.0  # outside a request: the default


async def test_a_slot_handed_over_as_the_wait_runs_out_is_never_lost() -> None:
    """release() hands its slot to a waiter whose wait ends (timeout or cancellation) in the same loop turn."""
    limit = ConcurrencyLimit(limit=1, queue=5, wait=5.0)
    await limit.acquire()
    waiter = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0.01)
    limit.release()  # the slot passes to the waiter ...
    waiter.cancel()  # ... which is cancelled before it runs again (a client gone, a deadline)
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limit.in_flight == 0 and limit.waiting == 0


async def test_under_churn_every_slot_comes_back() -> None:
    """Many short requests against a short queue time: when they have all ended, no slot is left taken."""
    limit = ConcurrencyLimit(limit=4, queue=64, wait=0.002)

    async def request() -> bool:
        try:
            await limit.acquire()
        except Shed:
            return False
        try:
            await asyncio.sleep(0.003 * (hash(asyncio.current_task()) % 7) / 7)
        finally:
            limit.release()
        return True

    for _ in range(100):
        await asyncio.gather(*(request() for _ in range(50)))
    assert limit.in_flight == 0 and limit.waiting == 0
    assert await request()  # and the process still admits work


async def test_calls_from_other_services_have_slots_of_their_own() -> None:
    """A service full of the gateway's requests still admits another service's call made inside admitted work (a
    decision asking for the citizen's plans), and those calls cannot take the gateway's slots either."""
    edge, nested = ConcurrencyLimit(limit=1, queue=0, wait=0.0), ConcurrencyLimit(limit=1, queue=0, wait=0.0)
    app = _app(edge, nested=nested)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        from_gateway = asyncio.create_task(client.get("/slow", headers={FROM_HEADER: "gateway"}))
        await asyncio.sleep(0.05)
        assert edge.in_flight == 1 and nested.in_flight == 0
        # The edge's pool is full: the gateway's next request and one from outside are refused ...
        assert (await client.get("/slow", headers={FROM_HEADER: "gateway"})).status_code == 503
        assert (await client.get("/slow")).status_code == 503
        # ... a call from the consent service is not.
        from_consent = asyncio.create_task(client.get("/slow", headers={FROM_HEADER: "consent"}))
        await asyncio.sleep(0.05)
        assert nested.in_flight == 1
        assert (await client.get("/slow", headers={FROM_HEADER: "meetings"})).status_code == 503
        app.state.gate.set()
        assert (await from_gateway).status_code == 200 and (await from_consent).status_code == 200
    assert edge.in_flight == 0 and nested.in_flight == 0
    assert edge.shed_total == 2 and nested.shed_total == 1


async def test_the_internal_client_says_which_service_calls() -> None:
    seen: list[str | None] = []
    app = FastAPI()

    @app.get("/plans/p1")
    async def plan(request: Request) -> dict[str, str]:
        seen.append(request.headers.get(FROM_HEADER))
        return {"plan_id": "p1"}

    settings = Settings(service_name="borgerplan")
    caller = Caller(sub="u1", name="Sagsbehandler", unit="u", unit_kind="authority", roles=["caseworker"])
    for origin in ("consent", None):
        client = InternalClient(
            settings, transport=HttpxTransport(httpx.ASGITransport(app=app)), origin=origin
        )
        try:
            assert (await client.get("plan", "/plans/p1", caller)).status_code == 200
        finally:
            await client.close()
    assert seen == ["consent", "borgerplan"]


@pytest.mark.parametrize(("service", "pools"), [("plan", 2), ("gateway", 1)])
async def test_only_a_service_behind_the_gateway_has_a_pool_for_nested_calls(
    service: str, pools: int
) -> None:
    """At the gateway every caller is outside: a header naming a service must not buy it slots of its own."""
    runtime = ServiceRuntime(
        Settings(environment="test", max_in_flight=1, max_queued=0), service, title=service, kafka=False
    )
    gate = asyncio.Event()

    @runtime.app.get("/slow")
    async def slow() -> dict[str, str]:
        await gate.wait()
        return {}

    transport = httpx.ASGITransport(app=runtime.app)
    caller = Caller(sub="s", name="N", unit="u", unit_kind="authority", roles=["caseworker"])
    signed = SignedCaller(caller, runtime.settings.internal_secret.get_secret_value())
    async with httpx.AsyncClient(transport=transport, base_url="http://t", auth=signed) as client:
        busy = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        nested = asyncio.create_task(client.get("/slow", headers={FROM_HEADER: "consent"}))
        await asyncio.sleep(0.05)
        gate.set()
        answers = [(await busy).status_code, (await nested).status_code]
    assert answers == ([200, 200] if pools == 2 else [200, 503])
    metrics = generate_latest(runtime.metrics.registry).decode()
    assert metrics.count("borgerplan_http_requests_in_flight{") == pools


async def test_a_request_that_outlives_its_deadline_is_cut_and_answered_503() -> None:
    """What waits on neither the database nor a service (here a plain sleep) is cut at the deadline plus the margin."""
    app = _app(ConcurrencyLimit(limit=4, queue=0, wait=0.0), timeout=0.3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        started = time.monotonic()
        answer = await client.get("/slow")  # the gate is never opened
        took = time.monotonic() - started
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:borgerplan:problem:deadline"
    assert 0.3 + DEADLINE_MARGIN - 0.05 <= took <= 0.3 + DEADLINE_MARGIN + 0.5


async def test_the_wait_for_a_slot_is_inside_the_deadline() -> None:
    limit = ConcurrencyLimit(limit=1, queue=1, wait=0.2)
    app = _app(limit, timeout=1.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        busy = asyncio.create_task(client.get("/slow"))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(client.get("/deadline"))
        await asyncio.sleep(0.15)
        app.state.gate.set()
        assert (await busy).status_code == 200
        left = (await waiting).json()["left"]
    assert left <= 1.0 - 0.1  # it waited about 0.15 s for the slot, and that came off its deadline


async def test_an_answer_begun_in_time_is_not_cut() -> None:
    app = FastAPI()
    app.add_middleware(LoadLimitMiddleware, limit=ConcurrencyLimit(4, 0, 0.0), timeout_seconds=0.1)

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"begun "
            await asyncio.sleep(0.1 + DEADLINE_MARGIN + 0.2)
            yield b"and finished"

        return StreamingResponse(parts())

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/stream")
    assert answer.status_code == 200
    assert answer.text == "begun and finished"
