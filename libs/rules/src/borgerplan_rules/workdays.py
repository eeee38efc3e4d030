"""Danish working days (arbejdsdage), in one place.

Deadlines in the outreach workflow and for minutes are counted in working days: not Saturdays, Sundays or Danish
public holidays, nor the closing days a municipality adds (often 5 June, 24 December and 31 December). Dates are
calendar dates in Europe/Copenhagen. Great Prayer Day (store bededag) was a public holiday up to and including 2023
and was abolished from 2024.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@lru_cache(maxsize=256)
def public_holidays(year: int) -> dict[date, str]:
    """Danish public holidays (helligdage) of ``year``, with their Danish names, from the maintained ``holidays``
    library (its public category: no Christmas Eve or Constitution Day, which are a municipality's closing days)."""
    return dict(holidays.country_holidays("DK", years=year, language="da"))


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Working days of one municipality: weekends, public holidays and its own closing days.

    ``closing_days`` are (month, day) pairs closed every year, e.g. ``{(6, 5), (12, 24), (12, 31)}``.
    """

    closing_days: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    @classmethod
    def with_closing_days(cls, days: Iterable[str]) -> WorkingDayCalendar:
        """From ``"MM-DD"`` strings, as configured per municipality."""
        pairs = set()
        for text in days:
            month, day = (int(part) for part in text.split("-"))
            date(2024, month, day)  # a real calendar day (2024 allows 29 February)
            pairs.add((month, day))
        return cls(frozenset(pairs))

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in public_holidays(day.year)
            and (day.month, day.day) not in self.closing_days
        )

    def add_working_days(self, start: date, days: int) -> date:
        """The day ``days`` working days after ``start`` (before it, for a negative count)."""
        step = 1 if days >= 0 else -1
        current, remaining = start, abs(days)
        while remaining:
            current += timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        return sum(
            1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n))
        )


def local_date(moment: datetime) -> date:
    """The Copenhagen calendar date of an aware moment."""
    return moment.astimezone(COPENHAGEN).date()


def today() -> date:
    """Today in Copenhagen: the one "today" every deadline, validity and overdue flag is counted from."""
    return local_date(datetime.now(UTC))


DANISH = WorkingDayCalendar()
