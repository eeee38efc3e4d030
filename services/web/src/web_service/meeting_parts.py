"""The meeting mode's parts, and the minutes written part by part. Pure functions of the meeting and the plan as
the API answered them.

The agenda is the meeting's own (the template's standard items, udrettedagsorden, and the items participants
added); each item is a part, shown one at a time. Where the template has its flexible items, the plan's goals
come one by one (the minutes' tasks agreed there belong to that item), and a new goal can be added; after the
network map come the consents and the plan's details (legal bases, validity), which are no agenda items and so
have no minutes of their own. Each part is drawn by a template of its own (``meeting_mode/part_<kind>.html``),
so a later part (outreach courses, the citizen's own writing, statistics) is one more kind and one more template.

The minutes are one document (``PUT /meetings/{id}/minutes`` replaces it whole); a part writes only its own
item's decision and tasks (and the welcome the attendance) into the minutes as they are stored, so two people
writing different parts do not overwrite each other, and a part whose own minutes someone else changed since it
was read is told so instead of overwriting them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from web_service import wording as W

Document = dict[str, Any]

# What each of the template's standard items is drawn as; items without a kind here are plain items.
KINDS = {
    "welcome": "welcome",
    "purpose": "purpose",
    "status": "status",
    "network_map": "network",
    "next_meeting": "next_meeting",
    "summary": "summary",
}
SLUGS = {
    "welcome": "velkomst",
    "minute_taker": "referent",
    "purpose": "formaal",
    "status": "status",
    "network_map": "netvaerkskort",
    "any_other_business": "eventuelt",
    "next_meeting": "naeste-moede",
    "summary": "opsummering",
}
TASK_FIELDS = ("what", "responsible_participant_id", "responsible_unit", "due", "item_id")


@dataclass(frozen=True)
class Part:
    """One part of the meeting: its address, how it is drawn, its name in the agenda, and the agenda item whose
    minutes are written there (none for the consents and the plan's details)."""

    key: str
    kind: str
    title: str
    number: str
    item: Mapping[str, Any] | None = None
    goal: Mapping[str, Any] | None = None

    @property
    def item_id(self) -> str | None:
        return str(self.item["item_id"]) if self.item else None

    @property
    def decides(self) -> bool:
        """A decision is written here: every item's part but the goals (what is decided about a goal is the goal
        itself: its score, ladder and agreements, and a follow-up)."""
        return self.item is not None and self.kind not in ("goal", "new_goal")


def parts(meeting: Mapping[str, Any], plan: Mapping[str, Any] | None) -> list[Part]:
    """The meeting's parts in the agenda's order."""
    out: list[Part] = []
    extras_placed = False

    def extras(number: int) -> list[Part]:
        return [
            Part("samtykker", "consents", W.MODE_CONSENTS, f"{number}a"),
            Part("plandetaljer", "details", W.MODE_DETAILS, f"{number}b"),
        ]

    for n, item in enumerate(meeting.get("agenda") or [], 1):
        key = item.get("key")
        if key == "summary" and not extras_placed:
            out += extras(n - 1)
            extras_placed = True
        if key == "flexible":
            goals = list((plan or {}).get("goals") or [])
            for i, goal in enumerate(goals, 1):
                title = W.GOAL_N.format(n=i) + f": {goal.get('title', '')}"
                out.append(Part(f"maal-{goal['goal_id']}", "goal", title, f"{n}.{i}", item, goal))
            out.append(Part("nyt-maal", "new_goal", W.ADD_GOAL, f"{n}.{len(goals) + 1}", item))
            continue
        slug = SLUGS.get(str(key)) if key else None
        out.append(
            Part(slug or f"punkt-{item['item_id']}", KINDS.get(str(key), "item"), item["topic"], str(n), item)
        )
        if key == "network_map":
            out += extras(n)
            extras_placed = True
    if not extras_placed:
        out += extras(len(out))
    return out


def find(all_parts: list[Part], key: str) -> tuple[Part | None, Part | None, Part | None]:
    """The part with this key, and the ones before and after it."""
    for i, part in enumerate(all_parts):
        if part.key == key:
            before = all_parts[i - 1] if i > 0 else None
            after = all_parts[i + 1] if i + 1 < len(all_parts) else None
            return before, part, after
    return None, None, None


# --- the minutes, part by part ---------------------------------------------------------------------------------


def decision_of(minutes: Mapping[str, Any] | None, item_id: str | None) -> str:
    for decision in (minutes or {}).get("decisions") or []:
        if decision.get("item_id") == item_id:
            return str(decision.get("decision") or "")
    return ""


def tasks_of(minutes: Mapping[str, Any] | None, item_id: str | None) -> list[Document]:
    return [t for t in (minutes or {}).get("tasks") or [] if t.get("item_id") == item_id]


def part_minutes(minutes: Mapping[str, Any] | None, item_id: str | None) -> Document:
    """What one part wrote into the minutes, as a form's ``base`` remembers it."""
    return {
        "decision": decision_of(minutes, item_id),
        "tasks": [
            [str(t.get("what") or ""), str(t.get("responsible_unit") or ""), str(t.get("due") or "")]
            for t in tasks_of(minutes, item_id)
        ],
    }


def encode(values: Mapping[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def changed_since(base: str, minutes: Mapping[str, Any] | None, item_id: str | None) -> bool:
    """Someone else wrote this part's minutes since the form was read."""
    try:
        seen = json.loads(base) if base else None
    except ValueError:
        seen = None
    return seen is not None and seen != json.loads(encode(part_minutes(minutes, item_id)))


def merged(
    minutes: Mapping[str, Any] | None,
    item_id: str,
    decision: str | None,
    tasks: list[Document],
    attendance: list[Document] | None = None,
    citizen: tuple[bool, str | None] | None = None,
) -> Document:
    """The whole minutes to PUT: as stored, with this item's decision and tasks (and, from the welcome, the
    attendance and whether the citizen attended) replaced."""
    stored: Mapping[str, Any] = minutes or {"citizen_attended": True}
    decisions = [
        {"item_id": d["item_id"], "decision": d["decision"]}
        for d in stored.get("decisions") or []
        if d.get("item_id") != item_id and d.get("decision")
    ]
    if decision:
        decisions.append({"item_id": item_id, "decision": decision})
    kept = [
        {k: t.get(k) for k in TASK_FIELDS if t.get(k) is not None}
        for t in stored.get("tasks") or []
        if t.get("item_id") != item_id
    ]
    new = [{**{k: v for k, v in t.items() if v is not None}, "item_id": item_id} for t in tasks]
    attended, briefed = (
        citizen
        if citizen is not None
        else (
            bool(stored.get("citizen_attended", True)),
            stored.get("citizen_briefed_by"),
        )
    )
    return {
        "attendance": attendance
        if attendance is not None
        else [
            {"participant_id": a["participant_id"], "attended": a["attended"]}
            for a in stored.get("attendance") or []
        ],
        "decisions": decisions,
        "tasks": kept + new,
        "citizen_attended": attended,
        "citizen_briefed_by": briefed,
    }


def scored_on(goal: Mapping[str, Any], day: date) -> bool:
    """The goal was scored on this day in Copenhagen (the agenda marks it done)."""
    return any(W.short_date(s.get("at")) == W.short_date(day) for s in goal.get("scores") or [])
