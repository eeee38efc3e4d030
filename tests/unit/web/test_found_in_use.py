"""The flaws found trying the pages in use (issue 34), each at the level where it was mended; the browser suite
(tests/browser/test_flaws_found_in_use.py) shows them in a real Chromium."""

from __future__ import annotations

from datetime import date, timedelta

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, MEETING_ID, meeting, shelter_plan
from web_service import pictures
from web_service import wording as W
from web_service.pages.meetings import task_units
from web_service.pages.plan import consent_column
from web_service.roles import May
from web_service.units import load_directory
from web_service.web import environment

CASEWORKER = {"unit": "kk-hjemloeseenheden", "unit_kind": "authority", "roles": ["caseworker"]}
PROVIDER = {"unit": "kk-rusmiddelenheden", "unit_kind": "provider", "roles": ["contact_person"]}
CITIZEN = {"unit": "borger", "unit_kind": "external", "roles": ["citizen"], "citizen_id": CITIZEN_ID}


def test_a_provider_is_offered_only_what_its_role_may_do() -> None:
    plan = shelter_plan()
    caseworker, provider, citizen = May.of(CASEWORKER), May.of(PROVIDER), May.of(CITIZEN)
    assert caseworker.register_citizen and caseworker.read_history(plan) and caseworker.change_plan(plan)
    assert not provider.register_citizen and not provider.look_up_cpr
    assert not provider.read_history(plan) and not provider.change_plan(plan)
    assert provider.work_on_goals(plan) and provider.schedule_meeting(plan), "an actor's handling roles may"
    assert citizen.read_history(plan) and not citizen.handle and not citizen.register_citizen
    assert not May.of({**PROVIDER, "roles": ["case_system"]}).handle


def test_the_menus_follow_the_role(browser: Browser) -> None:
    browser.sign_in("treatment")
    page = browser.get(f"/borgere/{CITIZEN_ID}").text
    assert W.NAV_REGISTER not in page, "a provider never sees «Registrér borger»"
    assert f'href="/planer/{shelter_plan()["plan_id"]}/historik"' not in page
    browser.sign_in("caseworker")
    page = browser.get(f"/borgere/{CITIZEN_ID}").text
    assert W.NAV_REGISTER in page and "/historik" in page


def test_sign_out_is_in_the_header_on_every_width_not_in_the_main_menu(browser: Browser) -> None:
    browser.sign_in()
    page = browser.get("/borgere").text
    menu = page[page.index('<ul class="mainmenu">') : page.index("</nav>")]
    assert "/log-ud" not in menu, "DKFDS copies the main menu into «Mere», where a form is dead"
    assert 'class="portal-user bp-portal-user"' in page


def test_the_responsible_authority_is_one_of_the_authority_units() -> None:
    units = load_directory(None).with_actors(shelter_plan()["actors"])
    offered = {unit for unit, _ in units.options(kind="authority")}
    assert offered == {"kk-hjemloeseenheden", "kk-misbrugsmyndighed", "kk-jobcenter"}


def test_a_task_can_go_to_the_meeting_leaders_own_unit_with_only_the_citizen_invited() -> None:
    alone = {**meeting(), "participants": [meeting()["participants"][0]]}
    units = load_directory(None)
    assert [u for u, _ in task_units(alone, None, units)] == ["kk-hjemloeseenheden"]
    both = [u for u, _ in task_units(meeting(), shelter_plan(), units)]
    assert set(both) == {"kk-hjemloeseenheden", "kk-herberg-sundholm"}


def test_the_consent_column_says_what_is_true_and_for_whom() -> None:
    plan = shelter_plan()
    view = {
        "consent_summary": [
            {"grantee_unit": "kk-rusmiddelenheden", "status": "active", "purposes": ["view_plan"]}
        ]
    }
    as_responsible = consent_column(view, plan, May.of(CASEWORKER))
    assert as_responsible["a-mette"] == W.RESPONSIBLE_UNIT
    assert as_responsible["a-sara"] == "Ja: se planen"
    assert as_responsible["a-ali"] == W.NO and as_responsible["a-datter"] == "–"
    # the provider sees only its own unit's consents: the others are not a «no»
    own = {"consent_summary": view["consent_summary"]}
    as_provider = consent_column(own, plan, May.of(PROVIDER))
    assert as_provider["a-sara"] == "Ja: se planen (din enhed)"
    assert as_provider["a-ali"] == W.CONSENT_NOT_SHOWN


def test_a_meeting_in_the_past_is_refused_next_to_its_date_and_nothing_is_sent(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/moeder/ny")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = browser.post(
        f"/borgere/{CITIZEN_ID}/moeder/ny",
        {"kind": "network", "date": yesterday, "start_time": "09:00", "end_time": "10:00"},
    )
    assert response.status_code == 422
    assert 'id="moede-date-error"' in response.text and W.E_MEETING_IN_PAST in response.text
    assert not browser.gateway.sent("POST", "/meetings")


def test_an_added_agenda_item_refreshes_the_minutes_too_and_says_it_was_added(browser: Browser) -> None:
    browser.sign_in()
    page = browser.get(f"/moeder/{MEETING_ID}?ok=agenda_item_added").text
    agenda = page[page.index('id="dagsorden"') : page.index('id="referat"')]
    assert W.AGENDA_ITEM_ADDED in agenda, "the confirmation inside the part htmx refreshes"
    assert 'hx-select-oob="#referat"' in agenda, "the minutes get the new item's decision field at once"


def test_the_citizen_is_asked_before_a_consent_is_withdrawn(browser: Browser) -> None:
    browser.sign_in("citizen")
    listed = browser.get("/min-plan/samtykker").text
    assert 'href="/min-plan/samtykker/k-1/traek-tilbage"' in listed and "/tilbagekald" not in listed
    asked = browser.get("/min-plan/samtykker/k-1/traek-tilbage").text
    assert "Er du sikker?" in asked and 'action="/min-plan/samtykker/k-1/tilbagekald"' in asked
    assert not browser.gateway.sent("POST", "/consents/k-1/revocation"), "asking withdraws nothing"


def test_the_network_map_keeps_labels_clear_of_dots_and_the_name_inside_the_centre() -> None:
    network = pictures.network_map("Maximilian Christoffersen-Østergaard", shelter_plan()["actors"])
    for sector in network.sectors:
        for actor in sector.actors:
            lines = 1 + bool(actor.role) + (not actor.in_contact)
            if actor.anchor == "middle":
                top, bottom = actor.label_y - 16, actor.label_y + network.line * (lines - 1) + 5
                clear_above = bottom < actor.y - network.dot_r
                clear_below = top > actor.y + network.dot_r
                assert clear_above or clear_below, f"{actor.name}: its label covers its dot"
            else:
                assert abs(actor.label_x - actor.x) > network.dot_r, (
                    f"{actor.name}: beside the dot, not on it"
                )
    assert [text for _, text in network.name_lines] == ["Maximilian", "Christoffer…"]
    assert all(len(text) <= pictures.NAME_CHARS for _, text in network.name_lines)


def test_the_chart_legend_names_only_the_series_it_draws() -> None:
    chart = pictures.score_chart(
        [{"scale": "1-10", "now": 3, "expected": 7, "at": "2026-11-02T10:00:00+00:00"}]
    )
    svg = environment().get_template("score_chart.svg").render(chart=chart, chart_id="c", title="Bolig", W=W)
    legend = svg[svg.rindex("<g ") :]
    assert W.CHART_NOW in legend and W.CHART_EXPECTED in legend
    assert W.CHART_CITIZEN not in legend


def test_no_persons_label_runs_into_a_groups_label_on_the_map() -> None:
    """Two people in every group, as a busy network has: their labels (estimated at the font's width) stay clear
    of the groups' names around the map."""
    people = [
        {"name": f"Person {c[:4]} {i}", "role": "Rådgiver", "network_category": c, "in_contact": True}
        for c in pictures.MAP_CATEGORIES
        for i in (1, 2)
    ]
    network = pictures.network_map("Peter Hansen", people)

    def box(x: float, y: float, anchor: str, width: float, lines: int, size: float) -> tuple[float, ...]:
        left = x - width if anchor == "end" else (x - width / 2 if anchor == "middle" else x)
        return left, y - size, left + width, y + network.line * (lines - 1) + 4

    def meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    groups = [box(s.label_x, s.label_y, s.text_anchor, len(s.label) * 10.5, 1, 19) for s in network.sectors]
    for sector in network.sectors:
        for actor in sector.actors:
            width = max(len(actor.name), len(actor.role)) * 9.0
            label = box(actor.label_x, actor.label_y, actor.anchor, width, 2, 16)
            assert not any(meet(label, group) for group in groups), f"{actor.name} runs into a group's name"
