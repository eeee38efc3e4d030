"""Notify against a real SMTP server the test runs, real Kafka, FerretDB and the real meetings service."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest

from borgerplan_contracts import CloudEvent, new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.settings import Settings
from meetings_service.bootstrap import build as build_meetings
from notify_service.bootstrap import build as build_notify
from tests.support.kafka import TopicProbe
from tests.support.routing import RoutingTransport
from tests.support.services import running
from tests.support.smtp import ScriptedSmtp

pytestmark = pytest.mark.integration
UNIT = "t-authority"
CITIZEN = "citizen-notify-1"


async def _until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    for _ in range(int(timeout / 0.2)):
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


def _ics(mail: EmailMessage) -> icalendar.Calendar:
    part = next(p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_content())


async def _schedule(
    meetings_client: Any, meetings_rt: Any, settings: Settings, emails: list[str]
) -> dict[str, Any]:
    plan = PlanCreated(
        plan_id=f"plan-{emails[0]}", citizen_id=CITIZEN, kind="adult", status="active", responsible_unit=UNIT
    )
    await publish_event(
        meetings_rt.broker, settings.topic(topics.PLAN), new_event(plan, subject=CITIZEN), CITIZEN
    )
    start = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    body = {
        "plan_id": plan.plan_id,
        "kind": "network",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "coordinator_unit": UNIT,
        "participants": [
            {"name": "Borgeren", "kind": "citizen"},
            *(
                {"name": f"Person {i}", "kind": "authority", "unit": UNIT, "email": e}
                for i, e in enumerate(emails)
            ),
        ],
    }

    async def scheduled() -> Any:
        response = await meetings_client.post("/meetings", json=body)
        return response.json() if response.status_code == 201 else None

    result: dict[str, Any] = await _until(scheduled)
    return result


async def test_invitations_retries_failures_and_redelivery(settings: Settings) -> None:
    settings = settings.model_copy(update={"notify_retry_base_seconds": 0.2, "notify_poll_seconds": 0.2})
    with ScriptedSmtp() as smtp:
        smtp.temporary_failures["flaky@kommune.example.dk"] = 2
        smtp.permanent_failures.add("gone@kommune.example.dk")
        settings = settings.model_copy(update={"smtp_port": smtp.port})
        async with running(build_meetings, settings) as (meetings_rt, meetings):
            transport = RoutingTransport({settings.meetings_url: meetings_rt.app})
            async with running(lambda s: build_notify(s, transport=transport), settings) as (_, notify):
                meeting = await _schedule(
                    meetings,
                    meetings_rt,
                    settings,
                    ["ok@kommune.example.dk", "flaky@kommune.example.dk", "gone@kommune.example.dk"],
                )

                ok = await _until(lambda: smtp.to("ok@kommune.example.dk"))
                event = next(iter(_ics(ok[0]).walk("VEVENT")))
                assert str(event["UID"]) == f"{meeting['meeting_id']}@borgerplan"
                assert event.decoded("DTSTART") == datetime.fromisoformat(meeting["start"])
                body = ok[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
                assert "Borgeren" not in body and CITIZEN not in body

                # 451 twice, then accepted: delivered on the third try.
                flaky = await _until(lambda: smtp.to("flaky@kommune.example.dk"))
                assert len(flaky) == 1 and smtp.tries["flaky@kommune.example.dk"] == 3

                async def statuses() -> dict[str, tuple[str, int, str]]:
                    response = await notify.get("/notifications", params={"citizen_id": CITIZEN})
                    return {
                        n["recipient_id"]: (n["status"], n["attempts"], n["last_code"])
                        for n in response.json()
                        if n["kind"] == "meeting_invitation"
                    }

                participants = {
                    p["email"]: p["participant_id"] for p in meeting["participants"] if p.get("email")
                }
                await _until(lambda: _settled(statuses, len(participants)))
                final = await statuses()
                assert final[participants["ok@kommune.example.dk"]] == ("sent", 1, "smtp_250")
                assert final[participants["flaky@kommune.example.dk"]] == ("sent", 3, "smtp_250")
                assert final[participants["gone@kommune.example.dk"]] == ("failed", 1, "smtp_550")
                reminders = (await notify.get("/notifications", params={"citizen_id": CITIZEN})).json()
                assert {(n["kind"], n["status"]) for n in reminders if n["kind"] == "agenda_reminder"} == {
                    ("agenda_reminder", "pending")
                }, "agenda reminders wait, stored, for their day"

                async with TopicProbe(
                    settings.kafka_bootstrap_servers, settings.topic(topics.NOTIFY)
                ) as probe:
                    failed = await probe.wait_for_event("dk.borgerplan.notify.notification_failed.v1")
                    await probe.wait_for(
                        lambda _: (
                            len({e.id for e in probe.events() if e.type.endswith("notification_sent.v1")})
                            >= 2
                        )
                    )
                assert failed.data["recipient_id"] == participants["gone@kommune.example.dk"]
                assert failed.data["reason_code"] == "smtp_550"

                # The same MeetingScheduled delivered again: no second mail to anyone.
                async with TopicProbe(
                    settings.kafka_bootstrap_servers, settings.topic(topics.MEETINGS)
                ) as mprobe:
                    original = await mprobe.wait_for_event("dk.borgerplan.meetings.meeting_scheduled.v1")
                await publish_event(meetings_rt.broker, settings.topic(topics.MEETINGS), original, CITIZEN)
                marker = await _schedule(meetings, meetings_rt, settings, ["marker@kommune.example.dk"])
                await _until(lambda: smtp.to("marker@kommune.example.dk"))  # processed after the redelivery
                assert len(smtp.to("ok@kommune.example.dk")) == 1
                assert smtp.tries["gone@kommune.example.dk"] == 1
                assert marker["meeting_id"] != meeting["meeting_id"]


async def _settled(statuses: Callable[[], Any], expected: int) -> bool:
    current = await statuses()
    return len(current) >= expected and all(s in ("sent", "failed") for s, _, _ in current.values())


async def test_a_reminder_scheduled_before_a_restart_is_sent_after_it(settings: Settings) -> None:
    settings = settings.model_copy(update={"notify_poll_seconds": 0.2})
    with ScriptedSmtp() as smtp:
        settings = settings.model_copy(update={"smtp_port": smtp.port})
        cause = CloudEvent(
            id="evt-reminder-1",
            source="/services/meetings",
            type="dk.borgerplan.meetings.meeting_scheduled.v1",
            subject=CITIZEN,
            time=datetime.now(UTC),
            dataschema="x",
            data={},
        )
        async with running(build_notify, settings) as (runtime, _):
            service = runtime.app.state.notification_service
            due = datetime.now(UTC) + timedelta(seconds=3)
            values = {
                "link": "http://localhost:8000/api/v1/meetings/m-r",
                "kind": "netværksmøde",
                "kind_en": "network meeting",
                "date": "01.06.2026",
                "time": "09.00",
                "due": "26.05.2026",
            }
            await service._create(
                cause,
                "agenda_reminder",
                {"participant_id": "p-r", "kind": "authority", "email": "rem@kommune.example.dk"},
                values,
                due=due,
            )
        assert smtp.to("rem@kommune.example.dk") == [], "not due before the restart"
        async with running(build_notify, settings):
            mails = await _until(lambda: smtp.to("rem@kommune.example.dk"), timeout=30)
        assert mails[0]["Subject"] == "Påmindelse: dagsordenen lukker 26.05.2026"
