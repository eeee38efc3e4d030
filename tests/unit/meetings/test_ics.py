"""The invitation's iCalendar: parsed by a real iCalendar library across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from meetings_service import ics

CPH = ZoneInfo("Europe/Copenhagen")


def _invitation(start: datetime, end: datetime, sequence: int = 0, cancelled: bool = False) -> str:
    return ics.invitation(
        meeting_id="m-1",
        kind="network",
        start=start,
        end=end,
        place="Herberget, lokale 2",
        sequence=sequence,
        cancelled=cancelled,
        organizer_email="borgerplan@kommune.example.dk",
        attendees=[
            ics.Attendee("Ali Demir", "ali@herberg.example.dk"),
            ics.Attendee('Sara "Sally" Lund', "sara@rus.example.dk"),
        ],
        link="https://borgerplan.kommune.example/moeder/m-1",
        stamp=datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_ics_parses_and_round_trips_the_time_zone_across_daylight_saving() -> None:
    # 29 March 2026 is the switch to summer time: a meeting the day before and the day after.
    winter = datetime(2026, 3, 28, 9, 0, tzinfo=CPH)
    summer = datetime(2026, 3, 30, 9, 0, tzinfo=CPH)
    for start, utc_hour in ((winter, 8), (summer, 7)):
        calendar = icalendar.Calendar.from_ical(_invitation(start, start + timedelta(hours=1)))
        event = next(iter(calendar.walk("VEVENT")))
        parsed = event.decoded("DTSTART")
        assert parsed == start
        assert parsed.astimezone(UTC).hour == utc_hour
        assert str(event["UID"]) == "m-1@borgerplan"
        assert calendar["METHOD"] == "REQUEST"
        assert len(event.get("ATTENDEE")) == 2
    assert any(c.name == "VTIMEZONE" for c in calendar.walk())


def test_updates_keep_the_uid_and_raise_sequence_cancel_is_method_cancel() -> None:
    start = datetime(2026, 6, 1, 10, tzinfo=CPH)
    update = icalendar.Calendar.from_ical(_invitation(start, start + timedelta(hours=1), sequence=2))
    cancel = icalendar.Calendar.from_ical(
        _invitation(start, start + timedelta(hours=1), sequence=3, cancelled=True)
    )
    up, cx = next(iter(update.walk("VEVENT"))), next(iter(cancel.walk("VEVENT")))
    assert str(up["UID"]) == str(cx["UID"])
    assert (str(up["SEQUENCE"]), str(cx["SEQUENCE"])) == ("2", "3")
    assert cancel["METHOD"] == "CANCEL" and str(cx["STATUS"]) == "CANCELLED"


def test_ics_lines_are_folded_and_carry_no_agenda_text() -> None:
    text = _invitation(datetime(2026, 6, 1, 10, tzinfo=CPH), datetime(2026, 6, 1, 11, tzinfo=CPH))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("\r\n")
    assert "Netværksmøde" in text.replace("\r\n ", "")
    assert "Dagsorden" not in text
