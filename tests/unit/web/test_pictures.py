"""The pictures are valid SVG with a text alternative, and say contact / no contact and the three scores."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, shelter_plan
from web_service import pictures
from web_service import wording as W
from web_service.web import environment

SVG = "{http://www.w3.org/2000/svg}"


def _render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


def test_the_network_map_is_valid_svg_with_nine_categories_and_a_description() -> None:
    plan = shelter_plan()
    network = pictures.network_map("Peter Hansen", plan["actors"])
    svg = _render("network_map.svg", network=network, map_id="m")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "m-title m-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == W.NETWORK_MAP
    assert desc is not None and "Sara Lund" in (desc.text or "") and W.NO_CONTACT.lower() in (desc.text or "")
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for label in W.NETWORK_CATEGORIES.values():
        assert label in texts
    # no contact: a dashed line
    assert any(line.get("stroke-dasharray") for line in root.iter(f"{SVG}line"))


def test_the_score_chart_is_valid_svg_with_now_expected_and_the_citizens_own() -> None:
    goal = shelter_plan()["goals"][0]
    chart = pictures.score_chart(goal["scores"])
    assert chart.drawable and (chart.low, chart.high) == (1, 10)
    svg = _render("score_chart.svg", chart=chart, chart_id="c", title=goal["title"])
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    series = {s.key: [v for _, _, v in s.points] for s in chart.series}
    assert series == {"now": [3, 5], "expected": [7, 7], "citizen": [4, 7]}
    assert len(list(root.iter(f"{SVG}circle"))) >= 2


def test_words_are_not_drawn_but_tabled() -> None:
    chart = pictures.score_chart(
        [{"scale": "words", "now_words": "lidt bedre", "at": "2026-11-01T10:00:00+00:00"}]
    )
    assert not chart.drawable
    assert chart.entries[0].now_words == "lidt bedre"


def test_the_ladder_counts_the_steps_reached() -> None:
    ladder = pictures.ladder(shelter_plan()["goals"][0])
    assert (ladder["done"], ladder["total"]) == (1, 3)
    assert [s["step"] for s in ladder["steps"]] == [3, 2, 1]


def test_the_plan_page_draws_both_pictures_inline_with_a_table_beside(browser: Browser) -> None:
    browser.sign_in()
    text = browser.get(f"/borgere/{CITIZEN_ID}").text
    assert text.count('class="bp-network-map"') == 1
    assert 'class="bp-chart"' in text
    assert W.NETWORK_MAP_TABLE in text
    assert re.search(r"<caption>Scoring: Egen bolig", text)
