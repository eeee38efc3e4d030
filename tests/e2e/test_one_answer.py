"""Every place that may show or send citizen data asks the one answer (``borgerplan_rules.access``): a consent revoked
is seen on the very next request by each of them, through the public API of the running system and the pages.

``ON_CONSENT`` names every operation of the public contract whose answer rests on the citizen's consents, and the
test below drives each of them before and right after a revocation; ``NOT_ON_CONSENT`` names every other operation
with why a consent does not bear on it. A new operation fails ``test_every_operation_is_accounted_for`` until it is
named in one of them (and, when it rests on consent, checked here).
"""

from __future__ import annotations

import json
import re
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from borgerplan_cli.system import System
from gateway_service import openapi
from tests.support.waiting import until
from web_service import wording as W

pytestmark = pytest.mark.e2e
AUTHORITY, TREATMENT = "e2e-o-myndighed", "e2e-o-rusmiddel"
CASEWORKER_MAIL, TREATMENT_MAIL = "cw@e2e-o.example.dk", "tp@e2e-o.example.dk"

ON_CONSENT = {
    "get_plan_view": "the composed view",
    "get_plan": "one plan",
    "get_meeting": "a meeting read by an invited unit",
    "get_invitation_ics": "the invitation as iCalendar",
    "list_my_citizens": "Mine borgere: who the citizen is",
    "preview_consent_decision": "what the unit would see",
    "preview_invitations": "who would be invited (the meetings service's dry run; the pages show it)",
    "schedule_meeting": "who is invited",
    "publish_minutes": "who receives the minutes",
    "update_meeting": "who is told of the change (notify)",
    # Driven before and right after a revocation in tests/e2e/test_outreach_course.py, whose course it needs.
    "request_external_information": "an outreach course's request to a partner (the partner's consent)",
}
NOT_ON_CONSENT = {
    "find_citizen_by_cpr": "a CPR lookup: authority caseworkers by their token, always audited",
    "get_citizen": "who the citizen is, for the units around them (the policy's read_citizen)",
    "get_access_log": "the citizen and administrators",
    "list_consents": "a unit's own consents, whatever they cover now (the revocation itself is shown)",
    "list_disclosures": "the citizen and administrators",
    "get_consent": "the consent's parties and the responsible unit",
    "plan_history": "the citizen and the responsible unit only (it holds every category)",
    "list_my_deadlines": "the unit's own tasks and deadlines",
    "list_my_requests": "the citizens' requests in plans the unit is responsible for",
    "outreach_deadlines": "no citizen",
    "list_legal_bases": "no citizen",
    # The outreach course (decision 0056): the team's, and after the transition the receiving units' too, by the course.
    "outreach_board": "the team's own courses",
    "get_outreach_course": "the outreach team, and after the transition the receiving units, by the course",
    "gateway_healthz": "no citizen",
    "gateway_readyz": "no citizen",
    # How the citizen is told is theirs alone (decision 0023), a professional's their own: no unit's view of it.
    "get_notification_preference": "the citizen themself only",
    "set_notification_preference": "the citizen themself only",
    "list_my_notifications": "the citizen themself only (what was sent to them)",
    "get_own_notification_preference": "a professional's own, by their sign-in's address",
    "set_own_notification_preference": "a professional's own, by their sign-in's address",
    # Changes: decided by the parties of what they change, never by a consent.
    **dict.fromkeys(
        [
            "register_citizen",
            "create_plan",
            "update_plan",
            "add_actor",
            "update_actor",
            "remove_actor",
            "add_child_follow_up",
            "add_goal",
            "update_goal",
            "add_follow_up",
            "grant_consent",
            "narrow_consent",
            "renew_consent",
            "revoke_consent",
            "add_agenda_item",
            "put_minutes",
            "respond_to_invitation",
            "complete_task",
            "write_own_words",
            "write_preparation",
            "give_own_score",
            "comment_on_goal",
            "request_change",
            "decide_change_request",
            "open_outreach_course",
            "assess_outreach_course",
            "assign_outreach_course",
            "add_contact_attempt",
            "record_first_meeting",
            "record_outreach_advice",
            "put_collaboration_agreement",
            "record_needs_assessment",
            "record_coordinating_meeting",
            "stop_outreach_clock",
            "restart_outreach_clock",
            "identify_outreach_citizen",
            "transfer_outreach_course",
            "record_outreach_follow_up",
        ],
        "a change, decided by the parties of what it changes",
    ),
}


def test_every_operation_is_accounted_for() -> None:
    contract = json.loads(openapi.CONTRACT.read_text())
    operations = {o["operationId"] for ops in contract["paths"].values() for o in ops.values()}
    assert not set(ON_CONSENT) & set(NOT_ON_CONSENT)
    assert set(ON_CONSENT) | set(NOT_ON_CONSENT) == operations


def _web_sign_in(system: System) -> httpx.Client:
    """The pages, signed in as the responsible caseworker through the development sign-in's free form."""
    web = httpx.Client(base_url=system.web, timeout=15)
    page = web.get("/log-ind")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    signed = web.post(
        "/log-ind/fri",
        data={
            "csrf_token": token.group(1),
            "name": "Sags Behandler",
            "unit": AUTHORITY,
            "unit_kind": "authority",
            "roles": "caseworker",
        },
    )
    assert signed.status_code == 303, signed.text[:500]
    return web


def test_a_revocation_is_seen_everywhere_on_the_very_next_request(system: System) -> None:
    caseworker = system.bearer(sub="e2e-o-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    treatment = system.bearer(sub="e2e-o-tp", unit=TREATMENT, unit_kind="provider", roles=["contact_person"])
    with httpx.Client(base_url=system.api, timeout=15) as api, closing(_web_sign_in(system)) as web:
        citizen_id = api.post(
            "/citizens", json={"cpr": "2103914321", "name": "Svar Borger"}, headers=caseworker
        ).json()["citizen_id"]
        plan = api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": AUTHORITY,
                "goals": [
                    {"title": "Faste aftaler", "category": "general"},
                    {"title": "Lægetjek", "category": "health"},
                ],
                "actors": [
                    {
                        "name": "Be Handler",
                        "role": "Behandler",
                        "kind": "provider",
                        "unit": TREATMENT,
                        "network_category": "health_treatment",
                        "email": TREATMENT_MAIL,
                    }
                ],
            },
        )
        assert plan.status_code == 201, plan.text
        plan_id = plan.json()["plan_id"]
        granted = api.post(
            "/consents",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": TREATMENT,
                "categories": ["general"],
                "purposes": ["view_plan", "meeting_invitation", "receive_minutes"],
                "form": {"kind": "written", "document_reference": "Samtykke netværksmøde"},
                "valid_from": datetime.now(UTC).date().isoformat(),
            },
        )
        assert granted.status_code == 201, granted.text
        professional = {"name": "Be Handler", "kind": "provider", "unit": TREATMENT, "email": TREATMENT_MAIL}
        start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        meeting_body = {
            "plan_id": plan_id,
            "kind": "network",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "coordinator_unit": AUTHORITY,
            "participants": [
                {"name": "Svar Borger", "kind": "citizen"},
                {"name": "Sags Behandler", "kind": "authority", "unit": AUTHORITY, "email": CASEWORKER_MAIL},
                professional,
            ],
        }
        scheduled = api.post("/meetings", headers=caseworker, json=meeting_body)
        assert scheduled.status_code == 201, scheduled.text
        meeting = scheduled.json()
        meeting_id = meeting["meeting_id"]
        assert meeting["uninvited"] == []
        until(lambda: system.subjects_to(TREATMENT_MAIL), "the invitation to the treatment unit")
        dry_run = {"plan_id": plan_id, "participants": [professional]}
        preview = {"citizen_id": citizen_id, "unit": TREATMENT, "purpose": "meeting_invitation"}

        # Before: the treatment unit sees what its consent covers, everywhere.
        view = api.get(f"/citizens/{citizen_id}/plan-view", headers=treatment)
        assert view.status_code == 200 and [g["title"] for g in view.json()["plans"][0]["goals"]] == [
            "Faste aftaler"
        ]
        assert api.get(f"/plans/{plan_id}", headers=treatment).status_code == 200
        assert api.get(f"/meetings/{meeting_id}", headers=treatment).status_code == 200
        assert api.get(f"/meetings/{meeting_id}/invitation.ics", headers=treatment).status_code == 200
        row = _my_row(api, treatment, citizen_id)
        assert (row["consented"], row["name"]) == (True, "Svar Borger")
        assert api.post("/consent-decisions/preview", headers=caseworker, json=preview).json()["before"][
            "permit"
        ]
        assert (
            api.post("/meetings/invitation-preview", headers=caseworker, json=dry_run).json()["uninvited"]
            == []
        )
        page = web.get(f"/borgere/{citizen_id}/moeder/ny")
        assert page.status_code == 200 and "Ikke inviteret" not in page.text

        revoked = api.post(f"/consents/{granted.json()['consent_id']}/revocation", headers=caseworker)
        assert revoked.status_code == 200, revoked.text

        # After: the very next request of each says so.
        after = api.get(f"/citizens/{citizen_id}/plan-view", headers=treatment)
        assert after.status_code == 403 and after.json()["type"].endswith("consent-missing"), (
            "the composed view"
        )
        assert api.get(f"/plans/{plan_id}", headers=treatment).status_code == 403, "one plan"
        assert api.get(f"/meetings/{meeting_id}", headers=treatment).status_code == 403, "a meeting"
        assert api.get(f"/meetings/{meeting_id}/invitation.ics", headers=treatment).status_code == 403, (
            "its ICS"
        )
        row = _my_row(api, treatment, citizen_id)
        assert (row["consented"], row["name"], row["birth_date"]) == (False, None, None), "Mine borgere"
        seen = api.post("/consent-decisions/preview", headers=caseworker, json=preview).json()["before"]
        assert (seen["permit"], seen["reason"]) == (False, "consent_revoked"), "the preview"
        dry = api.post("/meetings/invitation-preview", headers=caseworker, json=dry_run)
        assert dry.json()["uninvited"] == [
            {"name": "Be Handler", "unit": TREATMENT, "reason": "consent_revoked"}
        ], "the dry run"
        again = api.post("/meetings", headers=caseworker, json=meeting_body)
        assert again.status_code == 201, again.text
        assert again.json()["uninvited"] == dry.json()["uninvited"], "a new meeting's invitation"
        page = web.get(f"/borgere/{citizen_id}/moeder/ny")
        reason = W.MEETING_NOT_INVITED_WHY.format(reason=W.DECISION_REASONS["consent_revoked"])
        assert page.status_code == 200 and reason in page.text, "the pages' invitation preview"
        own = api.get(f"/citizens/{citizen_id}/consents", headers=treatment)
        assert [c["status"] for c in own.json()] == ["revoked"], "its own consent, as it stands"

        # Notify: the change of the meeting reaches the responsible unit's person, not the unit that lost its consent.
        moved_start = start + timedelta(days=1)
        moved = api.patch(
            f"/meetings/{meeting_id}",
            headers={**caseworker, "If-Match": scheduled.headers["etag"]},
            json={"start": moved_start.isoformat(), "end": (moved_start + timedelta(hours=1)).isoformat()},
        )
        assert moved.status_code == 200, moved.text
        # Two invitations (both meetings) and the update for the caseworker.
        until(lambda: len(system.subjects_to(CASEWORKER_MAIL)) >= 3, "the update to the responsible unit")
        time.sleep(3)  # the same event's notices are stored together; room for a wrong one to be sent too
        told = [
            s for s in system.subjects_to(TREATMENT_MAIL) if s != "Samtykke tilbagekaldt"
        ]  # that it lost it
        assert len(told) == 1 and told[0].startswith("Invitation"), (
            "only the invitation sent before the revocation"
        )

        # The minutes go to the citizen and the responsible unit, not to the unit that lost its consent.
        minutes = api.put(
            f"/meetings/{meeting_id}/minutes",
            headers={**caseworker, "If-Match": moved.headers["etag"]},
            json={"citizen_attended": True},
        )
        assert minutes.status_code == 200, minutes.text
        published = api.post(
            f"/meetings/{meeting_id}/minutes/publication",
            headers={**caseworker, "If-Match": minutes.headers["etag"]},
        )
        assert published.status_code == 200, published.text
        names = {p["participant_id"]: p["name"] for p in published.json()["participants"]}
        recipients = {names[r] for r in published.json()["minutes"]["recipients"]}
        assert recipients == {"Svar Borger", "Sags Behandler"}, "who receives the minutes"

        # What left on the consent is in the disclosure log, and nothing after the revocation.
        citizen = system.bearer(
            sub="e2e-o-borger", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=citizen_id
        )
        disclosures = api.get(f"/citizens/{citizen_id}/disclosures", headers=citizen).json()
        assert sorted(d["what"] for d in disclosures if d["unit"] == TREATMENT) == [
            "meeting_invitation",
            "plan",
            "plan_view",
        ]
        assert all(
            datetime.fromisoformat(d["at"])
            < datetime.fromisoformat(revoked.json()["revocation"]["revoked_at"])
            for d in disclosures
        )


def _my_row(api: httpx.Client, caller: dict[str, str], citizen_id: str) -> dict[str, Any]:
    """The citizen's row in the unit's Mine borgere. Who is in the list follows the plan's events a moment after the
    change (decision 0021), so the row is waited for; what the row shows is decided on the request itself."""

    def row() -> dict[str, Any] | None:
        rows = api.get("/me/citizens", headers=caller, params={"limit": 200})
        assert rows.status_code == 200, rows.text
        return next((r for r in rows.json() if r["citizen_id"] == citizen_id), None)

    found: dict[str, Any] = until(row, "the citizen in the unit's Mine borgere", seconds=30)
    return found
