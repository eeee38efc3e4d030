"""Min plan's "Sådan får du besked" in a real Chromium (decision 0023): the citizen chooses how they are told with
the keyboard alone, with htmx refreshing the section and without script; a refusal stands next to its field, a
confirmation follows a save, axe finds nothing at full width and at 320 px (with script: axe is one), and the API
holds what was chosen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from borgerplan_cli.system import System
from tests.browser.case import ALI, Case
from tests.browser.support import Journal, Person
from web_service import wording as W

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def case(web_system: System, demo_file: Path) -> Case:
    made = Case(web_system).register("210584-3127", "Bente Besked")
    made.make_plan([ALI])
    demo_file.write_text(json.dumps({"citizen_id": made.citizen_id}))
    return made


def _citizen(playwright: Playwright, system: System, journal: Journal, who: str, javascript: bool) -> Person:
    someone = Person(playwright, system.web, journal, who, javascript=javascript)
    someone.open("/log-ind")
    someone.press("#persona-citizen")
    assert "/min-plan" in someone.page.url, someone.page.url
    return someone


def choose_radio(someone: Person, name: str, value: str) -> None:
    """A radio group as a keyboard user meets it: Tab reaches the group (its checked button), the arrow keys move the
    choice along it."""
    group = f'input[type=radio][name="{name}"]'
    values = someone.page.eval_on_selector_all(group, "(rs) => rs.map(r => r.value)")
    assert value in values, values
    checked = someone.page.eval_on_selector_all(group, "(rs) => rs.filter(r => r.checked).map(r => r.value)")
    someone.tab_to(f'{group}[value="{checked[0] if checked else values[0]}"]')
    for _ in values:
        if someone.page.is_checked(f'{group}[value="{value}"]'):
            break
        someone.page.keyboard.press("ArrowDown")
    assert someone.page.is_checked(f'{group}[value="{value}"]'), f"{value} not chosen with the arrow keys"


def _chosen(case: Case) -> dict[str, str]:
    answer: dict[str, str] = case.call(
        "GET", f"/citizens/{case.citizen_id}/notification-preference", persona="citizen"
    )
    return answer


def test_the_citizen_chooses_sms_with_the_keyboard_and_htmx(
    playwright_session: Playwright, web_system: System, journal: Journal, case: Case
) -> None:
    citizen = _citizen(playwright_session, web_system, journal, "borger-besked", javascript=True)
    try:
        assert W.MY_TOLD_TITLE in citizen.text() and W.MY_TOLD_LAW in citizen.text()
        assert citizen.page.is_checked('#besked input[value="digital_post"]'), "Digital Post until chosen"
        citizen.check_page("min-plan-saadan-faar-du-besked")

        # SMS without a number: refused next to the phone field, nothing stored.
        choose_radio(citizen, "channel", "sms")
        citizen.submit('#besked button[type="submit"]')
        assert citizen.page.inner_text("#besked-phone-error").endswith(W.E_TOLD_PHONE_MISSING)
        assert citizen.page.get_attribute("#besked-phone", "aria-invalid") == "true"
        citizen.check_page("besked-uden-nummer")
        assert _chosen(case)["channel"] == "digital_post", "nothing stored"

        citizen.type("#besked-phone", "20 30 40 50")
        citizen.submit('#besked button[type="submit"]')
        section = citizen.page.inner_text("#besked")
        assert W.MY_TOLD_SAVED in section, section
        assert W.MY_TOLD_NOW.format(channel="du får besked på sms til 20 30 40 50") in section
        assert "/min-plan" in citizen.page.url and "ok=" not in citizen.page.url, "htmx refreshed the section"
        citizen.check_page("besked-gemt")
        chosen = _chosen(case)
        assert (chosen["channel"], chosen["phone"], chosen["email"]) == ("sms", "20 30 40 50", None)
    finally:
        citizen.close()


def test_without_script_the_citizen_chooses_none_and_reads_the_confirmation(
    playwright_session: Playwright, web_system: System, journal: Journal, case: Case
) -> None:
    citizen = _citizen(playwright_session, web_system, journal, "borger-uden-script", javascript=False)
    try:
        choose_radio(citizen, "channel", "none")
        citizen.submit('#besked button[type="submit"]')
        assert citizen.page.url.endswith("/min-plan?ok=preference_saved#besked"), citizen.page.url
        section = citizen.page.inner_text("#besked")
        assert W.MY_TOLD_SAVED in section and W.MY_TOLD_NOW_CHANNEL["none"] in section, section
        assert citizen.page.is_checked('#besked input[value="none"]')
        # axe runs as a script, which this browser does not; the same section with its confirmation passed it above
        citizen.page.screenshot(
            path=f"{journal.next_name('borger-uden-script-besked-gemt')}.png", full_page=True
        )
        assert _chosen(case)["channel"] == "none"
    finally:
        citizen.close()
