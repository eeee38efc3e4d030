"""The source templates filled field by field through the plan service's HTTP API and read back equal.

Seed 000: Copenhagen's "Borgerens Plan" for adults (and the children's template); seed 003: Randers' visual plan
"Mit liv - Min plan"; seed 002: the outreach collaboration agreement. Real FerretDB and Kafka underneath.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.settings import Settings
from plan_service.bootstrap import build
from tests.support.services import running, signed_as

pytestmark = pytest.mark.integration
WORKER = Caller(
    sub="t-joergen", name="Jørgen Berg", unit="t-hoerhuset", unit_kind="provider", roles=["contact_person"]
)


class Plan:
    """A plan under construction: each change is one request with the ETag of the last answer."""

    def __init__(self, client: Any, body: dict[str, Any]) -> None:
        self.client = client
        self.body = body
        self.doc: dict[str, Any] = {}
        self.etag = ""

    async def create(self) -> Plan:
        response = await self.client.post("/plans", json=self.body)
        assert response.status_code == 201, response.text
        self._take(response)
        return self

    def _take(self, response: Any) -> dict[str, Any]:
        self.doc = response.json()
        self.etag = response.headers["etag"]
        return self.doc

    @property
    def path(self) -> str:
        return f"/plans/{self.doc['plan_id']}"

    async def patch(self, sub: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        response = await self.client.patch(
            self.path + sub, json=body, headers={"If-Match": self.etag, **headers}
        )
        assert response.status_code == 200, response.text
        return self._take(response)

    async def post(self, sub: str, body: dict[str, Any], auth: httpx.Auth | None = None) -> dict[str, Any]:
        response = await self.client.post(self.path + sub, json=body, auth=auth or self.client.auth)
        assert response.status_code == 201, response.text
        return self._take(response)

    async def read(self) -> dict[str, Any]:
        response = await self.client.get(self.path)
        assert response.status_code == 200
        assert response.headers["etag"] == self.etag
        return self._take(response)


async def _citizen(client: Any, cpr: str, name: str) -> str:
    response = await client.post("/citizens", json={"cpr": cpr, "name": name})
    assert response.status_code == 201, response.text
    citizen_id: str = response.json()["citizen_id"]
    return citizen_id


def _subset(actual: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: actual.get(key) for key in expected}


async def test_the_adult_template_of_seed_000_filled_field_by_field(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "2304851237", "Henrik Herberg")
        plan = await Plan(
            client, {"citizen_id": citizen_id, "kind": "adult", "responsible_unit": "t-hjemloese"}
        ).create()

        # OVERBLIK
        overview = {
            "purpose": "Fra herberg til egen bolig med støtte.",
            "occupied_with": "At komme i behandling og få styr på økonomien.",
        }
        for key, value in overview.items():
            await plan.patch("", {"overview": {key: value}})
        legal_bases = ["SEL §141", "VUM", "§14I", "SEL §83a"]
        await plan.patch("", {"legal_bases": ["SEL § 141", "vum", "§ 14 I", "§ 83A"]})
        await plan.patch("", {"valid_from": "2017-01-01"})
        await plan.patch("", {"valid_to": "2017-06-30"})

        # Samarbejdspartnere / aktører
        actors = [
            {
                "name": "Jørgen XXX",
                "role": "Kontaktperson",
                "unit": "t-hoerhuset",
                "unit_name": "Hørhuset",
                "kind": "provider",
                "network_category": "housing",
                "anchor": "contact_person",
                "email": "joergen@hoerhuset.example.dk",
                "phone": "+45 11 22 33 44",
                "meeting_cadence": "Tirsdage kl. 9",
                "communication_agreements": [
                    "Skriv til rusmiddelbehandling 3 mdr. inden indflytning i egen lejlighed"
                ],
                "attention_points": "Har svært ved tidlige møder.",
                "in_contact": True,
            },
            {
                "name": "Bent XXX",
                "role": "Jobkonsulent",
                "unit": "t-jobcenter",
                "unit_name": "Jobcenter, BIF",
                "kind": "external",
                "network_category": "employment",
                "email": "bent@jobcenter.example.dk",
                "phone": "+45 55 66 77 88",
                "meeting_cadence": "Opfølgningsmøde fredag",
                "communication_agreements": [],
                "attention_points": None,
                "in_contact": False,
            },
        ]
        for actor in actors:
            await plan.post("/actors", actor)

        # AFKLARING: MÅL I
        goal_in = {
            "title": "Egen lejlighed",
            "sof_theme": "independence_relations",
            "vum_theme": "practical_tasks_at_home",
            "category": "housing",
            "description": "Borgeren flytter i egen lejlighed med bostøtte.",
            "sub_goals": [
                {"title": "Delmål 1: Skrevet op til bolig", "achieved": False},
                {"title": "Delmål 2: Budget lagt", "achieved": False},
            ],
            "agreements": [
                {
                    "who": "Jørgen",
                    "what": "Hjælper med boligansøgningen",
                    "when": "Inden 1. februar",
                    "how": "Sammen på herberget",
                }
            ],
        }
        await plan.post("/goals", {"title": goal_in["title"]})
        goal_id = plan.doc["goals"][0]["goal_id"]
        for key in ("sof_theme", "vum_theme", "category", "description", "sub_goals", "agreements"):
            await plan.patch(f"/goals/{goal_id}", {key: goal_in[key]})
        follow_ups = [("2017-01-01", "Startet på ansøgningen."), ("2017-02-01", "Søgt tre boliger.")]
        for on, text in follow_ups:
            await plan.post(
                f"/goals/{goal_id}/follow-ups", {"date": on, "text": text}, auth=signed_as(settings, WORKER)
            )
        await plan.patch(f"/goals/{goal_id}", {"status": "in_progress", "step": 1})
        await plan.patch(f"/goals/{goal_id}", {"step": 2})
        await plan.post(
            f"/goals/{goal_id}/follow-ups",
            {"date": "2017-02-02", "text": "Har fået tilbudt en bolig."},
            auth=signed_as(settings, WORKER),
        )
        await plan.patch(f"/goals/{goal_id}", {"status": "achieved"})

        stored = await plan.read()
        assert stored["overview"]["purpose"] == overview["purpose"]
        assert stored["overview"]["occupied_with"] == overview["occupied_with"]
        assert stored["legal_bases"] == legal_bases
        assert (stored["valid_from"], stored["valid_to"]) == ("2017-01-01", "2017-06-30")
        assert [_subset(a, actor) for a, actor in zip(stored["actors"], actors, strict=True)] == actors
        goal = stored["goals"][0]
        expected_goal = {
            **goal_in,
            "sub_goals": [{**s, "step": i} for i, s in enumerate(goal_in["sub_goals"], 1)],
        }
        assert _subset(goal, expected_goal) == expected_goal
        assert [(f["date"], f["text"], f["by_name"], f["by_unit"]) for f in goal["follow_ups"]] == [
            ("2017-01-01", "Startet på ansøgningen.", "Jørgen Berg", "t-hoerhuset"),
            ("2017-02-01", "Søgt tre boliger.", "Jørgen Berg", "t-hoerhuset"),
            ("2017-02-02", "Har fået tilbudt en bolig.", "Jørgen Berg", "t-hoerhuset"),
        ]
        assert [(s["status"], s["step"]) for s in goal["status_history"]] == [
            ("baseline", None),
            ("in_progress", 1),
            ("in_progress", 2),
            ("achieved", None),
        ]
        history = (await client.get(f"{plan.path}/history")).json()
        assert [h["version"] for h in history] == list(range(1, stored["version"] + 1))


async def test_the_visual_plan_of_seed_003_filled_field_by_field(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "1511780123", "Mona Randers")
        plan = await Plan(
            client,
            {
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": "t-randers-myndighed",
                "legal_bases": ["SEL §141"],
            },
        ).create()
        # Dato, FORMÅL, BESKÆFTIGELSE, NOTER
        await plan.patch("", {"valid_from": "2026-03-02"})
        await plan.patch("", {"overview": {"purpose": "Et liv med faste rammer og eget hjem."}})
        await plan.patch("", {"overview": {"employment": "Praktik i genbrugsbutikken to dage om ugen."}})
        await plan.patch("", {"overview": {"notes": "Borgerguide deltog i forberedelsesmødet."}})
        # HER ER MIT LIV
        own_words = {
            "manage_myself": "Handle ind og lave mad.",
            "i_can": "Passe min hund og møde til tiden.",
            "dreams": "At bo tæt på min søster.",
            "interests": "Hunde, fiskeri og musik.",
        }
        for key, value in own_words.items():
            await plan.patch("", {"overview": {"own_words": {key: value}}})

        # SMART INDSATSMÅL 1-3 with score now / expected; måltrappen on the first
        # The visual plan scores 1-10; "Sæt ord på frem for tal, når det giver bedre mening for borgeren".
        smart: list[tuple[str, dict[str, Any]]] = [
            ("Lave aftensmad selv tre dage om ugen", {"scale": "1-10", "now": 3, "expected": 7}),
            (
                "Møde i praktik to dage om ugen",
                {"scale": "words", "now_words": "middel", "expected_words": "godt"},
            ),
            ("Gå tur med hunden hver dag", {"scale": "1-10", "now": 5, "expected": 8}),
        ]
        for title, _ in smart:
            await plan.post("/goals", {"title": title, "sof_theme": "independence_relations"})
        goals = plan.doc["goals"]
        for goal, (_, score) in zip(goals, smart, strict=True):
            await plan.patch(f"/goals/{goal['goal_id']}", {"score": score})
        ladder = [
            {"title": "1. delmål: Lave en indkøbsliste", "achieved": True},
            {"title": "2. delmål: Handle ind med kontaktpersonen", "achieved": False},
            {"title": "3. delmål: Handle ind alene", "achieved": False},
            {"title": "4. delmål: Lave mad fra bunden", "achieved": False},
        ]
        await plan.patch(f"/goals/{goals[0]['goal_id']}", {"sub_goals": ladder})
        # Scoring: no agreement reached → the professional score, the citizen's disagreement noted.
        await plan.patch(
            f"/goals/{goals[1]['goal_id']}",
            {
                "score": {
                    "scale": "words",
                    "now_words": "lav",
                    "expected_words": "godt",
                    "citizen_disagrees": True,
                    "citizen_view": "middel",
                }
            },
        )

        stored = await plan.read()
        citizen = (await client.get(f"/citizens/{citizen_id}")).json()
        assert citizen["name"] == "Mona Randers"
        assert stored["valid_from"] == "2026-03-02"
        assert stored["overview"] == {
            "purpose": "Et liv med faste rammer og eget hjem.",
            "occupied_with": None,
            "own_words": own_words,
            "employment": "Praktik i genbrugsbutikken to dage om ugen.",
            "notes": "Borgerguide deltog i forberedelsesmødet.",
        }
        assert [g["title"] for g in stored["goals"]] == [t for t, _ in smart]
        for goal, (_, score) in zip(stored["goals"], smart, strict=True):
            assert {k: goal["scores"][0][k] for k in score} == score
        assert stored["goals"][0]["sub_goals"] == [{**s, "step": i} for i, s in enumerate(ladder, 1)]
        disputed = stored["goals"][1]["scores"][-1]
        assert (disputed["now_words"], disputed["citizen_disagrees"], disputed["citizen_view"]) == (
            "lav",
            True,
            "middel",
        )


async def test_the_child_template_of_seed_000_with_the_section_70_follow_up(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "0203121234", "Emil Barn")
        plan = await Plan(
            client,
            {
                "citizen_id": citizen_id,
                "kind": "child",
                "responsible_unit": "t-boernefamilie",
                "legal_bases": ["SEL §140"],
                "valid_from": "2026-01-01",
            },
        ).create()
        child = {
            "measures": [
                {
                    "title": "Anbringelse på opholdssted",
                    "granted_under": "SEL §52",
                    "kind": "placement",
                    "valid_from": "2026-01-01",
                    "valid_to": None,
                    "valid_to_text": "Til Emil fylder 18 år",
                },
                {
                    "title": "Kontaktperson",
                    "granted_under": "SEL §52",
                    "kind": "preventive",
                    "valid_from": "2026-02-01",
                    "valid_to": "2026-12-31",
                    "valid_to_text": None,
                },
            ],
            "plan_for": ["placement"],
            "goals_for_effort": "Emil trives og går i skole hver dag.",
            "expected_duration": {"valid_from": "2026-01-01", "to_text": "Foreløbig to år"},
            "concern_basis": "Fra § 50-undersøgelsen: stort skolefravær og uro i hjemmet.",
            "placement_decisions": {
                "parent_support": True,
                "contact_and_visits": True,
                "parental_payment": False,
            },
        }
        await plan.patch("", {"overview": {"purpose": "Stabil hverdag på opholdsstedet."}})
        for key, value in child.items():
            await plan.patch("", {"child": {**(plan.doc.get("child") or {}), key: value}})
        await plan.post(
            "/goals",
            {"title": "Går i skole hver dag", "category": "general", "sof_theme": "education_employment"},
        )
        follow_up = {
            "period_from": "2026-01-01",
            "period_to": "2026-04-30",
            "progress": "Emil møder i skole fire ud af fem dage.",
            "assessment_text": "Målene understøtter fortsat indsatsen.",
            "assessments": ["goals_still_support"],
            "personal_supervision_done": True,
            "parent_plan_revision_offered": True,
        }
        await plan.post("/child-follow-ups", follow_up)
        refused = await client.post(
            f"{plan.path}/child-follow-ups",
            json={**follow_up, "period_from": "2026-04-01", "period_to": "2026-06-30"},
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "period_from"

        stored = await plan.read()
        assert stored["child"] == child
        assert _subset(stored["child_follow_ups"][0], follow_up) == follow_up
        assert stored["child_follow_ups"][0]["by"] == "t-caseworker"
        assert len(stored["child_follow_ups"]) == 1, "the refused follow-up stored nothing"


async def test_the_collaboration_agreement_of_seed_002(settings: Settings) -> None:
    async with running(build, settings) as (_, client):
        citizen_id = await _citizen(client, "1107691234", "Karin Fremskudt")
        plan = await Plan(
            client, {"citizen_id": citizen_id, "kind": "adult", "responsible_unit": "t-fremskudt"}
        ).create()
        agreement = {
            "agreed_on": "2026-05-04",
            "place": "Hjemme hos Karin",
            "present": ["Karin", "Fremskudt sagsbehandler Lone"],
            "current_situation": "Huslejerestance og ingen kontakt til egen læge.",
            "goals_next_three_months": "Betale restancen af og komme til lægen.",
            "challenges": "Åbner ikke post.",
            "what_helps": "Sms dagen før aftaler.",
            "goals": [
                {
                    "goal": "Afdragsordning med boligselskabet",
                    "citizen_actions": "Tager med til mødet",
                    "caseworker_actions": "Ringer til boligselskabet",
                    "follow_up_on": "2026-06-01",
                    "reached": None,
                    "went_well": None,
                    "went_less_well": None,
                }
            ],
            "coordination": "Orienterer boligsocial medarbejder efter aftale med Karin.",
        }
        await plan.patch("", {"collaboration_agreement": agreement})
        reached = {**agreement["goals"][0], "reached": True, "went_well": "Aftalen kom på plads."}
        await plan.patch("", {"collaboration_agreement": {**agreement, "goals": [reached]}})
        bad = {**agreement, "goals": [{**reached, "follow_up_on": "2026-04-01"}]}
        refused = await client.patch(
            plan.path, json={"collaboration_agreement": bad}, headers={"If-Match": plan.etag}
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "collaboration_agreement.goals.0.follow_up_on"

        stored = await plan.read()
        assert stored["collaboration_agreement"] == {**agreement, "goals": [reached]}
        history = (await client.get(f"{plan.path}/history")).json()
        assert "collaboration_agreement.goals" in {c["field"] for c in history[-1]["changes"]}
