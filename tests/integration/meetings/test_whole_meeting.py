"""A whole network meeting through the meetings service, with the real plan and consent services in the same
process, a real MongoDB-wire database and Kafka. The meetings service reaches the others through its
``runtime.internal`` client, routed to them in-process: it asks the plan service for the plan and the citizen's
plans and the consent service for the citizen's consents, once per schedule or publication, and keeps no copy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest
from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_plumbing.internal import HttpxTransport
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


async def _plan(plans: httpx.AsyncClient, cpr: str, *actor_units: str) -> tuple[str, str]:
    """A citizen and their plan in the plan service (AUTHORITY responsible, these units on the network map)."""
    citizen = await plans.post("/citizens", json={"cpr": cpr, "name": "Møde Borger"})
    assert citizen.status_code == 201, citizen.text
    citizen_id = citizen.json()["citizen_id"]
    actors = [
        {
            "name": f"Aktør {unit}",
            "role": "behandler",
            "kind": "provider",
            "unit": unit,
            "network_category": "health_treatment",
        }
        for unit in actor_units
    ]
    created = await plans.post(
        "/plans",
        json={"citizen_id": citizen_id, "kind": "adult", "responsible_unit": AUTHORITY, "actors": actors},
    )
    assert created.status_code == 201, created.text
    return citizen_id, str(created.json()["plan_id"])


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
    async with (
        running(build_plan, settings) as (plan_rt, plans),
        running(build_consent, settings) as (consent_rt, consent),
    ):
        build = routed(meetings, lambda s: {s.plan_url: plan_rt.app, s.consent_url: consent_rt.app})
        async with running(build, settings) as (meetings_rt, client):
            assert meetings_rt.consumers == [], "the meetings service keeps no copy of the plans"
            citizen_id, plan_id = await _plan(plans, "0101904412", TREATMENT, PSYCHIATRY)
            granted = await consent.post(
                "/consents",
                json={
                    "citizen_id": citizen_id,
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
                plan_id,
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
            # A dry run first (the pages show it before anything is saved): the same answer, nothing stored.
            dry = await client.post(
                "/meetings/invitation-preview",
                json={"plan_id": plan_id, "participants": body["participants"]},
            )
            assert dry.status_code == 200, dry.text
            assert [p["name"] for p in dry.json()["invited"]] == ["Borgeren", "Sags Behandler", "Be Handler"]
            assert dry.json()["uninvited"] == [
                {"name": "Psy Kiater", "unit": PSYCHIATRY, "reason": "no_consent"}
            ]
            assert (await client.get(f"/citizens/{citizen_id}/meetings")).json()["meetings"] == []

            scheduled = await client.post("/meetings", json=body)
            assert scheduled.status_code == 201, scheduled.text
            meeting = scheduled.json()
            meeting_id = meeting["meeting_id"]
            assert meeting["uninvited"] == dry.json()["uninvited"], "the dry run is the schedule's own answer"
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
            overview = (await client.get(f"/citizens/{citizen_id}/meetings")).json()
            assert [m["meeting_id"] for m in overview["meetings"]] == [meeting_id]
            assert [(t["what"], t["overdue"]) for t in overview["tasks"]] == [
                ("Book lægetid", False),
                ("Søg bolig", False),
            ], "open tasks by due date"
            assert overview["deadlines"] == [], "minutes sent; tomorrow's agenda closed"
            listed = (await client.get("/meetings", params={"citizen_id": citizen_id})).json()
            assert [m["meeting_id"] for m in listed] == [meeting_id]
            summary = await client.post("/meetings/summary", json={"citizen_ids": [citizen_id, "nobody"]})
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
                ("task", "Søg bolig", citizen_id)
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

            disclosures = (await consent.get(f"/citizens/{citizen_id}/disclosures")).json()
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
            after = (await client.get(f"/citizens/{citizen_id}/meetings")).json()
            assert after["tasks"] == [] and after["deadlines"] == [], "a cancelled meeting asks nothing"
            summary = (await client.post("/meetings/summary", json={"citizen_ids": [citizen_id]})).json()
            assert summary == [
                {"citizen_id": citizen_id, "next_meeting": None, "overdue_count": 0, "open_task_count": 0}
            ]


async def test_a_meeting_for_a_plan_created_a_moment_ago(settings: Settings) -> None:
    """The plan's event never reaches the meetings service (the plan service publishes on a topic of its own here),
    nor need it: the meetings service asks the plan service, so a plan made a moment ago counts at once."""
    isolated = settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}isolated."})
    async with (
        running(build_plan, isolated) as (plan_rt, plans),
        running(build_consent, settings) as (consent_rt, _),
    ):
        build = routed(meetings, lambda s: {s.plan_url: plan_rt.app, s.consent_url: consent_rt.app})
        async with running(build, settings) as (_, client):
            citizen_id, plan_id = await _plan(plans, "0101904411", TREATMENT)
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
            assert meeting["uninvited"] == [{"name": "Be Handler", "unit": TREATMENT, "reason": "no_consent"}]

            unknown = await client.post("/meetings", json={**body, "plan_id": "no-such-plan"})
            assert unknown.status_code == 422, unknown.text
            assert unknown.json()["errors"] == [{"field": "plan_id", "message": "unknown plan"}]
            dry = await client.post(
                "/meetings/invitation-preview",
                json={"plan_id": "no-such-plan", "participants": body["participants"]},
            )
            assert dry.status_code == 422 and dry.json()["errors"][0]["field"] == "plan_id"


async def test_no_plan_service_is_503_and_no_consent_service_means_not_invited(settings: Settings) -> None:
    start = datetime.now(UTC) + timedelta(days=20)
    participants = [
        {"name": "Borgeren", "kind": "citizen"},
        {"name": "Sags Behandler", "kind": "authority", "unit": AUTHORITY},
        {"name": "Be Handler", "kind": "provider", "unit": TREATMENT},
    ]
    # Nothing answers for "plan" or "consent" (the routing knows neither).
    async with running(routed(meetings, lambda s: {}), settings) as (_, client):
        body = {**_meeting_body("p-x", start, participants), "kind": "coordinating"}
        body["end"] = (start + timedelta(minutes=90)).isoformat()
        unknown = await client.post("/meetings", json=body)
        assert unknown.status_code == 503 and unknown.headers["retry-after"], unknown.text
    # The plan service answers, the consent service does not: fail closed.
    async with running(build_plan, settings) as (plan_rt, plans):
        _, plan_id = await _plan(plans, "0101904413", TREATMENT)
        async with running(routed(meetings, lambda s: {s.plan_url: plan_rt.app}), settings) as (_, client):
            response = await client.post("/meetings", json={**body, "plan_id": plan_id})
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
