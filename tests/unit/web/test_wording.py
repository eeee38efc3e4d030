"""The Danish wording: one place, every vocabulary of the API labelled, pages without English."""

from __future__ import annotations

import re
import typing

import pytest

from borgerplan_api import notify as notify_api
from borgerplan_contracts.events import consent, meetings, notify, plan
from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, MEETING_ID
from web_service import wording as W


@pytest.mark.parametrize(
    ("literal", "labels"),
    [
        (plan.SofTheme, W.SOF_THEMES),
        (plan.VumTheme, W.VUM_THEMES),
        (plan.NetworkCategory, W.NETWORK_CATEGORIES),
        (plan.GoalStatus, W.GOAL_STATUS),
        (plan.ActorKind, W.ACTOR_KINDS),
        (plan.PlanKind, W.PLAN_KINDS),
        (consent.InformationCategory, W.CATEGORIES),
        (consent.Purpose, W.PURPOSES),
        (meetings.MeetingKind, W.MEETING_KINDS),
        (meetings.ParticipantKind, W.PARTICIPANT_KINDS),
        (notify.NotificationKind, W.NOTIFICATION_KINDS),
        (notify.Channel, W.NOTIFICATION_CHANNELS),
        (notify_api.NotificationStatus, W.NOTIFICATION_STATUSES),
        (notify_api.CitizenChannel, dict(W.MY_TOLD_CHANNELS)),
    ],
)
def test_every_value_of_the_api_has_danish_words(literal: object, labels: dict[str, str]) -> None:
    assert set(typing.get_args(literal)) == set(labels)


def test_dates_are_written_the_danish_way() -> None:
    assert W.long_date("2026-03-14") == "14. marts 2026"
    assert W.date_time("2026-12-07T08:00:00+00:00") == "mandag 7. december 2026 kl. 09.00"
    assert W.join_words(["bolig", "helbred", "økonomi"]) == "bolig, helbred og økonomi"


def test_english_messages_from_the_api_become_danish() -> None:
    assert W.field_message("Field required") == W.E_REQUIRED
    assert (
        W.field_message("value is not a valid email address: An email address must have an @-sign.")
        == W.E_EMAIL
    )
    assert W.field_message("Value error, end must be after start") == W.E_END_BEFORE_START


ENGLISH = re.compile(r">\s*(Save|Submit|Cancel|Error|Loading|Not found|Sign in|Log in|Search)\s*<")


@pytest.mark.parametrize(
    "path",
    ["/borgere", f"/borgere/{CITIZEN_ID}", f"/borgere/{CITIZEN_ID}/netvaerksmoede", f"/moeder/{MEETING_ID}"],
)
def test_pages_carry_no_english_button_or_heading(browser: Browser, path: str) -> None:
    browser.sign_in()
    assert not ENGLISH.search(browser.get(path).text)


def test_withheld_goals_are_said_honestly(browser: Browser) -> None:
    browser.gateway.withheld = {"health"}
    browser.sign_in("treatment")
    text = browser.get(f"/borgere/{CITIZEN_ID}").text
    assert "Skjult: borgeren har ikke givet samtykke til, at din enhed ser oplysninger om helbred." in text
    assert "Kontakt til egen læge" not in text


def test_consent_missing_is_a_danish_403(browser: Browser) -> None:
    browser.gateway.override(
        "GET",
        f"/citizens/{CITIZEN_ID}/plan-view",
        403,
        {"type": "urn:borgerplan:problem:consent-missing", "title": "Consent missing", "status": 403},
    )
    browser.sign_in("treatment")
    response = browser.get(f"/borgere/{CITIZEN_ID}")
    assert response.status_code == 403
    assert W.CONSENT_MISSING in response.text


def test_the_gateway_being_away_is_a_danish_503(browser: Browser) -> None:
    browser.gateway.override(
        "GET", "/me/citizens", 503, {"title": "Service unavailable", "status": 503}, {"Retry-After": "5"}
    )
    browser.sign_in()
    response = browser.get("/borgere")
    assert response.status_code == 503
    assert W.ERROR_TITLES[503] in response.text
    assert response.headers["retry-after"] == "5"
