"""The pages' only way to Borgerplan: the gateway's public API (``/api/v1``) with the signed-in person's token.

Every call has a timeout. An answer outside 2xx becomes an ``ApiProblem`` carrying the RFC 9457 problem detail
(``errors[]`` with field and message for bad input), so pages can turn it into Danish words next to the fields; a
gateway that cannot be reached, or does not answer in time, is an ``ApiProblem`` with status 503. Nothing that
comes back is cached: the pages hold no citizen data.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

PROBLEM_TYPE_BASE = "urn:borgerplan:problem:"
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ApiProblem(Exception):
    """The gateway refused or could not answer: status, title, detail and the field errors it named."""

    def __init__(
        self,
        status: int,
        title: str = "",
        detail: str = "",
        *,
        kind: str = "",
        errors: list[dict[str, str]] | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.errors = errors or []
        self.retry_after = retry_after

    @property
    def consent_missing(self) -> bool:
        return self.status == 403 and self.kind == "consent-missing"

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiProblem:
        body: dict[str, Any] = {}
        if response.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                body = parsed
        errors = body.get("errors")
        kind = str(body.get("type", ""))
        return cls(
            response.status_code,
            str(body.get("title", "")),
            str(body.get("detail", "")),
            kind=kind.removeprefix(PROBLEM_TYPE_BASE),
            errors=[
                {"field": str(e.get("field", "")), "message": str(e.get("message", ""))}
                for e in errors
                if isinstance(e, dict)
            ]
            if isinstance(errors, list)
            else [],
            retry_after=response.headers.get("retry-after"),
        )


class GatewayUnavailableError(ApiProblem):
    """No answer in time (or no connection): the page says so in Danish and loses nothing the person typed."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, "Service unavailable", reason, kind="gateway-unavailable")


@dataclass
class ApiResponse:
    status: int
    data: Any
    etag: str | None = None
    location: str | None = None
    next_cursor: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _cursor_of(link_header: str | None) -> str | None:
    """The ``cursor`` of the ``rel="next"`` link, the one part of it the pages pass on."""
    if not link_header:
        return None
    match = _LINK_NEXT.search(link_header)
    if match is None:
        return None
    cursor: str | None = httpx.URL(match.group(1)).params.get("cursor")
    return cursor


class Gateway:
    """One HTTP client (a pool) shared by the process; ``as_person`` binds one person's token to it."""

    def __init__(self, http: httpx.AsyncClient, timeout: float = 5.0) -> None:
        self.http = http
        self.timeout = timeout

    def as_person(self, token: str, request_id: str | None = None) -> PersonApi:
        return PersonApi(self, token, request_id or uuid.uuid4().hex)

    async def ready(self) -> bool:
        try:
            response = await self.http.get("/api/v1/healthz", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def close(self) -> None:
        await self.http.aclose()


class PersonApi:
    """The public API as one signed-in person: their bearer token on every call, never shown to the page."""

    def __init__(self, gateway: Gateway, token: str, request_id: str) -> None:
        self._gateway = gateway
        self._token = token
        self.request_id = request_id
        # the wall-clock time this request spent waiting for the gateway (calls made at once count once), for the
        # Server-Timing header: the page's time minus this is the pages' own
        self.spent_ms = 0.0
        self._in_flight = 0
        self._since = 0.0

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        if_match: str | None = None,
        idempotency_key: str | None = None,
        accept: str = "application/json",
    ) -> ApiResponse:
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": accept,
            "X-Request-ID": self.request_id,
        }
        if if_match:
            headers["If-Match"] = if_match
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        if self._in_flight == 0:
            self._since = time.perf_counter()
        self._in_flight += 1
        try:
            response = await self._gateway.http.request(
                method,
                f"/api/v1{path}",
                json=json,
                params=clean or None,
                headers=headers,
                timeout=self._gateway.timeout,
            )
        except httpx.TimeoutException as exc:
            raise GatewayUnavailableError("timeout") from exc
        except httpx.HTTPError as exc:
            raise GatewayUnavailableError(type(exc).__name__) from exc
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self.spent_ms += (time.perf_counter() - self._since) * 1000
        if response.status_code >= 400:
            raise ApiProblem.from_response(response)
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            data: Any = response.json() if response.content else None
        elif content_type.startswith("text/"):
            data = response.text
        else:
            data = response.content
        return ApiResponse(
            status=response.status_code,
            data=data,
            etag=response.headers.get("etag"),
            location=response.headers.get("location"),
            next_cursor=_cursor_of(response.headers.get("link")),
            headers=dict(response.headers),
        )

    async def get(self, path: str, **params: Any) -> ApiResponse:
        return await self.call("GET", path, params=params)

    async def post(
        self, path: str, body: Any, *, if_match: str | None = None, idempotency_key: str | None = None
    ) -> ApiResponse:
        return await self.call("POST", path, json=body, if_match=if_match, idempotency_key=idempotency_key)

    async def patch(self, path: str, body: Any, *, if_match: str | None = None) -> ApiResponse:
        return await self.call("PATCH", path, json=body, if_match=if_match)

    async def put(self, path: str, body: Any, *, if_match: str | None = None) -> ApiResponse:
        return await self.call("PUT", path, json=body, if_match=if_match)

    async def delete(self, path: str, *, if_match: str | None = None) -> ApiResponse:
        return await self.call("DELETE", path, if_match=if_match)
