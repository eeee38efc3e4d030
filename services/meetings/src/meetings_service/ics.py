"""The meeting invitation as iCalendar (RFC 5545).

The UID stays the same for the life of the meeting and SEQUENCE rises with every change, so calendars update the
event instead of adding another; a cancellation is METHOD:CANCEL with STATUS:CANCELLED. Times are written in
Europe/Copenhagen with a VTIMEZONE. No agenda text or anything about the citizen: the kind of meeting, the place
and a link to it in Borgerplan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from borgerplan_rules.workdays import COPENHAGEN

KIND_DA = {
    "preparation": "Forberedelsesmøde",
    "network": "Netværksmøde",
    "citizen_plan": "Borgerplansmøde",
    "coordinating": "Koordinerende møde",
    "follow_up": "Opfølgningsmøde",
}

VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Copenhagen",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _local(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).strftime("%Y%m%dT%H%M%S")


def invitation(
    *,
    meeting_id: str,
    kind: str,
    start: datetime,
    end: datetime,
    place: str | None,
    sequence: int,
    cancelled: bool,
    organizer_email: str,
    attendees: Sequence[Attendee],
    link: str,
    stamp: datetime | None = None,
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Borgerplan//Moeder//DA",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'REQUEST'}",
        *VTIMEZONE,
        "BEGIN:VEVENT",
        f"UID:{meeting_id}@borgerplan",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{(stamp or datetime.now(UTC)).astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;TZID=Europe/Copenhagen:{_local(start)}",
        f"DTEND;TZID=Europe/Copenhagen:{_local(end)}",
        f"SUMMARY:{_escape(KIND_DA.get(kind, 'Møde'))} (Borgerplan)",
        f"DESCRIPTION:{_escape('Se mødet og dagsordenen i Borgerplan: ' + link)}",
        f"URL:{link}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"ORGANIZER;CN=Borgerplan:mailto:{organizer_email}",
    ]
    if place:
        lines.append(f"LOCATION:{_escape(place)}")
    for attendee in attendees:
        name = attendee.name.replace('"', "")
        lines.append(
            f'ATTENDEE;CN="{name}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee.email}'
        )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
