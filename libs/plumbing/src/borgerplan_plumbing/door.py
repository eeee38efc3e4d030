"""The door: a request is read whole, within a bounded time and size, before anything works on it (decision 0041).

A slow client must not hold what other callers need. Before this, 40 clients that sent the headers of a POST and
then held the body filled the gateway's 16 slots and 16 waiting places (decision 0032) and every other caller got
503 for as long as they held on; one sending at 1 byte/s got no 408. The edge's proxy (decision 0040) buffers a
request before it passes it on, but the application holds without it too:

- ``GuardedHttpToolsProtocol`` (uvicorn's httptools protocol, run by ``borgerplan_plumbing.serve``) times the
  request line and headers from the connection's (or the request's) first byte: not whole within
  ``read_timeout_seconds`` -> 408; more than ``max_header_bytes`` of them -> 431; not valid HTTP (a raw NUL in a
  header) -> 400. Each is problem+json and closes the connection; uvicorn itself answers plain text and has no
  bound at all on the time headers take.
- ``WholeRequestMiddleware``, outside the load limit, reads the whole body before the request asks for a slot,
  within what is left of the same read timeout (408) and at most ``max_body_bytes`` (413). So a slow body holds a
  coroutine and its bytes, never a slot, and the request's deadline (decision 0033) starts once it is whole.
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from borgerplan_plumbing.problems import MEDIA_TYPE, Problem, problem_response

# The monotonic time of a request's first byte (or of its connection's, for the first request), in the ASGI scope.
READ_STARTED = "borgerplan.read_started"


def _refusal(status: int, title: str, detail: str, kind: str) -> Problem:
    """A refusal at the door: the connection closes after it (what else the client sends is not read)."""
    return Problem(status, title, detail, kind=kind, headers={"Connection": "close"})


def request_timeout_problem(seconds: float) -> Problem:
    detail = f"The request was not received whole within {seconds:g} seconds."
    return _refusal(408, "Request timeout", detail, "request-timeout")


def headers_too_large_problem(limit: int) -> Problem:
    detail = f"The request line and headers may be at most {limit} bytes."
    return _refusal(431, "Request header fields too large", detail, "headers-too-large")


def body_too_large_problem(limit: int) -> Problem:
    return _refusal(
        413, "Content too large", f"The request body may be at most {limit} bytes.", "content-too-large"
    )


BAD_REQUEST = _refusal(
    400,
    "Bad request",
    "The request is not valid HTTP (for example a header holds a control character).",
    "bad-request",
)


class _HeadersTooLarge(Exception):
    pass


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the time and the size of a request's head, and problem+json
    refusals. The two bounds are class attributes: ``guarded_protocol`` makes a subclass with the settings' values."""

    read_timeout_seconds = 10.0
    max_header_bytes = 16_384

    _head_timer: asyncio.TimerHandle | None = None
    _head_started = 0.0
    _head_bytes = 0  # of the request line and the headers parsed so far
    _raw_bytes = 0  # received while the head is not whole yet
    _in_head = False
    _refused = False
    _too_large = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _start_head(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        if self._head_timer is None:
            self._head_started = time.monotonic()
            self._head_timer = self.loop.call_later(self.read_timeout_seconds, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self._refuse(request_timeout_problem(self.read_timeout_seconds))

    def _refuse(self, problem: Problem) -> None:
        self._refused = True
        self._stop_head_timer()
        body = json.dumps(problem.body()).encode()
        head = [
            f"HTTP/1.1 {problem.status} {problem.title}\r\n".encode(),
            *(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers),
            f"content-type: {MEDIA_TYPE}\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n".encode(),
        ]
        self.transport.write(b"".join(head) + body)
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer when httptools stops: not valid HTTP, or the headers grew too large (``_count``)."""
        self._refuse(headers_too_large_problem(self.max_header_bytes) if self._too_large else BAD_REQUEST)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._raw_bytes += len(data)
        super().data_received(data)
        if not self._refused and self._in_head and self._raw_bytes > self.max_header_bytes:
            self._refuse(headers_too_large_problem(self.max_header_bytes))

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_header_bytes:
            # raised inside httptools' callback: it stops parsing and feed_data raises HttpParserCallbackError,
            # which uvicorn answers through send_400_response; the flag makes that a 431
            self._too_large = True
            raise _HeadersTooLarge

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head()
        self.scope[READ_STARTED] = self._head_started  # type: ignore[literal-required]

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._raw_bytes = 0
        self._stop_head_timer()
        super().on_headers_complete()


def guarded_protocol(read_timeout_seconds: float, max_header_bytes: int) -> type[GuardedHttpToolsProtocol]:
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"read_timeout_seconds": read_timeout_seconds, "max_header_bytes": max_header_bytes},
    )


class WholeRequestMiddleware:
    """Plain ASGI, outside the load limit: the body read whole (408 past the read timeout, 413 past the size), then
    the request handed on with it, so it asks for a slot only once nothing more is to be waited for."""

    def __init__(self, app: ASGIApp, *, read_timeout_seconds: float, max_body_bytes: int) -> None:
        self.app = app
        self.read_timeout_seconds = read_timeout_seconds
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await problem_response(body_too_large_problem(self.max_body_bytes), scope["path"])(
                    scope, receive, send
                )
                return
        started = scope.get(READ_STARTED) or time.monotonic()
        left = started + self.read_timeout_seconds - time.monotonic()
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(max(0.0, left)):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return  # the caller is gone: nobody to answer
                    body = message.get("body", b"")
                    size += len(body)
                    if size > self.max_body_bytes:
                        problem = body_too_large_problem(self.max_body_bytes)
                        await problem_response(problem, scope["path"])(scope, receive, send)
                        return
                    chunks.append(body)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            problem = request_timeout_problem(self.read_timeout_seconds)
            await problem_response(problem, scope["path"])(scope, receive, send)
            return
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        handed = False

        async def replay() -> Message:
            nonlocal handed
            if not handed:
                handed = True
                return whole
            return await receive()

        await self.app(scope, replay, send)
