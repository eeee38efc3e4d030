"""The expiry pass on a timer, in every replica (each change is a versioned write, so racing replicas are safe)."""

from __future__ import annotations

import asyncio
import logging

from consent_service import changes
from consent_service.changes import Consents

log = logging.getLogger(__name__)
BACKLOG_PAUSE_SECONDS = 1.0


async def expiry_loop(ctx: Consents, interval_seconds: float, batch: int = changes.EXPIRY_BATCH) -> None:
    """One bounded pass every ``interval_seconds``; sooner while a pass finds a full batch (a backlog)."""
    while True:
        pause = interval_seconds
        try:
            counts = await changes.run_expiry(ctx, batch=batch)
            if any(counts.values()):
                log.info("consent expiry pass", extra=counts)
            if max(counts.values()) >= batch:
                pause = min(interval_seconds, BACKLOG_PAUSE_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("consent expiry pass failed", extra={"error": type(exc).__name__})
        await asyncio.sleep(pause)
