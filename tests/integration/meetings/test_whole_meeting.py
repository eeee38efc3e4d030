"""A whole network meeting through the meetings service, with the real consent service, FerretDB and Kafka."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest

from borgerplan_contracts import new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.settings import Settings
from consent_service.bootstrap import build as build_consent
from meetings_service.bootstrap import build as build_meetings
from meetings_service.service import today
from tests.support.kafka import TopicProbe
from tests.support.services import running

pytestmark = pytest.mark.integration
CITIZEN, PLAN = "citizen-meeting-1", "plan-meeting-1"
AUTHORITY, TREATMENT, PSYCHIATRY = "t-authority", "rusmiddelenheden", "regionspsykiatrien"


async def test_schedule_agenda_minutes_tasks_and_overdue(settings: Settings) -> None:
    async with running(build_consent, settings) as (consent_rt, consent):
        transport = httpx.ASGITransport(app=consent_rt.app)
        build = lambda s: build_meetings(s, consent_transport=transport, overdue_interval_seconds=None)  # noqa: E731
        async with running(build, settings) as (meetings_rt, client):
            plan = PlanCreated(
                plan_id=PLAN,
                citizen_id=CITIZEN,
                kind="adult",
                status="active",
                responsible_unit=AUTHORITY,
                actor_units=[TREATMENT, PSYCHIATRY],
            )
            await publish_event(
                meetings_rt.broker, settings.topic(topics.PLAN), new_event(plan, subject=CITIZEN), CITIZEN
            )
            granted = await consent.post(
                "/consents",
                json={
                    "citizen_id": CITIZEN,
                    "grantee_unit": TREATMENT,
                    "categories": ["general"],
                    "purposes": ["meeting_invitation", "receive_minutes"],
                    "form": {"kind": "written", "document_reference": "d"},
                    "valid_from": today().isoformat(),
                },
            )
            assert granted.status_code == 201

            start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
            body: dict[str, Any] = {
                "plan_id": PLAN,
                "kind": "network",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "place": "Borgerens valg: biblioteket",
                "place_chosen_by_citizen": True,
                "coordinator_unit": AUTHORITY,
                "participants": [
                    {"name": "Borgeren", "kind": "citizen"},
                    {
                        "name": "Sags Behandler",
                        "kind": "authority",
                        "unit": AUTHORITY,
                        "email": "sb@k.example.dk",
                    },
                    {
                        "name": "Be Handler",
                        "kind": "provider",
                        "unit": TREATMENT,
                        "email": "bh@rus.example.dk",
                    },
                    {
                        "name": "Psy Kiater",
                        "kind": "external",
                        "unit": PSYCHIATRY,
                        "email": "pk@region.example.dk",
                    },
                ],
            }
            for _ in range(150):  # until the meetings service has consumed PlanCreated
                scheduled = await client.post("/meetings", json=body)
                if scheduled.status_code != 422:
                    break
                await asyncio.sleep(0.2)
            assert scheduled.status_code == 201, scheduled.text
            meeting = scheduled.json()
            meeting_id = meeting["meeting_id"]
            assert sorted(p["name"] for p in meeting["participants"]) == [
                "Be Handler",
                "Borgeren",
                "Sags Behandler",
            ]
            assert meeting["uninvited"] == [
                {"name": "Psy Kiater", "unit": PSYCHIATRY, "reason": "no_consent"}
            ]
            assert [a["key"] for a in meeting["agenda"]][:3] == ["welcome", "minute_taker", "purpose"]

            added = await client.post(
                f"/meetings/{meeting_id}/agenda-items",
                json={"topic": "Bolig", "responsible": "Be Handler", "minutes": 15},
            )
            assert added.status_code == 201, added.text
            topics_now = [a["topic"] for a in added.json()["agenda"]]
            assert topics_now.index("Bolig") < topics_now.index("Opdatering af netværkskort")

            soon = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
            moved = await client.patch(
                f"/meetings/{meeting_id}",
                headers={"If-Match": added.headers["etag"]},
                json={"start": soon.isoformat(), "end": (soon + timedelta(hours=1)).isoformat()},
            )
            assert moved.status_code == 200, moved.text
            assert moved.json()["sequence"] == 1
            late = await client.post(f"/meetings/{meeting_id}/agenda-items", json={"topic": "For sent"})
            assert late.status_code == 409
            assert "agenda closed" in late.json()["detail"]

            ics_text = (await client.get(f"/meetings/{meeting_id}/invitation.ics")).text
            event = next(iter(icalendar.Calendar.from_ical(ics_text).walk("VEVENT")))
            assert int(event["SEQUENCE"]) == 1 and event.decoded("DTSTART") == soon
            assert "Bolig" not in ics_text

            people = {p["name"]: p["participant_id"] for p in moved.json()["participants"]}
            items = {a["key"]: a["item_id"] for a in moved.json()["agenda"]}
            minutes = await client.put(
                f"/meetings/{meeting_id}/minutes",
                headers={"If-Match": moved.headers["etag"]},
                json={
                    "attendance": [{"participant_id": pid, "attended": True} for pid in people.values()],
                    "decisions": [{"item_id": items["status"], "decision": "Status gennemgået"}],
                    "tasks": [
                        {
                            "what": "Søg bolig",
                            "responsible_participant_id": people["Be Handler"],
                            "due": (today() + timedelta(days=7)).isoformat(),
                        },
                        {
                            "what": "Book lægetid",
                            "responsible_unit": AUTHORITY,
                            "due": (today() + timedelta(days=3)).isoformat(),
                        },
                    ],
                    "citizen_attended": True,
                },
            )
            assert minutes.status_code == 200, minutes.text
            published = await client.post(
                f"/meetings/{meeting_id}/minutes/publication", headers={"If-Match": minutes.headers["etag"]}
            )
            assert published.status_code == 200, published.text
            assert published.json()["minutes"]["published_at"]

            service = meetings_rt.app.state.meeting_service
            later = today() + timedelta(days=20)
            assert await service.run_overdue(on=later) == {"minutes": 0, "tasks": 2}
            assert await service.run_overdue(on=later) == {"minutes": 0, "tasks": 0}, "once each"

            async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.MEETINGS)) as probe:
                await probe.wait_for(
                    lambda _: sum(e.type.endswith("task_overdue.v1") for e in probe.events()) >= 2
                )
                first_seen = {e.id: e for e in probe.events() if e.data.get("meeting_id") == meeting_id}
            kinds = [e.type.split(".")[3] for e in first_seen.values()]
            assert kinds == [
                "meeting_scheduled",
                "agenda_item_added",
                "meeting_rescheduled",
                "minutes_published",
                "task_assigned",
                "task_assigned",
                "task_overdue",
                "task_overdue",
            ]
            published_event = next(e for e in first_seen.values() if e.type.endswith("minutes_published.v1"))
            assert published_event.data["withheld_units"] == []
            recipients = {p["kind"] for p in published_event.data["recipients"]}
            assert recipients == {"citizen", "authority", "provider"}
            scheduled_event = next(iter(first_seen.values()))
            citizen = next(p for p in scheduled_event.data["participants"] if p["kind"] == "citizen")
            assert citizen.get("name") is None and citizen.get("email") is None, "no citizen data on the bus"

            disclosures = (await consent.get(f"/citizens/{CITIZEN}/disclosures")).json()
            assert sorted(d["what"] for d in disclosures if d["unit"] == TREATMENT) == [
                "meeting_invitation",
                "minutes",
            ]

            # A participant sends apologies (afbud); cancelling keeps the UID and sends METHOD:CANCEL.
            declined = await client.post(
                f"/meetings/{meeting_id}/participants/{people['Be Handler']}/response",
                json={"invitation_status": "declined", "apology": "Syg"},
            )
            assert declined.status_code == 200, declined.text
            answer = next(
                p for p in declined.json()["participants"] if p["participant_id"] == people["Be Handler"]
            )
            assert (answer["invitation_status"], answer["apology"]) == ("declined", "Syg")
            cancelled = await client.patch(
                f"/meetings/{meeting_id}",
                json={"status": "cancelled"},
                headers={"If-Match": declined.headers["etag"]},
            )
            assert cancelled.status_code == 200, cancelled.text
            calendar = icalendar.Calendar.from_ical(
                (await client.get(f"/meetings/{meeting_id}/invitation.ics")).text
            )
            cancel_event = next(iter(calendar.walk("VEVENT")))
            assert calendar["METHOD"] == "CANCEL" and int(cancel_event["SEQUENCE"]) == 2
            assert str(cancel_event["UID"]) == f"{meeting_id}@borgerplan"


async def test_consent_service_down_means_not_invited(settings: Settings) -> None:
    settings = settings.model_copy(update={"consent_url": "http://127.0.0.1:9"})
    async with running(build_meetings, settings) as (runtime, client):
        await runtime.collection("plan_refs").insert_one(
            {"_id": "p-x", "citizen_id": "c-x", "responsible_unit": AUTHORITY, "status": "active"}
        )
        start = datetime.now(UTC) + timedelta(days=20)
        response = await client.post(
            "/meetings",
            json={
                "plan_id": "p-x",
                "kind": "coordinating",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=90)).isoformat(),
                "coordinator_unit": AUTHORITY,
                "participants": [
                    {"name": "Borgeren", "kind": "citizen"},
                    {"name": "Sags Behandler", "kind": "authority", "unit": AUTHORITY},
                    {"name": "Be Handler", "kind": "provider", "unit": TREATMENT},
                ],
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert [p["kind"] for p in body["participants"]] == ["citizen", "authority"], (
            "the responsible unit's own"
        )
        assert body["uninvited"] == [
            {"name": "Be Handler", "unit": TREATMENT, "reason": "consent_unavailable"}
        ]
        assert body["warnings"] == ["coordinating_meeting_over_one_hour"]


async def test_outreach_deadlines_endpoint(settings: Settings) -> None:
    async with running(build_meetings, settings) as (_, client):
        response = await client.get("/deadlines/outreach", params={"first_contact": "2026-04-01"})
        assert response.status_code == 200
        assert response.json() == [
            {
                "kind": "first_meeting",
                "label": "Første møde med borgeren",
                "from": "first_contact",
                "due": "2026-04-13",
            }
        ]  # over Easter
        assert (await client.get("/deadlines/outreach")).status_code == 422
