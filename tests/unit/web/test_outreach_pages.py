"""The outreach team's pages in Danish (decision 0056): the board and one course, from answers shaped as the outreach
service's own (built by its domain and validated by the public models)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from borgerplan_api.outreach import AttemptCreate, CoursePublic, CourseSummary, ReferralCreate
from borgerplan_rules.outcome import Stamp
from borgerplan_rules.workdays import WorkingDayCalendar
from outreach_service import domain
from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import FakeGateway

COURSE_ID = "7d1c7d0e-5a8b-4c3e-9b1f-2a6e8c4d0f11"
CALENDAR = WorkingDayCalendar()
STAMP = Stamp(at=datetime(2027, 3, 24, 9, tzinfo=UTC), by="anna", by_name="Anna Fremskudt", by_unit="team")


def course(today: date) -> dict[str, Any]:
    referral = ReferralCreate.model_validate(
        {
            "referrer": {"name": "Lise Holm", "kind": "housing_association", "organisation": "AAB"},
            "channel": "phone",
            "received_on": "2027-03-24",
            "citizen": {"name": "Ole Jensen", "phone": "12345678"},
            "concern": "Har ikke åbnet døren i tre uger.",
            "interpreter_needed": True,
            "language": "polsk",
        }
    )
    doc, _ = domain.open_course(
        referral,
        course_id=COURSE_ID,
        citizen_id=None,
        team_unit="team",
        stamp=STAMP,
        calendar=CALENDAR,
        today=today,
    )
    attempt = AttemptCreate.model_validate(
        {"means": "visit", "at": "2027-03-30T10:00:00+02:00", "outcome": "door_not_opened"}
    )
    outcome = domain.add_attempt(doc, attempt, attempt_id="a", stamp=STAMP, calendar=CALENDAR, today=today)
    return {**doc, **outcome.set, "version": 2}  # as stored: the referral, then the attempt


def answers(gateway: FakeGateway, today: date) -> None:
    stored = course(today)
    public = CoursePublic.model_validate(domain.public(stored, CALENDAR, today)).model_dump(mode="json")
    line = CourseSummary.model_validate(domain.summary(stored, CALENDAR, today)).model_dump(mode="json")
    gateway.override("GET", "/outreach/board", 200, [line])
    gateway.override("GET", f"/outreach/courses/{COURSE_ID}", 200, public)


def test_the_board_shows_the_courses_with_their_next_deadline(browser: Browser, gateway: FakeGateway) -> None:
    answers(gateway, date(2027, 4, 1))  # the contact deadline, 31 March, has passed
    browser.sign_in("caseworker")
    page = browser.get("/fremskudt")
    assert page.status_code == 200, page.text[:2000]
    text = page.text
    assert "Fremskudt team: forløb og frister" in text
    assert "Ole Jensen" in text and "Ikke identificeret med CPR-nummer" in text
    assert "Kontakt til borgeren: 31. marts 2027" in text and "Overskredet" in text
    assert f'href="/fremskudt/forloeb/{COURSE_ID}"' in text
    assert 'href="/fremskudt"' in text, "the menu offers the board"


def test_the_course_page_shows_the_referral_the_attempts_and_the_proposed_next_attempt(
    browser: Browser, gateway: FakeGateway
) -> None:
    answers(gateway, date(2027, 3, 30))
    browser.sign_in("caseworker")
    page = browser.get(f"/fremskudt/forloeb/{COURSE_ID}")
    assert page.status_code == 200, page.text[:2000]
    text = page.text
    assert "Fremskudt forløb: Ole Jensen" in text
    assert "Lise Holm, AAB (boligselskab)" in text
    assert "Besøg, døren blev ikke åbnet (Anna Fremskudt)" in text
    assert "Foreslået næste kontaktforsøg" in text and "Telefonopkald" in text  # after a visit: a phone call
    assert "polsk" in text
    assert "Ikke endnu" in text and "31. marts 2027" in text


REFERRAL_FORM = {
    "referrer_name": "Lise Holm",
    "referrer_kind": "housing_association",
    "channel": "phone",
    "received_on": "24-03-2027",
    "citizen_name": "Ole Jensen",
    "concern": "Har ikke åbnet døren.",
}


def test_a_referral_without_a_way_to_reach_the_citizen_is_refused_in_danish_by_the_field(
    browser: Browser, gateway: FakeGateway
) -> None:
    message = "give at least one way to reach the citizen: an address, a phone, an email or a place they come"
    gateway.override(
        "POST",
        "/outreach/courses",
        422,
        {
            "type": "urn:borgerplan:problem:validation",
            "title": "Invalid request",
            "status": 422,
            "detail": message,
            "errors": [{"field": "citizen", "message": message}],
        },
    )
    browser.sign_in("caseworker")
    assert browser.get("/fremskudt/ny").status_code == 200
    answer = browser.post("/fremskudt/ny", REFERRAL_FORM)
    assert answer.status_code == 422
    assert "Skriv mindst én måde at nå borgeren på" in answer.text
    (sent, _), *_ = gateway.sent("POST", "/outreach/courses")
    assert sent is not None
    assert sent["received_on"] == "2027-03-24" and sent["citizen"] == {"name": "Ole Jensen"}
    assert "cpr" not in sent


def test_a_referral_opens_the_course(browser: Browser, gateway: FakeGateway) -> None:
    gateway.override("POST", "/outreach/courses", 201, {"course_id": COURSE_ID, "version": 1})
    browser.sign_in("caseworker")
    browser.get("/fremskudt/ny")
    answer = browser.post("/fremskudt/ny", {**REFERRAL_FORM, "citizen_phone": "12345678"})
    assert answer.status_code == 303, answer.text[:2000]
    assert answer.headers["location"] == f"/fremskudt/forloeb/{COURSE_ID}"


def test_a_referral_form_missing_what_it_needs_says_so_before_asking_the_api(
    browser: Browser, gateway: FakeGateway
) -> None:
    browser.sign_in("caseworker")
    browser.get("/fremskudt/ny")
    answer = browser.post("/fremskudt/ny", {"citizen_phone": "12345678"})
    assert answer.status_code == 422
    assert gateway.sent("POST", "/outreach/courses") == []
