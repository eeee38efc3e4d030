"""The authorization matrix as the documentation first stated it (docs/authorization.md), cell by cell, still holds
for the policy (``gateway_service.policy``), which has since grown finer actions (see test_policy.py).

``expected`` is also what the end-to-end tests check the running gateway against."""

from __future__ import annotations

from itertools import product

import pytest

from borgerplan_plumbing.auth import Caller
from gateway_service.policy import Facts, decide

ROLES = ["caseworker", "contact_person", "citizen", "case_system", "admin"]
KINDS = ["authority", "provider", "external"]
RELATIONS = ["self", "responsible", "actor", "none"]
ACTIONS = [
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


def expected(action: str, role: str, kind: str, relation: str) -> str:
    """The matrix as the documentation states it, written out independently of the implementation."""
    if role == "citizen":
        if relation != "self":
            return "not_found"
        return "allow" if action in ("view_plan", "read_access_log", "take_part") else "forbidden"
    table = {
        "view_plan": {"responsible": "allow", "actor": "allow_with_consent"}.get(relation, "not_found"),
        "lookup_by_cpr": "allow" if kind == "authority" and role in ("caseworker", "admin") else "forbidden",
        "register_citizen": "allow"
        if kind == "authority" and role in ("caseworker", "admin")
        else "forbidden",
        "create_plan": "allow" if kind == "authority" and role in ("caseworker", "admin") else "forbidden",
        "manage_consent": "allow" if role in ("caseworker", "contact_person", "admin") else "forbidden",
        "schedule_meeting": "allow" if role in ("caseworker", "contact_person", "admin") else "forbidden",
        "write_minutes": "allow" if role in ("caseworker", "contact_person", "admin") else "forbidden",
        "read_access_log": "allow" if role == "admin" else "forbidden",
        "take_part": "allow",
        "change_plan": "allow" if role in ("caseworker", "contact_person", "admin") else "forbidden",
    }
    return table[action]


CELLS = list(product(ACTIONS, ROLES, KINDS, RELATIONS))


# The matrix's actions as the policy names them. The matrix decided writes by role alone ("responsible" stood for
# any related caller); the policy also asks the relation, so a write is checked as the responsible unit's here.
AS_POLICY = {
    "view_plan": "read_plan",
    "lookup_by_cpr": "lookup_by_cpr",
    "register_citizen": "register_citizen",
    "create_plan": "create_plan",
    "manage_consent": "grant_consent",
    "schedule_meeting": "schedule_meeting",
    "write_minutes": "manage_meeting",
    "read_access_log": "read_access_log",
    "take_part": "take_part",
    "change_plan": "change_plan",
}
RELATION_DECIDES = {"view_plan"}


def _reachable(action: str, role: str, relation: str) -> bool:
    """Cells the API can ask: a citizen's token names its own citizen for every action but the view and the access
    log, and the matrix's role-only actions were asked as the responsible unit's."""
    if role == "citizen":
        return relation == "self" or action in ("view_plan", "read_access_log", "take_part")
    return action in RELATION_DECIDES or action == "read_access_log" or relation == "responsible"


REACHABLE = [c for c in CELLS if _reachable(c[0], c[1], c[3])]


@pytest.mark.parametrize(
    ("action", "role", "kind", "relation"), REACHABLE, ids=["-".join(c) for c in REACHABLE]
)
def test_matrix_cell(action: str, role: str, kind: str, relation: str) -> None:
    caller = Caller(
        sub="s",
        name="n",
        unit="u",
        unit_kind=kind,
        roles=[role],  # type: ignore[list-item]
        citizen_id="c" if role == "citizen" else None,
    )
    meeting = action in ("write_minutes", "take_part") and relation == "responsible"
    facts = Facts(relation=relation, manages_meeting=meeting)  # type: ignore[arg-type]
    assert decide(AS_POLICY[action], caller, facts) == expected(action, role, kind, relation)  # type: ignore[arg-type]


def test_the_matrix_has_every_cell() -> None:
    assert len(CELLS) == 10 * 5 * 3 * 4
