"""Calls from the gateway to the services, with the caller signed into ``X-Borgerplan-Caller``."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from fastapi import Response
from multidict import CIMultiDictProxy

from borgerplan_plumbing.auth import CALLER_HEADER, Caller, sign_caller
from borgerplan_plumbing.problems import Problem
from borgerplan_plumbing.settings import Settings

# Headers that pass through unchanged in each direction.
REQUEST_HEADERS = ("if-match", "idempotency-key", "content-type")
RESPONSE_HEADERS = (
    "etag",
    "location",
    "link",
    "content-type",
    "content-disposition",
    "idempotent-replayed",
    "retry-after",
)
API_PREFIX = "/api/v1"


class UpstreamUnavailableError(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(f"{service} did not answer")
        self.service = service


@dataclass(frozen=True)
class UpstreamResponse:
    """A service's answer, read whole."""

    status_code: int
    headers: CIMultiDictProxy[str]
    content: bytes
    elapsed_ms: float

    def json(self) -> Any:
        return json.loads(self.content)


class Upstreams:
    """One connection pool per service (aiohttp: on this path it costs a fifth of httpx's CPU per call, which
    the composed view's three calls feel). Sessions are made on first use, inside the running event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = settings.internal_secret.get_secret_value()
        self.urls = {
            "plan": settings.plan_url,
            "meetings": settings.meetings_url,
            "consent": settings.consent_url,
            "notify": settings.notify_url,
        }
        self.timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_seconds, connect=1.0)
        self._sessions: dict[str, aiohttp.ClientSession] = {}

    def _session(self, service: str) -> aiohttp.ClientSession:
        session = self._sessions.get(service)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                base_url=self.urls[service].rstrip("/") + "/",
                timeout=self.timeout,
                connector=aiohttp.TCPConnector(limit=200, ttl_dns_cache=300),
            )
            self._sessions[service] = session
        return session

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        caller: Caller,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> UpstreamResponse:
        send_headers = {CALLER_HEADER: sign_caller(caller, self.secret)}
        for name, value in (headers or {}).items():
            if name.lower() in REQUEST_HEADERS:
                send_headers[name] = value
        began = time.perf_counter()
        try:
            async with self._session(service).request(
                method,
                path.lstrip("/"),
                json=json,
                data=content,
                params=params,
                headers=send_headers,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                return UpstreamResponse(
                    response.status, response.headers, body, (time.perf_counter() - began) * 1000
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise UpstreamUnavailableError(service) from exc

    async def ready(self, service: str) -> bool:
        try:
            async with self._session(service).get("readyz") as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False


def unavailable(service: str) -> Problem:
    return Problem(
        503,
        "Service unavailable",
        f"The {service} service did not answer; try again shortly.",
        headers={"Retry-After": "5"},
    )


async def fetch_one(
    upstreams: Upstreams, service: str, path: str, caller: Caller, what: str
) -> UpstreamResponse:
    """GET one resource from its service: 404 as "no such <what>", no answer (or an error) as 503."""
    try:
        response = await upstreams.request(service, "GET", path, caller)
    except UpstreamUnavailableError as exc:
        raise unavailable(service) from exc
    if response.status_code == 404:
        raise Problem(404, "Not found", f"No {what} with that id.")
    if response.status_code != 200:
        raise unavailable(service)
    return response


def relay_response(upstream: UpstreamResponse) -> Response:
    """The service's answer as the gateway's, with ``Location`` moved under the public prefix."""
    headers = {k.lower(): v for k, v in upstream.headers.items() if k.lower() in RESPONSE_HEADERS}
    if "location" in upstream.headers:
        headers["location"] = API_PREFIX + upstream.headers["location"]
    if upstream.headers.get("link", "").startswith("</"):
        headers["link"] = "<" + API_PREFIX + upstream.headers["link"][1:]
    return Response(content=upstream.content, status_code=upstream.status_code, headers=headers)
