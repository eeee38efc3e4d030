"""Meetings and consents: what the forms send, and their Danish refusals."""

from __future__ import annotations

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, MEETING_ID
from web_service import wording as W


def test_scheduling_sends_the_chosen_network_and_shows_who_is_not_invited(browser: Browser) -> None:
    browser.sign_in()
    page = browser.get(f"/borgere/{CITIZEN_ID}/moeder/ny").text
    assert "Ikke inviteret, fordi" in page  # the meetings service's dry run said the unit has no consent
    [(asked, _)] = browser.gateway.sent("POST", "/meetings/invitation-preview")
    assert asked is not None and asked["plan_id"] == browser.gateway.plan["plan_id"]
    assert [p["name"] for p in asked["participants"]] == [
        "Mette Sørensen",
        "Ali Demir",
        "Sara Lund",
        "Datteren",
    ]
    assert browser.gateway.sent("POST", "/consent-decisions/preview") == [], (
        "the rule is the meetings service's"
    )
    response = browser.post(
        f"/borgere/{CITIZEN_ID}/moeder/ny",
        {
            "kind": "follow_up",
            "date": "07-12-2030",
            "start_time": "9:00",
            "end_time": "10.00",
            "place": "Herberget",
            "participants": ["a-ali", "a-sara"],
        },
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/moeder/m-new")
    [(body, _)] = browser.gateway.sent("POST", "/meetings")
    assert body is not None
    assert body["start"] == "2030-12-07T09:00:00+01:00" and body["coordinator_unit"] == "kk-hjemloeseenheden"
    assert [p["name"] for p in body["participants"]] == ["Peter Hansen", "Ali Demir", "Sara Lund"]


def test_minutes_carry_attendance_decisions_and_tasks(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/moeder/{MEETING_ID}")
    bad = browser.post(
        f"/moeder/{MEETING_ID}/referat",
        {"etag": '"3"', "participant_ids": ["pp-2"], "task-0-what": "Ring til udlejer"},
    )
    assert bad.status_code == 422
    assert W.E_BRIEFED_BY in bad.text and W.E_TASK_RESPONSIBLE in bad.text
    assert "Ring til udlejer" in bad.text
    ok = browser.post(
        f"/moeder/{MEETING_ID}/referat",
        {
            "etag": '"3"',
            "participant_ids": ["pp-2"],
            "attended": ["pp-2"],
            "citizen_attended": "on",
            "decision-i-1": "Vi byder velkommen",
            "task-0-what": "Ring til udlejer",
            "task-0-unit": "kk-herberg-sundholm",
            "task-0-due": "14-12-2030",
        },
    )
    assert ok.status_code == 303
    [(body, headers)] = browser.gateway.sent("PUT", f"/meetings/{MEETING_ID}/minutes")
    assert headers["if-match"] == '"3"'
    assert body == {
        "attendance": [{"participant_id": "pp-2", "attended": True}],
        "decisions": [{"item_id": "i-1", "decision": "Vi byder velkommen"}],
        "tasks": [
            {"what": "Ring til udlejer", "responsible_unit": "kk-herberg-sundholm", "due": "2030-12-14"}
        ],
        "citizen_attended": True,
        "citizen_briefed_by": None,
    }


def test_the_invitation_is_an_ics_file(browser: Browser) -> None:
    browser.gateway.override("GET", f"/meetings/{MEETING_ID}/invitation.ics", 200, None)
    browser.gateway.overrides[("GET", f"/meetings/{MEETING_ID}/invitation.ics")] = lambda _: __import__(
        "httpx"
    ).Response(
        200, content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", headers={"content-type": "text/calendar"}
    )
    browser.sign_in()
    response = browser.get(f"/moeder/{MEETING_ID}/invitation.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.content.startswith(b"BEGIN:VCALENDAR")


def test_narrowing_previews_then_sends_the_new_version(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/samtykker")
    preview = browser.post(
        "/samtykker/k-1/begraens", {"categories": ["general"], "purposes": ["view_plan"], "action": "preview"}
    )
    assert preview.status_code == 200
    assert "Hvad kan Rusmiddelenheden (behandling) se?" in preview.text
    [(sent, _)] = browser.gateway.sent("POST", "/consent-decisions/preview")
    assert (
        sent is not None
        and sent["replaces_consent_id"] == "k-1"
        and sent["proposed"]["categories"] == ["general"]
    )
    saved = browser.post(
        "/samtykker/k-1/begraens",
        {"categories": ["general"], "purposes": ["view_plan"], "etag": '"1"', "action": "save"},
    )
    assert saved.status_code == 303
    [(body, headers)] = browser.gateway.sent("PATCH", "/consents/k-1")
    assert body == {"categories": ["general"], "purposes": ["view_plan"]} and headers["if-match"] == '"1"'


def test_the_citizen_withdraws_a_consent_without_if_match(browser: Browser) -> None:
    browser.sign_in("citizen")
    browser.get("/min-plan/samtykker")
    response = browser.post("/min-plan/samtykker/k-1/tilbagekald", {"reason": ""})
    assert response.status_code == 303
    [(body, headers)] = browser.gateway.sent("POST", "/consents/k-1/revocation")
    assert body == {"reason": None} and "if-match" not in headers
