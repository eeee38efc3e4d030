"""Meetings and consents: what the forms send, and their Danish refusals."""

from __future__ import annotations

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, GOAL_HOUSING, MEETING_ID, PLAN_ID, meeting
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


def test_the_citizen_writes_their_own_words_and_they_are_shown_as_theirs(browser: Browser) -> None:
    browser.sign_in("citizen")
    page = browser.get("/min-plan/mine-ord")
    assert page.status_code == 200 and 'action="/min-plan/mine-ord"' in page.text
    saved = browser.post(
        "/min-plan/mine-ord",
        {"own_dreams": "Min egen lejlighed", "own_i_can": "", "occupied_with": "At finde et job"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/min-plan?ok=words_saved"
    [(body, _)] = browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/citizen-words")
    assert body is not None and body["own_words"]["dreams"] == "Min egen lejlighed"
    assert body["own_words"]["i_can"] is None and body["occupied_with"] == "At finde et job"
    too_long = browser.post("/min-plan/mine-ord", {"own_dreams": "x" * 2001})
    assert too_long.status_code == 422
    assert len(browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/citizen-words")) == 1, "nothing sent"

    browser.gateway.plan["citizen_words"] = {
        "own_words": {"dreams": "Min egen lejlighed med altan"},
        "occupied_with": None,
        "at": "2026-12-08T09:00:00+00:00",
    }
    mine = browser.get("/min-plan").text
    assert "Skrevet af dig selv" in mine and "Min egen lejlighed med altan" in mine
    browser.sign_in("caseworker")
    staff = browser.get(f"/borgere/{CITIZEN_ID}").text
    assert "Skrevet af borgeren selv" in staff and "Min egen lejlighed med altan" in staff
    printed = browser.get(f"/planer/{PLAN_ID}/udskriv").text
    assert "Skrevet af borgeren selv" in printed


def test_the_citizen_fills_the_preparation_sheet_and_the_caseworker_reads_it(browser: Browser) -> None:
    browser.sign_in("citizen")
    page = browser.get(f"/moeder/{MEETING_ID}").text
    assert 'action="/moeder/' + MEETING_ID + '/forberedelse"' in page and "Mine håb og drømme" in page
    saved = browser.post(
        f"/moeder/{MEETING_ID}/forberedelse",
        {"hopes_and_dreams": "Egen bolig", "talk_about": "", "who_there": "Lise"},
    )
    assert saved.status_code == 303 and "ok=preparation_saved" in saved.headers["location"]
    [(body, _)] = browser.gateway.sent("PUT", f"/meetings/{MEETING_ID}/preparation")
    assert body == {"hopes_and_dreams": "Egen bolig", "talk_about": None, "who_there": "Lise"}
    assert browser.post(f"/moeder/{MEETING_ID}/forberedelse", {"who_there": "x" * 1001}).status_code == 422

    sheet = {
        "hopes_and_dreams": "Egen bolig",
        "talk_about": None,
        "who_there": "Lise",
        "at": "2026-12-01T09:00:00Z",
    }
    browser.gateway.override(
        "GET", f"/meetings/{MEETING_ID}", 200, {**meeting(), "preparation": sheet, "withheld": []}
    )
    browser.sign_in("caseworker")
    staff = browser.get(f"/moeder/{MEETING_ID}").text
    assert "Borgerens forberedelse – skrevet af borgeren" in staff and "Lise" in staff
    assert 'action="/moeder/' + MEETING_ID + '/forberedelse"' not in staff
    mode = browser.get(f"/moeder/{MEETING_ID}/moedetilstand")
    assert mode.status_code == 200 and "Borgerens forberedelse – skrevet af borgeren" in mode.text


def test_the_citizen_scores_comments_and_asks_and_the_caseworker_answers(browser: Browser) -> None:
    browser.sign_in("citizen")
    mine = browser.get("/min-plan").text
    assert (
        f'action="/min-plan/maal/{GOAL_HOUSING}/score"' in mine and 'action="/min-plan/anmodninger"' in mine
    )
    scored = browser.post(
        f"/min-plan/maal/{GOAL_HOUSING}/score", {"agrees": "no", "score": "6", "view": "Bedre"}
    )
    assert scored.status_code == 303, scored.text[:2000]
    [(body, _)] = browser.gateway.sent("POST", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}/citizen-scores")
    assert body == {"agrees": False, "score": 6, "words": None, "view": "Bedre"}
    said_nothing = browser.post(f"/min-plan/maal/{GOAL_HOUSING}/score", {"agrees": "no"})
    assert said_nothing.status_code == 422 and "giv din egen score" in said_nothing.text
    commented = browser.post(f"/min-plan/maal/{GOAL_HOUSING}/kommentar", {"text": "Hjælp til at ringe"})
    assert commented.status_code == 303
    assert browser.gateway.sent("POST", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}/comments")[0][0] == {
        "text": "Hjælp til at ringe"
    }
    no_title = browser.post("/min-plan/anmodninger", {"kind": "new_goal", "text": "Cykle"})
    assert no_title.status_code == 422 and "Skriv, hvad det nye mål skal hedde." in no_title.text
    asked = browser.post(
        "/min-plan/anmodninger", {"kind": "new_goal", "title": "Cykle", "text": "Cykle igen"}
    )
    assert asked.status_code == 303
    [(sent, _)] = browser.gateway.sent("POST", f"/plans/{PLAN_ID}/change-requests")
    assert sent == {"kind": "new_goal", "text": "Cykle igen", "title": "Cykle"}

    request_id = "7d1c2a9e-6b2d-4c1e-9a7f-2d8e5b0c4a99"
    browser.gateway.plan["change_requests"] = [
        {
            "request_id": request_id,
            "kind": "new_goal",
            "title": "Cykle",
            "text": "Cykle igen",
            "status": "open",
            "at": "2026-12-08T09:00:00+00:00",
            "by": "borger",
        }
    ]
    browser.gateway.plan["goals"][0]["comments"] = [
        {
            "comment_id": "k",
            "text": "Hjælp til at ringe",
            "author": "citizen",
            "at": "2026-12-08T09:00:00Z",
            "by": "b",
        }
    ]
    browser.sign_in("caseworker")
    staff = browser.get(f"/borgere/{CITIZEN_ID}").text
    assert (
        "Borgerens anmodninger om ændringer" in staff and "Cykle igen" in staff and "Borgeren skrev" in staff
    )
    assert f'action="/planer/{PLAN_ID}/anmodninger/{request_id}/svar"' in staff
    answered = browser.post(
        f"/planer/{PLAN_ID}/anmodninger/{request_id}/svar", {"outcome": "accepted", "reason": "Godt forslag"}
    )
    assert answered.status_code == 303 and "ok=request_answered" in answered.headers["location"]
    [(decision, _)] = browser.gateway.sent("POST", f"/plans/{PLAN_ID}/change-requests/{request_id}/decision")
    assert decision == {"outcome": "accepted", "reason": "Godt forslag"}
    no_reason = browser.post(f"/planer/{PLAN_ID}/anmodninger/{request_id}/svar", {"outcome": "declined"})
    assert no_reason.status_code == 422


def test_the_caseworkers_worklist_shows_the_requests_waiting_for_an_answer(browser: Browser) -> None:
    browser.sign_in("caseworker")
    page = browser.get("/frister").text
    assert "Anmodninger fra borgere, der venter på svar" in page
    assert f'href="/borgere/{CITIZEN_ID}#anmodninger"' in page and "et nyt mål" in page
