"""What a notification says: one Jinja2 template per kind, plain Danish, English for staff who choose it.

A template gets only what happened and when, the meeting kind and time, a due date and a link to the gateway.
Nothing about the citizen reaches it: the context is built from event fields (ids, kinds, dates), never from
case content.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Literal, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from borgerplan_contracts.events.notify import NotificationKind
from borgerplan_rules.workdays import COPENHAGEN

Language = Literal["da", "en"]
KINDS: tuple[str, ...] = get_args(NotificationKind)
MEETING_KIND = {
    "preparation": ("forberedelsesmøde", "preparation meeting"),
    "network": ("netværksmøde", "network meeting"),
    "citizen_plan": ("borgerplansmøde", "citizen plan meeting"),
    "coordinating": ("koordinerende møde", "coordinating meeting"),
    "follow_up": ("opfølgningsmøde", "follow-up meeting"),
}
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text mail, no HTML
    keep_trailing_newline=False,
)


def context(
    *,
    link: str,
    meeting_kind: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    due: date | None = None,
) -> dict[str, str]:
    values = {"link": link}
    if meeting_kind:
        values["kind"], values["kind_en"] = MEETING_KIND.get(meeting_kind, ("møde", "meeting"))
    if start:
        local = start.astimezone(COPENHAGEN)
        values["date"], values["time"] = local.strftime("%d.%m.%Y"), local.strftime("%H.%M")
    if end:
        values["end_time"] = end.astimezone(COPENHAGEN).strftime("%H.%M")
    if due:
        values["due"] = due.strftime("%d.%m.%Y")
    return values


def render(kind: str, language: Language, values: dict[str, str]) -> tuple[str, str]:
    """(subject, body). The first line of a template is the subject."""
    template = _ENV.get_template(f"{kind}.{language}.txt")
    subject, _, body = template.render(**values).partition("\n")
    return subject.strip(), body.strip() + "\n"
