"""The delivery loop: every replica sends what is due, woken at once when it stored something itself, else
every ``notify_poll_seconds`` (reminders, retries, and what another replica stored and could not send)."""

from __future__ import annotations

import asyncio
import logging

from notify_service import changes
from notify_service.changes import Notify

log = logging.getLogger(__name__)


async def delivery_loop(ctx: Notify) -> None:
    while True:
        ctx.wake.clear()  # before the pass: whatever is stored during it wakes the next one
        try:
            await changes.deliver_due(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database away: try again at the next poll
            log.warning("delivery pass failed", extra={"error": type(exc).__name__})
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as the
        # event is set, and the loop would never stop.
        try:
            async with asyncio.timeout(ctx.poll_seconds):
                await ctx.wake.wait()
        except TimeoutError:
            pass
