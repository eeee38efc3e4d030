"""Wiring of the notify service."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_contracts.events.consent import ConsentExpiring, ConsentRevoked
from borgerplan_contracts.events.meetings import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    TaskOverdue,
)
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_plumbing.workdays import WorkingDayCalendar
from notify_service.channels import Channel, DigitalPostChannel, EmailChannel, SmsChannel
from notify_service.entrypoints.http import router
from notify_service.service import NotificationService


def build(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> ServiceRuntime:
    """``transport`` reaches the plan and meetings services (tests pass the services in-process)."""
    settings = settings or Settings(service_name="notify")
    runtime = ServiceRuntime(
        settings,
        "notify",
        title="Borgerplan notify service",
        description="Notifications to participants and citizens, without case content.",
    )
    notifications = runtime.store("notifications", topics.NOTIFY, "notification")
    channels: dict[str, Channel] = {
        "email": EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    }
    if settings.sms_url:
        channels["sms"] = SmsChannel(settings.sms_url)
    if settings.digital_post_url:
        channels["digital_post"] = DigitalPostChannel(settings.digital_post_url)
    service = NotificationService(
        settings,
        notifications,
        runtime.collection("meetings"),
        runtime.collection("preferences"),
        channels,
        WorkingDayCalendar.with_closing_days(settings.closing_days),
        transport,
    )
    runtime.app.state.notification_service = service

    async def indexes() -> None:
        await notifications.collection.create_index([("citizen_id", 1), ("created_at", 1)], name="by_citizen")
        await notifications.collection.create_index([("status", 1), ("next_attempt_at", 1)], name="due")

    runtime.on_startup(indexes)
    runtime.on_shutdown(service.close)
    runtime.consume(
        [topics.MEETINGS],
        "notify",
        {
            MeetingScheduled: service.on_meeting_scheduled,
            MeetingRescheduled: service.on_meeting_rescheduled,
            MeetingCancelled: service.on_meeting_cancelled,
            MinutesPublished: service.on_minutes_published,
            MinutesOverdue: service.on_minutes_overdue,
            TaskOverdue: service.on_task_overdue,
        },
    )
    runtime.consume(
        [topics.CONSENT],
        "notify-consent",
        {
            ConsentExpiring: service.on_consent_expiring,
            ConsentRevoked: service.on_consent_revoked,
        },
    )
    runtime.background(service.delivery_loop)
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
