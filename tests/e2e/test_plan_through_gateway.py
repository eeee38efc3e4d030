"""The plan through the gateway: actors added later change who is related; one plan read under consent."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from borgerplan_cli.system import System

pytestmark = pytest.mark.e2e
AUTHORITY, SCHOOL = "e2e-p-myndighed", "e2e-p-skole"


def test_actor_added_later_gains_a_relation_and_loses_it_when_removed(system: System) -> None:
    bearer = system.bearer

    caseworker = bearer(sub="e2e-p-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    school = bearer(sub="e2e-p-sk", unit=SCHOOL, unit_kind="external", roles=["contact_person"])
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "0805104321", "name": "Skole Barn"}, headers=caseworker
        ).json()["citizen_id"]
        created = api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "child",
                "responsible_unit": AUTHORITY,
                "legal_bases": ["SEL §140"],
                "goals": [
                    {"title": "Går i skole", "category": "general", "sof_theme": "education_employment"},
                    {"title": "Trives hjemme", "category": "family"},
                ],
            },
        )
        assert created.status_code == 201, created.text
        plan_id = created.json()["plan_id"]
        assert api.get(f"/plans/{plan_id}", headers=school).status_code == 404, "no relation yet"

        actor = {
            "name": "Ulla UU",
            "role": "UU-vejleder",
            "kind": "external",
            "unit": SCHOOL,
            "network_category": "education",
        }
        added = api.post(f"/plans/{plan_id}/actors", headers=caseworker, json=actor)
        assert added.status_code == 201, added.text
        actor_id = added.json()["actors"][0]["actor_id"]
        # The plan service's own facts decide: on the very next request the school is related, without consent.
        assert api.get(f"/plans/{plan_id}", headers=school).status_code == 403
        removed = api.delete(
            f"/plans/{plan_id}/actors/{actor_id}", headers={**caseworker, "If-Match": added.headers["etag"]}
        )
        assert removed.status_code == 200, removed.text
        assert api.get(f"/plans/{plan_id}", headers=school).status_code == 404, "the removed actor's unit"

        again = api.post(f"/plans/{plan_id}/actors", headers=caseworker, json=actor)
        assert again.status_code == 201, again.text
        actor_id = again.json()["actors"][0]["actor_id"]
        assert api.get(f"/plans/{plan_id}", headers=school).status_code == 403, "actor added again"
        granted = api.post(
            "/consents",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": SCHOOL,
                "categories": ["general"],
                "purposes": ["view_plan"],
                "form": {"kind": "written"},
                "valid_from": datetime.now(UTC).date().isoformat(),
            },
        )
        assert granted.status_code == 201, granted.text
        seen = api.get(f"/plans/{plan_id}", headers=school)
        assert seen.status_code == 200, seen.text
        assert seen.headers["etag"] == again.headers["etag"]
        assert [g["title"] for g in seen.json()["goals"]] == ["Går i skole"]
        assert [w["category"] for w in seen.json()["withheld"]] == ["family"]
        assert api.get(f"/plans/{plan_id}/history", headers=school).status_code == 403
        full = api.get(f"/plans/{plan_id}/history", headers=caseworker)
        assert full.status_code == 200 and full.json()[-1]["changes"][0]["field"] == f"actors.{actor_id}"

        log = api.get(
            f"/citizens/{citizen_id}/access-log",
            headers=bearer(sub="e2e-p-admin", unit="e2e-p-it", unit_kind="authority", roles=["admin"]),
        ).json()["items"]
        assert {(e["unit"], e["purpose"]) for e in log} >= {
            (SCHOOL, "view_plan"),
            (AUTHORITY, "view_history"),
        }
