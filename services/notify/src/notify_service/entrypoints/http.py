"""HTTP routes of the notify service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from borgerplan_plumbing.store import AggregateStore

router = APIRouter()


class NotificationPublic(BaseModel):
    notification_id: str
    citizen_id: str
    kind: str
    channel: str
    recipient_id: str
    meeting_id: str | None = None
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None = None


@router.get(
    "/notifications",
    response_model=list[NotificationPublic],
    operation_id="list_notifications",
    tags=["notifications"],
)
async def list_notifications(
    request: Request, citizen_id: Annotated[str, Query(max_length=100)]
) -> list[NotificationPublic]:
    store: AggregateStore = request.app.state.notifications
    docs = await store.find({"citizen_id": citizen_id}, sort=[("created_at", 1)], limit=500)
    return [NotificationPublic.model_validate({**d, "notification_id": d["_id"]}) for d in docs]
