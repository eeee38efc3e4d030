"""Meeting rules: agenda closing, minutes due, warnings, and the invitation's iCalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from borgerplan_plumbing.workdays import DANISH
from meetings_service import ics, rules

CPH = ZoneInfo("Europe/Copenhagen")


def test_agenda_closes_four_working_days_before() -> None:
    start = datetime(2026, 4, 9, 10, 0, tzinfo=CPH)  # Thursday after Easter
    assert rules.agenda_closes_on(start, DANISH) == date(
        2026, 3, 31
    )  # skips Easter Monday, Good Friday, Maundy Thu
    rules.check_agenda_open(start, date(2026, 3, 31), DANISH)
    with pytest.raises(rules.MeetingRuleError) as late:
        rules.check_agenda_open(start, date(2026, 4, 1), DANISH)
    assert late.value.status == 409 and "2026-03-31" in late.value.message


def test_minutes_due_five_working_days_after() -> None:
    end = datetime(2026, 12, 22, 14, 0, tzinfo=CPH)
    assert rules.minutes_due_on(end, DANISH) == date(2026, 12, 30)  # 24 December is a working day by law


def test_a_late_evening_meeting_counts_from_its_copenhagen_date() -> None:
    end = datetime(2026, 1, 9, 23, 30, tzinfo=UTC)  # Saturday 00:30 in Copenhagen
    assert rules.minutes_due_on(end, DANISH) == date(2026, 1, 16)


def test_warnings_do_not_refuse() -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    start = now + timedelta(days=3)
    assert rules.warnings_for("coordinating", start, start + timedelta(minutes=90), now) == [
        "coordinating_meeting_over_one_hour"
    ]
    assert rules.warnings_for("coordinating", start, start + timedelta(minutes=60), now) == []
    assert rules.warnings_for("citizen_plan", start, start + timedelta(hours=1), now) == [
        "plan_meeting_less_than_12_weeks_ahead"
    ]
    assert (
        rules.warnings_for("citizen_plan", now + timedelta(weeks=13), now + timedelta(weeks=13, hours=1), now)
        == []
    )


def test_times_in_order_and_bounded() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with pytest.raises(rules.MeetingRuleError):
        rules.check_times(start, start)
    with pytest.raises(rules.MeetingRuleError):
        rules.check_times(start, start + timedelta(hours=13))


def test_standard_agenda_has_the_template_items_in_order() -> None:
    keys = [item.key for item in rules.STANDARD_AGENDA]
    assert keys == [
        "welcome",
        "minute_taker",
        "purpose",
        "status",
        "flexible",
        "network_map",
        "any_other_business",
        "next_meeting",
        "summary",
    ]


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
        link="https://borgerplan.kommune.example/api/v1/meetings/m-1",
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
    assert (int(up["SEQUENCE"]), int(cx["SEQUENCE"])) == (2, 3)
    assert cancel["METHOD"] == "CANCEL" and str(cx["STATUS"]) == "CANCELLED"


def test_ics_lines_are_folded_and_carry_no_agenda_text() -> None:
    text = _invitation(datetime(2026, 6, 1, 10, tzinfo=CPH), datetime(2026, 6, 1, 11, tzinfo=CPH))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("\r\n")
    assert "Netværksmøde" in text.replace("\r\n ", "")
    assert "Dagsorden" not in text


def test_outreach_deadlines_from_milestones() -> None:
    deadlines = rules.outreach_deadlines(
        {
            "referral": date(2026, 3, 30),
            "first_meeting": date(2026, 1, 30),
            "course_ended": date(2026, 8, 31),
        },
        DANISH,
    )
    due = {d["kind"]: d["due"] for d in deadlines}
    assert due["contact_citizen"] == date(2026, 4, 1)
    assert due["advice"] == date(2026, 2, 3)
    assert due["internal_coordinating_meeting"] == date(2026, 2, 6)
    assert due["external_coordinating_meeting"] == date(2026, 2, 19)
    assert due["needs_assessment"] == date(2026, 2, 28)
    assert due["follow_up_window_opens"] == date(2026, 11, 30)
    assert due["follow_up_window_closes"] == date(2027, 2, 28)
    assert "first_meeting" not in due, "no first contact given"
    assert [d["due"] for d in deadlines] == sorted(d["due"] for d in deadlines)
