"""Who may do what: roles × unit kind × relation to the citizen (see docs/authorization.md).

The composed view's final word for another unit is the citizen's consent (decided live by the consent service);
this matrix decides everything before that: whether the caller may ask at all, and whether a refusal is 404 (the
existence of a plan is itself sensitive) or 403.
"""

from __future__ import annotations

from typing import Literal

from borgerplan_plumbing.auth import Caller

Relation = Literal["self", "responsible", "actor", "none"]
Action = Literal[
    "view_plan",
    "lookup_by_cpr",
    "register_citizen",
    "create_plan",
    "manage_consent",
    "schedule_meeting",
    "write_minutes",
    "read_access_log",
    "take_part",
    "change_plan",
]
Outcome = Literal["allow", "allow_with_consent", "forbidden", "not_found"]
STAFF = ("caseworker", "contact_person", "admin", "case_system")


def decide(action: Action, caller: Caller, relation: Relation) -> Outcome:
    """The matrix. ``relation`` is the caller's unit's relation to the citizen (``self`` for the citizen)."""
    if caller.has_role("citizen"):
        if relation != "self":
            return "not_found"
        return "allow" if action in ("view_plan", "read_access_log", "take_part") else "forbidden"
    authority = caller.unit_kind == "authority"
    if action == "view_plan":
        if not caller.has_role(*STAFF):  # type: ignore[arg-type]
            return "forbidden"
        if relation == "responsible":
            return "allow"
        return "allow_with_consent" if relation == "actor" else "not_found"
    if action == "take_part":  # answer an invitation, add an agenda item, fetch the calendar file
        return "allow"
    if action == "read_access_log":
        return "allow" if caller.has_role("admin") else "forbidden"
    if action in ("lookup_by_cpr", "register_citizen", "create_plan"):
        return "allow" if authority and caller.has_role("caseworker", "admin") else "forbidden"
    if action in ("manage_consent", "schedule_meeting", "write_minutes", "change_plan"):
        return "allow" if caller.has_role("caseworker", "contact_person", "admin") else "forbidden"
    return "forbidden"
