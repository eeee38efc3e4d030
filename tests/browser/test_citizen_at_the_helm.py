"""The citizen at the helm (issue 31, decision 0061) in a real Chromium: at 320 px, with the keyboard alone, the
citizen writes their own words on Min plan and fills the preparation sheet for their next meeting; they are shown
as theirs, and the caseworker sees them, marked as the citizen's, on the citizen's plan and on the meeting's working
page. axe finds nothing on any page on the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from borgerplan_cli.system import System
from tests.browser.case import ALI, Case
from tests.browser.support import Journal, Person

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

DREAM = "En lille lejlighed med altan, tæt på min datter."
TALK = "Hvordan jeg får betalt min gæld af."
WHO = "Min søster Lise skal være med."
NEW_GOAL = "Cykle igen"
FOCUS = "At komme i gang med at cykle igen."


@pytest.fixture(scope="module")
def case(web_system: System) -> Case:
    made = Case(web_system).register("120384-2413", "Rasmus Roer")
    made.make_plan([ALI])
    made.goal("Egen bolig", "housing")
    made.meeting([], kind="preparation")
    return made


def test_the_citizen_writes_their_own_words_with_the_keyboard_at_320_px(
    playwright_session: Playwright, web_system: System, journal: Journal, demo_file: Path, case: Case
) -> None:
    demo_file.write_text(json.dumps({"citizen_id": case.citizen_id}))
    citizen = Person(playwright_session, web_system.web, journal, "roret-borger")
    citizen.page.set_viewport_size({"width": 320, "height": 800})
    try:
        citizen.open("/log-ind")
        citizen.press("#persona-citizen")
        assert "Min plan" in citizen.text()
        citizen.press("#skriv-mine-ord")
        citizen.check_page("borger-skriv-mine-ord")
        citizen.type("#ord-own_dreams", DREAM)
        citizen.type("#ord-occupied_with", FOCUS)
        citizen.submit("#gem-mine-ord")
        text = citizen.text()
        assert "Dine egne ord er gemt." in text
        assert "Skrevet af dig selv" in text and DREAM in text and FOCUS in text
        citizen.check_page("borger-min-plan-med-egne-ord")
        # The form comes back with what the citizen wrote, for the next change.
        citizen.press("#skriv-mine-ord")
        assert citizen.page.input_value("#ord-own_dreams") == DREAM
        # The preparation sheet of the next meeting, from Min plan's list of meetings.
        citizen.press('a.nav-link[href="/min-plan"]')
        citizen.press(f'a[href="/moeder/{case.meetings[0]}"]')
        citizen.check_page("borger-forberedelse")
        citizen.type("#forb-hopes_and_dreams", DREAM)
        citizen.type("#forb-talk_about", TALK)
        citizen.type("#forb-who_there", WHO)
        citizen.submit("#gem-forberedelse")
        assert "Din forberedelse er gemt." in citizen.text()
        assert citizen.page.input_value("#forb-talk_about") == TALK
        citizen.check_page("borger-forberedelse-gemt")
        # A request for a new goal, from Min plan.
        citizen.press('a.nav-link[href="/min-plan"]')
        citizen.check("#anmod-kind-1")
        citizen.type("#anmod-title", NEW_GOAL)
        citizen.type("#anmod-text", "Jeg vil gerne kunne cykle til arbejde.")
        citizen.submit("#send-anmodning")
        assert "Din anmodning er sendt." in citizen.text()
    finally:
        citizen.close()

    plan = case.call("GET", f"/plans/{case.plan_id}")
    assert plan["citizen_words"]["own_words"]["dreams"] == DREAM
    assert plan["overview"]["own_words"]["dreams"] != DREAM, "what staff wrote stays"
    history = case.call("GET", f"/plans/{case.plan_id}/history")
    assert [h["author"] for h in history].count("citizen") >= 2

    caseworker = Person(playwright_session, web_system.web, journal, "roret-sagsbehandler")
    try:
        caseworker.open("/log-ind")
        caseworker.press("#persona-caseworker")
        caseworker.open(f"/borgere/{case.citizen_id}")
        text = caseworker.text()
        assert "Skrevet af borgeren selv" in text and DREAM in text
        caseworker.check_page("sagsbehandler-borgerens-egne-ord")
        caseworker.open(f"/moeder/{case.meetings[0]}")
        text = caseworker.text()
        assert "Borgerens forberedelse – skrevet af borgeren" in text and TALK in text and WHO in text
        caseworker.check_page("sagsbehandler-moedets-side-med-forberedelse")
        # The request waits in the worklist; the caseworker accepts it on the plan, and the plan has the goal.
        caseworker.open("/frister")
        assert "Rasmus Roer" in caseworker.text()
        caseworker.press(f'a[href="/borgere/{case.citizen_id}#anmodninger"]')
        caseworker.open_details("#anmodninger summary.details-summary")
        caseworker.check("#svar-1-outcome-1")
        caseworker.type("#svar-1-reason", "Godt mål. Vi tager det med på mødet.")
        caseworker.submit("#send-svar-1")
        assert "Svaret er sendt til borgeren." in caseworker.text()
        caseworker.check_page("sagsbehandler-anmodning-besvaret")
    finally:
        caseworker.close()
    plan = case.call("GET", f"/plans/{case.plan_id}")
    assert NEW_GOAL in [g["title"] for g in plan["goals"]]
    assert plan["change_requests"][0]["status"] == "accepted"
