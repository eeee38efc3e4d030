"""Meeting rules and deadlines (pure): the agenda template, when the agenda closes, when minutes are due.

The agenda-minutes document (udrettedagsorden) serves as invitation, agenda and minutes. Participants may add
items until 4 working days before the meeting; minutes go to the participants within 5 working days after it; a
coordinating meeting should take at most an hour; the date of the plan meeting should be known about 12 weeks
ahead so the citizen can attend a preparation meeting first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from borgerplan_plumbing.problems import RuleViolation
from borgerplan_plumbing.workdays import WorkingDayCalendar, local_date

AGENDA_CLOSES_WORKING_DAYS_BEFORE = 4
MINUTES_DUE_WORKING_DAYS_AFTER = 5
COORDINATING_MAX = timedelta(hours=1)
PLAN_MEETING_LEAD = timedelta(weeks=12)


@dataclass(frozen=True)
class StandardItem:
    key: str
    topic: str
    aim: str
    minutes: int


# The template's standard items (Danish, as caseworkers and citizens read them).
STANDARD_AGENDA: tuple[StandardItem, ...] = (
    StandardItem("welcome", "Velkomst og præsentation", "Alle ved, hvem der deltager og hvorfor", 5),
    StandardItem("minute_taker", "Valg af referent", "Der er en referent", 2),
    StandardItem("purpose", "Formål med mødet", "Alle kender mødets formål", 5),
    StandardItem("status", "Status siden sidste møde", "Fælles billede af, hvad der er sket", 10),
    StandardItem("flexible", "Fleksible punkter", "Punkter, deltagerne har sat på", 15),
    StandardItem("network_map", "Opdatering af netværkskort", "Netværkskortet er opdateret", 5),
    StandardItem("any_other_business", "Eventuelt", "Plads til det, der ikke passede andre steder", 5),
    StandardItem("next_meeting", "Næste møde", "Dato og sted for næste møde", 3),
    StandardItem(
        "summary", "Opsummering af opgaver og ansvarlige", "Alle ved, hvem der gør hvad og hvornår", 10
    ),
)


class MeetingRuleError(RuleViolation):
    """A change the rules refuse (422, or 409/404 when the state is the reason)."""


def agenda_closes_on(start: datetime, calendar: WorkingDayCalendar) -> date:
    """The last day participants may add items: 4 working days before the meeting day."""
    return calendar.add_working_days(local_date(start), -AGENDA_CLOSES_WORKING_DAYS_BEFORE)


def minutes_due_on(end: datetime, calendar: WorkingDayCalendar) -> date:
    return calendar.add_working_days(local_date(end), MINUTES_DUE_WORKING_DAYS_AFTER)


def check_agenda_open(start: datetime, today: date, calendar: WorkingDayCalendar) -> None:
    closes = agenda_closes_on(start, calendar)
    if today > closes:
        raise MeetingRuleError(
            "agenda",
            f"the agenda closed on {closes.isoformat()} (4 working days before the meeting)",
            status=409,
        )


def warnings_for(kind: str, start: datetime, end: datetime, now: datetime) -> list[str]:
    """Advice that does not refuse the meeting."""
    warnings = []
    if kind == "coordinating" and end - start > COORDINATING_MAX:
        warnings.append("coordinating_meeting_over_one_hour")
    if kind == "citizen_plan" and start - now < PLAN_MEETING_LEAD:
        warnings.append("plan_meeting_less_than_12_weeks_ahead")
    return warnings


def check_times(start: datetime, end: datetime) -> None:
    if end <= start:
        raise MeetingRuleError("end", "end must be after start")
    if end - start > timedelta(hours=12):
        raise MeetingRuleError("end", "a meeting lasts at most 12 hours")


def is_overdue(due: date, done: bool, today: date) -> bool:
    return not done and today > due


# The outreach workflow's deadlines (fremskudt sagsbehandling), counted from its milestones.
OUTREACH_DEADLINES: tuple[tuple[str, str, int, str], ...] = (
    # (kind, counted from, working days, what it means)
    ("contact_citizen", "referral", 2, "Kontakt til borgeren"),
    ("first_meeting", "first_contact", 5, "Første møde med borgeren"),
    ("advice", "first_meeting", 2, "Rådgivning efter første møde"),
    ("internal_coordinating_meeting", "first_meeting", 5, "Internt koordinerende møde"),
    ("external_coordinating_meeting", "first_meeting", 14, "Koordinerende møde med eksterne parter"),
)


def outreach_deadlines(milestones: dict[str, date], calendar: WorkingDayCalendar) -> list[dict[str, object]]:
    """Every outreach deadline whose starting milestone is known, in date order.

    Needs assessment is due one calendar month after the first meeting; follow-up 3 to 6 months after the course
    ends (the window's first and last day).
    """
    out: list[dict[str, object]] = []
    for kind, start, days, label in OUTREACH_DEADLINES:
        if start in milestones:
            out.append(
                {
                    "kind": kind,
                    "label": label,
                    "from": start,
                    "due": calendar.add_working_days(milestones[start], days),
                }
            )
    if "first_meeting" in milestones:
        out.append(
            {
                "kind": "needs_assessment",
                "label": "Udredning",
                "from": "first_meeting",
                "due": _add_months(milestones["first_meeting"], 1),
            }
        )
    if "course_ended" in milestones:
        ended = milestones["course_ended"]
        out.append(
            {
                "kind": "follow_up_window_opens",
                "label": "Opfølgning tidligst",
                "from": "course_ended",
                "due": _add_months(ended, 3),
            }
        )
        out.append(
            {
                "kind": "follow_up_window_closes",
                "label": "Opfølgning senest",
                "from": "course_ended",
                "due": _add_months(ended, 6),
            }
        )
    return sorted(out, key=lambda d: d["due"])  # type: ignore[arg-type,return-value]


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):  # the same day, or the month's last day
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")
