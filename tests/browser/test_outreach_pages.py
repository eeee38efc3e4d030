"""The outreach team's pages in a real Chromium (decision 0056), keyboard first, by their visible Danish words: a
referral registered through the form (first without any way to reach the citizen: refused in Danish beside the
field), a contact attempt made through the public API (what the test is not about), then the team board and the
course page, each page with axe 0 violations at 1280 and 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Playwright

from borgerplan_cli.system import System
from tests.browser.case import Case
from tests.browser.support import Journal, Person

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_a_referral_the_board_and_the_course_page(
    playwright_session: Playwright, web_system: System, journal: Journal
) -> None:
    someone = Person(playwright_session, web_system.web, journal, "fremskudt")
    try:
        someone.open("/log-ind")
        someone.press("#persona-caseworker")
        someone.follow('nav a[href="/fremskudt"]')
        someone.page.wait_for_url("**/fremskudt")
        someone.follow('a[href="/fremskudt/ny"]')
        someone.page.wait_for_url("**/fremskudt/ny")
        someone.check_page("henvendelse")
        someone.type("#henv-referrer_name", "Lise Holm")
        someone.choose("#henv-referrer_kind", "shelter")
        someone.type("#henv-referrer_organisation", "Herberget")
        someone.choose("#henv-channel", "in_person")
        someone.type_date("#henv-received_on", "2027-03-24")
        someone.type("#henv-citizen_name", "Karl Fremskudt")
        someone.type("#henv-concern", "Kommer ikke mere på værestedet.")
        someone.submit("form[action='/fremskudt/ny'] button[type=submit]")
        assert "Skriv mindst én måde at nå borgeren på" in someone.text()
        someone.check_page("henvendelse-fejl", narrow=False)
        someone.type("#henv-citizen_found_at", "Værestedet på Halmtorvet")
        someone.submit("form[action='/fremskudt/ny'] button[type=submit]")
        someone.page.wait_for_url("**/fremskudt/forloeb/*")
        course_id = someone.page.url.rsplit("/", 1)[1]
        assert "Fremskudt forløb: Karl Fremskudt" in someone.text()

        Case(web_system).call(
            "POST",
            f"/outreach/courses/{course_id}/attempts",
            {"means": "visit", "at": "2027-03-25T10:00:00+01:00", "outcome": "no_answer"},
        )
        someone.open("/fremskudt")
        text = someone.text()
        assert "Fremskudt team: forløb og frister" in text
        assert "Karl Fremskudt" in text and "Ikke identificeret med CPR-nummer" in text
        assert "Kontakt til borgeren" in text and "Kontaktforsøg" in text
        someone.check_page("tavle")

        someone.follow(f'a[href="/fremskudt/forloeb/{course_id}"]')
        someone.page.wait_for_url(f"**/fremskudt/forloeb/{course_id}")
        text = someone.text()
        assert "Besøg, intet svar" in text
        assert "Foreslået næste kontaktforsøg" in text and "Telefonopkald" in text
        assert "Lise Holm, Herberget (herberg eller forsorgshjem)" in text
        someone.check_page("forloeb")
    finally:
        someone.close()
