"""A whole outreach course through the outreach service, with the real plan and consent services in the same process,
a real MongoDB-wire database and Kafka: a referral about a citizen nobody knows by CPR, the assessment, three contact
attempts (letter, a visit not answered, a phone call), identification by CPR (no second citizen, no second course),
the first meeting with an oral consent, the agreement, an external request refused for lack of consent and one
allowed, the needs assessment, the coordinating meetings, and the transition to a plan that already holds the
agreement's goals and the network, with the follow-up due 3-6 months later. Every deadline is asserted against the
Easter, Ascension and Whitsun holidays of 2027; bad input is refused in Danish and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from borgerplan_contracts import topics
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import HttpxTransport
from borgerplan_plumbing.runtime import ServiceRuntime
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.workdays import today
from consent_service.bootstrap import build as build_consent
from outreach_service.bootstrap import build as build_outreach
from plan_service.bootstrap import build as build_plan
from tests.support.kafka import TopicProbe
from tests.support.routing import RoutingTransport
from tests.support.services import running
from web_service import wording as W

pytestmark = pytest.mark.integration
TEAM, ADULTS, PSYCHIATRY, GP = "t-fremskudt", "t-voksen", "t-psykiatri", "t-laege"
CPR = "0101904477"
OUTREACH_WORKER = Caller(
    sub="t-anna", name="Anna Fremskudt", unit=TEAM, unit_kind="authority", roles=["caseworker"]
)


def routed(apps: Callable[[Settings], dict[str, FastAPI]]) -> Callable[[Settings], ServiceRuntime]:
    def built(settings: Settings) -> ServiceRuntime:
        runtime = build_outreach(settings)
        runtime.internal.transport = HttpxTransport(RoutingTransport(apps(settings)))
        return runtime

    return built


def referral(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referrer": {"name": "Lise Holm", "kind": "housing_association", "organisation": "AAB afdeling 12"},
        "channel": "phone",
        "received_on": "2027-03-24",
        "citizen": {"name": "Ole Jensen", "address": "Vesterbrogade 101, 3. th."},
        "concern": "Har ikke åbnet døren i tre uger.",
        "interpreter_needed": True,
        "language": "polsk",
    }
    body.update(changes)
    return body


def deadlines(course: dict[str, Any]) -> dict[str, str | None]:
    return {d["kind"]: d["due"] for d in course["deadlines"]}


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def refused(response: httpx.Response, status: int, field: str, danish: str) -> None:
    """A problem naming the field, whose message the pages show in these Danish words."""
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["errors"][0]["field"] == field
    shown = W.rule_refusal(problem["errors"][0]["message"], field)
    assert shown is not None and danish in shown.danish, problem


async def test_the_whole_course_of_an_unidentified_citizen(settings: Settings) -> None:
    async with (
        running(build_plan, settings) as (plan_rt, plans),
        running(build_consent, settings) as (consent_rt, consent),
    ):
        build = routed(lambda s: {s.plan_url: plan_rt.app, s.consent_url: consent_rt.app})
        async with running(build, settings, OUTREACH_WORKER) as (_, client):
            # Bad input first: no way to reach the citizen. Nothing is stored.
            await refused(
                await client.post("/outreach/courses", json=referral(citizen={"name": "Ole"})),
                422,
                "citizen",
                "Skriv mindst én måde at nå borgeren på",
            )
            assert await ok(await client.get("/outreach/board")) == []

            course = await ok(await client.post("/outreach/courses", json=referral()), 201)
            course_id = course["course_id"]
            assert course["citizen_id"] is None and "cpr" not in course["referral"]
            assert deadlines(course) == {"contact": "2027-03-31"}  # Easter 2027 in the way
            assert course["next_attempt"] == "letter"
            url = f"/outreach/courses/{course_id}"

            await ok(
                await client.put(
                    f"{url}/assessment",
                    json={
                        "categories": [{"category": "1", "reason": "Åbner ikke døren"}],
                        "in_target_group": True,
                        "reason": "Søger ikke selv hjælp",
                        "assessed_on": "2027-03-24",
                    },
                )
            )
            await ok(
                await client.put(
                    f"{url}/assignment",
                    json={
                        "caseworker_sub": "t-anna",
                        "caseworker_name": "Anna Fremskudt",
                        "assigned_on": "2027-03-24",
                    },
                )
            )
            before = await ok(await client.get(url))
            await refused(
                await client.post(
                    f"{url}/attempts",
                    json={"means": "letter", "at": "2027-03-20T10:00:00+01:00", "outcome": "no_answer"},
                ),
                422,
                "at",
                "Datoen ligger før henvendelsen den 2027-03-24",
            )
            assert (await ok(await client.get(url)))["version"] == before["version"], "nothing stored"

            for means, at, outcome, proposed in (
                ("letter", "2027-03-24T14:00:00+01:00", "no_answer", "visit"),
                ("visit", "2027-03-30T10:00:00+02:00", "door_not_opened", "phone"),
                ("phone", "2027-03-31T09:30:00+02:00", "contact_made", None),
            ):
                course = await ok(
                    await client.post(f"{url}/attempts", json={"means": means, "at": at, "outcome": outcome})
                )
                assert course["next_attempt"] == proposed
            assert course["first_contact_on"] == "2027-03-31"
            assert deadlines(course)["first_meeting"] == "2027-04-07"
            assert [a["by_name"] for a in course["attempts"]] == ["Anna Fremskudt"] * 3

            # Identified by CPR later: the plan service registers the citizen once; the course holds the id.
            course = await ok(
                await client.put(f"{url}/identification", json={"cpr": CPR, "name": "Ole Jensen"})
            )
            citizen_id = course["citizen_id"]
            assert citizen_id
            again = await ok(
                await client.put(f"{url}/identification", json={"cpr": CPR, "name": "Ole Jensen"})
            )
            assert again["citizen_id"] == citizen_id
            found = await ok(await plans.get("/citizens", params={"cpr": CPR}))
            assert [c["citizen_id"] for c in found] == [citizen_id], "one citizen"
            second = await client.post("/outreach/courses", json=referral(cpr=CPR))
            assert second.status_code == 409, second.text
            assert "open outreach course" in second.json()["detail"]
            assert len(await ok(await client.get("/outreach/board"))) == 1, "no second course"

            # The first meeting, where the citizen gives an oral consent for the psychiatry.
            await ok(
                await consent.post(
                    "/consents",
                    json={
                        "citizen_id": citizen_id,
                        "grantee_unit": PSYCHIATRY,
                        "categories": ["general", "health"],
                        "purposes": ["exchange_information"],
                        "form": {"kind": "oral", "recorded_by": "Anna Fremskudt"},
                        "valid_from": today().isoformat(),
                    },
                ),
                201,
            )
            course = await ok(
                await client.put(
                    f"{url}/first-meeting",
                    json={"held_on": "2027-05-03", "place": "Café Dyrehaven", "interpreter_present": True},
                )
            )
            assert {
                k: deadlines(course)[k] for k in ("advice", "coordinating_internal", "coordinating_external")
            } == {
                "advice": "2027-05-05",
                "coordinating_internal": "2027-05-11",  # Ascension Day, 6 May
                "coordinating_external": "2027-05-25",  # Whit Monday, 17 May
            }
            assert deadlines(course)["needs_assessment"] == "2027-06-03"
            course = await ok(
                await client.put(
                    f"{url}/agreement",
                    json={
                        "agreement": {
                            "agreed_on": "2027-05-03",
                            "current_situation": "Bor alene, lejligheden er ryddet for lidt.",
                            "goals_next_three_months": "Få hjælp til oprydning",
                            "goals": [
                                {
                                    "goal": "Få ryddet op i lejligheden",
                                    "citizen_actions": "Lukker op for hjemmeplejen",
                                    "caseworker_actions": "Bestiller oprydning",
                                }
                            ],
                        },
                        "network": [
                            {
                                "name": "Lise Holm",
                                "kind": "external",
                                "role": "Boligsocial medarbejder",
                                "network_category": "housing",
                                "unit": "t-aab",
                            },
                            {"name": "Søster Karen", "kind": "private_network", "role": "Søster"},
                        ],
                    },
                )
            )

            # External information: refused without a consent for the GP, allowed for the psychiatry.
            version = course["version"]
            await refused(
                await client.post(
                    f"{url}/external-requests",
                    json={"partner_unit": GP, "categories": ["health"], "requested_on": "2027-05-04"},
                ),
                403,
                "partner_unit",
                "Borgeren har ikke givet samtykke",
            )
            assert (await ok(await client.get(url)))["version"] == version, "nothing stored"
            course = await ok(
                await client.post(
                    f"{url}/external-requests",
                    json={
                        "partner_unit": PSYCHIATRY,
                        "partner_kind": "external",
                        "categories": ["health"],
                        "requested_on": "2027-05-04",
                    },
                )
            )
            (request,) = course["external_requests"]
            assert request["partner_unit"] == PSYCHIATRY and request["consent_ids"]

            await ok(await client.put(f"{url}/advice", json={"on": "2027-05-04"}))
            await ok(await client.put(f"{url}/needs-assessment", json={"on": "2027-05-20"}))
            await ok(
                await client.post(
                    f"{url}/coordinating-meetings", json={"with_external_partners": False, "on": "2027-05-10"}
                )
            )
            course = await ok(
                await client.post(
                    f"{url}/coordinating-meetings", json={"with_external_partners": True, "on": "2027-05-24"}
                )
            )
            assert all(d["done_on"] for d in course["deadlines"]), course["deadlines"]

            # The transition: without a receiving unit it is refused and nothing is stored; then to a plan.
            version = course["version"]
            await refused(
                await client.put(
                    f"{url}/transition",
                    json={"kind": "plan", "receiving_units": [], "ended_on": "2027-06-15"},
                ),
                422,
                "receiving_units",
                "overtager borgeren",
            )
            assert (await ok(await client.get(url)))["version"] == version
            assert await ok(await plans.get(f"/citizens/{citizen_id}/plan-refs")) == []
            course = await ok(
                await client.put(
                    f"{url}/transition",
                    json={
                        "kind": "plan",
                        "receiving_units": [ADULTS],
                        "caseworker_name": "Bo Voksen",
                        "ended_on": "2027-06-15",
                    },
                )
            )
            assert course["phase"] == "transferred"
            follow = next(d for d in course["deadlines"] if d["kind"] == "follow_up")
            assert follow["due"] == "2027-12-15" and course["follow_up"]["from"] == "2027-09-15"
            plan = await ok(await plans.get(f"/plans/{course['plan_id']}"))
            assert plan["status"] == "draft" and plan["responsible_unit"] == ADULTS
            assert [g["title"] for g in plan["goals"]] == ["Få ryddet op i lejligheden"]
            assert sorted(a["name"] for a in plan["actors"]) == ["Lise Holm", "Søster Karen"]
            assert plan["collaboration_agreement"]["goals"][0]["caseworker_actions"] == "Bestiller oprydning"
            (line,) = await ok(await client.get("/outreach/board"))
            assert line["next_deadline"]["kind"] == "follow_up", "the team keeps the follow-up"
            await refused(
                await client.put(f"{url}/follow-up", json={"done_on": "2027-06-01", "outcome": "x"}),
                422,
                "done_on",
                "Opfølgningen kan ikke ligge før forløbet sluttede",
            )
            course = await ok(
                await client.put(
                    f"{url}/follow-up", json={"done_on": "2027-10-04", "outcome": "Går til lægen"}
                )
            )
            assert course["follow_up"]["done_on"] == "2027-10-04"
            assert await ok(await client.get("/outreach/board")) == [], "nothing left for the team to do"

            async with TopicProbe(settings.kafka_bootstrap_servers, settings.topic(topics.OUTREACH)) as probe:
                await probe.wait_for(
                    lambda _: any(e.type.endswith("outreach.course_transferred.v1") for e in probe.events())
                )
                events = [e for e in probe.events() if e.data.get("course_id") == course_id]
            # Keyed by the course until the citizen was identified, by the citizen after (two partitions: no order
            # between them, so each is found by its kind).
            by_kind = {e.type.split(".")[3]: e for e in events}
            assert {
                "course_opened",
                "citizen_identified",
                "course_transferred",
            } <= set(by_kind)
            assert by_kind["course_opened"].subject == course_id
            assert by_kind["course_transferred"].subject == citizen_id
            text = " ".join(e.model_dump_json() for e in events)
            for secret in (CPR, "Ole Jensen", "Vesterbrogade", "døren", "oprydning"):
                assert secret not in text
