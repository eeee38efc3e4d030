"""A stale edit (412): what changed is shown, nothing typed is lost, and the change can be applied again."""

from __future__ import annotations

import json

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, GOAL_HOUSING, PLAN_ID
from web_service import plan_forms as F
from web_service import wording as W


def test_a_stale_goal_edit_shows_what_changed_and_keeps_the_input(browser: Browser) -> None:
    browser.sign_in()
    page = browser.get(f"/borgere/{CITIZEN_ID}/netvaerksmoede")
    assert 'name="etag" value="&#34;7&#34;"' in page.text
    goal = next(g for g in browser.gateway.plan["goals"] if g["goal_id"] == GOAL_HOUSING)
    base = F.encode_base(F.goal_values(goal))
    # someone else renames the goal meanwhile
    goal["title"] = "Egen lejlighed i Valby"
    browser.gateway.plan["version"] = 8
    browser.gateway.override(
        "PATCH",
        f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}",
        412,
        {"title": "Precondition failed", "status": 412},
    )
    mine = {
        "citizen_id": CITIZEN_ID,
        "etag": '"7"',
        "base": base,
        "title": "Egen bolig inden jul",
        "description": "Min nye beskrivelse",
        "category": "housing",
    }
    response = browser.post(f"/planer/{PLAN_ID}/maal/{GOAL_HOUSING}", mine)
    assert response.status_code == 412
    text = response.text
    assert W.STALE_TITLE in text
    assert "Egen lejlighed i Valby" in text  # what the other person saved
    assert 'value="Egen bolig inden jul"' in text  # what this person typed
    assert "Min nye beskrivelse" in text
    assert W.STALE_APPLY_AGAIN in text
    assert "&#34;8&#34;" in text  # the form now carries the current version

    # applying again sends the person's change with the new version
    browser.gateway.overrides.clear()
    again = browser.post(f"/planer/{PLAN_ID}/maal/{GOAL_HOUSING}", {**mine, "etag": '"8"'})
    assert again.status_code == 303
    body, headers = browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}")[-1]
    assert headers["if-match"] == '"8"'
    assert body and body["title"] == "Egen bolig inden jul"


def test_changed_fields_lists_only_what_differs() -> None:
    labels = {"title": "Overskrift", "description": "Målbeskrivelse"}
    rows = F.changed_fields({"title": "A", "description": "B"}, {"title": "A2", "description": "B"}, labels)
    assert rows == [{"field": "title", "label": "Overskrift", "was": "A", "now": "A2"}]
    assert json.loads(F.encode_base({"a": "æ"})) == {"a": "æ"}
