"""Wiring of the notify service: its HTTP API, its two subscriptions, the delivery loop and its database."""

from __future__ import annotations

from functools import partial

import httpx
from fastapi import FastAPI
from pymongo import IndexModel

from borgerplan_contracts import topics
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import WorkingDayCalendar
from notify_service.changes import Notify
from notify_service.channels import Channel, DigitalPostChannel, EmailChannel, SmsChannel
from notify_service.domain import Rules
from notify_service.entrypoints import events
from notify_service.entrypoints.delivery import delivery_loop
from notify_service.entrypoints.http import router

INDEXES = {
    "notifications": (
        # The delivery claim's two branches (notify_service.changes.due_queries), each its own partial index: only
        # pending, or only sending, notifications are in them, so polling stays cheap as sent ones pile up.
        IndexModel(
            [("next_attempt_at", 1)], name="notification_due", partialFilterExpression={"status": "pending"}
        ),
        IndexModel(
            [("claim_until", 1)],
            name="notification_claim_expired",
            partialFilterExpression={"status": "sending"},
        ),
        # A moved or cancelled meeting's pending reminders.
        IndexModel([("meeting_id", 1), ("kind", 1), ("status", 1)], name="notification_meeting"),
        # One citizen's notifications, oldest first.
        IndexModel([("citizen_id", 1), ("created_at", 1), ("_id", 1)], name="notification_citizen"),
        # What was sent to the citizen themself (GET /citizens/{id}/notifications), newest first.
        IndexModel(
            [("citizen_id", 1), ("recipient_kind", 1), ("created_at", 1), ("_id", 1)],
            name="notification_to_citizen",
        ),
    ),
    # preferences and meetings are read by _id only (preferences by address or "citizen:<id>", meetings by id).
}


def channels_of(settings: Settings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {
        "email": EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    }
    if settings.sms_url:
        channels["sms"] = SmsChannel(settings.sms_url)
    if settings.digital_post_url:
        channels["digital_post"] = DigitalPostChannel(settings.digital_post_url)
    return channels


def build(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> ServiceRuntime:
    """``transport`` carries the internal calls (to the plan and meetings services) instead of the network:
    tests pass services running in-process (``httpx.ASGITransport``)."""
    settings = settings or Settings(service_name="notify")
    runtime = ServiceRuntime(
        settings,
        "notify",
        title="Borgerplan notify service",
        description="Notifications to participants and citizens, without case content.",
    )
    if transport is not None:
        runtime.internal.transport = HttpxTransport(transport)
    channels = channels_of(settings)
    ctx = Notify(
        notifications=runtime.store("notifications", topics.NOTIFY, "notification"),
        meetings=runtime.collection("meetings"),
        preferences=runtime.collection("preferences"),
        channels=channels,
        internal=runtime.internal,
        rules=Rules(
            public_base_url=settings.public_base_url,
            channels=frozenset(channels),
            max_attempts=settings.notify_max_attempts,
            retry_base_seconds=settings.notify_retry_base_seconds,
            calendar=WorkingDayCalendar.with_closing_days(settings.closing_days),
        ),
        poll_seconds=settings.notify_poll_seconds,
    )
    runtime.app.state.notify = ctx
    for collection, indexes in INDEXES.items():
        runtime.declare_indexes(collection, *indexes)

    async def close_channels() -> None:
        for channel in channels.values():
            await channel.close()

    runtime.on_shutdown(close_channels)
    runtime.consume([topics.MEETINGS], "notify", events.meeting_handlers(ctx))
    runtime.consume([topics.CONSENT], "notify-consent", events.consent_handlers(ctx))
    runtime.consume([topics.PLAN], "notify-plan", events.plan_handlers(ctx))
    runtime.background(partial(delivery_loop, ctx))
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    """``uvicorn --factory notify_service.bootstrap:create_app``"""
    return build().process_app()
