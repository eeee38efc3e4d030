"""The outreach team's pages in a real Chromium (decision 0056): a course made through the public API (what the test
is not about), then found from the menu on the team board and opened by keyboard, each page with axe 0 violations
at 1280 and 320 px, read by its visible Danish words."""

from __future__ import annotations

import pytest
from playwright.sync_api import Playwright

from borgerplan_cli.system import System
from tests.browser.case import Case
from tests.browser.support import Journal, Person

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_the_board_and_the_course_page(
    playwright_session: Playwright, web_system: System, journal: Journal
) -> None:
    case = Case(web_system)
    course = case.call(
        "POST",
        "/outreach/courses",
        {
            "referrer": {"name": "Lise Holm", "kind": "shelter", "organisation": "Herberget"},
            "channel": "in_person",
            "received_on": "2027-03-24",
            "citizen": {"name": "Karl Fremskudt", "found_at": "Værestedet på Halmtorvet"},
            "concern": "Kommer ikke mere på værestedet.",
        },
    )
    url = f"/outreach/courses/{course['course_id']}"
    case.call(
        "POST",
        f"{url}/attempts",
        {"means": "visit", "at": "2027-03-25T10:00:00+01:00", "outcome": "no_answer"},
    )

    someone = Person(playwright_session, web_system.web, journal, "fremskudt")
    try:
        someone.open("/log-ind")
        someone.press("#persona-caseworker")
        someone.follow('nav a[href="/fremskudt"]')
        someone.page.wait_for_url("**/fremskudt")
        text = someone.text()
        assert "Fremskudt team: forløb og frister" in text
        assert "Karl Fremskudt" in text and "Ikke identificeret med CPR-nummer" in text
        assert "Kontakt til borgeren" in text and "Kontaktforsøg" in text
        someone.check_page("tavle")

        someone.follow(f'a[href="/fremskudt/forloeb/{course["course_id"]}"]')
        someone.page.wait_for_url(f"**/fremskudt/forloeb/{course['course_id']}")
        text = someone.text()
        assert "Fremskudt forløb: Karl Fremskudt" in text
        assert "Besøg, intet svar" in text
        assert "Foreslået næste kontaktforsøg" in text and "Telefonopkald" in text
        assert "Lise Holm, Herberget (herberg eller forsorgshjem)" in text
        someone.check_page("forloeb")
    finally:
        someone.close()
