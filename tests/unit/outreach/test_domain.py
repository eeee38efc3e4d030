"""The outreach course's rules (``outreach_service.domain``), without I/O: every deadline's date against a calendar
with public holidays in the way (Easter and Ascension 2027, Whit Monday), a stopped clock, the seed's next-attempt
rule, the consent check of an external request, and the bad input that stores nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from borgerplan_api.outreach import (
    AgreementPut,
    AssessmentPut,
    AttemptCreate,
    ClockRestart,
    ClockStopCreate,
    CoordinatingMeetingPut,
    ExternalRequestCreate,
    FirstMeetingPut,
    FollowUpPut,
    MilestonePut,
    ReferralCreate,
    TransitionPut,
)
from borgerplan_contracts.events.outreach import (
    OutreachCitizenIdentified,
    OutreachCourseOpened,
    OutreachCourseTransferred,
    OutreachMilestoneRecorded,
)
from borgerplan_rules.access import Access, CitizenFacts, ConsentFacts, access
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.workdays import WorkingDayCalendar
from outreach_service import domain
from outreach_service.domain import CourseRuleError
from web_service import wording as W

CALENDAR = WorkingDayCalendar.with_closing_days(["06-05", "12-24", "12-31"])
TEAM = "kk-fremskudt-team"
STAMP = Stamp(at=datetime(2027, 3, 24, 9, tzinfo=UTC), by="sub-anna", by_name="Anna Fremskudt", by_unit=TEAM)
# Wednesday before Easter 2027: Maundy Thursday 25 March, Good Friday 26 March, Easter Monday 29 March.
REFERRED = date(2027, 3, 24)
TODAY = date(2027, 3, 24)


def referral(**changes: Any) -> ReferralCreate:
    body: dict[str, Any] = {
        "referrer": {"name": "Lise Holm", "kind": "housing_association", "organisation": "AAB afdeling 12"},
        "channel": "phone",
        "received_on": REFERRED.isoformat(),
        "citizen": {"name": "Ukendt mand, ca. 50 år", "address": "Vesterbrogade 101, 3. th."},
        "concern": "Har ikke åbnet døren i tre uger, der lugter fra lejligheden.",
        "interpreter_needed": False,
    }
    body.update(changes)
    return ReferralCreate.model_validate(body)


def opened(**changes: Any) -> dict[str, Any]:
    course, _ = domain.open_course(
        referral(**changes),
        course_id="c-1",
        citizen_id=None,
        team_unit=TEAM,
        stamp=STAMP,
        calendar=CALENDAR,
        today=TODAY,
    )
    return course


def apply(course: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    return {**course, **outcome.set}


def attempt(means: str, at: str, outcome: str) -> AttemptCreate:
    return AttemptCreate.model_validate({"means": means, "at": at, "outcome": outcome})


def due(course: dict[str, Any], kind: str) -> date | None:
    found: date | None = next(
        d["due"] for d in domain.deadlines(course, CALENDAR, TODAY) if d["kind"] == kind
    )
    return found


def in_contact() -> dict[str, Any]:
    course = opened()
    course = apply(
        course,
        domain.assess(
            course,
            AssessmentPut.model_validate(
                {
                    "categories": [{"category": "1", "reason": "Åbner ikke døren, svarer ikke på breve"}],
                    "in_target_group": True,
                    "reason": "Søger ikke selv hjælp",
                    "assessed_on": "2027-03-24",
                }
            ),
            CALENDAR,
            TODAY,
        ),
    )
    for i, (means, at, result) in enumerate(
        [
            ("letter", "2027-03-24T12:00:00+01:00", "no_answer"),
            ("visit", "2027-03-30T10:00:00+02:00", "door_not_opened"),
            ("phone", "2027-03-31T09:00:00+02:00", "contact_made"),
        ]
    ):
        body = attempt(means, at, result)
        course = apply(
            course,
            domain.add_attempt(
                course, body, attempt_id=f"a-{i}", stamp=STAMP, calendar=CALENDAR, today=TODAY
            ),
        )
    return course


def test_the_contact_deadline_is_two_working_days_after_the_referral_past_easter() -> None:
    course = opened()
    assert due(course, "contact") == date(2027, 3, 31)  # 25, 26, 29 March are holidays, 27-28 a weekend
    assert course["next_due_on"] == "2027-03-31"
    assert course["phase"] == "referred"


def test_the_opening_event_carries_no_cpr_and_no_free_text() -> None:
    course, events = domain.open_course(
        referral(cpr="0101901234"),
        course_id="c-1",
        citizen_id="cit-1",
        team_unit=TEAM,
        stamp=STAMP,
        calendar=CALENDAR,
        today=TODAY,
    )
    (event,) = events
    assert isinstance(event, OutreachCourseOpened)
    assert event.contact_due_on == date(2027, 3, 31)
    dumped = event.model_dump_json()
    assert "0101901234" not in dumped and "døren" not in dumped and "Vesterbrogade" not in dumped
    assert "cpr" not in course["referral"]  # the plan service keeps the CPR number; the course its citizen_id


def test_every_deadline_from_the_stored_milestones_with_holidays_in_the_way() -> None:
    course = in_contact()
    assert course["first_contact_on"] == "2027-03-31"
    assert due(course, "first_meeting") == date(2027, 4, 7)  # 5 working days after Wednesday 31 March
    course = apply(
        course,
        domain.first_meeting(
            course,
            FirstMeetingPut.model_validate({"held_on": "2027-05-03", "place": "Café Dyrehaven"}),
            CALENDAR,
            TODAY,
        ),
    )
    assert due(course, "advice") == date(2027, 5, 5)
    assert due(course, "coordinating_internal") == date(2027, 5, 11)  # Ascension Day, Thursday 6 May, skipped
    assert due(course, "coordinating_external") == date(2027, 5, 25)  # Whit Monday, 17 May, skipped too
    assert due(course, "needs_assessment") == date(2027, 6, 3)  # one month
    ended = apply(
        course,
        domain.transition(
            course,
            TransitionPut.model_validate(
                {"kind": "advice_only", "receiving_units": [], "ended_on": "2027-06-15"}
            ),
            None,
            CALENDAR,
            TODAY,
        ),
    )
    follow = next(d for d in domain.deadlines(ended, CALENDAR, TODAY) if d["kind"] == "follow_up")
    assert (follow["from"], follow["due"]) == (date(2027, 9, 15), date(2027, 12, 15))
    assert ended["follow_up"] == {"from": "2027-09-15", "by": "2027-12-15", "done_on": None}


def test_a_closing_day_of_the_municipality_is_not_a_working_day() -> None:
    # Thursday 3 June 2027 referral: Friday 4 June counts, Saturday 5 June (Constitution Day) would anyway not;
    # 24 December 2027 (a Friday) is a closing day: a referral on 23 December is due on 28 December.
    course = opened(received_on="2027-12-23")
    assert due(course, "contact") == date(2027, 12, 28)


def test_a_stopped_clock_moves_the_deadline_and_an_open_stop_leaves_it_without_a_date() -> None:
    course = opened()
    stop = ClockStopCreate.model_validate({"reason": "hospital", "stopped_from": "2027-03-30"})
    stopped = apply(course, domain.stop_clock(course, stop, stop_id="s-1", calendar=CALENDAR, today=TODAY))
    assert due(stopped, "contact") is None
    restarted = apply(
        stopped,
        domain.restart_clock(stopped, ClockRestart.model_validate({"on": "2027-03-31"}), CALENDAR, TODAY),
    )
    assert due(restarted, "contact") == date(2027, 4, 2)  # 30 and 31 March did not count
    with pytest.raises(CourseRuleError) as refused:
        domain.restart_clock(restarted, ClockRestart.model_validate({"on": "2027-04-01"}), CALENDAR, TODAY)
    assert refused.value.status == 409


def test_the_seeds_next_attempt_rule() -> None:
    course = opened()
    assert domain.next_attempt(course) == "letter"
    steps = [
        (attempt("letter", "2027-03-24T12:00:00+01:00", "no_answer"), "visit"),
        (attempt("visit", "2027-03-30T10:00:00+02:00", "no_answer"), "phone"),
        (attempt("phone", "2027-03-30T15:00:00+02:00", "no_answer"), "visit"),
        (attempt("visit", "2027-03-31T10:00:00+02:00", "contact_made"), None),
    ]
    for i, (body, proposed) in enumerate(steps):
        course = apply(
            course,
            domain.add_attempt(course, body, attempt_id=f"a{i}", stamp=STAMP, calendar=CALENDAR, today=TODAY),
        )
        assert domain.next_attempt(course) == proposed
    assert course["phase"] == "in_contact"


def test_an_attempt_dated_before_the_referral_is_refused() -> None:
    course = opened()
    with pytest.raises(CourseRuleError) as refused:
        domain.add_attempt(
            course,
            attempt("visit", "2027-03-23T10:00:00+01:00", "no_answer"),
            attempt_id="a",
            stamp=STAMP,
            calendar=CALENDAR,
            today=TODAY,
        )
    assert refused.value.field == "at"
    assert refused.value.message == "the date is before the referral on 2027-03-24"
    danish = W.rule_refusal(refused.value.message, "at")
    assert (
        danish is not None and danish.danish == "Datoen ligger før henvendelsen den 2027-03-24. Ret datoen."
    )


def test_a_referral_without_any_way_to_reach_the_citizen_is_refused() -> None:
    with pytest.raises(CourseRuleError) as refused:
        opened(citizen={"name": "Peter"})
    assert refused.value.field == "citizen"
    danish = W.rule_refusal(refused.value.message, "citizen")
    assert danish is not None and "måde at nå borgeren" in danish.danish


def test_a_transition_to_a_plan_needs_a_receiving_unit_and_an_identified_citizen() -> None:
    course = in_contact()
    with pytest.raises(CourseRuleError) as refused:
        domain.check_transition(
            course,
            TransitionPut.model_validate({"kind": "plan", "receiving_units": [], "ended_on": "2027-06-15"}),
        )
    assert refused.value.field == "receiving_units"
    danish = W.rule_refusal(refused.value.message, "receiving_units")
    assert danish is not None and "overtager borgeren" in danish.danish
    with pytest.raises(CourseRuleError) as unidentified:
        domain.check_transition(
            course,
            TransitionPut.model_validate(
                {"kind": "plan", "receiving_units": ["kk-jobcenter"], "ended_on": "2027-06-15"}
            ),
        )
    assert unidentified.value.field == "cpr"


def test_the_plans_draft_carries_the_agreements_goals_and_the_network() -> None:
    course = in_contact()
    course = apply(
        course,
        domain.first_meeting(
            course,
            FirstMeetingPut.model_validate({"held_on": "2027-04-01", "place": "Hjemme"}),
            CALENDAR,
            TODAY,
        ),
    )
    body = AgreementPut.model_validate(
        {
            "agreement": {
                "agreed_on": "2027-04-01",
                "current_situation": "Bor alene, ingen kontakt til familien",
                "goals": [{"goal": "Få ryddet op i lejligheden", "citizen_actions": "Siger ja til hjælp"}],
            },
            "network": [
                {
                    "name": "Lise Holm",
                    "kind": "external",
                    "role": "Boligsocial medarbejder",
                    "network_category": "housing",
                    "unit": "t-aab",
                }
            ],
        }
    )
    course = apply(course, domain.agreement(course, body, CALENDAR, TODAY))
    course["citizen_id"] = "cit-1"
    draft = domain.plan_draft(
        course,
        TransitionPut.model_validate(
            {"kind": "plan", "receiving_units": ["kk-voksen"], "ended_on": "2027-06-15"}
        ),
    )
    assert draft["goals"] == [{"title": "Få ryddet op i lejligheden"}]
    assert draft["actors"][0]["name"] == "Lise Holm"
    assert draft["collaboration_agreement"]["agreed_on"] == "2027-04-01"
    assert (draft["responsible_unit"], draft["status"], draft["citizen_id"]) == (
        "kk-voksen",
        "draft",
        "cit-1",
    )


def consent(unit: str, purposes: list[str], categories: list[str]) -> ConsentFacts:
    return ConsentFacts.of(
        {
            "consent_id": f"k-{unit}",
            "citizen_id": "cit-1",
            "grantee_unit": unit,
            "registered_by_unit": TEAM,
            "categories": categories,
            "purposes": purposes,
            "status": "active",
            "valid_from": "2027-01-01",
            "valid_until": "2028-01-01",
        }
    )


def request(unit: str, categories: list[str]) -> ExternalRequestCreate:
    return ExternalRequestCreate.model_validate(
        {
            "partner_unit": unit,
            "partner_kind": "external",
            "categories": categories,
            "requested_on": "2027-04-02",
        }
    )


def seen_by(unit: str, categories: list[str], consents: tuple[ConsentFacts, ...] | None) -> Access:
    facts = CitizenFacts("cit-1", (), consents)
    return access(unit, "external", domain.PURPOSE, facts, date(2027, 4, 2), asked=categories)


def test_an_external_request_is_allowed_only_where_a_consent_covers_partner_purpose_and_categories() -> None:
    course = in_contact()
    course["citizen_id"] = "cit-1"
    psychiatry = consent("rh-psykiatri", ["exchange_information"], ["general", "health"])
    consents = (psychiatry,)
    allowed = domain.external_request(
        course,
        request("rh-psykiatri", ["health"]),
        seen_by("rh-psykiatri", ["health"], consents),
        request_id="r-1",
        calendar=CALENDAR,
        today=TODAY,
    )
    (stored,) = allowed.set["external_requests"]
    assert stored["consent_ids"] == ["k-rh-psykiatri"]
    refusals = [
        (
            "laegen",
            ["health"],
            consents,
            "no consent of the citizen in force covers this partner",
        ),  # no consent for that partner
        ("rh-psykiatri", ["finances"], consents, "does not cover the information asked for"),
        (
            "rh-psykiatri",
            ["health"],
            None,
            "the consent register did not answer",
        ),  # the consent service did not answer: fail closed
    ]
    for unit, categories, known, words in refusals:
        with pytest.raises(CourseRuleError) as refused:
            domain.external_request(
                course,
                request(unit, categories),
                seen_by(unit, categories, known),
                request_id="r",
                calendar=CALENDAR,
                today=TODAY,
            )
        assert refused.value.status == 403 and words in refused.value.message, unit
    unidentified = in_contact()
    with pytest.raises(CourseRuleError) as refused:
        domain.external_request(
            unidentified,
            request("rh-psykiatri", ["health"]),
            None,
            request_id="r",
            calendar=CALENDAR,
            today=TODAY,
        )
    assert "not identified yet" in refused.value.message


def test_identification_joins_once_and_never_to_another_citizen() -> None:
    course = opened()
    outcome = domain.identify(course, "cit-1")
    assert outcome.set == {"citizen_id": "cit-1"}
    assert isinstance(outcome.events[0], OutreachCitizenIdentified)
    joined = apply(course, outcome)
    assert domain.identify(joined, "cit-1").empty
    with pytest.raises(CourseRuleError) as refused:
        domain.identify(joined, "cit-2")
    assert refused.value.status == 409


def test_milestone_events_name_the_next_deadline_and_no_text() -> None:
    course = opened()
    outcome = domain.add_attempt(
        course,
        attempt("letter", "2027-03-24T12:00:00+01:00", "no_answer"),
        attempt_id="a",
        stamp=STAMP,
        calendar=CALENDAR,
        today=TODAY,
    )
    (event,) = outcome.events
    assert isinstance(event, OutreachMilestoneRecorded)
    assert (event.milestone, event.next_due_on, event.phase) == ("attempt", date(2027, 3, 31), "contacting")


def test_a_citizen_out_of_the_target_group_closes_the_course_with_where_they_were_sent() -> None:
    course = opened()
    with pytest.raises(CourseRuleError) as refused:
        domain.assess(
            course,
            AssessmentPut.model_validate(
                {"in_target_group": False, "reason": "Har en aktiv sag", "assessed_on": "2027-03-24"}
            ),
            CALENDAR,
            TODAY,
        )
    assert refused.value.field == "referred_elsewhere"
    out = domain.assess(
        course,
        AssessmentPut.model_validate(
            {
                "in_target_group": False,
                "reason": "Har en aktiv sag",
                "referred_elsewhere": "Borgerens sagsbehandler i jobcentret",
                "assessed_on": "2027-03-24",
            }
        ),
        CALENDAR,
        TODAY,
    )
    assert (out.set["status"], out.set["phase"]) == ("closed", "not_in_target_group")


def test_the_transfer_event_has_the_follow_up_window() -> None:
    course = in_contact()
    course["citizen_id"] = "cit-1"
    outcome = domain.transition(
        course,
        TransitionPut.model_validate(
            {"kind": "plan", "receiving_units": ["kk-voksen"], "ended_on": "2027-06-15"}
        ),
        "plan-1",
        CALENDAR,
        TODAY,
    )
    (event,) = outcome.events
    assert isinstance(event, OutreachCourseTransferred)
    assert (event.follow_up_from, event.follow_up_by, event.plan_id) == (
        date(2027, 9, 15),
        date(2027, 12, 15),
        "plan-1",
    )
    assert outcome.set["status"] == "transferred"
    assert outcome.set["on_board"], "the follow-up keeps it on the team's board"
    ended = apply(course, outcome)
    done = domain.follow_up(
        ended,
        FollowUpPut.model_validate({"done_on": "2027-10-01", "outcome": "Går til lægen"}),
        CALENDAR,
        TODAY,
    )
    assert not done.set["on_board"]


def test_coordinating_meetings_and_the_needs_assessment_mark_their_deadlines_done() -> None:
    course = in_contact()
    course = apply(
        course,
        domain.first_meeting(
            course,
            FirstMeetingPut.model_validate({"held_on": "2027-05-03", "place": "Hjemme"}),
            CALENDAR,
            TODAY,
        ),
    )
    for body in (
        CoordinatingMeetingPut.model_validate({"with_external_partners": False, "on": "2027-05-10"}),
        CoordinatingMeetingPut.model_validate({"with_external_partners": True, "on": "2027-05-27"}),
    ):
        course = apply(course, domain.coordinating_meeting(course, body, CALENDAR, TODAY))
    course = apply(
        course,
        domain.needs_assessment(course, MilestonePut.model_validate({"on": "2027-05-20"}), CALENDAR, TODAY),
    )
    found = {d["kind"]: d for d in domain.deadlines(course, CALENDAR, date(2027, 6, 1))}
    assert found["coordinating_internal"]["done_on"] == date(2027, 5, 10)
    assert found["coordinating_external"]["done_on"] == date(2027, 5, 27)
    assert not found["coordinating_external"]["overdue"]  # done late is done, not overdue
    assert found["needs_assessment"]["done_on"] == date(2027, 5, 20)
    assert found["advice"]["overdue"]  # due 5 May, not given by 1 June
