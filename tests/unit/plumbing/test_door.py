"""The door (decision 0041): a request read whole in bounded time and size before it asks for a slot; refusals are
problem+json. The middleware with a scripted ASGI receive; the protocol in a uvicorn of its own on the loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request

from borgerplan_plumbing.door import READ_STARTED, WholeRequestMiddleware, guarded_protocol
from borgerplan_plumbing.load import ConcurrencyLimit, LoadLimitMiddleware


def _scope(headers: list[tuple[bytes, bytes]] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/x", "headers": headers or [], **extra}


async def _call(
    app: Any, scope: dict[str, Any], messages: list[tuple[float, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``app`` with a receive that hands out ``messages`` each after its delay; what it sent."""
    sent: list[dict[str, Any]] = []
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if not queue:
            await asyncio.sleep(3600)
        delay, message = queue.pop(0)
        await asyncio.sleep(delay)
        return message

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def _status(sent: list[dict[str, Any]]) -> int:
    return int(sent[0]["status"])


def _problem(sent: list[dict[str, Any]]) -> dict[str, Any]:
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"application/problem+json"
    body: dict[str, Any] = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    return body


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[float, bytes]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.calls.append((time.monotonic(), message["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def test_the_body_is_read_whole_before_the_app_sees_the_request() -> None:
    inner = Recorder()
    door = WholeRequestMiddleware(inner, read_timeout_seconds=2.0, max_body_bytes=100)
    parts = [(0.05, {"type": "http.request", "body": b"ab", "more_body": True})] * 3
    parts.append((0.05, {"type": "http.request", "body": b"c", "more_body": False}))
    started = time.monotonic()
    sent = await _call(door, _scope(), parts)
    assert _status(sent) == 200
    assert inner.calls[0][1] == b"abababc"  # one message, the whole body
    assert inner.calls[0][0] - started >= 0.2  # only once the last part was in


async def test_a_body_not_whole_within_the_read_timeout_is_answered_408() -> None:
    inner = Recorder()
    door = WholeRequestMiddleware(inner, read_timeout_seconds=0.3, max_body_bytes=100)
    parts = [(0.1, {"type": "http.request", "body": b"a", "more_body": True})] * 20
    started = time.monotonic()
    sent = await _call(door, _scope(), parts)
    assert 0.25 <= time.monotonic() - started <= 0.6
    assert _status(sent) == 408
    assert _problem(sent)["type"] == "urn:borgerplan:problem:request-timeout"
    assert dict(sent[0]["headers"])[b"connection"] == b"close"
    assert inner.calls == []


async def test_the_read_timeout_counts_from_the_requests_first_byte() -> None:
    door = WholeRequestMiddleware(Recorder(), read_timeout_seconds=1.0, max_body_bytes=100)
    scope = _scope(**{READ_STARTED: time.monotonic() - 0.9})  # the head took 0.9 s already
    parts = [(0.3, {"type": "http.request", "body": b"a", "more_body": False})]
    assert _status(await _call(door, scope, parts)) == 408


async def test_a_body_over_the_limit_is_answered_413_announced_or_not() -> None:
    inner = Recorder()
    door = WholeRequestMiddleware(inner, read_timeout_seconds=2.0, max_body_bytes=10)
    announced = await _call(door, _scope([(b"content-length", b"11")]), [])  # refused before a byte is read
    assert _status(announced) == 413
    chunked = [(0.0, {"type": "http.request", "body": b"123456", "more_body": True})] * 2
    sent = await _call(door, _scope(), chunked)
    assert _status(sent) == 413
    assert _problem(sent)["type"] == "urn:borgerplan:problem:content-too-large"
    assert inner.calls == []


async def test_a_slow_body_holds_no_slot() -> None:
    """With the door outside the load limit, a body still coming leaves every slot free for others."""
    limit = ConcurrencyLimit(limit=1, queue=0, wait=0.0)
    inner = LoadLimitMiddleware(Recorder(), limit=limit, timeout_seconds=5.0)
    door = WholeRequestMiddleware(inner, read_timeout_seconds=0.5, max_body_bytes=100)
    slow = asyncio.create_task(
        _call(door, _scope(), [(0.1, {"type": "http.request", "body": b"a", "more_body": True})] * 10)
    )
    await asyncio.sleep(0.2)
    assert limit.in_flight == 0
    quick = await _call(door, _scope(), [(0.0, {"type": "http.request", "body": b"{}", "more_body": False})])
    assert _status(quick) == 200
    assert _status(await slow) == 408


# --- the protocol: a uvicorn of its own on the loopback -------------------------------------------------------


@pytest.fixture
async def server() -> AsyncIterator[int]:
    app = FastAPI()

    @app.get("/hi")
    async def hi(request: Request) -> dict[str, bool]:
        return {"timed": READ_STARTED in request.scope}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=guarded_protocol(0.4, 2048),
        log_level="warning",
        lifespan="off",
    )
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    while not running.started:  # noqa: ASYNC110 - uvicorn's Server offers no event to wait on
        await asyncio.sleep(0.01)
    yield port
    running.should_exit = True
    await task


async def _exchange(port: int, data: bytes, *, then: bytes = b"", every: float = 0.0) -> tuple[bytes, float]:
    """``data``, then ``then`` a byte each ``every`` seconds while no answer came; the answer's first bytes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    answer = asyncio.create_task(
        reader.read(65536)
    )  # read as it comes, before a write may find the pipe broken
    writer.write(data)
    for byte in then:
        await asyncio.wait([answer], timeout=every)
        if answer.done():
            break
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except OSError:
            break
    received = await asyncio.wait_for(answer, 5)
    writer.close()
    return received, time.monotonic() - started


def _head_and_body(answer: bytes) -> tuple[bytes, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head
    return head.split(b"\r\n")[0], json.loads(body)


async def test_a_whole_request_is_served_and_timed_from_its_first_byte(server: int) -> None:
    answer, _ = await _exchange(server, b"GET /hi HTTP/1.1\r\nHost: t\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(b'{"timed":true}')


async def test_headers_not_whole_in_time_are_answered_408(server: int) -> None:
    answer, took = await _exchange(
        server, b"GET /hi HTTP/1.1\r\nHost: t\r\nX-Slow: ", then=b"abcdefghij", every=0.1
    )
    line, problem = _head_and_body(answer)
    assert line.startswith(b"HTTP/1.1 408")
    assert problem["status"] == 408
    assert 0.35 <= took <= 1.0


async def test_a_connection_that_sends_nothing_is_closed_at_the_read_timeout(server: int) -> None:
    answer, took = await _exchange(server, b"")
    assert answer.startswith(b"HTTP/1.1 408")
    assert 0.35 <= took <= 1.0


@pytest.mark.parametrize("split", [False, True])
async def test_headers_over_the_limit_are_answered_431(server: int, split: bool) -> None:
    big = b"GET /hi HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 4096
    if split:  # a header line still growing: refused before it ends
        answer, _ = await _exchange(server, big)
    else:
        answer, _ = await _exchange(server, big + b"\r\n\r\n")
    line, problem = _head_and_body(answer)
    assert line.startswith(b"HTTP/1.1 431")
    assert problem["type"] == "urn:borgerplan:problem:headers-too-large"


async def test_a_raw_nul_in_a_header_is_answered_problem_400(server: int) -> None:
    answer, _ = await _exchange(server, b"GET /hi HTTP/1.1\r\nHost: t\r\nX-Name: a\x00b\r\n\r\n")
    line, problem = _head_and_body(answer)
    assert line.startswith(b"HTTP/1.1 400")
    assert problem["type"] == "urn:borgerplan:problem:bad-request"


async def test_keep_alive_requests_each_get_their_own_read_timeout(server: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    for _ in range(3):
        writer.write(b"GET /hi HTTP/1.1\r\nHost: t\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1]
        )
        await reader.readexactly(length)
        await asyncio.sleep(0.3)  # together longer than one read timeout, each request well within its own
    writer.close()
