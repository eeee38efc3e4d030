"""The demo citizen: the shelter case of the source documents (Borgerens Plan, herbergsområdet).

A citizen staying at a shelter; the shelter contact person; caseworkers from the homeless unit and the
addiction authority; a treatment provider; a network meeting. Everything goes through the public API, with
Idempotency-Keys, so loading twice creates nothing new.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from borgerplan_plumbing.auth import issue_development_token
from borgerplan_plumbing.settings import Settings

HOMELESS_UNIT = "kk-hjemloeseenheden"
ADDICTION_AUTHORITY = "kk-misbrugsmyndighed"
SHELTER = "kk-herberg-sundholm"
TREATMENT = "kk-rusmiddelenheden"

PERSONAS: dict[str, dict[str, Any]] = {
    "caseworker": {
        "sub": "demo-sagsbehandler-hje",
        "name": "Mette Sørensen",
        "unit": HOMELESS_UNIT,
        "unit_kind": "authority",
        "roles": ["caseworker"],
        "email": "mette.soerensen@hje.example.dk",
    },
    "addiction_caseworker": {
        "sub": "demo-sagsbehandler-mis",
        "name": "Jonas Holm",
        "unit": ADDICTION_AUTHORITY,
        "unit_kind": "authority",
        "roles": ["caseworker"],
        "email": "jonas.holm@mis.example.dk",
    },
    "contact_person": {
        "sub": "demo-kontaktperson",
        "name": "Ali Demir",
        "unit": SHELTER,
        "unit_kind": "provider",
        "roles": ["contact_person"],
        "email": "ali.demir@herberg.example.dk",
    },
    "treatment": {
        "sub": "demo-behandler",
        "name": "Sara Lund",
        "unit": TREATMENT,
        "unit_kind": "provider",
        "roles": ["contact_person"],
        "email": "sara.lund@rus.example.dk",
    },
}

# A fictitious person. The CPR number is made from the demo birth date and a serial at load time.
DEMO_BIRTH_DATE = date(1979, 3, 14)
DEMO_SERIAL = "2417"


def demo_cpr() -> str:
    return DEMO_BIRTH_DATE.strftime("%d%m%y") + DEMO_SERIAL


def token_for(settings: Settings, persona: str, citizen_id: str | None = None) -> str:
    if persona == "citizen":
        return issue_development_token(
            settings,
            sub="demo-borger",
            name="Demo Borger",
            unit="borger",
            unit_kind="external",
            roles=["citizen"],
            citizen_id=citizen_id,
        )
    return issue_development_token(settings, **PERSONAS[persona])


def _post(client: httpx.Client, token: str, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    response = client.post(
        path, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    )
    if response.status_code >= 400:
        raise RuntimeError(f"POST {path} failed: {response.status_code} {response.text}")
    result: dict[str, Any] = response.json()
    return result


def load(gateway_url: str, settings: Settings, state_file: Path) -> dict[str, str]:
    caseworker = token_for(settings, "caseworker")
    with httpx.Client(base_url=f"{gateway_url}/api/v1", timeout=15.0) as client:
        citizen = _post(
            client, caseworker, "/citizens", {"cpr": demo_cpr(), "name": "Peter Hansen"}, "demo-citizen"
        )
        citizen_id = citizen["citizen_id"]
        today = datetime.now(UTC).date()
        plan = _post(
            client,
            caseworker,
            "/plans",
            {
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": HOMELESS_UNIT,
                "legal_bases": ["SEL §141", "SEL §110"],
                "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=180)).isoformat(),
                "overview": {
                    "purpose": "Peter skal fra herberget til egen bolig med den støtte, han har brug for.",
                    "occupied_with": "At få styr på økonomien og komme i behandling.",
                    "own_words": {
                        "manage_myself": "Jeg vil gerne selv kunne betale min husleje.",
                        "dreams": "Jeg vil gerne have min egen lejlighed og se min datter igen.",
                    },
                },
                "goals": [
                    {
                        "title": "Egen bolig inden for seks måneder",
                        "category": "housing",
                        "sof_theme": "independence_relations",
                        "vum_theme": "practical_tasks_at_home",
                        "description": "Ansøgning om bolig og bostøtte.",
                        "sub_goals": [
                            {"title": "Skrevet op til en bolig"},
                            {"title": "Budget for husleje lagt"},
                            {"title": "Bostøtte bevilget"},
                        ],
                        "agreements": [
                            {
                                "who": "Ali (kontaktperson)",
                                "what": "Hjælper med boligansøgningen",
                                "when": "Inden 14 dage",
                                "how": "Sammen ved computeren på herberget",
                            }
                        ],
                    },
                    {
                        "title": "Stabil behandling for rusmiddelbrug",
                        "category": "substance_use",
                        "description": "Fast fremmøde i ambulant behandling.",
                    },
                    {
                        "title": "Kontakt til egen læge",
                        "category": "health",
                        "description": "Lægetjek og afklaring af smerter.",
                    },
                    {
                        "title": "Hverdag med faste aftaler",
                        "category": "general",
                        "description": "Ugentlig samtale med kontaktpersonen.",
                    },
                ],
                "actors": [
                    {
                        "name": "Mette Sørensen",
                        "role": "Sagsbehandler",
                        "unit": HOMELESS_UNIT,
                        "kind": "authority",
                        "network_category": "housing",
                        "anchor": "caseworker",
                        "meeting_cadence": "Opfølgningsmøde hver 4. uge",
                        "email": "mette.soerensen@hje.example.dk",
                    },
                    {
                        "name": "Jonas Holm",
                        "role": "Sagsbehandler",
                        "unit": ADDICTION_AUTHORITY,
                        "kind": "authority",
                        "network_category": "social_administration",
                        "email": "jonas.holm@mis.example.dk",
                    },
                    {
                        "name": "Ali Demir",
                        "role": "Kontaktperson",
                        "unit": SHELTER,
                        "kind": "provider",
                        "network_category": "housing",
                        "anchor": "contact_person",
                        "meeting_cadence": "Tirsdage kl. 9",
                        "communication_agreements": [
                            "Skriv til rusmiddelbehandlingen 3 måneder inden indflytning i egen lejlighed"
                        ],
                        "email": "ali.demir@herberg.example.dk",
                    },
                    {
                        "name": "Sara Lund",
                        "role": "Behandler",
                        "unit": TREATMENT,
                        "kind": "provider",
                        "network_category": "health_treatment",
                        "email": "sara.lund@rus.example.dk",
                    },
                ],
            },
            "demo-plan",
        )
        consents = {}
        for unit, categories, key in (
            (TREATMENT, ["general", "substance_use"], "demo-consent-treatment"),
            (SHELTER, ["general", "housing", "health", "substance_use"], "demo-consent-shelter"),
            (ADDICTION_AUTHORITY, ["general", "substance_use", "health"], "demo-consent-addiction"),
        ):
            consents[unit] = _post(
                client,
                caseworker,
                "/consents",
                {
                    "citizen_id": citizen_id,
                    "grantee_unit": unit,
                    "categories": categories,
                    "purposes": ["view_plan", "meeting_invitation", "receive_minutes"],
                    "form": {
                        "kind": "written",
                        "document_reference": "Samtykkeerklæring underskrevet på herberget",
                    },
                    "valid_from": today.isoformat(),
                    "valid_until": (today + timedelta(days=365)).isoformat(),
                },
                key,
            )["consent_id"]
        start = datetime.combine(today + timedelta(days=14), datetime.min.time(), UTC).replace(hour=9)
        meeting = _post(
            client,
            caseworker,
            "/meetings",
            {
                "plan_id": plan["plan_id"],
                "kind": "network",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "place": "Herberget, mødelokale 2",
                "coordinator_unit": HOMELESS_UNIT,
                "participants": [
                    {"name": "Peter Hansen", "kind": "citizen"},
                    {
                        "name": "Mette Sørensen",
                        "kind": "authority",
                        "unit": HOMELESS_UNIT,
                        "role": "Sagsbehandler",
                        "email": "mette.soerensen@hje.example.dk",
                    },
                    {
                        "name": "Jonas Holm",
                        "kind": "authority",
                        "unit": ADDICTION_AUTHORITY,
                        "role": "Sagsbehandler",
                        "email": "jonas.holm@mis.example.dk",
                    },
                    {
                        "name": "Ali Demir",
                        "kind": "provider",
                        "unit": SHELTER,
                        "role": "Kontaktperson",
                        "email": "ali.demir@herberg.example.dk",
                    },
                    {
                        "name": "Sara Lund",
                        "kind": "provider",
                        "unit": TREATMENT,
                        "role": "Behandler",
                        "email": "sara.lund@rus.example.dk",
                    },
                ],
            },
            "demo-meeting",
        )
    state = {"citizen_id": citizen_id, "plan_id": plan["plan_id"], "meeting_id": meeting["meeting_id"]}
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=2))
    return state
