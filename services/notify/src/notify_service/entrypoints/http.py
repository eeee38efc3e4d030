"""HTTP routes of the notify service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from borgerplan_plumbing.runtime import CurrentCaller
from notify_service.service import NotificationService

router = APIRouter()


class NotificationPublic(BaseModel):
    """Delivery status per recipient. The address is not shown: the recipient id names who."""

    model_config = ConfigDict(extra="ignore")

    notification_id: str
    citizen_id: str
    kind: str
    channel: str
    recipient_id: str
    meeting_id: str | None = None
    status: Literal["pending", "sending", "sent", "failed", "cancelled"]
    attempts: int
    last_code: str | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime
    sent_at: datetime | None = None


class PreferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    channel: Literal["email", "sms"] = "email"
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{8,16}$")
    language: Literal["da", "en"] = "da"


def _service(request: Request) -> NotificationService:
    service: NotificationService = request.app.state.notification_service
    return service


@router.get(
    "/notifications",
    response_model=list[NotificationPublic],
    operation_id="list_notifications",
    tags=["notifications"],
    summary="Delivery status per recipient for one citizen",
)
async def list_notifications(
    request: Request,
    citizen_id: Annotated[str, Query(max_length=100)],
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[NotificationPublic]:
    docs = await _service(request).notifications.find(
        {"citizen_id": citizen_id}, sort=[("created_at", 1)], limit=limit
    )
    return [NotificationPublic.model_validate({**d, "notification_id": d["_id"]}) for d in docs]


@router.put(
    "/preferences",
    response_model=PreferenceIn,
    operation_id="set_preference",
    tags=["notifications"],
    summary="A professional's preferred channel and language (Danish by default)",
)
async def set_preference(body: PreferenceIn, request: Request, caller: CurrentCaller) -> PreferenceIn:
    await _service(request).preferences.update_one(
        {"_id": body.email}, {"$set": {**body.model_dump(), "set_by": caller.sub}}, upsert=True
    )
    return body
