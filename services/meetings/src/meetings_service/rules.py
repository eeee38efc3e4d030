"""Meeting rules and deadlines (pure): the agenda template, when the agenda closes, when minutes are due.

The agenda-minutes document (udrettedagsorden) serves as invitation, agenda and minutes. Participants may add
items until 4 working days before the meeting; minutes go to the participants within 5 working days after it; a
coordinating meeting should take at most an hour; the date of the plan meeting should be known about 12 weeks
ahead so the citizen can attend a preparation meeting first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from meetings_service.workdays import WorkingDayCalendar, local_date

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


class MeetingRuleError(ValueError):
    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


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
