"""The citizen at the helm (issue 31, decision 0061), through the public API: the citizen writes their own words,
gives their own score, comments and asks for a change; the responsible caseworker accepts it; the history names
the citizen as the author; a citizen's write to another citizen's plan is 404."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from borgerplan_cli.system import System

pytestmark = pytest.mark.e2e
AUTHORITY, PROVIDER = "e2e-h-myndighed", "e2e-h-bosted"
CASEWORKER_MAIL = "cw@e2e-h.example.dk"
CITIZEN_MAIL = "borger@e2e-h.example.dk"


def _until(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what}: not in time"
        time.sleep(0.3)
    return result


def _citizen_with_plan(api: httpx.Client, caseworker: dict[str, str], cpr: str, name: str) -> tuple[str, str]:
    citizen = api.post("/citizens", json={"cpr": cpr, "name": name}, headers=caseworker)
    assert citizen.status_code == 201, citizen.text
    citizen_id = citizen.json()["citizen_id"]
    plan = api.post(
        "/plans",
        headers=caseworker,
        json={
            "citizen_id": citizen_id,
            "kind": "adult",
            "responsible_unit": AUTHORITY,
            "legal_bases": ["SEL §141"],
            "overview": {"purpose": "Egen bolig", "own_words": {"dreams": "Skrevet af sagsbehandleren"}},
            "goals": [{"title": "Egen bolig", "category": "housing"}],
            "actors": [
                {
                    "name": "Sara Sagsbehandler",
                    "role": "Sagsbehandler",
                    "kind": "authority",
                    "unit": AUTHORITY,
                    "email": CASEWORKER_MAIL,
                    "anchor": "caseworker",
                }
            ],
        },
    )
    assert plan.status_code == 201, plan.text
    return citizen_id, plan.json()["plan_id"]


def test_the_citizen_writes_asks_and_the_caseworker_answers(system: System) -> None:
    caseworker = system.bearer(sub="e2e-h-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    provider = system.bearer(sub="e2e-h-kp", unit=PROVIDER, unit_kind="provider", roles=["contact_person"])
    with httpx.Client(base_url=system.api, timeout=20) as api:
        citizen_id, plan_id = _citizen_with_plan(api, caseworker, "0707071234", "Helm Borger")
        other_id, other_plan = _citizen_with_plan(api, caseworker, "0808081234", "Anden Borger")
        me = system.bearer(
            sub="e2e-h-borger",
            name="Helm Borger",
            unit="borger",
            unit_kind="external",
            roles=["citizen"],
            citizen_id=citizen_id,
        )
        plan = api.get(f"/plans/{plan_id}", headers=me).json()
        goal_id = plan["goals"][0]["goal_id"]

        # Their own words: kept as theirs, what staff wrote stays.
        words = api.patch(
            f"/plans/{plan_id}/citizen-words",
            headers=me,
            json={
                "own_words": {"dreams": "Min egen lejlighed med altan", "i_can": "Lave mad"},
                "occupied_with": "At finde et job",
            },
        )
        assert words.status_code == 200, words.text
        body = words.json()
        assert body["citizen_words"]["own_words"]["dreams"] == "Min egen lejlighed med altan"
        assert body["citizen_words"]["occupied_with"] == "At finde et job"
        assert body["overview"]["own_words"]["dreams"] == "Skrevet af sagsbehandleren", (
            "staff's words unchanged"
        )
        assert body["overview"]["purpose"] == "Egen bolig"

        # Validated like staff input; the citizen cannot change staff's overview.
        too_long = api.patch(
            f"/plans/{plan_id}/citizen-words", headers=me, json={"occupied_with": "x" * 2001}
        )
        assert too_long.status_code == 422, too_long.text
        assert too_long.headers["content-type"].startswith("application/problem+json")
        assert any("occupied_with" in e["field"] for e in too_long.json()["errors"])
        staff_field = api.patch(
            f"/plans/{plan_id}",
            headers={**me, "If-Match": words.headers["etag"]},
            json={"overview": {"purpose": "Borgerens formål"}},
        )
        assert staff_field.status_code == 403, staff_field.text

        # Their own score (the professional score stays the record) and a comment.
        scored = api.post(
            f"/plans/{plan_id}/goals/{goal_id}/citizen-scores",
            headers=me,
            json={"agrees": False, "score": 6, "view": "Jeg synes, det går bedre"},
        )
        assert scored.status_code == 201, scored.text
        goal = scored.json()["goals"][0]
        assert goal["scores"] == [] and goal["citizen_scores"][0]["score"] == 6
        commented = api.post(
            f"/plans/{plan_id}/goals/{goal_id}/comments",
            headers=me,
            json={"text": "Jeg vil have hjælp til at ringe"},
        )
        assert commented.status_code == 201, commented.text
        assert commented.json()["goals"][0]["comments"][0]["author"] == "citizen"

        # Staff do not write the citizen's parts; the citizen cannot answer their own request.
        assert (
            api.patch(
                f"/plans/{plan_id}/citizen-words", headers=caseworker, json={"occupied_with": "x"}
            ).status_code
            == 403
        )
        assert (
            api.patch(
                f"/plans/{plan_id}/citizen-words", headers=provider, json={"occupied_with": "x"}
            ).status_code
            == 404
        )

        # Another citizen's plan: 404 for every write, nothing stored.
        before = api.get(f"/plans/{other_plan}", headers=caseworker).json()
        other_goal = before["goals"][0]["goal_id"]
        for method, url, json_body in (
            ("PATCH", f"/plans/{other_plan}/citizen-words", {"occupied_with": "ind i en andens plan"}),
            ("POST", f"/plans/{other_plan}/goals/{other_goal}/citizen-scores", {"agrees": True}),
            ("POST", f"/plans/{other_plan}/goals/{other_goal}/comments", {"text": "hej"}),
            ("POST", f"/plans/{other_plan}/change-requests", {"kind": "correct_fact", "text": "forkert"}),
        ):
            refused = api.request(method, url, headers=me, json=json_body)
            assert refused.status_code == 404, (url, refused.text)
        assert api.get(f"/plans/{other_plan}", headers=caseworker).json()["version"] == before["version"]
        assert other_id != citizen_id

        # A request for a new goal; the caseworker sees it in the worklist and accepts it.
        asked = api.post(
            f"/plans/{plan_id}/change-requests",
            headers=me,
            json={"kind": "new_goal", "title": "Cykle igen", "text": "Jeg vil gerne kunne cykle til arbejde"},
        )
        assert asked.status_code == 201, asked.text
        request_id = asked.json()["change_requests"][0]["request_id"]
        assert asked.headers["location"].endswith(f"/plans/{plan_id}/change-requests/{request_id}")
        assert (
            api.post(
                f"/plans/{plan_id}/change-requests/{request_id}/decision",
                headers=me,
                json={"outcome": "accepted", "reason": "ja"},
            ).status_code
            == 403
        )
        worklist = api.get("/me/requests", headers=caseworker)
        assert worklist.status_code == 200, worklist.text
        waiting = [r for r in worklist.json() if r["request_id"] == request_id]
        assert waiting and waiting[0]["citizen_name"] == "Helm Borger" and waiting[0]["kind"] == "new_goal"
        assert api.get("/me/requests", headers=me).status_code == 403

        # The citizen chose to be told by e-mail (decision 0023), so the answer reaches them there.
        told = api.put(
            f"/citizens/{citizen_id}/notification-preference",
            headers=me,
            json={"channel": "email", "email": CITIZEN_MAIL},
        )
        assert told.status_code == 200, told.text
        decided = api.post(
            f"/plans/{plan_id}/change-requests/{request_id}/decision",
            headers=caseworker,
            json={"outcome": "accepted", "reason": "Godt mål; vi tager det med på mødet."},
        )
        assert decided.status_code == 200, decided.text
        after = decided.json()
        assert [g["title"] for g in after["goals"]] == ["Egen bolig", "Cykle igen"], "the plan changed"
        request = after["change_requests"][0]
        assert (
            request["status"] == "accepted" and request["decision"]["goal_id"] == after["goals"][1]["goal_id"]
        )
        assert not [
            r for r in api.get("/me/requests", headers=caseworker).json() if r["request_id"] == request_id
        ]
        again = api.post(
            f"/plans/{plan_id}/change-requests/{request_id}/decision",
            headers=caseworker,
            json={"outcome": "declined", "reason": "alligevel ikke"},
        )
        assert again.status_code == 409, again.text

        # The history names the citizen as the author of their versions, the caseworker of the answer.
        history = api.get(f"/plans/{plan_id}/history", headers=me)
        assert history.status_code == 200, history.text
        by_author = [
            (h["by"], h["author"], sorted({c["field"].split(".")[0] for c in h["changes"]}))
            for h in history.json()
        ]
        mine = [entry for entry in by_author if entry[1] == "citizen"]
        assert [fields for _, _, fields in mine] == [
            ["citizen_words"],
            ["goals"],
            ["goals"],
            ["change_requests"],
        ]
        assert all(by == "e2e-h-borger" for by, _, _ in mine)
        assert by_author[-1][:2] == ("e2e-h-cw", "staff")

        # The caseworker was told of the request, without case content.
        mails = _until(
            lambda: [m for m in system.mails() if CASEWORKER_MAIL in str(m["To"])], "the caseworker's mail"
        )
        answers = _until(
            lambda: [m for m in system.mails() if CITIZEN_MAIL in str(m["To"])], "the citizen's mail"
        )
        for told_of, words in ((mails, "ændring"), (answers, "svar")):
            text = "\n".join(
                str(m["Subject"]) + m.get_body(preferencelist=("plain",)).get_content() for m in told_of
            )
            assert words in text
            for secret in ("Helm Borger", "Cykle", "0707071234", "cykle til arbejde", "Godt mål", citizen_id):
                assert secret not in text


def test_the_citizen_prepares_for_the_meeting_and_those_who_manage_it_read_it(system: System) -> None:
    caseworker = system.bearer(sub="e2e-h-cw2", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    provider = system.bearer(sub="e2e-h-kp2", unit=PROVIDER, unit_kind="provider", roles=["contact_person"])
    with httpx.Client(base_url=system.api, timeout=20) as api:
        citizen_id, plan_id = _citizen_with_plan(api, caseworker, "0909091234", "Forbered Borger")
        granted = api.post(
            "/consents",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": PROVIDER,
                "categories": ["general"],
                "purposes": ["meeting_invitation"],
                "form": {"kind": "written"},
                "valid_from": datetime.now(UTC).date().isoformat(),
            },
        )
        assert granted.status_code == 201, granted.text
        start = datetime.now(UTC) + timedelta(days=21)
        meeting = api.post(
            "/meetings",
            headers=caseworker,
            json={
                "plan_id": plan_id,
                "kind": "preparation",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "coordinator_unit": AUTHORITY,
                "participants": [
                    {"name": "Forbered Borger", "kind": "citizen"},
                    {
                        "name": "Kim Bosted",
                        "kind": "provider",
                        "unit": PROVIDER,
                        "email": "kim@e2e-h.example.dk",
                    },
                ],
            },
        )
        assert meeting.status_code == 201, meeting.text
        meeting_id = meeting.json()["meeting_id"]
        me = system.bearer(
            sub="e2e-h-borger2", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=citizen_id
        )
        stranger = system.bearer(
            sub="e2e-h-fremmed",
            unit="borger",
            unit_kind="external",
            roles=["citizen"],
            citizen_id=str(uuid.uuid4()),
        )
        sheet = {
            "hopes_and_dreams": "Egen lejlighed",
            "talk_about": "Min økonomi",
            "who_there": "Min søster Lise",
        }
        assert api.put(f"/meetings/{meeting_id}/preparation", headers=stranger, json=sheet).status_code == 404
        assert (
            api.put(f"/meetings/{meeting_id}/preparation", headers=caseworker, json=sheet).status_code == 403
        )
        empty = api.put(f"/meetings/{meeting_id}/preparation", headers=me, json={})
        assert empty.status_code == 422, empty.text
        written = api.put(f"/meetings/{meeting_id}/preparation", headers=me, json=sheet)
        assert written.status_code == 200, written.text
        assert written.json()["preparation"]["who_there"] == "Min søster Lise"

        managed = api.get(f"/meetings/{meeting_id}", headers=caseworker).json()
        assert managed["preparation"]["talk_about"] == "Min økonomi"
        invited = api.get(f"/meetings/{meeting_id}", headers=provider)
        assert invited.status_code == 200, invited.text
        assert invited.json()["preparation"] is None, (
            "an invited unit reads on consent: not the citizen's sheet"
        )
        assert {"section": f"meetings.{meeting_id}.preparation", "reason": "citizen_and_responsible"} in [
            {k: w.get(k) for k in ("section", "reason")} for w in invited.json()["withheld"]
        ]
        view = api.get(f"/citizens/{citizen_id}/plan-view", headers=me).json()
        assert view["meetings"][0]["preparation"]["hopes_and_dreams"] == "Egen lejlighed"
