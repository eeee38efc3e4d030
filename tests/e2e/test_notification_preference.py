"""How the citizen is told, through the public API of the running system (decision 0023): the citizen chooses, the
next notification to them goes by that channel (a real SMTP server receives it), "none" stops the next one, nobody
else can choose for them, and a professional's choice is kept for the address of their own sign-in.

The test system configures e-mail only (no SMS or Digital Post provider runs here), so the channel seen arriving is
e-mail, and "nothing chosen" means the citizen is not reached at all (Digital Post is their default)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from borgerplan_cli.system import System
from tests.support.waiting import until

pytestmark = pytest.mark.e2e
AUTHORITY = "e2e-n-myndighed"
CITIZEN_MAIL, CASEWORKER_MAIL = "borger@e2e-n.example.dk", "Cw@E2E-n.example.dk"


def test_the_citizen_is_told_as_they_chose_and_not_at_all_with_none(system: System) -> None:
    caseworker = system.bearer(
        sub="e2e-n-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"], email=CASEWORKER_MAIL
    )
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "0505854321", "name": "Besked Borger"}, headers=caseworker
        ).json()["citizen_id"]
        other_id = api.post(
            "/citizens", json={"cpr": "0606864321", "name": "Anden Borger"}, headers=caseworker
        ).json()["citizen_id"]
        citizen = system.bearer(
            sub="e2e-n-borger", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=citizen_id
        )
        neighbour = system.bearer(
            sub="e2e-n-anden", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=other_id
        )
        plan = api.post(
            "/plans",
            headers=caseworker,
            json={"citizen_id": citizen_id, "kind": "adult", "responsible_unit": AUTHORITY},
        )
        assert plan.status_code == 201, plan.text
        preference = f"/citizens/{citizen_id}/notification-preference"

        # Nothing chosen yet: Digital Post, the citizen's default.
        first = api.get(preference, headers=citizen)
        assert first.status_code == 200, first.text
        assert (first.json()["channel"], first.json()["set_at"]) == ("digital_post", None)

        # Nobody else reads or sets it, and nothing is stored when they try.
        assert api.put(preference, json={"channel": "none"}, headers=neighbour).status_code == 404
        assert api.get(preference, headers=neighbour).status_code == 404
        assert api.put(preference, json={"channel": "none"}, headers=caseworker).status_code == 403
        assert api.get(f"/citizens/{citizen_id}/notifications", headers=caseworker).status_code == 403
        bad = api.put(preference, json={"channel": "email"}, headers=citizen)
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
        assert api.get(preference, headers=citizen).json()["channel"] == "digital_post", "nothing stored"

        # The citizen chooses e-mail: the next notification to them goes there.
        chosen = api.put(preference, json={"channel": "email", "email": CITIZEN_MAIL}, headers=citizen)
        assert chosen.status_code == 200, chosen.text
        assert (chosen.json()["channel"], chosen.json()["email"]) == ("email", CITIZEN_MAIL)
        start = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        scheduled = api.post(
            "/meetings",
            headers=caseworker,
            json={
                "plan_id": plan.json()["plan_id"],
                "kind": "network",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "coordinator_unit": AUTHORITY,
                "participants": [
                    {"name": "Besked Borger", "kind": "citizen"},
                    {
                        "name": "Sags Behandler",
                        "kind": "authority",
                        "unit": AUTHORITY,
                        "email": CASEWORKER_MAIL,
                    },
                ],
            },
        )
        assert scheduled.status_code == 201, scheduled.text
        invitation = until(
            lambda: system.subjects_to(CITIZEN_MAIL), "the invitation to the citizen's address"
        )
        assert len(invitation) == 1 and invitation[0].startswith("Invitation:")
        mine = until(
            lambda: [
                n
                for n in api.get(f"/citizens/{citizen_id}/notifications", headers=citizen).json()
                if n["status"] == "sent"
            ],
            "the citizen's own list says it was sent",
        )
        assert [(n["kind"], n["channel"]) for n in mine] == [("meeting_invitation", "email")]
        assert "address" not in mine[0] and "context" not in mine[0], "no address, no text"

        # A professional chooses English for their own address (the sign-in's; the body names none).
        own = api.put(
            "/me/notification-preference", json={"channel": "email", "language": "en"}, headers=caseworker
        )
        assert own.status_code == 200, own.text
        assert own.json()["email"] == CASEWORKER_MAIL.casefold()
        someone_elses = {"channel": "email", "email": "andre@e2e-n.example.dk"}
        assert (
            api.put("/me/notification-preference", json=someone_elses, headers=caseworker).status_code == 422
        )

        # The citizen chooses none: the meeting moves, the caseworker is told (in English), the citizen is not.
        assert api.put(preference, json={"channel": "none"}, headers=citizen).json()["channel"] == "none"
        moved_start = start + timedelta(days=1)
        moved = api.patch(
            f"/meetings/{scheduled.json()['meeting_id']}",
            headers={**caseworker, "If-Match": scheduled.headers["etag"]},
            json={"start": moved_start.isoformat(), "end": (moved_start + timedelta(hours=1)).isoformat()},
        )
        assert moved.status_code == 200, moved.text
        until(
            lambda: any(s.startswith("Changed:") for s in system.subjects_to(CASEWORKER_MAIL)),
            "the update to the caseworker, in the language they chose",
        )
        time.sleep(3)  # the same event's notices are stored together; room for a wrong one to be sent too
        assert system.subjects_to(CITIZEN_MAIL) == invitation, "nothing more to the citizen"
        listed = api.get(f"/citizens/{citizen_id}/notifications", headers=citizen).json()
        assert [n["kind"] for n in listed] == ["meeting_invitation"], "no notification was even stored"
