"""Wiring of the notify service."""

from __future__ import annotations

from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_contracts.events import MeetingScheduled
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from notify_service.entrypoints.http import router
from notify_service.invitations import InvitationSender


def build(settings: Settings | None = None) -> ServiceRuntime:
    settings = settings or Settings(service_name="notify")
    runtime = ServiceRuntime(
        settings,
        "notify",
        title="Borgerplan notify service",
        description="Notifications to participants and citizens, without case content.",
    )
    notifications = runtime.store("notifications", topics.NOTIFY, "notification")
    runtime.app.state.notifications = notifications
    sender = InvitationSender(settings, notifications)

    async def indexes() -> None:
        await notifications.collection.create_index([("citizen_id", 1), ("created_at", 1)], name="by_citizen")

    runtime.on_startup(indexes)
    runtime.consume([topics.MEETINGS], "notify", {MeetingScheduled: sender.on_meeting_scheduled})
    runtime.app.include_router(router)
    return runtime


def create_app() -> FastAPI:
    return build().app
