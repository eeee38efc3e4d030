"""Min plan's "Sådan får du besked": the citizen chooses how they are told (decision 0023), without script and with
htmx, each refusal in Danish next to its field, a confirmation after saving, nothing sent when the form is wrong."""

from __future__ import annotations

import re

import pytest

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID
from web_service import wording as W

PREFERENCE = f"/citizens/{CITIZEN_ID}/notification-preference"


def _section(html: str) -> str:
    found = re.search(r'<section aria-labelledby="besked-h" id="besked".*?</section>', html, re.S)
    assert found, "the section is on the page"
    return found.group(0)


def test_the_section_offers_four_channels_as_radio_buttons_with_the_current_choice(browser: Browser) -> None:
    browser.sign_in("citizen")
    section = _section(browser.get("/min-plan").text)
    assert W.MY_TOLD_TITLE in section
    radios = re.findall(r'<input type="radio" id="(besked-channel-\d)" name="channel" value="(\w+)"', section)
    assert [value for _, value in radios] == ["digital_post", "email", "sms", "none"]
    for radio_id, _ in radios:
        assert f'<label class="form-label" for="{radio_id}">' in section, "every radio button has its label"
    assert re.search(r'value="digital_post" class="form-radio" checked', section), "Digital Post until chosen"
    assert 'hx-post="/min-plan/besked"' in section and 'action="/min-plan/besked"' in section
    assert W.MY_TOLD_LAW in section, "what none does not stop is said where it is chosen"
    assert W.NOTIFICATION_KINDS["meeting_invitation"] in section, "what was sent to the citizen"


def test_without_script_the_choice_is_saved_and_confirmed_at_the_section(browser: Browser) -> None:
    browser.sign_in("citizen")
    browser.get("/min-plan")
    response = browser.post(
        "/min-plan/besked", {"channel": "sms", "phone": "20 30 40 50", "email": "peter@example.dk"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/min-plan?ok=preference_saved#besked"
    [(body, _)] = browser.gateway.sent("PUT", PREFERENCE)
    assert body == {"channel": "sms", "phone": "20 30 40 50"}, "only the contact detail SMS needs"
    section = _section(browser.get(response.headers["location"]).text)
    assert W.MY_TOLD_SAVED in section and 'role="status"' in section
    assert W.MY_TOLD_NOW.format(channel="du får besked på sms til 20 30 40 50") in section
    assert re.search(r'value="sms" class="form-radio" checked', section)


def test_with_htmx_the_section_comes_back_with_its_confirmation(browser: Browser) -> None:
    browser.sign_in("citizen")
    browser.get("/min-plan")
    response = browser.post("/min-plan/besked", {"channel": "none"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    section = _section(response.text)
    assert W.MY_TOLD_SAVED in section
    assert W.MY_TOLD_NOW_CHANNEL["none"] in section
    assert [b for b, _ in browser.gateway.sent("PUT", PREFERENCE)] == [{"channel": "none"}]


@pytest.mark.parametrize(
    ("typed", "field", "danish"),
    [
        ({"channel": "sms"}, "phone", W.E_TOLD_PHONE_MISSING),
        ({"channel": "sms", "phone": "ring til mig"}, "phone", W.E_PHONE),
        ({"channel": "email", "email": ""}, "email", W.E_TOLD_EMAIL_MISSING),
        ({}, "channel", W.E_CHOOSE),
        ({"channel": "brevdue"}, "channel", W.E_CHOOSE),
    ],
)
def test_a_wrong_form_says_why_next_to_the_field_and_sends_nothing(
    browser: Browser, typed: dict[str, str], field: str, danish: str
) -> None:
    browser.sign_in("citizen")
    browser.get("/min-plan")
    response = browser.post("/min-plan/besked", typed)
    assert response.status_code == 422
    section = _section(response.text)
    assert f'<span class="form-error-message" id="besked-{field}-error">' in section
    assert danish in section
    assert f'href="#besked-{field}"' in section, "the error summary links to the field"
    assert not browser.gateway.sent("PUT", PREFERENCE), "nothing sent"


def test_the_apis_refusal_lands_on_its_field_in_danish(browser: Browser) -> None:
    browser.sign_in("citizen")
    browser.get("/min-plan")
    browser.gateway.override(
        "PUT",
        PREFERENCE,
        422,
        {
            "type": "urn:borgerplan:problem:validation",
            "title": "Invalid request",
            "status": 422,
            "detail": "The request is not valid.",
            "errors": [{"field": "email", "message": "value is not a valid email address: no @-sign."}],
        },
    )
    response = browser.post("/min-plan/besked", {"channel": "email", "email": "peter.example.dk"})
    assert response.status_code == 422
    section = _section(response.text)
    assert 'id="besked-email-error"' in section and W.E_EMAIL in section
    assert 'value="peter.example.dk"' in section, "what the citizen typed is kept"


def test_min_plan_still_shows_when_notify_does_not_answer(browser: Browser) -> None:
    browser.sign_in("citizen")
    browser.gateway.override("GET", PREFERENCE, 503, {"title": "Unavailable", "status": 503, "detail": "x"})
    response = browser.get("/min-plan")
    assert response.status_code == 200
    assert W.MY_TOLD_UNAVAILABLE in _section(response.text)
    assert W.MY_WORDS in response.text, "the plan itself is shown"


def test_staff_cannot_post_a_citizens_choice(browser: Browser) -> None:
    browser.sign_in("caseworker")
    browser.get("/borgere")
    response = browser.post("/min-plan/besked", {"channel": "none"})
    assert response.status_code in (303, 403, 404)
    assert not browser.gateway.sent("PUT", PREFERENCE)
