"""A whole network meeting through the meetings service, with the real consent (and plan) service in the same
process, a real MongoDB-wire database and Kafka. The meetings service reaches the others through its
``runtime.internal`` client, routed to them in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import icalendar
import pytest
from fastapi import FastAPI

from borgerplan_contracts import new_event, topics
from borgerplan_contracts.events import PlanCreated
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.kafka import publish_event
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import today
from consent_service.bootstrap import build as build_consent
from meetings_service import changes
from meetings_service.bootstrap import build as build_meetings
from plan_service.bootstrap import build as build_plan
from tests.support.kafka import TopicProbe
from tests.support.routing import RoutingTransport
from tests.support.services import running

pytestmark = pytest.mark.integration
CITIZEN, PLAN = "citizen-meeting-1", "plan-meeting-1"
AUTHORITY, TREATMENT, PSYCHIATRY = "t-authority", "rusmiddelenheden", "regionspsykiatrien"


def routed(
    build: Callable[[Settings], ServiceRuntime], apps: Callable[[Settings], dict[str, FastAPI]]
) -> Callable[[Settings], ServiceRuntime]:
    """``build`` with its internal client routed to services running in this process (set before it starts)."""

    def built(settings: Settings) -> ServiceRuntime:
        runtime = build(settings)
        runtime.internal.transport = HttpxTransport(RoutingTransport(apps(settings)))
        return runtime

    return built


def meetings(settings: Settings) -> ServiceRuntime:
    return build_meetings(settings, overdue_interval_seconds=None)


async def _until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    for _ in range(int(timeout / 0.2)):
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not in time")


def _meeting_body(plan_id: str, start: datetime, participants: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "kind": "network",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "place": "Borgerens valg: biblioteket",
        "place_chosen_by_citizen": True,
        "coordinator_unit": AUTHORITY,
        "participants": participants,
    }


async def test_schedule_agenda_minutes_tasks_and_overdue(settings: Settings) -> None:
    # The consent service reaches no plan service (it decides on its read model); the meetings service reaches it.
    async with running(routed(build_consent, lambda s: {}), settings) as (consent_rt, consent):
        build = routed(meetings, lambda s: {s.consent_url: consent_rt.app})
        async with running(build, settings) as (meetings_rt, client):
            plan = PlanCreated(
                plan_id=PLAN,
                citizen_id=CITIZEN,
                kind="adult",
                status="active",
                responsible_unit=AUTHORITY,
                actor_units=[TREATMENT, PSYCHIATRY],
            )
            assert meetings_rt.broker is not None
            await publish_event(
                meetings_rt.broker, settings.topic(topics.PLAN), new_event(plan, subject=CITIZEN), CITIZEN
            )
            # Both read models learn the plan from its event (the read-your-writes test below does without).
            for refs in (meetings_rt.collection("plan_refs"), consent_rt.collection("plan_refs")):
                await _until(partial(refs.find_one, {"_id": PLAN}), "the plan in a read model")
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
            assert granted.status_code == 201, granted.text

            start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
            body = _meeting_body(
                PLAN,
                start,
                [
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
            )
            scheduled = await client.post("/meetings", json=body)
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
            stale = await client.patch(
                f"/meetings/{meeting_id}", headers={"If-Match": added.headers["etag"]}, json={"place": "X"}
            )
            assert stale.status_code == 412

            ics_text = (await client.get(f"/meetings/{meeting_id}/invitation.ics")).text
            event = next(iter(icalendar.Calendar.from_ical(ics_text).walk("VEVENT")))
            assert str(event["SEQUENCE"]) == "1" and event.decoded("DTSTART") == soon
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

            # The facts the gateway composes its views from.
            overview = (await client.get(f"/citizens/{CITIZEN}/meetings")).json()
            assert [m["meeting_id"] for m in overview["meetings"]] == [meeting_id]
            assert [(t["what"], t["overdue"]) for t in overview["tasks"]] == [
                ("Book lægetid", False),
                ("Søg bolig", False),
            ], "open tasks by due date"
            assert overview["deadlines"] == [], "minutes sent; tomorrow's agenda closed"
            listed = (await client.get("/meetings", params={"citizen_id": CITIZEN})).json()
            assert [m["meeting_id"] for m in listed] == [meeting_id]
            summary = await client.post("/meetings/summary", json={"citizen_ids": [CITIZEN, "nobody"]})
            assert summary.status_code == 200, summary.text
            mine, nobody = summary.json()
            assert mine["next_meeting"]["meeting_id"] == meeting_id
            assert (mine["overdue_count"], mine["open_task_count"]) == (0, 2)
            assert nobody == {
                "citizen_id": "nobody",
                "next_meeting": None,
                "overdue_count": 0,
                "open_task_count": 0,
            }
            treatment = (await client.get(f"/units/{TREATMENT}/deadlines")).json()
            assert [(d["kind"], d["what"], d["citizen_id"]) for d in treatment] == [
                ("task", "Søg bolig", CITIZEN)
            ]

            ctx = meetings_rt.app.state.meetings
            later = today() + timedelta(days=20)
            assert await changes.run_overdue(ctx, on=later) == {"minutes": 0, "tasks": 2}
            assert await changes.run_overdue(ctx, on=later) == {"minutes": 0, "tasks": 0}, "once each"

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
            assert all(d["reference"] == meeting_id for d in disclosures if d["unit"] == TREATMENT)

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
            assert calendar["METHOD"] == "CANCEL" and str(cancel_event["SEQUENCE"]) == "2"
            assert str(cancel_event["UID"]) == f"{meeting_id}@borgerplan"
            after = (await client.get(f"/citizens/{CITIZEN}/meetings")).json()
            assert after["tasks"] == [] and after["deadlines"] == [], "a cancelled meeting asks nothing"
            summary = (await client.post("/meetings/summary", json={"citizen_ids": [CITIZEN]})).json()
            assert summary == [
                {"citizen_id": CITIZEN, "next_meeting": None, "overdue_count": 0, "open_task_count": 0}
            ]


async def test_a_meeting_for_a_plan_created_a_moment_ago(settings: Settings) -> None:
    """Read your own writes: the plan's event never reaches the meetings service (the plan service publishes on
    a topic of its own here), so only asking the plan service can tell the plan exists."""
    isolated = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}isolated."})
    async with running(build_plan, isolated) as (plan_rt, plans):
        consent_build = routed(build_consent, lambda s: {s.plan_url: plan_rt.app})
        async with running(consent_build, settings) as (consent_rt, _):
            build = routed(meetings, lambda s: {s.plan_url: plan_rt.app, s.consent_url: consent_rt.app})
            async with running(build, settings) as (meetings_rt, client):
                citizen = await plans.post("/citizens", json={"cpr": "0101904411", "name": "Møde Borger"})
                assert citizen.status_code == 201, citizen.text
                citizen_id = citizen.json()["citizen_id"]
                created = await plans.post(
                    "/plans",
                    json={
                        "citizen_id": citizen_id,
                        "kind": "adult",
                        "responsible_unit": AUTHORITY,
                        "actors": [
                            {
                                "name": "Be Handler",
                                "role": "behandler",
                                "kind": "provider",
                                "unit": TREATMENT,
                                "network_category": "health_treatment",
                            },
                            {"name": "Søster", "role": "søster", "kind": "private_network"},
                        ],
                    },
                )
                assert created.status_code == 201, created.text
                plan_id = created.json()["plan_id"]

                start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
                body = _meeting_body(
                    plan_id,
                    start,
                    [
                        {"name": "Borgeren", "kind": "citizen"},
                        {"name": "Sags Behandler", "kind": "authority", "unit": AUTHORITY},
                        {"name": "Be Handler", "kind": "provider", "unit": TREATMENT},
                    ],
                )
                scheduled = await client.post("/meetings", json=body)
                assert scheduled.status_code == 201, scheduled.text
                meeting = scheduled.json()
                assert meeting["citizen_id"] == citizen_id
                assert [p["kind"] for p in meeting["participants"]] == ["citizen", "authority"]
                assert meeting["uninvited"] == [
                    {"name": "Be Handler", "unit": TREATMENT, "reason": "no_consent"}
                ]

                ref = await meetings_rt.collection("plan_refs").find_one({"_id": plan_id})
                assert ref == {
                    "_id": plan_id,
                    "citizen_id": citizen_id,
                    "responsible_unit": AUTHORITY,
                    "actor_units": [TREATMENT],
                    "status": "active",
                }, "stored as the projection stores it"

                unknown = await client.post("/meetings", json={**body, "plan_id": "no-such-plan"})
                assert unknown.status_code == 422, unknown.text
                assert unknown.json()["errors"] == [{"field": "plan_id", "message": "unknown plan"}]


async def test_no_plan_service_is_503_and_no_consent_service_means_not_invited(settings: Settings) -> None:
    # Nothing answers for "plan" or "consent" (the routing knows neither).
    build = routed(meetings, lambda s: {})
    async with running(build, settings) as (runtime, client):
        start = datetime.now(UTC) + timedelta(days=20)
        participants = [
            {"name": "Borgeren", "kind": "citizen"},
            {"name": "Sags Behandler", "kind": "authority", "unit": AUTHORITY},
            {"name": "Be Handler", "kind": "provider", "unit": TREATMENT},
        ]
        body = {**_meeting_body("p-x", start, participants), "kind": "coordinating"}
        body["end"] = (start + timedelta(minutes=90)).isoformat()
        unknown = await client.post("/meetings", json=body)
        assert unknown.status_code == 503 and unknown.headers["retry-after"], unknown.text

        await runtime.collection("plan_refs").insert_one(
            {"_id": "p-x", "citizen_id": "c-x", "responsible_unit": AUTHORITY, "status": "active"}
        )
        response = await client.post("/meetings", json=body)
        assert response.status_code == 201, response.text
        answer = response.json()
        assert [p["kind"] for p in answer["participants"]] == ["citizen", "authority"], (
            "the responsible unit's own"
        )
        assert answer["uninvited"] == [
            {"name": "Be Handler", "unit": TREATMENT, "reason": "consent_unavailable"}
        ]
        assert answer["warnings"] == ["coordinating_meeting_over_one_hour"]


async def test_outreach_deadlines_endpoint(settings: Settings) -> None:
    async with running(meetings, settings) as (_, client):
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
