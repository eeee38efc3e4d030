"""Bad input: Danish words next to the field, nothing typed lost, nothing sent to the API when the pages can tell."""

from __future__ import annotations

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, GOAL_HOUSING, PLAN_ID
from web_service import wording as W
from web_service.forms import Form, check_cpr, map_field
from web_service.gateway import ApiProblem


def test_api_field_errors_land_next_to_the_form_fields_in_danish() -> None:
    form = Form.of({"cpr": "123", "name": ""})
    problem = ApiProblem(
        422,
        "Invalid request",
        kind="validation",
        errors=[
            {"field": "cpr", "message": "Value error, a CPR number has 10 digits, DDMMYY-SSSS"},
            {"field": "name", "message": "String should have at least 1 character"},
            {"field": "body", "message": "Value error, valid_until is before valid_from"},
        ],
    )
    form.apply_problem(problem, {"cpr": "cpr", "name": "name", "valid_until": "until"})
    assert form.errors == {"cpr": W.E_CPR, "name": W.E_REQUIRED, "until": W.E_UNTIL_BEFORE_FROM}
    assert form.get("cpr") == "123"  # what was typed stays


def test_nested_api_fields_map_by_prefix() -> None:
    fields = {"score": "now", "form.recorded_by": "recorded_by", "agreements.0.who": "agreement-0-who"}
    assert map_field("score.now", fields) == "now"
    assert map_field("form.recorded_by", fields) == "recorded_by"
    assert map_field("agreements.0.who", fields) == "agreement-0-who"
    assert map_field("unknown", fields) is None


def test_an_error_no_field_can_hold_goes_to_the_top() -> None:
    form = Form()
    form.apply_problem(
        ApiProblem(422, errors=[{"field": "x.y", "message": "Input should be 'a' or 'b'"}]), {}
    )
    assert form.general == [W.E_CHOOSE]


def test_cpr_is_checked_before_the_api_is_asked() -> None:
    for typed, error in (("", W.E_REQUIRED), ("12345", W.E_CPR), ("320179-2417", W.E_CPR_DATE)):
        form = Form.of({"cpr": typed})
        assert check_cpr(form) is None
        assert form.error("cpr") == error
    assert check_cpr(Form.of({"cpr": "140379-2417"})) == "1403792417"


def test_registering_with_a_bad_cpr_keeps_the_name_and_stores_nothing(browser: Browser) -> None:
    browser.sign_in()
    browser.get("/borgere/ny")
    response = browser.post("/borgere/ny", {"cpr": "14-03-79", "name": "Peter Hansen"})
    assert response.status_code == 422
    assert W.E_CPR in response.text
    assert 'value="Peter Hansen"' in response.text
    assert 'aria-invalid="true"' in response.text and 'id="ny-cpr-error"' in response.text
    assert browser.gateway.sent("POST", "/citizens") == []


def test_the_api_refusing_a_goal_puts_its_words_next_to_the_field(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/netvaerksmoede")
    browser.gateway.override(
        "POST",
        f"/plans/{PLAN_ID}/goals",
        422,
        {
            "title": "Invalid request",
            "status": 422,
            "errors": [{"field": "title", "message": "String should have at most 300 characters"}],
        },
    )
    response = browser.post(
        f"/planer/{PLAN_ID}/maal",
        {"citizen_id": CITIZEN_ID, "title": "Mit mål", "category": "general", "description": "Min tekst"},
    )
    assert response.status_code == 422
    assert W.E_TOO_LONG.format(n=300) in response.text
    assert "Min tekst" in response.text


def test_a_score_out_of_its_scale_is_refused_in_danish(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/netvaerksmoede")
    response = browser.post(
        f"/planer/{PLAN_ID}/maal/{GOAL_HOUSING}/scoring",
        {"citizen_id": CITIZEN_ID, "scale": "1-10", "now": "11", "expected": "syv", "etag": '"7"'},
    )
    assert response.status_code == 422
    assert W.E_SCALE.format(low=1, high=10) in response.text
    assert W.E_NUMBER in response.text
    assert browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}") == []


def test_a_score_is_sent_as_numbers_on_its_scale(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/netvaerksmoede")
    response = browser.post(
        f"/planer/{PLAN_ID}/maal/{GOAL_HOUSING}/scoring",
        {
            "citizen_id": CITIZEN_ID,
            "scale": "1-10",
            "now": "4",
            "expected": "8",
            "citizen_score": "6",
            "citizen_disagrees": "on",
            "citizen_view": "Bedre end I tror",
            "etag": '"7"',
        },
    )
    assert response.status_code == 303
    [(body, headers)] = browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}")
    assert body == {
        "score": {
            "scale": "1-10",
            "now": 4,
            "expected": 8,
            "citizen_score": 6,
            "citizen_disagrees": True,
            "citizen_view": "Bedre end I tror",
        }
    }
    assert headers["if-match"] == '"7"'


def test_consent_form_errors_and_an_oral_consent_needs_who_recorded_it(browser: Browser) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/samtykker")
    response = browser.post(
        f"/borgere/{CITIZEN_ID}/samtykker",
        {
            "grantee_unit": "kk-rusmiddelenheden",
            "form_kind": "oral",
            "valid_from": "01-12-2026",
            "valid_until": "01-11-2026",
            "action": "save",
        },
    )
    assert response.status_code == 422
    text = response.text
    for message in (W.E_ORAL_RECORDED_BY, W.E_UNTIL_BEFORE_FROM, W.E_CHOOSE_ONE_OR_MORE):
        assert message in text
    assert browser.gateway.sent("POST", "/consents") == []
