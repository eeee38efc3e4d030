"""The whole pipeline through the gateway: real services, Kafka, the database and SMTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from borgerplan_cli.system import System

pytestmark = pytest.mark.e2e

AUTHORITY = "e2e-hjemloeseenheden"
PROVIDER = "e2e-herberg"


def _wait_until(predicate, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def test_citizen_plan_consent_and_meeting_flow_through_to_view_and_mail(system: System) -> None:
    caseworker = system.token(sub="e2e-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    provider = system.token(sub="e2e-kp", unit=PROVIDER, unit_kind="provider", roles=["contact_person"])
    auth = {"Authorization": f"Bearer {caseworker}"}
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen = api.post("/citizens", json={"cpr": "0502851234", "name": "E2e Borger"}, headers=auth)
        assert citizen.status_code == 201, citizen.text
        assert citizen.headers["location"].startswith("/api/v1/citizens/")
        citizen_id = citizen.json()["citizen_id"]

        plan = api.post(
            "/plans",
            headers=auth,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": AUTHORITY,
                "goals": [
                    {"title": "Egen bolig", "category": "housing"},
                    {"title": "Lægetjek", "category": "health"},
                ],
                "actors": [
                    {
                        "name": "Kontakt Person",
                        "role": "Kontaktperson",
                        "unit": PROVIDER,
                        "kind": "provider",
                        "network_category": "housing",
                        "anchor": "contact_person",
                        "email": "kp@herberg.example.dk",
                    }
                ],
            },
        )
        assert plan.status_code == 201, plan.text
        plan_id = plan.json()["plan_id"]

        consent = api.post(
            "/consents",
            headers=auth,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": PROVIDER,
                "categories": ["general", "housing"],
                "purposes": ["view_plan", "meeting_invitation"],
                "form": {"kind": "written", "document_reference": "d1"},
                "valid_from": datetime.now(UTC).date().isoformat(),
            },
        )
        assert consent.status_code == 201, consent.text

        start = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
        meeting_body = {
            "plan_id": plan_id,
            "kind": "network",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "coordinator_unit": AUTHORITY,
            "participants": [
                {"name": "E2e Borger", "kind": "citizen"},
                {
                    "name": "Kontakt Person",
                    "kind": "provider",
                    "unit": PROVIDER,
                    "email": "kp@herberg.example.dk",
                },
                {
                    "name": "Sags Behandler",
                    "kind": "authority",
                    "unit": AUTHORITY,
                    "email": "sb@kommune.example.dk",
                },
            ],
        }

        # The meetings service asks the plan service: a plan created a moment ago counts at once.
        meeting = api.post("/meetings", headers=auth, json=meeting_body)
        assert meeting.status_code == 201, meeting.text
        meeting_id = meeting.json()["meeting_id"]

        view = api.get(f"/citizens/{citizen_id}/plan-view", headers=auth)
        assert view.status_code == 200, view.text
        body = view.json()
        assert [m["meeting_id"] for m in body["meetings"]] == [meeting_id]
        assert body["degraded"] == []
        assert {g["title"] for g in body["plans"][0]["goals"]} == {"Egen bolig", "Lægetjek"}

        provider_view = api.get(
            f"/citizens/{citizen_id}/plan-view", headers={"Authorization": f"Bearer {provider}"}
        )
        assert provider_view.status_code == 200
        assert [g["title"] for g in provider_view.json()["plans"][0]["goals"]] == ["Egen bolig"]
        assert [w["category"] for w in provider_view.json()["withheld"]] == ["health"]

    mine = ("kp@herberg.example.dk", "sb@kommune.example.dk")  # the system is shared with other tests' mail

    def own_mails() -> list[Any]:
        return [m for m in system.mails() if m["To"] in mine]

    mails = _wait_until(lambda: len(own_mails()) >= 2 and own_mails(), timeout=60)
    recipients = sorted(m["To"] for m in mails)
    assert recipients == ["kp@herberg.example.dk", "sb@kommune.example.dk"]
    text = mails[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "netværksmøde" in text and meeting_id in text
    assert "E2e Borger" not in text and "Egen bolig" not in text


def test_requests_without_a_valid_token_are_401_problems(system: System) -> None:
    response = httpx.get(f"{system.api}/citizens/x/plan-view", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{system.api}/citizens/x/plan-view").status_code == 401


def test_gateway_readiness_covers_every_service(system: System) -> None:
    ready = httpx.get(f"{system.api}/readyz")
    assert ready.status_code == 200
    # The gateway publishes nothing, so it runs without Kafka and its readiness does not depend on the broker.
    assert set(ready.json()["checks"]) == {"database", "plan", "meetings", "consent", "notify"}
    for service in ("plan", "meetings", "consent", "notify"):
        checks = httpx.get(f"{system.stack.url(service)}/readyz").json()["checks"]
        assert {"database", "broker"} <= set(checks), service
