"""Danish working days over a table: weekends, moving and fixed holidays, Great Prayer Day's abolition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from borgerplan_rules.workdays import DANISH, WorkingDayCalendar, public_holidays


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2023, date(2023, 4, 9)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday_is_a_public_holiday(year: int, easter: date) -> None:
    days = public_holidays(year)
    assert days[easter] == "Påskedag"
    assert days[easter - timedelta(days=2)] == "Langfredag"


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2026, 1, 1), False, "New Year's Day"),
        (date(2026, 1, 2), True, "a Friday after New Year"),
        (date(2026, 1, 3), False, "Saturday"),
        (date(2026, 1, 4), False, "Sunday"),
        (date(2026, 4, 2), False, "Maundy Thursday"),
        (date(2026, 4, 3), False, "Good Friday"),
        (date(2026, 4, 6), False, "Easter Monday"),
        (date(2026, 4, 7), True, "Tuesday after Easter"),
        (date(2026, 5, 14), False, "Ascension Day"),
        (date(2026, 5, 15), True, "Friday after Ascension (not a holiday by law)"),
        (date(2026, 5, 25), False, "Whit Monday"),
        (date(2026, 12, 24), True, "Christmas Eve is not a public holiday"),
        (date(2026, 12, 25), False, "Christmas Day"),
        (date(2026, 12, 28), True, "Monday after Christmas"),
        (date(2023, 5, 5), False, "Great Prayer Day 2023, the last one"),
        (date(2024, 4, 26), True, "Great Prayer Day's Friday 2024: abolished, a working day"),
        (date(2025, 5, 16), True, "Great Prayer Day's Friday 2025: a working day"),
        (date(2026, 6, 5), True, "Constitution Day is not a public holiday by law"),
    ],
)
def test_is_working_day(day: date, working: bool, why: str) -> None:
    assert DANISH.is_working_day(day) is working, why


def test_municipal_closing_days() -> None:
    calendar = WorkingDayCalendar.with_closing_days(["06-05", "12-24", "12-31"])
    assert not calendar.is_working_day(date(2026, 6, 5))
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert calendar.is_working_day(date(2026, 12, 23))
    with pytest.raises(ValueError):
        WorkingDayCalendar.with_closing_days(["02-30"])


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 3, 30), 5, date(2026, 4, 9)),  # Monday before Easter: skips Thu, Fri, Mon
        (date(2026, 12, 22), 5, date(2026, 12, 30)),  # over Christmas and a weekend
        (date(2026, 12, 30), 2, date(2027, 1, 4)),  # over New Year and a weekend
        (date(2026, 5, 12), 3, date(2026, 5, 18)),  # over Ascension Day and a weekend
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # Friday before Whitsun: Whit Monday skipped
        (date(2026, 1, 9), 1, date(2026, 1, 12)),  # Friday to Monday
        (date(2026, 4, 13), -4, date(2026, 4, 7)),  # backwards over Easter
        (date(2026, 4, 13), 0, date(2026, 4, 13)),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert DANISH.add_working_days(start, days) == expected


def test_working_days_between_and_holiday_names() -> None:
    assert DANISH.working_days_between(date(2026, 3, 30), date(2026, 4, 9)) == 5
    assert DANISH.working_days_between(date(2026, 4, 8), date(2026, 4, 8)) == 0
    assert public_holidays(2026)[date(2026, 5, 14)] == "Kristi himmelfartsdag"
    assert "Store bededag" in public_holidays(2023).values()
    assert "Store bededag" not in public_holidays(2024).values()
