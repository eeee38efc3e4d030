"""Every read of citizen data through the gateway asks who is related: meetings, calendar files and consents
are not readable by a unit with no relation (404), are filtered for other units, and are written to the log."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from borgerplan_cli.system import System

pytestmark = pytest.mark.e2e
AUTHORITY, TREATMENT, STRANGER = "e2e-r-myndighed", "e2e-r-rusmiddel", "e2e-r-fremmed"


def _until(check: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.3)
    return result


def test_meetings_calendar_files_and_consents_are_read_only_by_related_parties(system: System) -> None:
    bearer = system.bearer

    caseworker = bearer(sub="e2e-r-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    treatment = bearer(sub="e2e-r-tp", unit=TREATMENT, unit_kind="provider", roles=["contact_person"])
    stranger = bearer(sub="e2e-r-x", unit=STRANGER, unit_kind="authority", roles=["caseworker"])
    admin = bearer(sub="e2e-r-admin", unit="e2e-r-it", unit_kind="authority", roles=["admin"])
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "1402754321", "name": "Læse Borger"}, headers=caseworker
        ).json()["citizen_id"]
        citizen = bearer(
            sub="e2e-r-borger", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=citizen_id
        )
        plan = api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": AUTHORITY,
                "actors": [
                    {
                        "name": "Be Handler",
                        "role": "Behandler",
                        "unit": TREATMENT,
                        "kind": "provider",
                        "network_category": "health_treatment",
                    }
                ],
            },
        )
        assert plan.status_code == 201, plan.text
        today = datetime.now(UTC).date().isoformat()
        consents: dict[str, httpx.Response] = {}
        for grantee, purposes in (
            (TREATMENT, ["view_plan", "meeting_invitation"]),
            ("e2e-r-andre", ["view_plan"]),
        ):
            granted = api.post(
                "/consents",
                headers=caseworker,
                json={
                    "citizen_id": citizen_id,
                    "grantee_unit": grantee,
                    "categories": ["general"],
                    "purposes": purposes,
                    "form": {"kind": "written"},
                    "valid_from": today,
                },
            )
            assert granted.status_code == 201, granted.text
            consents[grantee] = granted
        start = (datetime.now(UTC) + timedelta(days=12)).replace(microsecond=0)
        body = {
            "plan_id": plan.json()["plan_id"],
            "kind": "network",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "coordinator_unit": AUTHORITY,
            "participants": [
                {"name": "Læse Borger", "kind": "citizen"},
                {"name": "Be Handler", "kind": "provider", "unit": TREATMENT, "email": "bh@rus.example.dk"},
            ],
        }
        meeting = _until(
            lambda: (r := api.post("/meetings", headers=caseworker, json=body)).status_code == 201 and r
        )
        meeting_id = meeting.json()["meeting_id"]

        for path in (f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/invitation.ics"):
            assert api.get(path, headers=stranger).status_code == 404, path
            assert api.get(path, headers=treatment).status_code == 200, path
            assert api.get(path, headers=citizen).status_code == 200, path
        seen = api.get(f"/meetings/{meeting_id}", headers=treatment)
        assert seen.json()["meeting_id"] == meeting_id and seen.headers["etag"]

        assert api.get(f"/citizens/{citizen_id}/consents", headers=stranger).status_code == 404
        own = api.get(f"/citizens/{citizen_id}/consents", headers=treatment)
        assert [c["grantee_unit"] for c in own.json()] == [TREATMENT], "another unit sees only its own"
        every = api.get(f"/citizens/{citizen_id}/consents", headers=caseworker)
        assert sorted(c["grantee_unit"] for c in every.json()) == sorted([TREATMENT, "e2e-r-andre"])
        assert len(api.get(f"/citizens/{citizen_id}/consents", headers=citizen).json()) == 2

        # Acting on the meeting: the invited take part, the coordinator manages, strangers learn nothing.
        etag = {"If-Match": seen.headers["etag"]}
        item = {"topic": "Bolig", "minutes": 10}
        assert (
            api.post(f"/meetings/{meeting_id}/agenda-items", json=item, headers=stranger).status_code == 404
        )
        added = api.post(f"/meetings/{meeting_id}/agenda-items", json=item, headers=treatment)
        assert added.status_code in (200, 201), added.text
        move = {"location": "Herberget"}
        assert (
            api.patch(f"/meetings/{meeting_id}", json=move, headers={**stranger, **etag}).status_code == 404
        )
        assert (
            api.patch(f"/meetings/{meeting_id}", json=move, headers={**treatment, **etag}).status_code == 403
        )
        publish = f"/meetings/{meeting_id}/minutes/publication"
        assert api.post(publish, json={}, headers=treatment).status_code == 403

        # A consent is read and changed by its parties only.
        other = consents["e2e-r-andre"]
        one = f"/consents/{other.json()['consent_id']}"
        assert api.get(one, headers=stranger).status_code == 404
        assert api.get(one, headers=treatment).status_code == 404, "another unit's consent"
        assert (
            api.get(f"/consents/{consents[TREATMENT].json()['consent_id']}", headers=treatment).status_code
            == 200
        )
        assert api.get(one, headers=citizen).status_code == 200
        revoke = {"reason": "forsøg"}
        etag = {"If-Match": other.headers["etag"]}
        assert api.post(f"{one}/revocation", json=revoke, headers={**stranger, **etag}).status_code == 404
        assert api.get(one, headers=caseworker).json()["status"] == "active", "nothing changed"

        log = api.get(f"/citizens/{citizen_id}/access-log?limit=200", headers=admin).json()["items"]
        read = {(e["unit"], e["purpose"]) for e in log}
        assert {
            (TREATMENT, "view_meeting"),
            (TREATMENT, "export_calendar"),
            (TREATMENT, "view_consents"),
        } <= read
        assert ("borger", "view_meeting") in read
        assert not any(e["unit"] == STRANGER for e in log), "refused reads are never logged"


def test_only_the_plans_parties_change_it(system: System) -> None:
    bearer = system.bearer

    caseworker = bearer(sub="e2e-w-cw", unit="e2e-w-myndighed", unit_kind="authority", roles=["caseworker"])
    actor = bearer(sub="e2e-w-kp", unit="e2e-w-herberg", unit_kind="provider", roles=["contact_person"])
    stranger = bearer(sub="e2e-w-x", unit="e2e-w-fremmed", unit_kind="authority", roles=["caseworker"])
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "1903854321", "name": "Skrive Borger"}, headers=caseworker
        ).json()["citizen_id"]
        created = api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": "e2e-w-myndighed",
                "goals": [{"title": "Egen bolig", "category": "housing"}],
                "actors": [
                    {
                        "name": "Kontakt",
                        "role": "Kontaktperson",
                        "unit": "e2e-w-herberg",
                        "kind": "provider",
                        "network_category": "housing",
                    }
                ],
            },
        )
        plan_id, goal_id = created.json()["plan_id"], created.json()["goals"][0]["goal_id"]
        etag = {"If-Match": created.headers["etag"]}
        change = {"overview": {"purpose": "Bolig"}}
        assert api.patch(f"/plans/{plan_id}", json=change, headers={**stranger, **etag}).status_code == 404
        assert api.patch(f"/plans/{plan_id}", json=change, headers={**actor, **etag}).status_code == 403
        follow_up = {"date": datetime.now(UTC).date().isoformat(), "text": "Har set på boliger"}
        path = f"/plans/{plan_id}/goals/{goal_id}/follow-ups"
        assert api.post(path, json=follow_up, headers=stranger).status_code == 404
        recorded = api.post(path, json=follow_up, headers=actor)
        assert recorded.status_code == 201, recorded.text
        assert (
            api.patch(
                f"/plans/{plan_id}", json=change, headers={**caseworker, "If-Match": recorded.headers["etag"]}
            ).status_code
            == 200
        )
