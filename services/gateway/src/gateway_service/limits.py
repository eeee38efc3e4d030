"""Edge checks: a per-caller rate limit (429) and no encoded slash in a path (404), both as problem details. The
request's size and the time it takes to arrive are the door's (``borgerplan_plumbing.door``, decision 0041).

A path segment is decoded before routing, so an id holding an encoded slash (``%2F``) would be read as two segments
and could select another route (``/plans/{id}%2Fhistory`` → the history route). No id holds a slash, so such a
path names nothing.

The rate limit is a token bucket per caller (the token's ``sub``, else the client address) in each gateway
process: with N replicas the effective limit is N times higher, which is acceptable for abuse protection; a shared
limit would need a shared store.
"""

from __future__ import annotations

import functools
import time

import jwt
from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from borgerplan_plumbing.problems import Problem, problem_response


class TokenBucket:
    def __init__(self, rate_per_second: float, burst: int) -> None:
        self.rate, self.burst = rate_per_second, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed; otherwise the seconds until a token is free."""
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self.buckets[key] = (tokens - 1, now)
            if len(self.buckets) > 100_000:  # forget idle callers
                self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 60}
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate


def _subject(token: str) -> str | None:
    """The token's ``sub``, unverified: only to pick the bucket (the token is verified later)."""
    try:
        sub = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except jwt.PyJWTError:
        return None
    return sub if isinstance(sub, str) and sub else None


# A function of the token's text alone, so remembered for tokens of an ordinary size: the same few tokens come with
# every request. (Not for any size: made-up long tokens must not fill the memory.)
_remembered_subject = functools.lru_cache(maxsize=10_000)(_subject)
REMEMBERED_TOKEN_CHARS = 4096


def _caller_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:]
        sub = _remembered_subject(token) if len(token) <= REMEMBERED_TOKEN_CHARS else _subject(token)
        if sub:
            return f"sub:{sub}"
    return f"ip:{request.client.host if request.client else 'unknown'}"


class LimitsMiddleware:
    """Per-caller rate limit (429), as plain ASGI (no per-request task or stream). The body's size (413) and the time
    it takes to arrive (408) are the door's, before the load limit (``borgerplan_plumbing.door``, decision 0041)."""

    def __init__(self, app: ASGIApp, bucket: TokenBucket) -> None:
        self.app = app
        self.bucket = bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        problem = None
        if path.startswith("/api/v1/") and not path.endswith(("/healthz", "/readyz")):
            wait = self.bucket.take(_caller_key(request))
            if wait:
                problem = Problem(
                    429,
                    "Too many requests",
                    "Slow down and try again shortly.",
                    headers={"Retry-After": str(max(1, round(wait)))},
                )
        if problem is None and b"%2f" in scope.get("raw_path", b"").lower():
            problem = Problem(404, "Not found", "No resource has a slash in its id.")
        if problem is not None:
            await problem_response(problem, path)(scope, receive, send)
            return
        await self.app(scope, receive, send)
