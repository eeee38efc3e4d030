"""The flaws a new caseworker found trying the Randers case through the pages only (issue 34), each shown in a
real Chromium the way a person meets it, keyboard first. The case itself is made through the public API (what a
test is not about), the flaw through the pages.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import Playwright
from pypdf import PdfReader

from borgerplan_cli.system import System
from tests.browser.case import ADDICTION, ALI, HOMELESS, JONAS, SARA, SHELTER, TREATMENT, Case, participant
from tests.browser.support import Journal, Person

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NAME = "Peter Hansen"
LONG_NAME = "Maximilian Christoffersen-Østergaard"
GOAL = "Egen bolig inden for seks måneder"
AUTHORITY_UNITS = {HOMELESS, ADDICTION, "kk-jobcenter"}
SISTER = {
    "name": "Lise Top",
    "role": "Søster",
    "kind": "private_network",
    "network_category": "private_network",
    "in_contact": True,
}


@pytest.fixture(scope="module")
def case(web_system: System) -> Case:
    made = Case(web_system).register("140379-2417", NAME)
    made.make_plan([ALI, SARA, JONAS, SISTER])
    made.goal(GOAL, "housing")
    made.goal("Hverdag med faste aftaler")
    made.score(GOAL, scale="1-10", now=3, expected=7)
    made.consent(SHELTER, ["general", "housing"], ["view_plan", "meeting_invitation", "receive_minutes"])
    made.consent(TREATMENT, ["general"], ["view_plan"])
    return made


def person(playwright: Playwright, system: System, journal: Journal, who: str, width: int = 1280) -> Person:
    someone = Person(playwright, system.web, journal, who)
    someone.page.set_viewport_size({"width": width, "height": 900})
    return someone


@pytest.fixture
def caseworker(playwright_session: Playwright, web_system: System, journal: Journal) -> Iterator[Person]:
    someone = person(playwright_session, web_system, journal, "fejl-sagsbehandler")
    sign_in(someone, "caseworker")
    yield someone
    someone.close()


def sign_in(someone: Person, persona: str) -> None:
    someone.open("/log-ind")
    someone.press(f"#persona-{persona}")


def scrolls_sideways(someone: Person) -> bool:
    return bool(someone.page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1"))


def sign_out(someone: Person) -> None:
    """As a person does it: the sign-out they can see; when there is none, the menu that may hold it."""
    visible = 'form[action="/log-ud"] button:visible'
    if someone.page.locator(visible).count() == 0:
        more = someone.page.locator(".more-button:visible")
        assert more.count() == 1, "no sign-out to be seen, and no menu that could hold it"
        someone.tab_to(".more-button")
        someone.page.keyboard.press("Enter")
        someone.page.wait_for_timeout(200)
    assert someone.page.locator(visible).count() >= 1, "no sign-out to be seen"
    someone.page.locator(visible).first.focus()
    with someone.page.expect_navigation(timeout=5000):
        someone.page.keyboard.press("Enter")


@pytest.mark.parametrize("width", [320, 768, 1280])
def test_signing_out_works_and_no_page_scrolls_sideways(
    width: int, playwright_session: Playwright, web_system: System, journal: Journal, case: Case
) -> None:
    someone = person(playwright_session, web_system, journal, f"bredde-{width}", width)
    try:
        sign_in(someone, "caseworker")
        meeting = case.meetings[0] if case.meetings else case.meeting([participant(ALI)])
        for path in (
            "/borgere",
            f"/borgere/{case.citizen_id}",
            f"/borgere/{case.citizen_id}/netvaerksmoede",
            f"/borgere/{case.citizen_id}/moeder/ny",
            f"/borgere/{case.citizen_id}/samtykker",
            f"/moeder/{meeting}",
            "/frister",
        ):
            someone.open(path)
            someone.page.wait_for_load_state("load")
            assert not scrolls_sideways(someone), f"{path} scrolls sideways at {width} px"
        someone.page.screenshot(path=f"{journal.next_name(f'bredde-{width}-moede')}.png", full_page=True)
        sign_out(someone)
        assert "/log-ind" in someone.page.url and "Du er logget af" in someone.text()
        someone.open("/borgere")
        assert "/log-ind" in someone.page.url, "signed out means signed out"
    finally:
        someone.close()


def test_a_meeting_in_the_past_is_refused_next_to_its_date(caseworker: Person, case: Case) -> None:
    before = len(case.call("GET", f"/citizens/{case.citizen_id}/plan-view")["meetings"])
    caseworker.open(f"/borgere/{case.citizen_id}/moeder/ny")
    caseworker.type_date("#moede-date", (date.today() - timedelta(days=1)).isoformat())
    caseworker.submit('form[action$="/moeder/ny"] button[type=submit]')
    assert "Mødet er indkaldt" not in caseworker.text()
    message = caseworker.page.inner_text("#moede-date-error")
    assert "fortiden" in message, message
    caseworker.check_page("moede-i-fortiden", narrow=False)
    after = len(case.call("GET", f"/citizens/{case.citizen_id}/plan-view")["meetings"])
    assert after == before, "nothing stored"


def test_a_task_for_the_meeting_leaders_own_unit(caseworker: Person, case: Case) -> None:
    """Only the citizen invited: the minutes still give a task to the leader's own unit."""
    meeting = case.meeting([], days_ahead=20)
    caseworker.open(f"/moeder/{meeting}")
    options = caseworker.page.eval_on_selector(
        "#referat-task-0-unit", "(s) => Array.from(s.options).map(o => o.value)"
    )
    assert HOMELESS in options, options
    caseworker.type("#referat-task-0-what", "Søg om bostøtte")
    caseworker.choose("#referat-task-0-unit", HOMELESS)
    caseworker.type_date("#referat-task-0-due", (date.today() + timedelta(days=30)).isoformat())
    caseworker.submit('form[action$="/referat"] button[type=submit]')
    assert "Referatet er gemt" in caseworker.text(), caseworker.text()[:1500]
    stored = case.call("GET", f"/meetings/{meeting}")["minutes"]["tasks"]
    assert [(t["what"], t["responsible_unit"]) for t in stored] == [("Søg om bostøtte", HOMELESS)]


def test_an_agenda_item_is_confirmed_and_its_decision_field_is_there_at_once(
    caseworker: Person, case: Case
) -> None:
    meeting = case.meeting([], days_ahead=25)
    caseworker.open(f"/moeder/{meeting}")
    caseworker.open_details("#dagsorden summary")
    caseworker.type("#punkt-topic", "Peters økonomi")
    caseworker.submit('form[action$="/punkter"] button[type=submit]')  # htmx: no new page
    assert "Punktet er tilføjet" in caseworker.page.inner_text("#dagsorden")
    labels = caseworker.page.eval_on_selector_all(
        "#referat label", "(ls) => ls.map(l => l.textContent.trim())"
    )
    assert any("Peters økonomi" in label for label in labels), labels
    caseworker.check_page("punkt-tilfoejet", narrow=False)


def test_the_citizens_own_score_gets_the_right_message_on_the_right_field(
    caseworker: Person, case: Case
) -> None:
    goal = case.goals[GOAL]
    caseworker.open(f"/borgere/{case.citizen_id}/netvaerksmoede")
    caseworker.open_details(f"#score-{goal}-open")
    hint = caseworker.page.inner_text(f"#score-{goal}-citizen_score-hint")
    assert "uenig" in hint, "the form says when the citizen's own score counts"
    caseworker.type(f"#score-{goal}-now", "4")
    caseworker.type(f"#score-{goal}-citizen_score", "6")
    caseworker.submit(f'form[action$="/maal/{goal}/scoring"] button[type=submit]')
    assert caseworker.page.locator(f"#score-{goal}-now-error").count() == 0, "nothing wrong with «Score nu»"
    message = caseworker.page.inner_text(f"#score-{goal}-citizen_score-error")
    assert "uenig" in message and "Skriv borgerens syn" not in message, message


def test_the_responsible_authority_is_chosen_among_authority_units(
    caseworker: Person, web_system: System
) -> None:
    fresh = Case(web_system).register("010190-1237", "Else Nielsen")
    caseworker.open(f"/borgere/{fresh.citizen_id}/netvaerksmoede")
    options = caseworker.page.eval_on_selector(
        "#plan-responsible_unit", "(s) => Array.from(s.options).map(o => o.value).filter(v => v)"
    )
    assert HOMELESS in options
    assert set(options) <= AUTHORITY_UNITS, f"provider units offered: {set(options) - AUTHORITY_UNITS}"


def test_the_invitation_points_at_the_meetings_page(
    caseworker: Person, case: Case, web_system: System
) -> None:
    meeting = case.meeting([], days_ahead=30)
    ics = caseworker.page.request.get(f"{web_system.web}/moeder/{meeting}/invitation.ics")
    assert ics.ok
    event = next(iter(icalendar.Calendar.from_ical(ics.text()).walk("VEVENT")))
    url = str(event.get("URL"))
    assert "/api/" not in url and url.endswith(f"/moeder/{meeting}"), url
    assert url in str(event.get("DESCRIPTION"))
    caseworker.open(re.sub(r"^https?://[^/]+", "", url))
    assert "Netværksmøde" in caseworker.text()


def test_the_partners_table_says_what_is_true_and_for_whom(
    playwright_session: Playwright, web_system: System, journal: Journal, case: Case, caseworker: Person
) -> None:
    def consent_cell(someone: Person, name: str) -> str:
        cell = someone.page.evaluate(
            """(n) => { for (const row of document.querySelectorAll('table.bp-actors tbody tr'))
                          if (row.querySelector('th').textContent.includes(n)) {
                            const i = Array.from(row.closest('table').querySelectorAll('thead th'))
                                           .findIndex(h => h.textContent.includes('Samtykke'));
                            return row.children[i].innerText; }
                        return null; }""",
            name,
        )
        assert cell is not None, f"no row for {name}"
        return " ".join(str(cell).split())

    caseworker.open(f"/borgere/{case.citizen_id}")
    assert consent_cell(caseworker, "Ali Demir").startswith("Ja"), "the responsible unit sees every consent"
    assert "se planen" in consent_cell(caseworker, "Ali Demir"), "and what it is for"
    assert consent_cell(caseworker, "Jonas Holm").startswith("Nej")

    provider = person(playwright_session, web_system, journal, "fejl-behandler")
    try:
        sign_in(provider, "treatment")
        provider.open(f"/borgere/{case.citizen_id}")
        shelter = consent_cell(provider, "Ali Demir")
        assert not shelter.startswith("Nej"), f"the shelter has a consent; the provider was told «{shelter}»"
        assert "din enhed" in consent_cell(provider, "Sara Lund"), "its own consent, said as its own"
        provider.check_page("samarbejdspartnere-som-behandler", narrow=False)
    finally:
        provider.close()


def test_the_network_map_keeps_roles_clear_of_dots_and_long_names_inside_the_centre(
    caseworker: Person, web_system: System
) -> None:
    long = Case(web_system).register("020290-1234", LONG_NAME)
    long.make_plan([SISTER, ALI, SARA, {**SARA, "name": "Bo Berg", "role": "Psykiater"}])
    caseworker.open(f"/borgere/{long.citizen_id}")
    # the actors' dots: the circles drawn straight on the map (the rings have no fill, the legend is a group)
    clashes = caseworker.page.evaluate(
        """() => { const svg = document.querySelector('svg.bp-network-map');
                   const meet = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width
                                       && a.y < b.y + b.height && b.y < a.y + a.height;
                   const dots = Array.from(svg.children).filter(c => c.tagName === 'circle'
                                  && c.getAttribute('fill') !== 'none' && c.r.baseVal.value < 30);
                   const texts = Array.from(svg.children).filter(c => c.tagName === 'text');
                   return texts.filter(t => dots.some(d => meet(t.getBBox(), d.getBBox()))).map(t => t.textContent); }"""
    )
    assert not clashes, f"dots cover the text of {clashes}"
    # the citizen's name: the text drawn across the centre circle stays inside it
    inside = caseworker.page.evaluate(
        """() => { const svg = document.querySelector('svg.bp-network-map');
                   const cx = svg.viewBox.baseVal.width / 2, cy = svg.viewBox.baseVal.height / 2;
                   const centre = Array.from(svg.children).find(c => c.tagName === 'circle'
                                    && c.cx.baseVal.value === cx && c.cy.baseVal.value === cy && c.r.baseVal.value > 30);
                   const r = centre.r.baseVal.value;
                   const names = Array.from(svg.children).filter(t => t.tagName === 'text'
                                   && Math.abs(t.getBBox().y + t.getBBox().height / 2 - cy) < r
                                   && Math.abs(t.getBBox().x + t.getBBox().width / 2 - cx) < r);
                   return names.length > 0 && names.every(t => { const b = t.getBBox();
                     return b.x >= cx - r && b.x + b.width <= cx + r && b.y >= cy - r && b.y + b.height <= cy + r; }); }"""
    )
    assert inside, "the citizen's name runs out of the centre circle"
    caseworker.check_page("netvaerkskort-langt-navn", narrow=False)


def test_the_chart_legend_names_only_what_it_draws(caseworker: Person, case: Case) -> None:
    goal = case.goals[GOAL]  # scored without the citizen's own score
    caseworker.open(f"/borgere/{case.citizen_id}")
    legend = str(caseworker.page.text_content(f"#maal-{goal} svg.bp-chart"))
    assert "Nu" in legend and "Forventet" in legend
    assert "Borgerens egen" not in legend, legend


def test_the_printed_plan_keeps_its_last_column_and_phone_numbers_whole(
    caseworker: Person, case: Case, journal: Journal
) -> None:
    page = caseworker.page
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    caseworker.open(f"/planer/{case.plan_id}/udskriv")
    fits = page.evaluate(
        """() => { const t = document.querySelector('table.bp-actors'); const m = document.querySelector('main');
                   return t.getBoundingClientRect().right <= m.getBoundingClientRect().right + 1; }"""
    )
    lines = page.evaluate(
        """(phone) => { const w = document.createTreeWalker(document.querySelector('table.bp-actors'), NodeFilter.SHOW_TEXT);
                        for (let n = w.nextNode(); n; n = w.nextNode()) { const i = n.textContent.indexOf(phone);
                          if (i >= 0) { const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + phone.length);
                                        return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size; } }
                        return -1; }""",
        ALI["phone"],
    )
    page.screenshot(path=f"{journal.next_name('udskrift-samarbejdspartnere')}.png", full_page=True)
    page.emulate_media(media="screen")
    assert fits, "the partners table runs past the page's edge"
    assert lines == 1, f"the phone number is broken over {lines} lines"
    pdf = page.request.get(f"{caseworker.base_url}/planer/{case.plan_id}/plan.pdf?udgave=moede")
    Path(f"{journal.next_name('udskrift-borgerens-plan')}.pdf").write_bytes(pdf.body())
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).split())
    assert ALI["phone"] in text, "the phone number whole in the PDF"
    assert ALI["attention_points"] in text, "the last column's text whole in the PDF"


def test_the_citizen_confirms_before_withdrawing_a_consent(
    playwright_session: Playwright, web_system: System, journal: Journal, demo_file: Path, case: Case
) -> None:
    demo_file.write_text(json.dumps({"citizen_id": case.citizen_id}))
    citizen = person(playwright_session, web_system, journal, "fejl-borger")
    try:
        sign_in(citizen, "citizen")
        citizen.press('a.nav-link[href="/min-plan/samtykker"]')
        button = citizen.page.evaluate(
            """() => { for (const card of document.querySelectorAll('article.bp-consent'))
                         if (card.innerText.includes('Rusmiddelenheden'))
                           return '#' + card.querySelector('[id^="traek-"]').id;
                       return null; }"""
        )
        assert button, citizen.text()
        if citizen.page.locator(button).evaluate("e => e.tagName") == "A":
            citizen.press(button)
        else:
            citizen.submit(button)
        assert "Samtykket er trukket tilbage" not in citizen.text(), "withdrawn without a confirmation"
        assert "Er du sikker" in citizen.text()
        citizen.check_page("borger-bekraeft-tilbagetraekning")
        consents = case.call("GET", f"/citizens/{case.citizen_id}/consents")
        assert any(c["grantee_unit"] == TREATMENT and c["status"] == "active" for c in consents)
        citizen.submit("#bekraeft-tilbagetraekning")
        assert "Samtykket er trukket tilbage" in citizen.text()
    finally:
        citizen.close()


def test_each_role_sees_only_the_actions_it_may_take(
    playwright_session: Playwright, web_system: System, journal: Journal, case: Case, caseworker: Person
) -> None:
    menu = "(ls) => ls.map(l => l.textContent.trim())"
    assert "Registrér borger" in caseworker.page.eval_on_selector_all(".mainmenu a", menu)
    caseworker.open(f"/borgere/{case.citizen_id}")
    assert "Historik" in caseworker.page.eval_on_selector_all(".bp-tabs a", menu)
    provider = person(playwright_session, web_system, journal, "fejl-kontaktperson")
    try:
        sign_in(provider, "contact_person")
        items = provider.page.eval_on_selector_all(".mainmenu a, .mainmenu button", menu)
        assert "Registrér borger" not in " ".join(items), items
        provider.open(f"/borgere/{case.citizen_id}")
        tabs = provider.page.eval_on_selector_all(".bp-tabs a", menu)
        assert "Historik" not in tabs, f"a provider cannot read the plan's history: {tabs}"
        provider.check_page("menu-som-kontaktperson", narrow=False)
    finally:
        provider.close()
