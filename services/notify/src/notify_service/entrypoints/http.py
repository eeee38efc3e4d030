"""HTTP routes of the notify service (internal: behind the gateway, the caller signed).

Routes parse, hand over to ``notify_service.changes`` or ``notify_service.queries``, and shape the answer; they
never touch a store themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from borgerplan_api.notify import NotificationPublic, PreferenceIn, PreferencePublic
from borgerplan_plumbing.http import state
from borgerplan_plumbing.runtime import CurrentCaller, current_caller
from notify_service import changes, queries
from notify_service.changes import Notify

# Every route needs the caller the gateway signed (401 without it), reads included.
router = APIRouter(tags=["notifications"], dependencies=[Depends(current_caller)])


Ctx = Annotated[Notify, state("notify")]


@router.get(
    "/notifications",
    response_model=list[NotificationPublic],
    operation_id="list_notifications",
    summary="Delivery status per recipient for one citizen",
)
async def list_notifications(
    ctx: Ctx,
    citizen_id: Annotated[str, Query(max_length=100)],
    limit: Annotated[int, Query(ge=1, le=queries.MAX_NOTIFICATIONS)] = 200,
) -> list[NotificationPublic]:
    docs = await queries.notifications_of(ctx, citizen_id, limit)
    return [NotificationPublic.model_validate({**d, "notification_id": d["_id"]}) for d in docs]


@router.put(
    "/preferences",
    response_model=PreferencePublic,
    operation_id="set_preference",
    summary="A professional's preferred channel and language (Danish by default)",
)
async def set_preference(body: PreferenceIn, ctx: Ctx, caller: CurrentCaller) -> PreferencePublic:
    return PreferencePublic.model_validate(await changes.set_preference(ctx, body, caller))
