"""Fakes for the pages' unit tests: the gateway's public API answered by httpx.MockTransport from a small
in-memory shelter case, and an in-memory sessions collection. Fakes live here only (unit tests)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import httpx

CITIZEN_ID = "c-peter"
PLAN_ID = "p-1"
MEETING_ID = "m-1"
GOAL_HOUSING = "g-housing"
GOAL_TREATMENT = "g-treatment"
GOAL_HEALTH = "g-health"


def _stamp(day: str) -> dict[str, Any]:
    return {
        "at": f"{day}T10:00:00+00:00",
        "by": "demo-sagsbehandler-hje",
        "by_name": "Mette Sørensen",
        "by_unit": "kk-hjemloeseenheden",
    }


def shelter_plan() -> dict[str, Any]:
    return {
        "plan_id": PLAN_ID,
        "citizen_id": CITIZEN_ID,
        "kind": "adult",
        "status": "active",
        "responsible_unit": "kk-hjemloeseenheden",
        "legal_bases": ["SEL §141", "SEL §110"],
        "valid_from": "2026-11-01",
        "valid_to": "2027-05-01",
        "follow_up_period": "hver 3. måned",
        "overview": {
            "purpose": "Peter skal fra herberget til egen bolig med den støtte, han har brug for.",
            "occupied_with": "At få styr på økonomien og komme i behandling.",
            "own_words": {
                "manage_myself": "Jeg vil gerne selv kunne betale min husleje.",
                "i_can": None,
                "dreams": "Jeg vil gerne have min egen lejlighed og se min datter igen.",
                "interests": None,
            },
            "employment": None,
            "notes": None,
        },
        "goals": [
            {
                "goal_id": GOAL_HOUSING,
                "title": "Egen bolig inden for seks måneder",
                "description": "Ansøgning om bolig og bostøtte.",
                "category": "housing",
                "sof_theme": "independence_relations",
                "vum_theme": "practical_tasks_at_home",
                "sub_goals": [
                    {"title": "Skrevet op til en bolig", "achieved": True, "step": 1},
                    {"title": "Budget for husleje lagt", "achieved": False, "step": 2},
                    {"title": "Bostøtte bevilget", "achieved": False, "step": 3},
                ],
                "agreements": [
                    {
                        "who": "Ali (kontaktperson)",
                        "what": "Hjælper med boligansøgningen",
                        "when": "Inden 14 dage",
                        "how": None,
                    }
                ],
                "status": "in_progress",
                "step": 1,
                "status_history": [],
                "scores": [
                    {
                        "scale": "1-10",
                        "now": 3,
                        "expected": 7,
                        "citizen_score": 4,
                        "citizen_disagrees": False,
                        "citizen_view": None,
                        **_stamp("2026-11-02"),
                    },
                    {
                        "scale": "1-10",
                        "now": 5,
                        "expected": 7,
                        "citizen_score": 7,
                        "citizen_disagrees": True,
                        "citizen_view": "Jeg synes, det går bedre",
                        **_stamp("2026-11-20"),
                    },
                ],
                "follow_ups": [
                    {"date": "2026-11-15", "text": "Ansøgningen er sendt.", **_stamp("2026-11-15")}
                ],
            },
            {
                "goal_id": GOAL_TREATMENT,
                "title": "Stabil behandling for rusmiddelbrug",
                "description": "Fast fremmøde i ambulant behandling.",
                "category": "substance_use",
                "sub_goals": [],
                "agreements": [],
                "status": "baseline",
                "step": None,
                "scores": [],
                "follow_ups": [],
            },
            {
                "goal_id": GOAL_HEALTH,
                "title": "Kontakt til egen læge",
                "description": "Lægetjek og afklaring af smerter.",
                "category": "health",
                "sub_goals": [],
                "agreements": [],
                "status": "baseline",
                "step": None,
                "scores": [],
                "follow_ups": [],
            },
        ],
        "actors": [
            {
                "actor_id": "a-mette",
                "name": "Mette Sørensen",
                "role": "Sagsbehandler",
                "kind": "authority",
                "network_category": "housing",
                "unit": "kk-hjemloeseenheden",
                "anchor": "caseworker",
                "in_contact": True,
            },
            {
                "actor_id": "a-ali",
                "name": "Ali Demir",
                "role": "Kontaktperson",
                "kind": "provider",
                "network_category": "housing",
                "unit": "kk-herberg-sundholm",
                "anchor": "contact_person",
                "in_contact": True,
                "meeting_cadence": "Tirsdage kl. 9",
                "communication_agreements": ["Skriv til rusmiddelbehandlingen 3 måneder inden indflytning"],
            },
            {
                "actor_id": "a-sara",
                "name": "Sara Lund",
                "role": "Behandler",
                "kind": "provider",
                "network_category": "health_treatment",
                "unit": "kk-rusmiddelenheden",
                "in_contact": True,
            },
            {
                "actor_id": "a-datter",
                "name": "Datteren",
                "role": "Datter",
                "kind": "private_network",
                "network_category": "private_network",
                "in_contact": False,
            },
        ],
        "version": 7,
    }


def plan_view(plan: dict[str, Any], withheld_categories: set[str] | None = None) -> dict[str, Any]:
    shown = copy.deepcopy(plan)
    withheld = []
    if withheld_categories:
        kept = []
        for goal in shown["goals"]:
            if goal["category"] in withheld_categories:
                withheld.append(
                    {
                        "section": f"plans.{PLAN_ID}.goals.{goal['goal_id']}",
                        "category": goal["category"],
                        "reason": "no_consent_for_category",
                    }
                )
            else:
                kept.append(goal)
        shown["goals"] = kept
    return {
        "citizen": {"citizen_id": CITIZEN_ID, "name": "Peter Hansen", "birth_date": "1979-03-14"},
        "plans": [shown],
        "meetings": [meeting()],
        "tasks": [],
        "deadlines": [
            {"kind": "agenda_closes", "meeting_id": MEETING_ID, "due": "2026-12-01", "overdue": False}
        ],
        "consent_summary": [
            {
                "consent_id": "k-1",
                "grantee_unit": "kk-rusmiddelenheden",
                "categories": ["general", "substance_use"],
                "purposes": ["view_plan"],
                "status": "active",
                "valid_from": "2026-11-01",
                "valid_until": "2027-11-01",
            }
        ],
        "withheld": withheld,
        "degraded": [],
    }


def meeting() -> dict[str, Any]:
    return {
        "meeting_id": MEETING_ID,
        "plan_id": PLAN_ID,
        "citizen_id": CITIZEN_ID,
        "kind": "network",
        "status": "scheduled",
        "start": "2030-12-07T08:00:00+00:00",
        "end": "2030-12-07T09:00:00+00:00",
        "place": "Herberget, mødelokale 2",
        "place_chosen_by_citizen": True,
        "coordinator_unit": "kk-hjemloeseenheden",
        "coordinator_name": "Mette Sørensen",
        "participants": [
            {
                "participant_id": "pp-1",
                "name": "Peter Hansen",
                "kind": "citizen",
                "invitation_status": "accepted",
            },
            {
                "participant_id": "pp-2",
                "name": "Ali Demir",
                "kind": "provider",
                "unit": "kk-herberg-sundholm",
                "invitation_status": "needs_action",
            },
        ],
        "uninvited": [{"name": "Sara Lund", "unit": "kk-rusmiddelenheden", "reason": "purpose_not_covered"}],
        "agenda": [
            {"item_id": "i-1", "key": "welcome", "topic": "Velkomst", "minutes": 5},
            {
                "item_id": "i-3",
                "key": "purpose",
                "topic": "Formål med mødet",
                "aim": "Alle kender formålet",
                "minutes": 5,
            },
            {"item_id": "i-5", "key": "flexible", "topic": "Fleksible punkter", "minutes": 15},
            {
                "item_id": "i-x",
                "key": None,
                "topic": "Peters økonomi",
                "minutes": 10,
                "added_by_unit": "kk-herberg-sundholm",
            },
            {"item_id": "i-6", "key": "network_map", "topic": "Opdatering af netværkskort", "minutes": 5},
            {"item_id": "i-8", "key": "next_meeting", "topic": "Næste møde", "minutes": 3},
            {
                "item_id": "i-9",
                "key": "summary",
                "topic": "Opsummering af opgaver og ansvarlige",
                "minutes": 10,
            },
        ],
        "agenda_closes_on": "2030-12-01",
        "minutes_due_on": "2030-12-14",
        "minutes": None,
        "version": 3,
    }


class FakeGateway:
    """Answers ``/api/v1`` like the gateway for one shelter case. ``override`` makes one path answer something
    else (a problem, a stale version); ``calls`` records what the pages sent."""

    def __init__(self) -> None:
        self.plan = shelter_plan()
        self.withheld: set[str] = set()
        self.calls: list[tuple[str, str, dict[str, Any] | None, dict[str, str]]] = []
        self.overrides: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {}
        # How the citizen is told, as notify keeps it: Digital Post until they choose.
        self.preference: dict[str, Any] = {
            "citizen_id": CITIZEN_ID,
            "channel": "digital_post",
            "email": None,
            "phone": None,
            "set_at": None,
        }

    def override(
        self, method: str, path: str, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        def answer(_: httpx.Request) -> httpx.Response:
            media = "application/problem+json" if status >= 400 else "application/json"
            return httpx.Response(status, json=body, headers={"content-type": media, **(headers or {})})

        self.overrides[(method, path)] = answer

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        body = json.loads(request.content) if request.content else None
        self.calls.append((request.method, path, body, dict(request.headers)))
        if (request.method, path) in self.overrides:
            return self.overrides[(request.method, path)](request)
        etag = {"ETag": f'"{self.plan["version"]}"'}
        routes: list[tuple[str, str, Callable[[], httpx.Response]]] = [
            ("GET", "/healthz", lambda: httpx.Response(200, json={"status": "ok"})),
            (
                "GET",
                f"/citizens/{CITIZEN_ID}/plan-view",
                lambda: httpx.Response(200, json=plan_view(self.plan, self.withheld)),
            ),
            (
                "GET",
                f"/plans/{PLAN_ID}",
                lambda: httpx.Response(200, json={**self.plan, "withheld": []}, headers=etag),
            ),
            (
                "GET",
                f"/plans/{PLAN_ID}/history",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "version": 2,
                            **_stamp("2026-11-02"),
                            "changes": [
                                {
                                    "field": f"goals.{GOAL_HOUSING}.title",
                                    "from": "Bolig",
                                    "to": "Egen bolig inden for seks måneder",
                                }
                            ],
                        },
                        {
                            "version": 3,
                            **_stamp("2026-11-03"),
                            "changes": [
                                {"field": "overview.own_words.dreams", "from": None, "to": "Egen lejlighed"}
                            ],
                        },
                    ],
                ),
            ),
            (
                "GET",
                "/legal-bases",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "reference": "SEL §141",
                            "label": "Handleplan for voksne (serviceloven § 141)",
                            "plan_kinds": ["adult"],
                        },
                        {"reference": "VUM", "label": "Voksenudredningsmetoden", "plan_kinds": ["adult"]},
                    ],
                ),
            ),
            (
                "GET",
                "/me/citizens",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "citizen_id": CITIZEN_ID,
                            "name": "Peter Hansen",
                            "birth_date": "1979-03-14",
                            "relation": "responsible",
                            "consented": True,
                            "plans": [{"plan_id": PLAN_ID, "kind": "adult", "status": "active"}],
                            "next_meeting": {
                                "meeting_id": MEETING_ID,
                                "kind": "network",
                                "start": "2030-12-07T08:00:00+00:00",
                                "end": "2030-12-07T09:00:00+00:00",
                                "place": "Herberget",
                            },
                            "overdue_count": 1,
                            "open_task_count": 2,
                        },
                        {
                            "citizen_id": "c-other",
                            "name": None,
                            "birth_date": None,
                            "relation": "actor",
                            "consented": False,
                            "plans": [],
                            "next_meeting": None,
                            "overdue_count": 0,
                            "open_task_count": 0,
                        },
                    ],
                    headers={"Link": '</api/v1/me/citizens?cursor=abc&limit=25>; rel="next"'},
                ),
            ),
            (
                "GET",
                "/me/deadlines",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "kind": "task",
                            "citizen_id": CITIZEN_ID,
                            "citizen_name": "Peter Hansen",
                            "meeting_id": MEETING_ID,
                            "task_id": "t-1",
                            "what": "Send boligansøgning",
                            "due": "2026-11-10",
                            "overdue": True,
                            "working_days_overdue": 3,
                        },
                    ],
                ),
            ),
            (
                "GET",
                "/me/requests",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "plan_id": PLAN_ID,
                            "citizen_id": CITIZEN_ID,
                            "citizen_name": "Peter Hansen",
                            "request_id": "r-1",
                            "kind": "new_goal",
                            "at": "2026-12-08T09:00:00+00:00",
                        }
                    ],
                ),
            ),
            (
                "GET",
                f"/meetings/{MEETING_ID}",
                lambda: httpx.Response(200, json={**meeting(), "withheld": []}, headers={"ETag": '"3"'}),
            ),
            (
                "GET",
                f"/citizens/{CITIZEN_ID}/consents",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "consent_id": "k-1",
                            "citizen_id": CITIZEN_ID,
                            "grantee_unit": "kk-rusmiddelenheden",
                            "categories": ["general", "substance_use"],
                            "purposes": ["view_plan"],
                            "form": {"kind": "written", "document_reference": "Erklæring"},
                            "basis": "consent",
                            "valid_from": "2026-11-01",
                            "valid_until": "2027-11-01",
                            "status": "active",
                            "version": 1,
                        },
                    ],
                ),
            ),
            (
                "GET",
                f"/citizens/{CITIZEN_ID}/access-log",
                lambda: httpx.Response(
                    200,
                    json={
                        "items": [
                            {
                                "seq": 2,
                                "at": "2026-11-21T09:00:00+00:00",
                                "unit": "kk-rusmiddelenheden",
                                "purpose": "view_plan",
                                "sections": ["plans"],
                            },
                        ],
                        "next_before": None,
                    },
                ),
            ),
            (
                "GET",
                f"/citizens/{CITIZEN_ID}/notification-preference",
                lambda: httpx.Response(200, json=self.preference),
            ),
            ("PUT", f"/citizens/{CITIZEN_ID}/notification-preference", lambda: self._prefer(body)),
            (
                "GET",
                f"/citizens/{CITIZEN_ID}/notifications",
                lambda: httpx.Response(
                    200,
                    json=[
                        {
                            "notification_id": "n-1",
                            "citizen_id": CITIZEN_ID,
                            "kind": "meeting_invitation",
                            "channel": "digital_post",
                            "recipient_id": "p-peter",
                            "meeting_id": MEETING_ID,
                            "status": "sent",
                            "attempts": 1,
                            "created_at": "2026-11-20T08:00:00+00:00",
                            "sent_at": "2026-11-20T08:00:02+00:00",
                        }
                    ],
                ),
            ),
            ("POST", "/consent-decisions/preview", lambda: self._preview(body)),
            ("POST", "/meetings/invitation-preview", lambda: self._invitations(body)),
            (
                "GET",
                "/consents/k-1",
                lambda: httpx.Response(
                    200,
                    json={
                        "consent_id": "k-1",
                        "citizen_id": CITIZEN_ID,
                        "grantee_unit": "kk-rusmiddelenheden",
                        "categories": ["general", "substance_use"],
                        "purposes": ["view_plan"],
                        "form": {"kind": "written"},
                        "basis": "consent",
                        "valid_from": "2026-11-01",
                        "valid_until": "2027-11-01",
                        "status": "active",
                        "version": 1,
                    },
                    headers={"ETag": '"1"'},
                ),
            ),
        ]
        for method, route, answer in routes:
            if request.method == method and path == route:
                return answer()
        if request.method in ("POST", "PATCH", "PUT"):
            return self._write(request.method, path, body)
        return httpx.Response(
            404,
            json={
                "type": "urn:borgerplan:problem:not-found",
                "title": "Not found",
                "status": 404,
                "detail": "No such thing.",
            },
            headers={"content-type": "application/problem+json"},
        )

    def _prefer(self, body: Any) -> httpx.Response:
        """As the gateway checks the body at the door (one of its rules), then notify keeps only what is needed."""
        if body.get("channel") == "email" and not body.get("email"):
            return httpx.Response(
                422,
                json={
                    "type": "urn:borgerplan:problem:validation",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "The request is not valid.",
                    "errors": [
                        {
                            "field": "body",
                            "message": "Value error, email is required when the channel is email",
                        }
                    ],
                },
                headers={"content-type": "application/problem+json"},
            )
        channel = body["channel"]
        self.preference = {
            "citizen_id": CITIZEN_ID,
            "channel": channel,
            "email": body.get("email") if channel == "email" else None,
            "phone": body.get("phone") if channel == "sms" else None,
            "set_at": "2026-11-21T10:00:00+00:00",
        }
        return httpx.Response(200, json=self.preference)

    def _preview(self, body: Any) -> httpx.Response:
        """The treatment unit has a consent (general, substance use); any other unit none."""
        consented = body.get("unit") == "kk-rusmiddelenheden"
        before = {
            "permit": consented,
            "relation": "actor",
            "categories": ["general", "substance_use"] if consented else [],
            "consent_ids": ["k-1"] if consented else [],
            "basis": "consent" if consented else "none",
            "reason": "consent" if consented else "no_consent",
        }
        proposed = body.get("proposed")
        after = {
            **before,
            "permit": bool(proposed),
            "categories": (proposed or {}).get("categories", []),
            "reason": "consent" if proposed else "no_consent",
        }
        return httpx.Response(200, json={"before": before, "after": after})

    def _invitations(self, body: Any) -> httpx.Response:
        """The meetings service's dry run as the fake knows it: the shelter's unit has no consent to be invited."""
        participants = body.get("participants") or []
        refused = [p for p in participants if p.get("unit") == "kk-herberg-sundholm"]
        return httpx.Response(
            200,
            json={
                "invited": [p for p in participants if p not in refused],
                "uninvited": [
                    {"name": p["name"], "unit": p["unit"], "reason": "no_consent"} for p in refused
                ],
            },
        )

    def _write(self, method: str, path: str, body: Any) -> httpx.Response:
        if method == "POST" and path == "/citizens":
            return httpx.Response(
                201,
                json={"citizen_id": "c-new", "name": body["name"], "birth_date": "1990-01-01", "version": 1},
            )
        if method == "POST" and path == "/meetings":
            return httpx.Response(201, json={**meeting(), "meeting_id": "m-new"})
        if method == "POST" and path == "/plans":
            return httpx.Response(201, json={**self.plan, "plan_id": "p-new"})
        if re.fullmatch(r"/plans/[^/]+(/.*)?", path) or path.startswith(("/consents", "/meetings/")):
            self.plan["version"] += 1
            return httpx.Response(
                200 if method != "POST" else 201,
                json={"ok": True},
                headers={"ETag": f'"{self.plan["version"]}"'},
            )
        return httpx.Response(
            404,
            json={"title": "Not found", "status": 404},
            headers={"content-type": "application/problem+json"},
        )

    def sent(self, method: str, path: str) -> list[tuple[dict[str, Any] | None, dict[str, str]]]:
        return [(b, h) for m, p, b, h in self.calls if m == method and p == path]


class FakeCollection:
    """The few calls the session store makes, in memory."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.indexes: list[tuple[Any, dict[str, Any]]] = []

    async def create_index(self, keys: Any, **options: Any) -> str:
        self.indexes.append((keys, options))
        return str(options.get("name", keys))

    async def insert_one(self, doc: dict[str, Any]) -> None:
        self.docs[doc["_id"]] = copy.deepcopy(doc)

    async def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        found = self.docs.get(query["_id"])
        return copy.deepcopy(found) if found else None

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        if query["_id"] in self.docs:
            self.docs[query["_id"]].update(copy.deepcopy(update["$set"]))

    async def delete_one(self, query: dict[str, Any]) -> None:
        self.docs.pop(query["_id"], None)
