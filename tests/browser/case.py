"""A case made through the public API before the browser takes over: the steps a test is not about (register the
citizen, the plan, its actors and consents, a meeting) are made the way an integrator would make them, so a
browser test spends its time on the pages it checks."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from borgerplan_cli.demo import token_for
from borgerplan_cli.system import System

HOMELESS = "kk-hjemloeseenheden"
ADDICTION = "kk-misbrugsmyndighed"
SHELTER = "kk-herberg-sundholm"
TREATMENT = "kk-rusmiddelenheden"

ALI = {
    "name": "Ali Demir",
    "role": "Kontaktperson",
    "kind": "provider",
    "network_category": "housing",
    "unit": SHELTER,
    "phone": "+45 33 66 33 66",
    "email": "ali.demir@herberg.example.dk",
    "anchor": "contact_person",
    "in_contact": True,
    "attention_points": "Peter sover dårligt, når der er uro på herberget.",
    "communication_agreements": ["Skriv til rusmiddelbehandlingen 3 måneder inden indflytning"],
}
SARA = {
    "name": "Sara Lund",
    "role": "Behandler",
    "kind": "provider",
    "network_category": "health_treatment",
    "unit": TREATMENT,
    "in_contact": True,
}
JONAS = {
    "name": "Jonas Holm",
    "role": "Sagsbehandler",
    "kind": "authority",
    "network_category": "social_administration",
    "unit": ADDICTION,
    "in_contact": False,
}


def participant(actor: dict[str, Any]) -> dict[str, Any]:
    """An actor of the network as a meeting's participant."""
    return {k: actor[k] for k in ("name", "kind", "unit", "role", "email") if actor.get(k)}


@dataclass
class Case:
    system: System
    citizen_id: str = ""
    plan_id: str = ""
    goals: dict[str, str] = field(default_factory=dict)  # title → goal id
    meetings: list[str] = field(default_factory=list)

    def client(self, persona: str = "caseworker") -> httpx.Client:
        token = token_for(self.system.settings, persona, self.citizen_id or None)
        return httpx.Client(
            base_url=self.system.api, headers={"Authorization": f"Bearer {token}"}, timeout=20
        )

    def call(
        self, method: str, path: str, body: Any = None, persona: str = "caseworker", **headers: str
    ) -> Any:
        with self.client(persona) as api:
            response = api.request(
                method, path, json=body, headers={"Idempotency-Key": uuid.uuid4().hex, **headers}
            )
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def register(self, cpr: str, name: str) -> Case:
        self.citizen_id = self.call("POST", "/citizens", {"cpr": cpr, "name": name})["citizen_id"]
        return self

    def make_plan(self, actors: list[dict[str, Any]], **overview: Any) -> Case:
        plan = self.call(
            "POST",
            "/plans",
            {
                "citizen_id": self.citizen_id,
                "kind": "adult",
                "status": "active",
                "responsible_unit": HOMELESS,
                "legal_bases": ["SEL §141"],
                "valid_from": date.today().isoformat(),
                "valid_to": (date.today() + timedelta(days=180)).isoformat(),
                "overview": {
                    "purpose": "Fra herberget til egen bolig med den støtte, der skal til.",
                    "occupied_with": "At få styr på økonomien og komme i behandling.",
                    "own_words": {
                        "manage_myself": "Jeg vil gerne selv kunne betale min husleje.",
                        "dreams": "Jeg vil gerne have min egen lejlighed og se min datter igen.",
                    },
                    **overview,
                },
                "actors": actors,
            },
        )
        self.plan_id = plan["plan_id"]
        return self

    def goal(self, title: str, category: str = "general", **extra: Any) -> str:
        self.call("POST", f"/plans/{self.plan_id}/goals", {"title": title, "category": category, **extra})
        plan = self.call("GET", f"/plans/{self.plan_id}")
        self.goals = {g["title"]: g["goal_id"] for g in plan["goals"]}
        return self.goals[title]

    def score(self, title: str, **score: Any) -> None:
        with self.client() as api:
            etag = api.get(f"/plans/{self.plan_id}").headers["etag"]
        self.call(
            "PATCH",
            f"/plans/{self.plan_id}/goals/{self.goals[title]}",
            {"score": score},
            **{"If-Match": etag},
        )

    def consent(self, unit: str, categories: list[str], purposes: list[str]) -> str:
        consent = self.call(
            "POST",
            "/consents",
            {
                "citizen_id": self.citizen_id,
                "grantee_unit": unit,
                "categories": categories,
                "purposes": purposes,
                "form": {"kind": "written", "document_reference": "Samtykkeerklæring"},
                "basis": "consent",
                "valid_from": date.today().isoformat(),
            },
        )
        return str(consent["consent_id"])

    def meeting(self, participants: list[dict[str, Any]], days_ahead: int = 14, kind: str = "network") -> str:
        start = datetime.combine(date.today() + timedelta(days=days_ahead), datetime.min.time(), UTC).replace(
            hour=8
        )
        body = {
            "plan_id": self.plan_id,
            "kind": kind,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "place": "Herberget, mødelokale 2",
            "coordinator_unit": HOMELESS,
            "coordinator_name": "Mette Sørensen",
            "participants": [{"name": "Peter Hansen", "kind": "citizen"}, *participants],
        }
        with self.client() as api:
            for _ in range(60):  # the meeting calendar learns of a new plan from its event a moment later
                response = api.post("/meetings", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
                if response.status_code != 422 or "unknown plan" not in response.text:
                    break
                time.sleep(0.5)
        assert response.status_code == 201, response.text
        self.meetings.append(response.json()["meeting_id"])
        return self.meetings[-1]
