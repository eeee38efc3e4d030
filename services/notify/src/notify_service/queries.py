"""The notify service's reads for its routes. Each query has its index (``notify_service.bootstrap``)."""

from __future__ import annotations

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import Document
from notify_service import domain
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


async def notifications_to_citizen(ctx: Notify, citizen_id: str, limit: int = 200) -> list[Document]:
    """What was sent to the citizen themself, newest first (index ``notification_to_citizen``, read backwards):
    kind, channel and status, never the address or the text."""
    return await ctx.notifications.find(
        {"citizen_id": citizen_id, "recipient_kind": "citizen"},
        sort=[("created_at", -1), ("_id", -1)],
        limit=min(limit, MAX_NOTIFICATIONS),
        leave_out=("context", "address", "attempt_log", "history"),
    )


async def citizen_preference(ctx: Notify, citizen_id: str) -> Document:
    """The citizen's choice (by ``_id``), Digital Post while there is none."""
    doc = await ctx.preferences.find_one({"_id": domain.citizen_preference_key(citizen_id)})
    return domain.citizen_preference_public(citizen_id, doc)


async def own_preference(ctx: Notify, caller: Caller) -> Document:
    """The professional's own preference (by ``_id``, their address); e-mail in Danish while there is none."""
    key = domain.own_preference_key(caller.email)
    doc = await ctx.preferences.find_one({"_id": key})
    return doc or {"email": key, "channel": "email", "phone": None, "language": "da", "set_at": None}
