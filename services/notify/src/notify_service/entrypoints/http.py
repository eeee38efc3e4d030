"""HTTP routes of the notify service (internal: behind the gateway, the caller signed).

Routes parse, hand over to ``notify_service.changes`` or ``notify_service.queries``, and shape the answer; they
never touch a store themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from borgerplan_api.notify import (
    CitizenPreferenceIn,
    CitizenPreferencePublic,
    NotificationPublic,
    PreferenceIn,
    PreferencePublic,
)
from borgerplan_plumbing.http import state
from borgerplan_plumbing.runtime import CurrentCaller, current_caller
from notify_service import changes, queries
from notify_service.changes import Notify

# Every route needs the caller the gateway signed (401 without it), reads included.
router = APIRouter(tags=["notifications"], dependencies=[Depends(current_caller)])


Ctx = Annotated[Notify, state("notify")]
CitizenId = Annotated[str, Path(max_length=100)]


def _public(docs: list[dict[str, object]]) -> list[NotificationPublic]:
    return [NotificationPublic.model_validate({**d, "notification_id": d["_id"]}) for d in docs]


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
    return _public(await queries.notifications_of(ctx, citizen_id, limit))


@router.get(
    "/me/notification-preference",
    response_model=PreferencePublic,
    operation_id="get_own_preference",
    summary="The signed-in professional's channel and language, for the address their sign-in carries",
)
async def get_own_preference(ctx: Ctx, caller: CurrentCaller) -> PreferencePublic:
    return PreferencePublic.model_validate(await queries.own_preference(ctx, caller))


@router.put(
    "/me/notification-preference",
    response_model=PreferencePublic,
    operation_id="set_own_preference",
    summary="A professional's preferred channel and language (Danish by default), for their own address only",
)
async def set_own_preference(body: PreferenceIn, ctx: Ctx, caller: CurrentCaller) -> PreferencePublic:
    return PreferencePublic.model_validate(await changes.set_preference(ctx, body, caller))


# The citizen's own (decision 0023): the gateway lets only the citizen themself through to these.
@router.get(
    "/citizens/{citizen_id}/notifications",
    response_model=list[NotificationPublic],
    operation_id="list_citizen_notifications",
    summary="What was sent to the citizen themself, newest first: kind, channel, status",
)
async def list_citizen_notifications(
    ctx: Ctx,
    citizen_id: CitizenId,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_NOTIFICATIONS)] = 200,
) -> list[NotificationPublic]:
    return _public(await queries.notifications_to_citizen(ctx, citizen_id, limit))


@router.get(
    "/citizens/{citizen_id}/notification-preference",
    response_model=CitizenPreferencePublic,
    operation_id="get_citizen_preference",
    summary="How the citizen wants to be told (Digital Post while they have chosen nothing)",
)
async def get_citizen_preference(ctx: Ctx, citizen_id: CitizenId) -> CitizenPreferencePublic:
    return CitizenPreferencePublic.model_validate(await queries.citizen_preference(ctx, citizen_id))


@router.put(
    "/citizens/{citizen_id}/notification-preference",
    response_model=CitizenPreferencePublic,
    operation_id="set_citizen_preference",
    summary="The citizen chooses Digital Post, e-mail, SMS or none",
)
async def set_citizen_preference(
    body: CitizenPreferenceIn, ctx: Ctx, caller: CurrentCaller, citizen_id: CitizenId
) -> CitizenPreferencePublic:
    return CitizenPreferencePublic.model_validate(
        await changes.set_citizen_preference(ctx, citizen_id, body, caller)
    )
