"""The notify service's reads for its routes. Each query has its index (``notify_service.bootstrap``)."""

from __future__ import annotations

from borgerplan_plumbing.mongo import Document
from notify_service.changes import Notify

MAX_NOTIFICATIONS = 500


async def notifications_of(ctx: Notify, citizen_id: str, limit: int = 200) -> list[Document]:
    """The citizen's notifications, oldest first (index ``notification_citizen``)."""
    return await ctx.notifications.find(
        {"citizen_id": citizen_id},
        sort=[("created_at", 1), ("_id", 1)],
        limit=min(limit, MAX_NOTIFICATIONS),
        leave_out=("context", "address", "attempt_log", "history"),
    )
