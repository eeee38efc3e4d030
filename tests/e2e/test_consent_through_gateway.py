"""Consent decides what another unit sees: a revocation takes effect on the very next request."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from borgerplan_cli.system import System

pytestmark = pytest.mark.e2e
AUTHORITY, TREATMENT = "e2e-c-myndighed", "e2e-c-rusmiddel"


def test_revocation_takes_effect_on_the_next_view_and_disclosures_are_logged(system: System) -> None:
    caseworker = {
        "Authorization": "Bearer "
        + system.token(sub="e2e-c-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    }
    treatment = {
        "Authorization": "Bearer "
        + system.token(sub="e2e-c-tp", unit=TREATMENT, unit_kind="provider", roles=["contact_person"])
    }
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "1710884321", "name": "Samtykke Borger"}, headers=caseworker
        ).json()["citizen_id"]
        created = api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": AUTHORITY,
                "goals": [
                    {"title": "Behandling", "category": "substance_use"},
                    {"title": "Lægetjek", "category": "health"},
                    {"title": "Faste aftaler", "category": "general"},
                ],
                "actors": [
                    {
                        "name": "Behandler",
                        "role": "Behandler",
                        "unit": TREATMENT,
                        "kind": "provider",
                        "network_category": "health_treatment",
                    }
                ],
            },
        )
        assert created.status_code == 201, created.text

        # The plan service's facts decide at once: the treatment unit is an actor, without consent.
        missing = api.get(f"/citizens/{citizen_id}/plan-view", headers=treatment)
        assert missing.status_code == 403
        assert missing.json()["type"].endswith("consent-missing")

        granted = api.post(
            "/consents",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": TREATMENT,
                "categories": ["general", "substance_use"],
                "purposes": ["view_plan"],
                "form": {"kind": "oral", "recorded_by": "Sags Behandler"},
                "valid_from": datetime.now(UTC).date().isoformat(),
            },
        )
        assert granted.status_code == 201, granted.text

        view = api.get(f"/citizens/{citizen_id}/plan-view", headers=treatment)
        assert view.status_code == 200
        assert sorted(g["title"] for g in view.json()["plans"][0]["goals"]) == ["Behandling", "Faste aftaler"]
        assert [w["category"] for w in view.json()["withheld"]] == ["health"]

        revoked = api.post(
            f"/consents/{granted.json()['consent_id']}/revocation",
            json={"reason": "ønske"},
            headers={**caseworker, "If-Match": granted.headers["etag"]},
        )
        assert revoked.status_code == 200, revoked.text
        after = api.get(f"/citizens/{citizen_id}/plan-view", headers=treatment)
        assert after.status_code == 403, "the very next request after the revocation"

        citizen = {
            "Authorization": "Bearer "
            + system.token(
                sub="e2e-c-borger",
                unit="borger",
                unit_kind="external",
                roles=["citizen"],
                citizen_id=citizen_id,
            )
        }
        disclosures = api.get(f"/citizens/{citizen_id}/disclosures", headers=citizen)
        assert disclosures.status_code == 200
        assert [(d["unit"], d["what"]) for d in disclosures.json()] == [(TREATMENT, "plan_view")]
        own = api.get(f"/citizens/{citizen_id}/plan-view", headers=citizen)
        assert len(own.json()["plans"][0]["goals"]) == 3, "the citizen sees the whole own plan"
