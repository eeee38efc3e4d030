"""The outreach course's rules, without I/O (seed 002, ``../shared/DOMAIN.md``'s "Deadlines in the outreach workflow",
decision 0056).

A course (forløb) starts at a referral, possibly before the citizen is known by CPR; it is assessed against the target
group, assigned to an outreach caseworker, and goes through contact attempts, the first meeting, the collaboration
agreement, external information, the needs assessment and coordinating meetings to its transition to ordinary
casework, with a follow-up 3-6 months after it ends.

Every deadline is counted from the course's own stored milestones in Danish working days (``borgerplan_rules
.workdays``: weekends, public holidays, the municipality's closing days), and a stopped clock (the citizen in
hospital or prison) moves them: a working day inside a stop does not count. Every change is a function of the stored
course, the facts it needs and the validated input, returning an ``Outcome``; a refusal raises ``CourseRuleError``
naming the field (the pages' Danish for each is in ``web_service.wording.RULES``), and nothing is stored.
"""

from __future__ import annotations

import calendar as months
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from borgerplan_api.outreach import (
    AgreementPut,
    AssessmentPut,
    AssignmentPut,
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
from borgerplan_contracts import EventData
from borgerplan_contracts.events.outreach import (
    OutreachCitizenIdentified,
    OutreachCourseOpened,
    OutreachCourseTransferred,
    OutreachMilestoneRecorded,
)
from borgerplan_rules.access import Access
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.violations import RuleViolation
from borgerplan_rules.workdays import WorkingDayCalendar, local_date

Document = dict[str, Any]

CONTACT_WITHIN = 2  # working days from the referral
FIRST_MEETING_WITHIN = 5  # from the first contact
ADVICE_WITHIN = 2  # from the first meeting
COORDINATING_INTERNAL_WITHIN = 5  # from the first meeting
COORDINATING_EXTERNAL_WITHIN = 14  # from the first meeting
NEEDS_ASSESSMENT_MONTHS = 1  # from the first meeting, in calendar months
FOLLOW_UP_MONTHS = (3, 6)  # after the course ended
OPEN = "open"
PURPOSE = "exchange_information"

LABELS = {
    "contact": "Kontakt til borgeren",
    "first_meeting": "Første møde",
    "advice": "Rådgivning",
    "needs_assessment": "Behovsvurdering",
    "coordinating_internal": "Koordinerende møde (internt)",
    "coordinating_external": "Koordinerende møde (med eksterne)",
    "follow_up": "Opfølgning",
}
FROM = {
    "contact": "referral",
    "first_meeting": "first_contact",
    "advice": "first_meeting",
    "needs_assessment": "first_meeting",
    "coordinating_internal": "first_meeting",
    "coordinating_external": "first_meeting",
    "follow_up": "course_ended",
}


class CourseRuleError(RuleViolation):
    """A change the course's rules refuse (422, or 409 when the course's state is the reason)."""


# --- the calendar of a course ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    start: date
    end: date | None  # None: still stopped

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def stops_of(course: Mapping[str, Any]) -> list[Stop]:
    return [
        Stop(_day(s["stopped_from"]), _day(s["stopped_to"]) if s.get("stopped_to") else None)
        for s in course.get("clock_stops", [])
    ]


def add_counted_days(
    start: date, days: int, calendar: WorkingDayCalendar, stops: Sequence[Stop]
) -> date | None:
    """``days`` working days after ``start``, a working day inside a stopped clock not counting; None when the clock
    is stopped with no end before the count is done."""
    current, remaining = start, days
    while remaining:
        current += timedelta(days=1)
        if any(s.end is None and current >= s.start for s in stops):
            return None
        if calendar.is_working_day(current) and not any(s.covers(current) for s in stops):
            remaining -= 1
    return current


def add_months(day: date, count: int) -> date:
    month = day.month - 1 + count
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _opt_day(value: Any) -> date | None:
    return None if value in (None, "") else _day(value)


def milestones(course: Mapping[str, Any]) -> dict[str, date | None]:
    transition = course.get("transition") or {}
    return {
        "referral": _day(course["referral"]["received_on"]),
        "first_contact": _opt_day(course.get("first_contact_on")),
        "first_meeting": _opt_day((course.get("first_meeting") or {}).get("held_on")),
        "course_ended": _opt_day(transition.get("ended_on")),
    }


def _coordinating_done(course: Mapping[str, Any], external: bool) -> date | None:
    held = [
        _day(m["on"])
        for m in course.get("coordinating_meetings", [])
        if m["with_external_partners"] == external
    ]
    return min(held) if held else None


def deadlines(course: Mapping[str, Any], calendar: WorkingDayCalendar, today: date) -> list[Document]:
    """Every deadline whose starting milestone is stored, with its due date (moved by stopped clocks) and whether it
    is done or overdue; in due order, the undetermined (clock stopped) last."""
    known = milestones(course)
    stops = stops_of(course)
    done = {
        "contact": known["first_contact"],
        "first_meeting": known["first_meeting"],
        "advice": _opt_day((course.get("advice") or {}).get("on")),
        "needs_assessment": _opt_day((course.get("needs_assessment") or {}).get("on")),
        "coordinating_internal": _coordinating_done(course, False),
        "coordinating_external": _coordinating_done(course, True),
        "follow_up": _opt_day((course.get("follow_up") or {}).get("done_on")),
    }
    rules = {
        "contact": CONTACT_WITHIN,
        "first_meeting": FIRST_MEETING_WITHIN,
        "advice": ADVICE_WITHIN,
        "coordinating_internal": COORDINATING_INTERNAL_WITHIN,
        "coordinating_external": COORDINATING_EXTERNAL_WITHIN,
    }
    ended = known["course_ended"]
    found: list[Document] = []
    for kind, counted_from in FROM.items():
        start = known[counted_from]
        if start is None:
            continue
        if ended is not None and kind not in ("follow_up",) and done[kind] is None:
            continue  # the course ended: what was not done is no longer due
        due: date | None
        if kind in rules:
            due = add_counted_days(start, rules[kind], calendar, stops)
        elif kind == "needs_assessment":
            due = add_months(start, NEEDS_ASSESSMENT_MONTHS)
        else:
            due = add_months(start, FOLLOW_UP_MONTHS[1])
        entry: Document = {
            "kind": kind,
            "label": LABELS[kind],
            "counted_from": counted_from,
            "due": due,
            "done_on": done[kind],
            "overdue": done[kind] is None and due is not None and today > due,
        }
        if kind == "follow_up":
            entry["from"] = add_months(start, FOLLOW_UP_MONTHS[0])
        found.append(entry)
    return sorted(found, key=lambda d: (d["due"] is None, d["due"] or date.max))


def next_due(course: Mapping[str, Any], calendar: WorkingDayCalendar, today: date) -> date | None:
    open_ = [d["due"] for d in deadlines(course, calendar, today) if d["done_on"] is None and d["due"]]
    return min(open_) if open_ else None


def next_attempt(course: Mapping[str, Any]) -> str | None:
    """The seed's rule: a visit nobody answers is followed by a phone call, then another visit; a letter in a
    hand-addressed envelope first, when nothing was tried yet. None once contact is made (or refused)."""
    attempts = course.get("attempts", [])
    if not attempts:
        return "letter"
    last = attempts[-1]
    if last["outcome"] in ("contact_made", "refused"):
        return None
    if last["means"] == "visit":
        return "phone"
    return "visit"


# --- the stored course and its changes ------------------------------------------------------------------------


def _check_open(course: Mapping[str, Any]) -> None:
    if course["status"] != OPEN:
        raise CourseRuleError("course", "the course has ended and cannot be changed", status=409)


def _check_after_referral(course: Mapping[str, Any], day: date, field: str) -> None:
    received = _day(course["referral"]["received_on"])
    if day < received:
        raise CourseRuleError(field, f"the date is before the referral on {received.isoformat()}")


def _recorded(
    course: Document, milestone: str, on: date, changes: Document, calendar: WorkingDayCalendar, today: date
) -> Outcome:
    """The outcome of recording a milestone: the fields, the history entry and the event with the next due date."""
    after = {**course, **changes}
    after["phase"] = phase_of(after)
    changes = {
        **changes,
        "phase": after["phase"],
        "on_board": on_board(after),
        "next_due_on": _iso(next_due(after, calendar, today)),
    }
    return Outcome(
        set=changes,
        record={"milestone": milestone, "on": on.isoformat()},
        events=[
            OutreachMilestoneRecorded(
                course_id=course["_id"],
                citizen_id=course.get("citizen_id"),
                team_unit=course["team_unit"],
                milestone=milestone,
                on=on,
                phase=after["phase"],
                caseworker_sub=(after.get("assignment") or {}).get("caseworker_sub"),
                next_due_on=next_due(after, calendar, today),
            )
        ],
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def on_board(course: Mapping[str, Any]) -> bool:
    """The course asks something of the team still: it is open, or it ended and its follow-up is not done."""
    if course["status"] == OPEN:
        return True
    follow = course.get("follow_up") or {}
    return course["status"] == "transferred" and not follow.get("done_on")


def phase_of(course: Mapping[str, Any]) -> str:
    if course.get("transition"):
        return "transferred"
    assessment = course.get("assessment")
    if assessment and not assessment["in_target_group"]:
        return "not_in_target_group"
    if course.get("first_contact_on"):
        return "in_contact"
    if course.get("attempts") or course.get("assignment"):
        return "contacting"
    return "assessed" if assessment else "referred"


def check_referral(body: ReferralCreate) -> None:
    """A referral the team can act on: some way to reach the citizen (checked before anything is registered)."""
    if not body.citizen.reachable():
        raise CourseRuleError(
            "citizen",
            "give at least one way to reach the citizen: an address, a phone, an email or a place they come",
        )
    if body.cpr and not body.citizen.name:
        raise CourseRuleError("citizen.name", "a citizen given by CPR number needs a name")


def open_course(
    body: ReferralCreate,
    *,
    course_id: str,
    citizen_id: str | None,
    team_unit: str,
    stamp: Stamp,
    calendar: WorkingDayCalendar,
    today: date,
) -> tuple[Document, list[EventData]]:
    check_referral(body)
    referral = body.model_dump(mode="json", exclude={"cpr"})
    course: Document = {
        "_id": course_id,
        "course_id": course_id,
        "citizen_id": citizen_id,
        "team_unit": team_unit,
        "status": OPEN,
        "referral": referral,
        "citizen_name": body.citizen.name,
        "attempts": [],
        "network": [],
        "external_requests": [],
        "coordinating_meetings": [],
        "clock_stops": [],
        "opened": stamp.doc(),
        "history": [
            {"version": 1, **stamp.doc(), "milestone": "referral", "on": body.received_on.isoformat()}
        ],
    }
    course["phase"] = phase_of(course)
    course["on_board"] = True
    course["next_due_on"] = _iso(next_due(course, calendar, today))
    contact_due = add_counted_days(body.received_on, CONTACT_WITHIN, calendar, [])
    assert contact_due is not None
    event = OutreachCourseOpened(
        course_id=course_id,
        citizen_id=citizen_id,
        team_unit=team_unit,
        referrer_kind=body.referrer.kind,
        received_on=body.received_on,
        contact_due_on=contact_due,
    )
    return course, [event]


def assess(course: Document, body: AssessmentPut, calendar: WorkingDayCalendar, today: date) -> Outcome:
    _check_open(course)
    _check_after_referral(course, body.assessed_on, "assessed_on")
    if body.in_target_group and not body.categories:
        raise CourseRuleError("categories", "tick at least one category for a citizen in the target group")
    if not body.in_target_group and not body.referred_elsewhere:
        raise CourseRuleError("referred_elsewhere", "say where the referrer was told to go instead")
    changes: Document = {"assessment": body.model_dump(mode="json")}
    if not body.in_target_group:
        changes["status"] = "closed"
    return _recorded(course, "assessed", body.assessed_on, changes, calendar, today)


def assign(course: Document, body: AssignmentPut, calendar: WorkingDayCalendar, today: date) -> Outcome:
    _check_open(course)
    if not course.get("assessment"):
        raise CourseRuleError("assessment", "assess the target group first", status=409)
    _check_after_referral(course, body.assigned_on, "assigned_on")
    return _recorded(
        course, "assigned", body.assigned_on, {"assignment": body.model_dump(mode="json")}, calendar, today
    )


def add_attempt(
    course: Document,
    body: AttemptCreate,
    *,
    attempt_id: str,
    stamp: Stamp,
    calendar: WorkingDayCalendar,
    today: date,
) -> Outcome:
    _check_open(course)
    on = local_date(body.at)
    _check_after_referral(course, on, "at")
    attempt = {
        **body.model_dump(mode="json"),
        "attempt_id": attempt_id,
        "by": stamp.by,
        "by_name": stamp.by_name,
        "on": on.isoformat(),
    }
    attempts = [*course.get("attempts", []), attempt]
    changes: Document = {"attempts": attempts}
    milestone = "attempt"
    if body.outcome == "contact_made" and not course.get("first_contact_on"):
        changes["first_contact_on"] = on.isoformat()
        milestone = "first_contact"
    return _recorded(course, milestone, on, changes, calendar, today)


def first_meeting(
    course: Document, body: FirstMeetingPut, calendar: WorkingDayCalendar, today: date
) -> Outcome:
    _check_open(course)
    if not course.get("first_contact_on"):
        raise CourseRuleError("held_on", "there is no contact with the citizen yet", status=409)
    if body.held_on < _day(course["first_contact_on"]):
        raise CourseRuleError("held_on", "the first meeting cannot be before the first contact")
    return _recorded(
        course,
        "first_meeting",
        body.held_on,
        {"first_meeting": body.model_dump(mode="json")},
        calendar,
        today,
    )


def _after_first_meeting(course: Mapping[str, Any], day: date, field: str) -> None:
    _check_open(course)
    held = (course.get("first_meeting") or {}).get("held_on")
    if not held:
        raise CourseRuleError(field, "record the first meeting with the citizen first", status=409)
    if day < _day(held):
        raise CourseRuleError(field, "the date cannot be before the first meeting")


def advice(course: Document, body: MilestonePut, calendar: WorkingDayCalendar, today: date) -> Outcome:
    _after_first_meeting(course, body.on, "on")
    return _recorded(course, "advice", body.on, {"advice": body.model_dump(mode="json")}, calendar, today)


def agreement(course: Document, body: AgreementPut, calendar: WorkingDayCalendar, today: date) -> Outcome:
    _after_first_meeting(course, body.agreement.agreed_on, "agreement.agreed_on")
    for i, actor in enumerate(body.network):
        if actor.network_category is None and actor.kind != "private_network":
            raise CourseRuleError(
                f"network.{i}.network_category", f"say where {actor.name} sits on the network map"
            )
        if actor.kind != "private_network" and not actor.unit:
            raise CourseRuleError(f"network.{i}.unit", f"name the unit {actor.name} works in")
    changes = {
        "agreement": body.agreement.model_dump(mode="json"),
        "network": [a.model_dump(mode="json") for a in body.network],
    }
    return _recorded(course, "agreement", body.agreement.agreed_on, changes, calendar, today)


def needs_assessment(
    course: Document, body: MilestonePut, calendar: WorkingDayCalendar, today: date
) -> Outcome:
    _after_first_meeting(course, body.on, "on")
    changes = {"needs_assessment": body.model_dump(mode="json")}
    return _recorded(course, "needs_assessment", body.on, changes, calendar, today)


def coordinating_meeting(
    course: Document, body: CoordinatingMeetingPut, calendar: WorkingDayCalendar, today: date
) -> Outcome:
    _after_first_meeting(course, body.on, "on")
    meetings = [*course.get("coordinating_meetings", []), body.model_dump(mode="json")]
    return _recorded(
        course, "coordinating_meeting", body.on, {"coordinating_meetings": meetings}, calendar, today
    )


def check_request(course: Mapping[str, Any], body: ExternalRequestCreate) -> None:
    _check_open(course)
    _check_after_referral(course, body.requested_on, "requested_on")


def check_covered(seen: Access | None, asked: Sequence[str]) -> None:
    """The request may go only where the citizen's consent covers the partner for every category asked (or the
    partner holds the citizen's plan already); anything else refuses, with the reason (fail closed)."""
    if seen is None:
        raise CourseRuleError(
            "partner_unit", "the citizen is not identified yet, so no consent covers the partner", 403
        )
    if all(seen.may_see(category) for category in asked):
        return
    if seen.permit or seen.reason == "categories_not_covered":
        raise CourseRuleError(
            "categories", "the citizen's consent does not cover the information asked for", 403
        )
    if seen.reason == "consent_unavailable":
        raise CourseRuleError(
            "partner_unit", "the consent register did not answer; the partner cannot be asked now", 403
        )
    if seen.reason == "purpose_not_covered":
        raise CourseRuleError(
            "partner_unit", "the citizen's consent does not cover exchanging information", 403
        )
    raise CourseRuleError("partner_unit", "no consent of the citizen in force covers this partner", 403)


def external_request(
    course: Document,
    body: ExternalRequestCreate,
    seen: Access | None,
    *,
    request_id: str,
    calendar: WorkingDayCalendar,
    today: date,
) -> Outcome:
    check_request(course, body)
    check_covered(seen, body.categories)
    request = {
        **body.model_dump(mode="json"),
        "request_id": request_id,
        "consent_ids": list(seen.consent_ids) if seen else [],
        "basis": seen.basis if seen else "none",
        "answered_on": None,
    }
    requests = [*course.get("external_requests", []), request]
    return _recorded(
        course, "external_request", body.requested_on, {"external_requests": requests}, calendar, today
    )


def stop_clock(
    course: Document, body: ClockStopCreate, *, stop_id: str, calendar: WorkingDayCalendar, today: date
) -> Outcome:
    _check_open(course)
    _check_after_referral(course, body.stopped_from, "stopped_from")
    if body.stopped_to is not None and body.stopped_to < body.stopped_from:
        raise CourseRuleError("stopped_to", "the clock cannot restart before it stopped")
    if any(s.end is None for s in stops_of(course)):
        raise CourseRuleError("stopped_from", "the clock is stopped already", status=409)
    stops = [*course.get("clock_stops", []), {**body.model_dump(mode="json"), "stop_id": stop_id}]
    return _recorded(course, "clock_stopped", body.stopped_from, {"clock_stops": stops}, calendar, today)


def restart_clock(course: Document, body: ClockRestart, calendar: WorkingDayCalendar, today: date) -> Outcome:
    _check_open(course)
    stops = [dict(s) for s in course.get("clock_stops", [])]
    running = [s for s in stops if not s.get("stopped_to")]
    if not running:
        raise CourseRuleError("on", "the clock is not stopped", status=409)
    if body.on < _day(running[0]["stopped_from"]):
        raise CourseRuleError("on", "the clock cannot restart before it stopped")
    running[0]["stopped_to"] = body.on.isoformat()
    return _recorded(course, "clock_restarted", body.on, {"clock_stops": stops}, calendar, today)


def identify(course: Document, citizen_id: str) -> Outcome:
    """Join the course to the citizen the plan service registered (or already knew) by CPR."""
    current = course.get("citizen_id")
    if current == citizen_id:
        return Outcome()
    if current:
        raise CourseRuleError("cpr", "the course belongs to another citizen already", status=409)
    return Outcome(
        set={"citizen_id": citizen_id},
        record={"milestone": "identified"},
        events=[
            OutreachCitizenIdentified(
                course_id=course["_id"], citizen_id=citizen_id, team_unit=course["team_unit"]
            )
        ],
    )


def check_transition(course: Mapping[str, Any], body: TransitionPut) -> None:
    _check_open(course)
    if not body.receiving_units and body.kind == "plan":
        raise CourseRuleError(
            "receiving_units",
            "name the unit or units that take the citizen over in ordinary casework",
        )
    if body.kind == "plan" and not course.get("citizen_id"):
        raise CourseRuleError(
            "cpr", "identify the citizen by CPR number before the transition to a plan", 409
        )
    _check_after_referral(course, body.ended_on, "ended_on")


def plan_draft(course: Mapping[str, Any], body: TransitionPut) -> Document:
    """The plan's draft, with no retyping: the agreement's goals, the agreement itself and the network map."""
    agreement = course.get("agreement") or None
    goals = [{"title": g["goal"][:300]} for g in (agreement or {}).get("goals", [])]
    return {
        "citizen_id": course["citizen_id"],
        "kind": "adult",
        "status": "draft",
        "responsible_unit": body.receiving_units[0],
        "goals": goals,
        "actors": list(course.get("network", [])),
        **({"collaboration_agreement": agreement} if agreement else {}),
    }


def transition(
    course: Document, body: TransitionPut, plan_id: str | None, calendar: WorkingDayCalendar, today: date
) -> Outcome:
    check_transition(course, body)
    follow_from = add_months(body.ended_on, FOLLOW_UP_MONTHS[0])
    follow_by = add_months(body.ended_on, FOLLOW_UP_MONTHS[1])
    changes: Document = {
        "transition": body.model_dump(mode="json"),
        "plan_id": plan_id,
        "status": "transferred",
        "follow_up": {"from": follow_from.isoformat(), "by": follow_by.isoformat(), "done_on": None},
    }
    after = {**course, **changes}
    changes["phase"] = phase_of(after)
    changes["on_board"] = on_board(after)
    changes["next_due_on"] = _iso(next_due(after, calendar, today))
    return Outcome(
        set=changes,
        record={"milestone": "transition", "on": body.ended_on.isoformat()},
        events=[
            OutreachCourseTransferred(
                course_id=course["_id"],
                citizen_id=course.get("citizen_id"),
                team_unit=course["team_unit"],
                kind=body.kind,
                receiving_units=body.receiving_units,
                plan_id=plan_id,
                ended_on=body.ended_on,
                follow_up_from=follow_from,
                follow_up_by=follow_by,
            )
        ],
    )


def follow_up(course: Document, body: FollowUpPut, calendar: WorkingDayCalendar, today: date) -> Outcome:
    follow = course.get("follow_up")
    if not follow:
        raise CourseRuleError("done_on", "the course has not ended yet; the follow-up comes after it", 409)
    if body.done_on < _day(course["transition"]["ended_on"]):
        raise CourseRuleError("done_on", "the follow-up cannot be before the course ended")
    changes = {"follow_up": {**follow, "done_on": body.done_on.isoformat(), "outcome": body.outcome}}
    return _recorded(course, "follow_up", body.done_on, changes, calendar, today)


def public(course: Mapping[str, Any], calendar: WorkingDayCalendar, today: date) -> Document:
    """The course as the API answers it, with its deadlines and the proposed next attempt."""
    shown = {
        k: v for k, v in course.items() if k not in ("_id", "history", "next_due_on", "on_board", "opened")
    }
    shown["course_id"] = course["_id"]
    shown["citizen_id"] = course.get("citizen_id")
    shown["deadlines"] = deadlines(course, calendar, today)
    shown["next_attempt"] = next_attempt(course) if course["status"] == OPEN else None
    return shown


def summary(course: Mapping[str, Any], calendar: WorkingDayCalendar, today: date) -> Document:
    open_ = [d for d in deadlines(course, calendar, today) if d["done_on"] is None]
    return {
        "course_id": course["_id"],
        "citizen_id": course.get("citizen_id"),
        "citizen_name": course.get("citizen_name"),
        "phase": course["phase"],
        "caseworker_name": (course.get("assignment") or {}).get("caseworker_name"),
        "received_on": course["referral"]["received_on"],
        "next_deadline": open_[0] if open_ else None,
    }


def board_order(line: Mapping[str, Any]) -> tuple[bool, date]:
    """The board's order: the courses with a deadline by its due date (the overdue first), then those without."""
    deadline = line.get("next_deadline")
    due = deadline["due"] if deadline else None
    return (due is None, due or date.max)
