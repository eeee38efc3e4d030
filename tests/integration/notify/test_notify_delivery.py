"""Notify against a real SMTP server the test runs, real Kafka, FerretDB and the real plan, consent and meetings
services.

The other services run in-process; notify reaches them through its one internal client
(``build(settings, transport=...)`` hands the client an httpx transport to them): the meetings service for the ICS,
the plan and consent services for the facts a professional of another unit is told on (``borgerplan_rules.access``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import icalendar
import pytest

from borgerplan_contracts import CloudEvent, new_event, topics
from borgerplan_contracts.events.consent import ConsentExpiring, ConsentRevoked
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import today
from consent_service.bootstrap import build as build_consent
from meetings_service.bootstrap import build as build_meetings
from notify_service import changes
from notify_service.bootstrap import build as build_notify
from notify_service.domain import Notice, Recipient
from plan_service.bootstrap import build as build_plan
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


CPRS = (f"0101{year:02d}4321" for year in itertools.count(50))


@asynccontextmanager
async def _services(settings: Settings) -> AsyncIterator[Services]:
    """The plan, consent and meetings services in this process, the meetings service routed to the other two."""
    async with (
        running(build_plan, settings) as (plan_rt, plans),
        running(build_consent, settings) as (consent_rt, consents),
    ):
        owners = {settings.plan_url: plan_rt.app, settings.consent_url: consent_rt.app}

        def meetings_routed(s: Settings) -> ServiceRuntime:
            runtime = build_meetings(s)
            runtime.internal.transport = HttpxTransport(RoutingTransport(owners))
            return runtime

        async with running(meetings_routed, settings) as (meetings_rt, meetings):
            yield Services(
                plans,
                consents,
                meetings_rt,
                meetings,
                RoutingTransport({**owners, settings.meetings_url: meetings_rt.app}),
            )


@dataclass
class Services:
    plans: httpx.AsyncClient
    consents: httpx.AsyncClient
    meetings_rt: ServiceRuntime
    meetings: httpx.AsyncClient
    transport: RoutingTransport  # notify's internal calls: to the plan, consent and meetings services


async def _schedule(
    services: Services, emails: list[str], *, kind: str = "authority", unit: str = UNIT
) -> dict[str, Any]:
    """A new citizen with a plan UNIT is responsible for, and a meeting of it with the citizen and these people."""
    citizen = await services.plans.post("/citizens", json={"cpr": next(CPRS), "name": "Borgeren Selv"})
    assert citizen.status_code == 201, citizen.text
    citizen_id = citizen.json()["citizen_id"]
    plan = await services.plans.post(
        "/plans", json={"citizen_id": citizen_id, "kind": "adult", "responsible_unit": UNIT}
    )
    assert plan.status_code == 201, plan.text
    start = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    body = {
        "plan_id": plan.json()["plan_id"],
        "kind": "network",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "coordinator_unit": UNIT,
        "participants": [
            {"name": "Borgeren", "kind": "citizen"},
            *({"name": f"Person {i}", "kind": kind, "unit": unit, "email": e} for i, e in enumerate(emails)),
        ],
    }
    response = await services.meetings.post("/meetings", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_invitations_retries_failures_and_redelivery(settings: Settings) -> None:
    settings = settings.model_copy(update={"notify_retry_base_seconds": 0.2, "notify_poll_seconds": 0.2})
    with ScriptedSmtp() as smtp:
        smtp.temporary_failures["flaky@kommune.example.dk"] = 2
        smtp.permanent_failures.add("gone@kommune.example.dk")
        settings = settings.model_copy(update={"smtp_port": smtp.port})
        async with _services(settings) as services:
            transport = services.transport
            async with running(lambda s: build_notify(s, transport=transport), settings) as (_, notify):
                meeting = await _schedule(
                    services, ["ok@kommune.example.dk", "flaky@kommune.example.dk", "gone@kommune.example.dk"]
                )
                citizen_id = meeting["citizen_id"]

                ok = await _until(lambda: smtp.to("ok@kommune.example.dk"))
                event = next(iter(_ics(ok[0]).walk("VEVENT")))
                assert str(event["UID"]) == f"{meeting['meeting_id']}@borgerplan"
                assert event.decoded("DTSTART") == datetime.fromisoformat(meeting["start"])
                body = _text(ok[0])
                assert "Borgeren" not in body and citizen_id not in body

                # 451 twice, then accepted: delivered on the third try.
                flaky = await _until(lambda: smtp.to("flaky@kommune.example.dk"))
                assert len(flaky) == 1 and smtp.tries["flaky@kommune.example.dk"] == 3

                async def statuses() -> dict[str, tuple[str, int, str]]:
                    response = await notify.get("/notifications", params={"citizen_id": citizen_id})
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
                reminders = (await notify.get("/notifications", params={"citizen_id": citizen_id})).json()
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
                broker = services.meetings_rt.broker
                assert broker is not None
                await publish_event(broker, settings.topic(topics.MEETINGS), original, citizen_id)
                marker = await _schedule(services, ["marker@kommune.example.dk"])
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
            ctx: changes.Notify = runtime.app.state.notify
            # Due after this process has surely stopped (its shutdown may take seconds on a busy machine).
            due = datetime.now(UTC) + timedelta(seconds=15)
            values = {
                "link": "http://localhost:8000/api/v1/meetings/m-r",
                "kind": "netværksmøde",
                "kind_en": "network meeting",
                "date": "01.06.2026",
                "time": "09.00",
                "due": "26.05.2026",
            }
            recipient = Recipient("p-r", "authority", email="rem@kommune.example.dk")
            notice = Notice("agenda_reminder", recipient, values, due=due)
            assert await changes.store_notices(ctx, cause, [notice]) == 1
        assert smtp.to("rem@kommune.example.dk") == [], "not due before the restart"
        async with running(build_notify, settings):
            mails = await _until(lambda: smtp.to("rem@kommune.example.dk"), timeout=60)
        assert mails[0]["Subject"] == "Påmindelse: dagsordenen lukker 26.05.2026"


CASEWORKER_UNIT = "t-authority"
PROVIDER_UNIT = "t-bosted"
CPR = "0707804321"


async def _plan_with_actors(plan: Any) -> tuple[str, dict[str, str]]:
    """A citizen with an active plan: the responsible caseworker, two provider staff, a private contact."""
    citizen = await plan.post("/citizens", json={"cpr": CPR, "name": "Karen Testborger"})
    assert citizen.status_code == 201, citizen.text
    citizen_id: str = citizen.json()["citizen_id"]
    actors = [
        {"name": "Anne", "role": "Sagsbehandler", "kind": "authority", "unit": CASEWORKER_UNIT,
         "email": "anne@kommune.example.dk"},
        {"name": "Bo", "role": "Bostøtte", "kind": "provider", "unit": PROVIDER_UNIT,
         "network_category": "housing", "email": "bo@bosted.example.dk"},
        {"name": "Sara", "role": "Pædagog", "kind": "provider", "unit": PROVIDER_UNIT,
         "network_category": "everyday_home", "email": "sara@bosted.example.dk"},
        {"name": "Lise", "role": "Søster", "kind": "private_network", "phone": "+45 12 34 56 78",
         "attention_points": "Ring efter kl. 16"},
    ]  # fmt: skip
    created = await plan.post(
        "/plans",
        json={
            "citizen_id": citizen_id,
            "kind": "adult",
            "responsible_unit": CASEWORKER_UNIT,
            "overview": {"purpose": "Egen bolig inden sommer"},
            "actors": actors,
        },
    )
    assert created.status_code == 201, created.text
    return citizen_id, {a["email"]: a["actor_id"] for a in created.json()["actors"] if a.get("email")}


async def test_consent_notices_reach_the_plans_actors_asked_of_the_plan_service(settings: Settings) -> None:
    settings = settings.model_copy(update={"notify_poll_seconds": 0.2})
    with ScriptedSmtp() as smtp:
        settings = settings.model_copy(update={"smtp_port": smtp.port})
        async with running(build_plan, settings) as (plan_rt, plan):
            citizen_id, actor_ids = await _plan_with_actors(plan)
            transport = httpx.ASGITransport(app=plan_rt.app)
            async with running(lambda s: build_notify(s, transport=transport), settings) as (_, notify):
                consent_topic = settings.topic(topics.CONSENT)
                revoked = ConsentRevoked(
                    consent_id="k-revoked",
                    citizen_id=citizen_id,
                    grantee_unit=PROVIDER_UNIT,
                    revoked_at=datetime.now(UTC),
                )
                expiring = ConsentExpiring(
                    consent_id="k-expiring",
                    citizen_id=citizen_id,
                    grantee_unit=PROVIDER_UNIT,
                    valid_until=date.today() + timedelta(days=20),
                )
                assert plan_rt.broker is not None
                for data in (revoked, expiring):
                    event = new_event(data, subject=citizen_id)
                    await publish_event(plan_rt.broker, consent_topic, event, citizen_id)

                # Revoked: the unit that lost the consent. Expiring: the responsible caseworker.
                bo = await _until(lambda: smtp.to("bo@bosted.example.dk"))
                sara = await _until(lambda: smtp.to("sara@bosted.example.dk"))
                anne = await _until(lambda: smtp.to("anne@kommune.example.dk"))
                assert [m["Subject"] for m in bo] == [m["Subject"] for m in sara]
                assert len(bo) == len(sara) == len(anne) == 1
                assert "k-revoked" in _text(bo[0]) and "k-expiring" in _text(anne[0])
                for mail in (*bo, *sara, *anne):
                    text = str(mail["Subject"]) + _text(mail)
                    for sensitive in ("Karen", CPR, citizen_id, "Egen bolig", "Ring efter", "Lise"):
                        assert sensitive not in text

                async def kinds() -> dict[str, tuple[str, str]]:
                    response = await notify.get("/notifications", params={"citizen_id": citizen_id})
                    assert response.status_code == 200, response.text
                    return {n["recipient_id"]: (n["kind"], n["status"]) for n in response.json()}

                listed = await _until(lambda: _all_sent(kinds, 3))
                assert listed == {
                    actor_ids["bo@bosted.example.dk"]: ("consent_revoked", "sent"),
                    actor_ids["sara@bosted.example.dk"]: ("consent_revoked", "sent"),
                    actor_ids["anne@kommune.example.dk"]: ("consent_expiring", "sent"),
                }
                assert len(smtp.messages) == 3, "the private network is not told, nor anyone twice"


async def _all_sent(kinds: Callable[[], Any], expected: int) -> Any:
    current = await kinds()
    if len(current) >= expected and all(status == "sent" for _, status in current.values()):
        return current
    return None


def _text(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


async def test_a_consent_notice_whose_actors_cannot_be_fetched_waits_for_them_and_is_never_dead_lettered(
    settings: Settings,
) -> None:
    """Fail closed: with the plan service away nobody is told on a guess, and the event is neither parked nor
    dropped: it is retried (decision 0028) until the plan and consent services answer, then handled once."""
    settings = settings.model_copy(update={"consumer_max_attempts": 2})
    nowhere = RoutingTransport({})  # every internal call is refused, until the services are routed below
    async with running(lambda s: build_notify(s, transport=nowhere), settings) as (runtime, notify):
        event = new_event(
            ConsentRevoked(
                consent_id="k-1", citizen_id=CITIZEN, grantee_unit=PROVIDER_UNIT, revoked_at=datetime.now(UTC)
            ),
            subject=CITIZEN,
        )
        consent_topic = settings.topic(topics.CONSENT)
        assert runtime.broker is not None
        await publish_event(runtime.broker, consent_topic, event, CITIZEN)
        [consumer] = [c for c in runtime.consumers if c.group_id.endswith("notify-consent")]
        await _until(lambda: consumer.failed_batches >= 2)  # tried, and tried again after a pause
        dead_letters = topics.dead_letter_topic(consent_topic, f"{settings.topic_prefix}notify-consent")
        async with TopicProbe(settings.kafka_bootstrap_servers, dead_letters) as probe:
            assert await probe.read_for(2.0) == [], "a dependency away is not poison"
        listed = await notify.get("/notifications", params={"citizen_id": CITIZEN})
        assert listed.json() == []

        async with (
            running(build_plan, settings) as (plan_rt, _),
            running(build_consent, settings) as (consent_rt, _),
        ):
            for url, app in ((settings.plan_url, plan_rt.app), (settings.consent_url, consent_rt.app)):
                nowhere.routes[httpx.URL(url).netloc] = httpx.ASGITransport(app=app)
            marker_id = f"{consumer.group_id}:{event.id}"

            async def handled() -> bool:
                marker = await runtime.db["processed_events"].find_one({"_id": marker_id})
                return marker is not None and marker["state"] == "done"

            await _until(handled, timeout=90)
        assert consumer.failed_batches == 0


async def test_moving_and_cancelling_a_meeting_cancels_its_pending_reminders(settings: Settings) -> None:
    settings = settings.model_copy(update={"notify_poll_seconds": 0.2})
    with ScriptedSmtp() as smtp:
        settings = settings.model_copy(update={"smtp_port": smtp.port})
        async with _services(settings) as services:
            meetings, transport = services.meetings, services.transport
            async with running(lambda s: build_notify(s, transport=transport), settings) as (_, notify):
                meeting = await _schedule(services, ["moved@kommune.example.dk"])
                await _until(lambda: smtp.to("moved@kommune.example.dk"))

                async def reminders() -> list[str]:
                    listed = await notify.get("/notifications", params={"citizen_id": meeting["citizen_id"]})
                    return [n["status"] for n in listed.json() if n["kind"] == "agenda_reminder"]

                assert await reminders() == ["pending"]
                start = datetime.fromisoformat(meeting["start"]) + timedelta(days=1)
                moved = await meetings.patch(
                    f"/meetings/{meeting['meeting_id']}",
                    json={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
                    headers={"If-Match": f'"{meeting["version"]}"'},
                )
                assert moved.status_code == 200, moved.text
                updates = await _until(lambda: len(smtp.to("moved@kommune.example.dk")) >= 2 or None)
                assert updates
                update = smtp.to("moved@kommune.example.dk")[1]
                assert next(iter(_ics(update).walk("VEVENT"))).decoded("DTSTART") == start
                assert sorted(await reminders()) == ["cancelled", "pending"], (
                    "the old one cancelled, a new one"
                )

                cancelled = await meetings.patch(
                    f"/meetings/{meeting['meeting_id']}",
                    json={"status": "cancelled"},
                    headers={"If-Match": moved.headers["ETag"]},
                )
                assert cancelled.status_code == 200, cancelled.text
                await _until(lambda: len(smtp.to("moved@kommune.example.dk")) >= 3 or None)
                assert await reminders() == ["cancelled", "cancelled"]


async def test_a_revoked_consent_stops_the_next_notification_to_that_unit(settings: Settings) -> None:
    """A professional of another unit is told of a meeting only while the one answer permits its purpose: the
    update after a revocation goes to the responsible unit's people and the citizen, not to the unit that lost it."""
    settings = settings.model_copy(update={"notify_poll_seconds": 0.2})
    with ScriptedSmtp() as smtp:
        settings = settings.model_copy(update={"smtp_port": smtp.port})
        async with _services(settings) as services:
            transport = services.transport
            async with running(lambda s: build_notify(s, transport=transport), settings) as (_, notify):
                meeting = await _schedule(services, ["own@kommune.example.dk"])
                citizen_id = meeting["citizen_id"]
                granted = await services.consents.post(
                    "/consents",
                    json={
                        "citizen_id": citizen_id,
                        "grantee_unit": PROVIDER_UNIT,
                        "categories": ["general"],
                        "purposes": ["meeting_invitation"],
                        "form": {"kind": "written"},
                        "valid_from": today().isoformat(),
                    },
                )
                assert granted.status_code == 201, granted.text
                # A second meeting of the same plan, now with the provider invited on its consent.
                body = {
                    "plan_id": meeting["plan_id"],
                    "kind": "network",
                    "start": meeting["start"],
                    "end": meeting["end"],
                    "coordinator_unit": UNIT,
                    "participants": [
                        {
                            "name": "Egen",
                            "kind": "authority",
                            "unit": UNIT,
                            "email": "own@kommune.example.dk",
                        },
                        {
                            "name": "Bo",
                            "kind": "provider",
                            "unit": PROVIDER_UNIT,
                            "email": "bo@bosted.example.dk",
                        },
                    ],
                }
                second = await services.meetings.post("/meetings", json=body)
                assert second.status_code == 201, second.text
                assert second.json()["uninvited"] == []
                await _until(lambda: smtp.to("bo@bosted.example.dk"))

                bo = next(p["participant_id"] for p in second.json()["participants"] if p["name"] == "Bo")

                async def bos() -> dict[str, str]:
                    listed = (await notify.get("/notifications", params={"citizen_id": citizen_id})).json()
                    return {n["kind"]: n["status"] for n in listed if n["recipient_id"] == bo}

                assert (await bos())["agenda_reminder"] == "pending", "stored for its day, on the consent"
                revoked = await services.consents.post(f"/consents/{granted.json()['consent_id']}/revocation")
                assert revoked.status_code == 200, revoked.text
                # The reminder waiting for its day is withdrawn: its permit is gone.
                await _until(lambda: _is(bos, "agenda_reminder", "cancelled"))
                start = datetime.fromisoformat(meeting["start"]) + timedelta(days=1)
                moved = await services.meetings.patch(
                    f"/meetings/{second.json()['meeting_id']}",
                    json={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
                    headers={"If-Match": second.headers["etag"]},
                )
                assert moved.status_code == 200, moved.text
                # The responsible unit's person: two invitations and the update.
                await _until(lambda: len(smtp.to("own@kommune.example.dk")) >= 3 or None)
                assert await bos() == {"meeting_invitation": "sent", "agenda_reminder": "cancelled"}, (
                    "no update for the unit that lost its consent, and no new reminder"
                )
                assert len(smtp.to("bo@bosted.example.dk")) == 1


async def _is(statuses: Callable[[], Any], kind: str, status: str) -> bool:
    return bool((await statuses()).get(kind) == status)
