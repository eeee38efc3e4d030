"""Slow clients as an attacker runs them (issue 33): raw connections that send a request's head, or its body, a byte
at a time and hold on. What ``tests/resilience`` and ``bench/overload.py`` attack the door with (decision 0041).

``slow_request`` is one such connection: it returns what the server answered (the status, the first bytes) and how
long after the connection that came, or that nothing came before it gave up. ``hold_slow`` keeps ``connections`` of
them open for ``seconds``, opening a new one whenever the server cuts one, and counts what happened.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["body", "headers"]


@dataclass
class SlowAnswer:
    status: int | None  # None: no answer before the client gave up (or the server closed without one)
    seconds: float  # from the connection to the answer (or to giving up)
    head: bytes = b""  # the first bytes of the answer

    @property
    def content_type(self) -> str:
        for line in self.head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-type":
                return value.strip().decode("latin-1")
        return ""

    @property
    def body(self) -> bytes:
        return self.head.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.head else b""


def _head(kind: Kind, host: str, path: str) -> bytes:
    if kind == "body":
        # the whole head at once, then a body that never finishes: 1 KB announced, a byte a second sent
        return (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Content-Length: 1024\r\n\r\n"
        ).encode()
    # the request line, then a header that never ends
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Slow: ".encode()


async def slow_request(
    host: str, port: int, *, kind: Kind, path: str, give_up_after: float, interval: float = 1.0
) -> SlowAnswer:
    """One connection sending its ``kind`` one byte per ``interval`` until the server answers or closes, or
    ``give_up_after`` seconds passed."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    answer: asyncio.Task[bytes] = asyncio.create_task(reader.read(65536))
    try:
        writer.write(_head(kind, host, path))
        await writer.drain()
        while not answer.done() and time.monotonic() - started < give_up_after:
            await asyncio.wait([answer], timeout=min(interval, give_up_after - (time.monotonic() - started)))
            if answer.done():
                break
            try:
                writer.write(b"a")
                await writer.drain()
            except ConnectionError:
                await asyncio.wait([answer], timeout=1.0)
                break
        seconds = time.monotonic() - started
        if not answer.done():
            return SlowAnswer(None, seconds)
        data = b""
        try:
            data = answer.result()
        except ConnectionError:
            pass
        data += await _rest(reader, data)
        if not data.startswith(b"HTTP/"):
            return SlowAnswer(None, seconds, data)
        return SlowAnswer(int(data.split(b" ", 2)[1]), seconds, data)
    finally:
        answer.cancel()
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def _rest(reader: asyncio.StreamReader, first: bytes) -> bytes:
    """What follows the answer's first bytes, up to its end (a refusal closes the connection), within 2 s."""
    rest = b""
    try:
        async with asyncio.timeout(2.0):
            while first and (chunk := await reader.read(65536)):
                rest += chunk
    except (TimeoutError, ConnectionError):
        pass
    return rest


@dataclass
class SlowFigures:
    kind: Kind
    connections: int
    seconds: float
    opened: int = 0
    answered: Counter[int] = field(default_factory=Counter)  # by status
    cut_without_answer: int = 0
    held_to_the_end: int = 0
    times_to_answer: list[float] = field(default_factory=list)

    def summary(self) -> str:
        times = sorted(self.times_to_answer)
        slowest = f", slowest answer after {times[-1]:.1f} s" if times else ""
        return (
            f"{self.connections} slow-{self.kind} connections for {self.seconds:g} s: {self.opened} opened, answered "
            f"{dict(sorted(self.answered.items())) or 'never'}, {self.cut_without_answer} cut without an answer, "
            f"{self.held_to_the_end} still held at the end{slowest}"
        )


async def hold_slow(
    host: str, port: int, *, kind: Kind, connections: int, seconds: float, path: str, interval: float = 1.0
) -> SlowFigures:
    """``connections`` slow connections held for ``seconds``: each one the server cuts is opened again at once."""
    figures = SlowFigures(kind, connections, seconds)
    deadline = time.monotonic() + seconds

    async def one() -> None:
        while (left := deadline - time.monotonic()) > 0.05:
            figures.opened += 1
            try:
                answer = await slow_request(
                    host, port, kind=kind, path=path, give_up_after=left, interval=interval
                )
            except OSError:
                figures.cut_without_answer += 1
                await asyncio.sleep(0.1)
                continue
            if answer.status is not None:
                figures.answered[answer.status] += 1
                figures.times_to_answer.append(answer.seconds)
            elif deadline - time.monotonic() <= 0.05:
                figures.held_to_the_end += 1
            else:
                figures.cut_without_answer += 1

    await asyncio.gather(*(one() for _ in range(connections)))
    return figures
