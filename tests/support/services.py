"""Running one service in the test process against the real servers, and calling it as the gateway would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from borgerplan_plumbing.auth import CALLER_HEADER, Caller, sign_caller
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings

CASEWORKER = Caller(
    sub="t-caseworker",
    name="Test Sagsbehandler",
    unit="t-authority",
    unit_kind="authority",
    roles=["caseworker"],
)


def caller_headers(settings: Settings, caller: Caller = CASEWORKER) -> dict[str, str]:
    return {CALLER_HEADER: sign_caller(caller, settings.internal_secret.get_secret_value())}


@asynccontextmanager
async def running(
    build: Callable[[Settings], ServiceRuntime], settings: Settings, caller: Caller = CASEWORKER
) -> AsyncIterator[tuple[ServiceRuntime, httpx.AsyncClient]]:
    """The service started (broker, consumers, relay) with an HTTP client that signs ``caller``."""
    runtime = build(settings)
    await runtime.start()
    transport = httpx.ASGITransport(app=runtime.app)
    try:
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://service",
            headers=caller_headers(settings, caller),
            timeout=30.0,
        ) as client:
            yield runtime, client
    finally:
        await runtime.stop()
