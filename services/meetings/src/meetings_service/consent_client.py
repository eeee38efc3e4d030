"""Asking the consent service whether a unit may be invited or receive minutes (fails closed)."""

from __future__ import annotations

import logging

import httpx

from borgerplan_plumbing.auth import CALLER_HEADER, Caller, sign_caller

log = logging.getLogger(__name__)
UNAVAILABLE = "consent_unavailable"


class ConsentClient:
    def __init__(
        self,
        base_url: str,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 3.0,
    ) -> None:
        self.secret = secret
        self.client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)

    async def close(self) -> None:
        await self.client.aclose()

    async def permits(
        self, caller: Caller, citizen_id: str, unit: str, purpose: str
    ) -> tuple[bool, str, list[str]]:
        """(permitted, reason, consent ids). Any failure to get an answer is a deny."""
        try:
            response = await self.client.post(
                "/decisions",
                json={"citizen_id": citizen_id, "unit": unit, "purpose": purpose},
                headers={CALLER_HEADER: sign_caller(caller, self.secret)},
            )
        except httpx.HTTPError as exc:
            log.warning("consent service unreachable", extra={"error": type(exc).__name__})
            return False, UNAVAILABLE, []
        if response.status_code != 200:
            return False, UNAVAILABLE, []
        body = response.json()
        return bool(body["permit"]), str(body["reason"]), list(body["consent_ids"])

    async def record_disclosure(self, caller: Caller, body: dict[str, object]) -> bool:
        try:
            response = await self.client.post(
                "/disclosures", json=body, headers={CALLER_HEADER: sign_caller(caller, self.secret)}
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 201
