"""A whole network meeting in the meeting mode, on the shared screen, with the keyboard alone (issue 34).

Randers' «Mit liv – Min plan» (seed 003): the citizen's hopes in their own words, three SMART goals, and a
citizen-plan meeting with the citizen, the authority and the provider. The case is made through the API; the
meeting is held through the pages: the agenda walked from the welcome to the summary, the three goals scored with
the citizen (one score they disagree with, their own score and words noted beside it), a task for the meeting
leader's own unit and one for the provider, and the minutes published at the end. Every state is checked with
axe (0 violations) and kept as a screenshot at 1280 px, the chief ones also at 1920 px; no state scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Playwright

from borgerplan_cli.system import System
from tests.browser.case import ALI, HOMELESS, SARA, SHELTER, TREATMENT, Case, participant
from tests.browser.support import Journal, Person

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OWN_WORDS = "Jeg vil gerne selv kunne handle ind og lave mad."
GOALS = (
    "Handle ind og lave mad selv to gange om ugen",
    "Komme i dagtilbud tre dage om ugen",
    "Se min søster hver måned",
)
WIDE = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def case(web_system: System) -> Case:
    made = Case(web_system).register("150284-1238", "Line Madsen")
    made.make_plan(
        [ALI, SARA],
        purpose="Line skal blive mere selvhjulpen i hverdagen og have et fællesskab.",
        occupied_with="At få en fast rytme i ugen.",
        own_words={
            "manage_myself": OWN_WORDS,
            "dreams": "Mine drømme er at bo i min egen lejlighed og have en hund.",
            "interests": "Tegning og gåture.",
        },
    )
    for title in GOALS:
        made.goal(title, "housing" if "mad" in title else "general")
    made.consent(SHELTER, ["general", "housing"], ["view_plan", "meeting_invitation", "receive_minutes"])
    made.meeting([participant(ALI)], days_ahead=3, kind="citizen_plan")
    return made


@pytest.fixture(scope="module")
def leader(playwright_session: Playwright, web_system: System, journal: Journal) -> Iterator[Person]:
    person = Person(playwright_session, web_system.web, journal, "moedeleder")
    person.open("/log-ind")
    person.press("#persona-caseworker")
    yield person
    person.close()


def state(person: Person, name: str, wide: bool = False) -> None:
    """One state of the meeting: axe at full width and at 320 px, the screenshot, nothing wider than the
    screen; at 1920 px too, where the minutes stand beside the part."""
    assert OWN_WORDS in person.text(), f"{name}: the citizen's own words are not in view"
    assert not person.page.evaluate("() => document.documentElement.scrollWidth > innerWidth + 1"), name
    person.check_page(f"moedetilstand-{name}")
    if wide:
        person.page.set_viewport_size(WIDE)
        try:
            person.page.wait_for_timeout(150)
            person.page.screenshot(path=f"{person.journal.next_name(f'moedetilstand-{name}-1920px')}.png")
            assert not person.page.evaluate("() => document.documentElement.scrollWidth > innerWidth + 1")
            violations = person.axe()
            assert not violations, f"at 1920 px: {violations}"
        finally:
            person.page.set_viewport_size({"width": 1280, "height": 900})


def heading(person: Person) -> str:
    return person.page.inner_text("#del-h")


def next_part(person: Person) -> str:
    person.follow(".bp-mode-steps a.button-primary")
    assert person.focused("[data-part-heading]"), "the keyboard's focus follows to the part in front"
    return heading(person)


def save_minutes(person: Person, decision: str | None = None, task: tuple[str, str] | None = None) -> None:
    if decision is not None:
        person.type("#mm-decision", decision)
    if task is not None:
        what, unit = task
        person.type("#mm-task-0-what", what)
        person.choose("#mm-task-0-unit", unit)
        person.type_date("#mm-task-0-due", (date.today() + timedelta(days=21)).isoformat())
    person.submit('form[action$="/referat"] button[type=submit]')
    assert "Referatet er gemt" in person.page.inner_text("#referat"), person.page.inner_text("#referat")


def score(person: Person, now: int, expected: int, own: tuple[int, str] | None = None) -> None:
    person.type("#mg-now", str(now))
    person.type("#mg-expected", str(expected))
    if own is None:
        person.check("#mg-citizen_disagrees-1")  # «Ja, vi er enige»
    else:
        # a group of radio buttons takes the focus on its chosen one, and the arrow keys choose another
        person.tab_to("#mg-citizen_disagrees-1")
        person.page.keyboard.press("ArrowDown")
        assert person.page.is_checked("#mg-citizen_disagrees-2")  # «Nej, borgeren er uenig»
        person.type("#mg-citizen_score", str(own[0]))
        person.type("#mg-citizen_view", own[1])
    person.submit('form[action$="/maal"] button[type=submit]')
    assert "Målet er gemt" in person.text(), person.text()[:2000]


def test_a_whole_network_meeting_in_the_meeting_mode(leader: Person, case: Case) -> None:
    meeting = case.meetings[0]
    leader.open(f"/moeder/{meeting}")
    leader.press(f'a[href="/moeder/{meeting}/moedetilstand"]')
    assert heading(leader) == "1. Velkomst og præsentation"
    state(leader, "velkomst", wide=True)

    # 1. welcome: who is here
    ali = leader.page.evaluate(
        """() => { for (const l of document.querySelectorAll('#mm-attended label'))
                     if (l.textContent.includes('Ali Demir')) return '#' + l.htmlFor; return null; }"""
    )
    leader.check(ali)
    leader.check("#mm-citizen_attended")
    save_minutes(leader, "Alle præsenterede sig. Line valgte selv mødestedet.")
    state(leader, "velkomst-gemt")

    # 2.-4. the minute-taker, the purpose, status since last time
    assert next_part(leader) == "2. Valg af referent"
    save_minutes(leader, "Ali Demir tager referat.")
    assert next_part(leader) == "3. Formål med mødet"
    assert "Line skal blive mere selvhjulpen" in leader.text()
    save_minutes(leader, "Vi laver Lines plan sammen: tre mål til næste borgerplansmøde.")
    state(leader, "formaal")
    assert next_part(leader) == "4. Status siden sidste møde"
    save_minutes(leader, "Første borgerplansmøde; ingen tidligere aftaler.")

    # 5. the goals one by one, scored with the citizen
    assert next_part(leader) == f"5.1. Mål 1: {GOALS[0]}"
    state(leader, "maal-1", wide=True)
    score(leader, 3, 7)
    save_minutes(leader, task=("Øver indkøb med Line hver tirsdag", SHELTER))  # a task for the provider
    state(leader, "maal-1-scoret")
    assert next_part(leader) == f"5.2. Mål 2: {GOALS[1]}"
    score(leader, 4, 8, own=(7, "Jeg synes, jeg er nået længere, end I tror"))
    assert "Borgeren er uenig: Jeg synes, jeg er nået længere, end I tror" in leader.text()
    state(leader, "maal-2-uenig", wide=True)
    assert next_part(leader) == f"5.3. Mål 3: {GOALS[2]}"
    score(leader, 5, 8)
    state(leader, "maal-3")
    assert next_part(leader) == "5.4. Tilføj et mål"
    state(leader, "nyt-maal")

    # the network map, consents and the plan's details, any other business, the next meeting
    assert next_part(leader).endswith("Opdatering af netværkskort")
    state(leader, "netvaerkskort", wide=True)
    save_minutes(leader, "Netværkskortet er gennemgået; Sara Lund er med fra behandlingen.")
    assert next_part(leader).endswith(" Samtykker")
    state(leader, "samtykker")
    assert next_part(leader).endswith("Plandetaljer: lovgrundlag og gyldighed")
    state(leader, "plandetaljer")
    assert next_part(leader).endswith("Eventuelt")
    assert next_part(leader).endswith("Næste møde")
    save_minutes(leader, "Næste borgerplansmøde om tre måneder; Line vil gerne holde det på herberget.")
    state(leader, "naeste-moede")

    # the summary: a task for the meeting leader's own unit, then the minutes go out
    assert next_part(leader).endswith("Opsummering af opgaver og ansvarlige")
    save_minutes(leader, "Alle kender deres opgaver.", task=("Indkalder til næste borgerplansmøde", HOMELESS))
    summary = leader.page.inner_text("#del")
    assert "Øver indkøb med Line hver tirsdag – Herberget Sundholm" in summary
    assert "Indkalder til næste borgerplansmøde – Hjemløseenheden, Københavns Kommune" in summary
    state(leader, "opsummering", wide=True)
    leader.submit('form[action$="/udsend"] button[type=submit]')
    assert "Referatet er sendt" in leader.text()
    state(leader, "referat-sendt", wide=True)

    stored = case.call("GET", f"/meetings/{meeting}")
    minutes: dict[str, Any] = stored["minutes"]
    assert minutes["published_at"]
    assert sorted(t["responsible_unit"] for t in minutes["tasks"]) == sorted([SHELTER, HOMELESS])
    assert len(minutes["decisions"]) == 7
    attendance = {a["participant_id"]: a["attended"] for a in minutes["attendance"]}
    assert list(attendance.values()) == [True] and minutes["citizen_attended"] is True
    plan = case.call("GET", f"/plans/{case.plan_id}")
    scores = {g["title"]: g["scores"][-1] for g in plan["goals"]}
    assert [scores[t]["now"] for t in GOALS] == [3, 4, 5]
    assert [scores[t]["citizen_disagrees"] for t in GOALS] == [False, True, False]
    assert scores[GOALS[1]]["citizen_score"] == 7
    assert TREATMENT not in {t["responsible_unit"] for t in minutes["tasks"]}


def test_the_meeting_mode_works_without_javascript(
    playwright_session: Playwright, web_system: System, journal: Journal, case: Case
) -> None:
    """Plain links and forms: a part opened, its minutes refused in Danish and then saved, with script off."""
    meeting = case.meeting([participant(ALI)], days_ahead=5)
    person = Person(playwright_session, web_system.web, journal, "moedetilstand-uden-js", javascript=False)
    page = person.page
    try:
        page.goto(f"{web_system.web}/log-ind")
        with page.expect_navigation():
            page.click("#persona-caseworker")
        page.goto(f"{web_system.web}/moeder/{meeting}/moedetilstand")
        with page.expect_navigation():
            page.click(".bp-mode-steps a.button-primary")
        assert page.inner_text("#del-h") == "2. Valg af referent"
        page.fill("#mm-task-0-what", "Sender referatet")
        with page.expect_navigation():
            page.click('form[action$="/referat"] button[type=submit]')
        assert "Skriv, hvem der har ansvaret for opgaven." in page.inner_text("#referat")
        page.select_option("#mm-task-0-unit", HOMELESS)
        page.fill("#mm-task-0-due", (date.today() + timedelta(days=7)).strftime("%d-%m-%Y"))
        with page.expect_navigation():
            page.click('form[action$="/referat"] button[type=submit]')
        assert "Referatet er gemt" in page.inner_text("#referat")
        page.screenshot(path=f"{journal.next_name('moedetilstand-uden-javascript')}.png", full_page=True)
    finally:
        person.close()
