"""An outreach course through the public API, every service running as a process (decision 0056): a referral about a
citizen nobody knows by CPR, its steps, identification, consent for an external request, and the transition to a
plan that holds the agreement's goals and the network. Who may see the course is the team's and, after the
transition, the receiving unit's; bad input is refused with the field named and nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from borgerplan_cli.system import System
from borgerplan_rules.workdays import today
from web_service import wording as W

pytestmark = pytest.mark.e2e
TEAM, ADULTS, PSYCHIATRY, GP, OTHER = (
    "e2e-o-team",
    "e2e-o-voksen",
    "e2e-o-psykiatri",
    "e2e-o-laege",
    "e2e-o-andet",
)
CPR = "0202904455"


def bearer(system: System, sub: str, unit: str, roles: list[str], kind: str = "authority") -> dict[str, str]:
    return {"Authorization": "Bearer " + system.token(sub=sub, unit=unit, unit_kind=kind, roles=roles)}  # type: ignore[arg-type]


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: httpx.Response, field: str, danish: str, status: int = 422) -> None:
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["field"] == field
    shown = W.rule_refusal(error["message"], field)
    assert shown is not None and danish in shown.danish, error


def test_an_outreach_course_through_the_public_api(system: System) -> None:
    anna = bearer(system, "e2e-o-anna", TEAM, ["caseworker"])
    stranger = bearer(system, "e2e-o-x", OTHER, ["caseworker"])
    receiver = bearer(system, "e2e-o-bo", ADULTS, ["caseworker"])
    with httpx.Client(base_url=system.api, timeout=20) as api:
        referral = {
            "referrer": {"name": "Lise Holm", "kind": "housing_association", "organisation": "AAB"},
            "channel": "phone",
            "received_on": "2027-03-24",
            "citizen": {"name": "Ole Jensen"},
            "concern": "Har ikke åbnet døren i tre uger.",
        }
        refused(api.post("/outreach/courses", json=referral, headers=anna), "citizen", "måde at nå borgeren")
        assert ok(api.get("/outreach/board", headers=anna)) == [], "nothing stored"
        referral["citizen"] = {"name": "Ole Jensen", "phone": "12345678"}
        course = ok(api.post("/outreach/courses", json=referral, headers=anna), 201)
        url = f"/outreach/courses/{course['course_id']}"
        assert {d["kind"]: d["due"] for d in course["deadlines"]} == {"contact": "2027-03-31"}

        # Only the team sees it; the citizen data it holds is nobody else's business.
        assert api.get(url, headers=stranger).status_code == 404
        assert api.put(f"{url}/advice", json={"on": "2027-03-25"}, headers=stranger).status_code == 404

        ok(
            api.put(
                f"{url}/assessment",
                headers=anna,
                json={
                    "categories": [{"category": "2a", "reason": "Tegn på psykiske vanskeligheder"}],
                    "in_target_group": True,
                    "reason": "Søger ikke selv hjælp",
                    "assessed_on": "2027-03-24",
                },
            )
        )
        version = ok(api.get(url, headers=anna))["version"]
        refused(
            api.post(
                f"{url}/attempts",
                json={"means": "visit", "at": "2027-03-01T10:00:00+01:00", "outcome": "no_answer"},
                headers=anna,
            ),
            "at",
            "før henvendelsen",
        )
        assert ok(api.get(url, headers=anna))["version"] == version, "nothing stored"
        for means, at, outcome in (
            ("letter", "2027-03-24T14:00:00+01:00", "no_answer"),
            ("visit", "2027-03-30T10:00:00+02:00", "no_answer"),
            ("phone", "2027-03-31T09:30:00+02:00", "contact_made"),
        ):
            course = ok(
                api.post(f"{url}/attempts", json={"means": means, "at": at, "outcome": outcome}, headers=anna)
            )
        assert course["first_contact_on"] == "2027-03-31" and course["next_attempt"] is None

        citizen_id = ok(
            api.put(f"{url}/identification", json={"cpr": CPR, "name": "Ole Jensen"}, headers=anna)
        )["citizen_id"]
        consent = ok(
            api.post(
                "/consents",
                headers=anna,
                json={
                    "citizen_id": citizen_id,
                    "grantee_unit": PSYCHIATRY,
                    "categories": ["health"],
                    "purposes": ["exchange_information"],
                    "form": {"kind": "oral", "recorded_by": "Anna Fremskudt"},
                    "valid_from": today().isoformat(),
                },
            ),
            201,
        )
        course = ok(
            api.put(f"{url}/first-meeting", json={"held_on": "2027-05-03", "place": "Caféen"}, headers=anna)
        )
        assert {d["kind"]: d["due"] for d in course["deadlines"]}["coordinating_external"] == "2027-05-25"
        ok(
            api.put(
                f"{url}/agreement",
                headers=anna,
                json={
                    "agreement": {"agreed_on": "2027-05-03", "goals": [{"goal": "Komme til lægen"}]},
                    "network": [{"name": "Karen", "kind": "private_network", "role": "Søster"}],
                },
            )
        )
        refused(
            api.post(
                f"{url}/external-requests",
                json={"partner_unit": GP, "categories": ["health"], "requested_on": "2027-05-04"},
                headers=anna,
            ),
            "partner_unit",
            "ikke givet samtykke",
            403,
        )
        course = ok(
            api.post(
                f"{url}/external-requests",
                json={"partner_unit": PSYCHIATRY, "categories": ["health"], "requested_on": "2027-05-04"},
                headers=anna,
            )
        )
        assert [r["partner_unit"] for r in course["external_requests"]] == [PSYCHIATRY]
        disclosures = ok(
            api.get(
                f"/citizens/{citizen_id}/disclosures", headers=bearer(system, "e2e-o-admin", TEAM, ["admin"])
            )
        )
        assert any(d["unit"] == PSYCHIATRY and d["purpose"] == "exchange_information" for d in disclosures)
        # The citizen withdraws that consent: the very next request to the partner is refused (the one answer, with
        # the consents read live), and nothing is added to the course.
        revoked = api.post(f"/consents/{consent['consent_id']}/revocation", headers=anna)
        assert revoked.status_code == 200, revoked.text
        again = api.post(
            f"{url}/external-requests",
            json={"partner_unit": PSYCHIATRY, "categories": ["health"], "requested_on": "2027-05-05"},
            headers=anna,
        )
        assert again.status_code == 403, again.text
        assert again.json()["errors"][0]["field"] == "partner_unit", again.text
        assert len(ok(api.get(url, headers=anna))["external_requests"]) == 1, "nothing stored"

        refused(
            api.put(
                f"{url}/transition",
                json={"kind": "plan", "receiving_units": [], "ended_on": "2027-06-15"},
                headers=anna,
            ),
            "receiving_units",
            "overtager borgeren",
        )
        assert api.get(url, headers=receiver).status_code == 404, "not the receiver's before the transition"
        course = ok(
            api.put(
                f"{url}/transition",
                json={"kind": "plan", "receiving_units": [ADULTS], "ended_on": "2027-06-15"},
                headers=anna,
            )
        )
        assert course["follow_up"] == {"from": "2027-09-15", "by": "2027-12-15", "done_on": None}

        # After the transition the receiving unit reads the course and owns the plan's draft; the team keeps the course.
        assert ok(api.get(url, headers=receiver))["plan_id"] == course["plan_id"]
        assert (
            api.put(
                f"{url}/follow-up", json={"done_on": "2027-10-01", "outcome": "x"}, headers=receiver
            ).status_code
            == 403
        )
        plan = ok(api.get(f"/plans/{course['plan_id']}", headers=receiver))
        assert [g["title"] for g in plan["goals"]] == ["Komme til lægen"]
        assert [a["name"] for a in plan["actors"]] == ["Karen"]
        done = ok(
            api.put(
                f"{url}/follow-up", json={"done_on": "2027-10-01", "outcome": "Går til lægen"}, headers=anna
            )
        )
        assert done["follow_up"]["done_on"] == "2027-10-01"
