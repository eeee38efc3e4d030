"""Running one service in the test process against the real servers, and calling it as the gateway would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from borgerplan_plumbing.auth import Caller, SignedCaller
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings

CASEWORKER = Caller(
    sub="t-caseworker",
    name="Test Sagsbehandler",
    unit="t-authority",
    unit_kind="authority",
    roles=["caseworker"],
)


def signed_as(settings: Settings, caller: Caller = CASEWORKER) -> SignedCaller:
    """httpx's ``auth=``: each call signed as ``caller`` for its own method and path, as the gateway signs."""
    return SignedCaller(caller, settings.internal_secret.get_secret_value())


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
            auth=signed_as(settings, caller),
            timeout=30.0,
        ) as client:
            yield runtime, client
    finally:
        await runtime.stop()
