"""The meeting mode (issue 34): the agenda's parts one at a time, the citizen's own words on each, a goal edited
in one place, and the minutes written part by part without overwriting the others' parts."""

from __future__ import annotations

import pytest

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import GOAL_HOUSING, MEETING_ID, PLAN_ID, meeting, shelter_plan
from web_service import meeting_parts as MP
from web_service import wording as W

MODE = f"/moeder/{MEETING_ID}/moedetilstand"


def test_the_parts_follow_the_agenda_with_the_goals_where_the_flexible_items_are() -> None:
    parts = MP.parts(meeting(), shelter_plan())
    assert [p.key for p in parts] == [
        "velkomst",
        "formaal",
        f"maal-{GOAL_HOUSING}",
        "maal-g-treatment",
        "maal-g-health",
        "nyt-maal",
        "punkt-i-x",
        "netvaerkskort",
        "samtykker",
        "plandetaljer",
        "naeste-moede",
        "opsummering",
    ]
    goal = parts[2]
    assert goal.kind == "goal" and goal.item_id == "i-5" and not goal.decides, (
        "a goal's minutes are its tasks"
    )
    assert goal.number == "3.1" and goal.title.startswith("Mål 1: Egen bolig")
    assert parts[8].item is None, "consents are no agenda item: no minutes of their own"


def test_a_part_writes_only_its_own_minutes_into_the_stored_ones() -> None:
    stored = {
        "attendance": [{"participant_id": "pp-2", "attended": True}],
        "decisions": [{"item_id": "i-1", "decision": "Velkommen"}, {"item_id": "i-9", "decision": "Gammel"}],
        "tasks": [
            {
                "task_id": "t1",
                "what": "Bolig",
                "responsible_unit": "u1",
                "due": "2027-01-04",
                "item_id": "i-5",
                "completed_on": None,
                "overdue_notified": False,
            },
            {
                "task_id": "t2",
                "what": "Andet",
                "responsible_unit": "u2",
                "due": "2027-01-05",
                "item_id": "i-9",
            },
        ],
        "citizen_attended": True,
        "citizen_briefed_by": None,
    }
    body = MP.merged(
        stored, "i-9", "Ny beslutning", [{"what": "Ring", "responsible_unit": "u3", "due": "2027-02-01"}]
    )
    assert body["decisions"] == [
        {"item_id": "i-1", "decision": "Velkommen"},
        {"item_id": "i-9", "decision": "Ny beslutning"},
    ]
    assert body["tasks"] == [
        {"what": "Bolig", "responsible_unit": "u1", "due": "2027-01-04", "item_id": "i-5"},
        {"what": "Ring", "responsible_unit": "u3", "due": "2027-02-01", "item_id": "i-9"},
    ], "the other parts' tasks kept as the API takes them, this part's replaced"
    assert body["attendance"] == stored["attendance"] and body["citizen_attended"] is True
    seen = MP.encode(MP.part_minutes(stored, "i-9"))
    assert not MP.changed_since(seen, stored, "i-9")
    assert MP.changed_since(seen, {**stored, "decisions": []}, "i-9"), (
        "someone else wrote this part meanwhile"
    )


@pytest.mark.parametrize("part", [p.key for p in MP.parts(meeting(), shelter_plan())])
def test_every_part_renders_with_the_agenda_and_the_citizens_own_words(browser: Browser, part: str) -> None:
    browser.sign_in()
    response = browser.get(f"{MODE}/{part}")
    assert response.status_code == 200, response.text[:3000]
    page = response.text
    assert W.MODE_AGENDA in page and 'aria-current="step"' in page
    assert W.MODE_OWN_WORDS in page and "Jeg vil gerne selv kunne betale min husleje." in page
    assert 'id="moedetilstand"' in page


def test_a_goal_is_saved_in_one_place_with_the_citizens_disagreement(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"{MODE}/maal-{GOAL_HOUSING}")
    response = browser.post(
        f"{MODE}/maal-{GOAL_HOUSING}/maal",
        {
            "etag": '"7"',
            "title": "Egen bolig inden for seks måneder",
            "category": "housing",
            "sub_goals": "[x] Skrevet op til en bolig\nBudget for husleje lagt",
            "agreement-0-who": "Ali",
            "agreement-0-what": "Hjælper med ansøgningen",
            "scale": "1-10",
            "now": "4",
            "expected": "8",
            "citizen_disagrees": "on",
            "citizen_score": "6",
            "citizen_view": "Det går bedre, end I tror",
            "status": "",
            "step": "1",
        },
    )
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == f"{MODE}/maal-{GOAL_HOUSING}?ok=goal_saved"
    [(body, headers)] = browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}")
    assert headers["if-match"] == '"7"'
    assert body["score"] == {
        "scale": "1-10",
        "now": 4,
        "expected": 8,
        "citizen_score": 6,
        "citizen_disagrees": True,
        "citizen_view": "Det går bedre, end I tror",
    }
    assert body["sub_goals"][0] == {"title": "Skrevet op til en bolig", "achieved": True}
    assert "status" not in body, "the status did not change"


def test_a_goal_saved_without_a_score_records_none(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"{MODE}/maal-g-health")
    browser.post(
        f"{MODE}/maal-g-health/maal",
        {
            "etag": '"7"',
            "title": "Kontakt til egen læge",
            "category": "health",
            "scale": "1-10",
            "citizen_disagrees": "no",
            "status": "in_progress",
            "step": "1",
        },
    )
    [(body, _)] = browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/goals/g-health")
    assert "score" not in body and body["status"] == "in_progress" and body["step"] == 1


def test_the_minutes_of_a_part_go_into_the_stored_minutes(browser: Browser) -> None:
    browser.sign_in()
    page = browser.get(f"{MODE}/opsummering").text
    assert 'name="base"' in page
    response = browser.post(
        f"{MODE}/opsummering/referat",
        {
            "base": MP.encode(MP.part_minutes(None, "i-9")),
            "decision": "Alle kender deres opgaver",
            "task-0-what": "Søg bostøtte",
            "task-0-unit": "kk-hjemloeseenheden",
            "task-0-due": "01-02-2030",
            "task-1-what": "Følg op på behandling",
            "task-1-unit": "kk-herberg-sundholm",
            "task-1-due": "01-03-2030",
        },
    )
    assert response.status_code == 303 and response.headers["location"].endswith(
        "/opsummering?ok=minutes_saved"
    )
    [(body, headers)] = browser.gateway.sent("PUT", f"/meetings/{MEETING_ID}/minutes")
    assert headers["if-match"] == '"3"'
    assert body["decisions"] == [{"item_id": "i-9", "decision": "Alle kender deres opgaver"}]
    assert [(t["responsible_unit"], t["item_id"]) for t in body["tasks"]] == [
        ("kk-hjemloeseenheden", "i-9"),
        ("kk-herberg-sundholm", "i-9"),
    ]


def test_a_task_without_its_unit_is_refused_next_to_it_and_nothing_is_sent(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"{MODE}/opsummering")
    response = browser.post(
        f"{MODE}/opsummering/referat",
        {
            "base": MP.encode(MP.part_minutes(None, "i-9")),
            "task-0-what": "Søg bostøtte",
            "task-0-due": "01-02-2030",
        },
    )
    assert response.status_code == 422
    assert 'id="mm-task-0-unit-error"' in response.text and W.E_TASK_RESPONSIBLE in response.text
    assert not browser.gateway.sent("PUT", f"/meetings/{MEETING_ID}/minutes")


def test_minutes_someone_else_wrote_meanwhile_are_not_overwritten(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"{MODE}/opsummering")
    seen_earlier = MP.encode({"decision": "Noget andet", "tasks": []})
    response = browser.post(f"{MODE}/opsummering/referat", {"base": seen_earlier, "decision": "Min tekst"})
    assert response.status_code == 412 and W.MODE_MINUTES_STALE in response.text
    assert "Min tekst" in response.text, "what was typed is kept"
    assert not browser.gateway.sent("PUT", f"/meetings/{MEETING_ID}/minutes")


def test_a_provider_sees_the_mode_without_the_forms_its_role_cannot_use(browser: Browser) -> None:
    browser.sign_in("contact_person")
    page = browser.get(f"{MODE}/formaal").text
    assert W.MODE_MINUTES_READ_ONLY in page and "/referat" not in page
    assert "/planen" not in page, "the purpose is changed by the responsible unit"
