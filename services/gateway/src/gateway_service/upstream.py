"""Calls from the gateway to the services, with the caller signed into ``X-Borgerplan-Caller``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from fastapi import Response

from borgerplan_plumbing.auth import CALLER_HEADER, Caller, sign_caller
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


class Upstreams:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = settings.internal_secret.get_secret_value()
        self.urls = {
            "plan": settings.plan_url,
            "meetings": settings.meetings_url,
            "consent": settings.consent_url,
            "notify": settings.notify_url,
        }
        timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=1.0)
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self.clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits)
            for name, url in self.urls.items()
        }

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

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
    ) -> httpx.Response:
        send_headers = {CALLER_HEADER: sign_caller(caller, self.secret)}
        for name, value in (headers or {}).items():
            if name.lower() in REQUEST_HEADERS:
                send_headers[name] = value
        try:
            return await self.clients[service].request(
                method, path, json=json, content=content, params=params, headers=send_headers
            )
        except httpx.HTTPError as exc:
            raise UpstreamUnavailableError(service) from exc

    async def ready(self, service: str) -> bool:
        try:
            response = await self.clients[service].get("/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200


def relay_response(upstream: httpx.Response) -> Response:
    """The service's answer as the gateway's, with ``Location`` moved under the public prefix."""
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in RESPONSE_HEADERS}
    if "location" in upstream.headers:
        headers["location"] = API_PREFIX + upstream.headers["location"]
    if upstream.headers.get("link", "").startswith("</"):
        headers["link"] = "<" + API_PREFIX + upstream.headers["link"][1:]
    return Response(content=upstream.content, status_code=upstream.status_code, headers=headers)
