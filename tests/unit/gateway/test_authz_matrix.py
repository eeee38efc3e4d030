"""Every cell of the authorization matrix (docs/authorization.md)."""

from __future__ import annotations

from itertools import product

import pytest

from borgerplan_plumbing.auth import Caller
from gateway_service.authz import decide

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


@pytest.mark.parametrize(("action", "role", "kind", "relation"), CELLS, ids=["-".join(c) for c in CELLS])
def test_matrix_cell(action: str, role: str, kind: str, relation: str) -> None:
    caller = Caller(
        sub="s",
        name="n",
        unit="u",
        unit_kind=kind,
        roles=[role],  # type: ignore[list-item]
        citizen_id="c" if role == "citizen" else None,
    )
    assert decide(action, caller, relation) == expected(action, role, kind, relation)  # type: ignore[arg-type]


def test_the_matrix_has_every_cell() -> None:
    assert len(CELLS) == 10 * 5 * 3 * 4
