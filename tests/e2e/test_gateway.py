"""The gateway over the real services: the authorization matrix, the access log, degraded parts, limits."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product
from typing import Any

import httpx
import pytest

from borgerplan_cli.system import System
from tests.unit.gateway.test_authz_matrix import expected

pytestmark = pytest.mark.e2e
RESPONSIBLE, ACTOR, STRANGER = "e2e-g-myndighed", "e2e-g-udfoerer", "e2e-g-fremmed"


@pytest.fixture(scope="module")
def world(system: System) -> dict[str, Any]:
    """A citizen with a plan of RESPONSIBLE, ACTOR as an actor with consent for general, STRANGER unrelated."""
    caseworker = {
        "Authorization": "Bearer "
        + system.token(sub="e2e-g-cw", unit=RESPONSIBLE, unit_kind="authority", roles=["caseworker"])
    }
    with httpx.Client(base_url=system.api, timeout=15) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "2006794411", "name": "Matrix Borger"}, headers=caseworker
        ).json()["citizen_id"]
        api.post(
            "/plans",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": RESPONSIBLE,
                "goals": [
                    {"title": "Generelt", "category": "general"},
                    {"title": "Helbred", "category": "health"},
                ],
                "actors": [
                    {
                        "name": "Aktør",
                        "role": "Kontaktperson",
                        "unit": ACTOR,
                        "kind": "provider",
                        "network_category": "housing",
                    }
                ],
            },
        ).raise_for_status()
        api.post(
            "/consents",
            headers=caseworker,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": ACTOR,
                "categories": ["general"],
                "purposes": ["view_plan"],
                "form": {"kind": "written", "document_reference": "d"},
                "valid_from": datetime.now(UTC).date().isoformat(),
            },
        ).raise_for_status()
        probe = api.get(  # the owners' facts: the plan and the consent count at once
            f"/citizens/{citizen_id}/plan-view",
            headers={
                "Authorization": "Bearer "
                + system.token(sub="p", unit=ACTOR, unit_kind="provider", roles=["contact_person"])
            },
        )
        assert probe.status_code == 200, probe.text
    return {"citizen_id": citizen_id}


VIEW_CELLS = [
    (role, kind, relation)
    for role, kind, relation in product(
        ["caseworker", "contact_person", "case_system", "admin", "citizen"],
        ["authority", "provider", "external"],
        ["responsible", "actor", "none", "self"],
    )
    if (relation == "self") == (role == "citizen") and not (relation == "responsible" and kind != "authority")
]
STATUS = {"allow": 200, "allow_with_consent": 200, "not_found": 404, "forbidden": 403}


@pytest.mark.parametrize(("role", "kind", "relation"), VIEW_CELLS, ids=["-".join(c) for c in VIEW_CELLS])
def test_composed_view_by_role_kind_and_relation(
    system: System, world: dict[str, Any], role: str, kind: str, relation: str
) -> None:
    unit = {"responsible": RESPONSIBLE, "actor": ACTOR, "none": STRANGER, "self": "borger"}[relation]
    token = system.token(
        sub=f"m-{role}-{kind}",
        unit=unit,
        unit_kind=kind,
        roles=[role],  # type: ignore[list-item]
        citizen_id=world["citizen_id"] if role == "citizen" else None,
    )
    response = httpx.get(
        f"{system.api}/citizens/{world['citizen_id']}/plan-view",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
    )
    assert response.status_code == STATUS[expected("view_plan", role, kind, relation)], response.text
    if response.status_code == 200:
        titles = {g["title"] for g in response.json()["plans"][0]["goals"]}
        assert titles == ({"Generelt"} if relation == "actor" else {"Generelt", "Helbred"})


WRITE_CELLS = list(
    product(["caseworker", "contact_person", "case_system", "admin", "citizen"], ["authority", "provider"])
)


@pytest.mark.parametrize(("role", "kind"), WRITE_CELLS, ids=["-".join(c) for c in WRITE_CELLS])
def test_registering_a_citizen_by_role_and_kind(system: System, role: str, kind: str) -> None:
    token = system.token(
        sub=f"w-{role}-{kind}",
        unit="e2e-g-any",
        unit_kind=kind,
        roles=[role],  # type: ignore[list-item]
        citizen_id="someone" if role == "citizen" else None,
    )
    response = httpx.post(
        f"{system.api}/citizens", json={"name": ""}, headers={"Authorization": f"Bearer {token}"}
    )
    relation = "self" if role == "citizen" else "responsible"
    allowed = expected("register_citizen", role, kind, relation) == "allow"
    # An allowed caller reaches the plan service, which refuses the empty body (422); nothing is created.
    assert response.status_code == (422 if allowed else 403)


def test_access_log_for_the_citizen_and_admin_and_never_for_refusals(
    system: System, world: dict[str, Any]
) -> None:
    citizen_id = world["citizen_id"]
    stranger = system.token(
        sub="e2e-g-stranger", unit=STRANGER, unit_kind="provider", roles=["contact_person"]
    )
    reader = system.token(
        sub="e2e-g-reader",
        name="Læsende Kontaktperson",
        unit=ACTOR,
        unit_kind="provider",
        roles=["contact_person"],
    )
    assert (
        httpx.get(
            f"{system.api}/citizens/{citizen_id}/plan-view", headers={"Authorization": f"Bearer {stranger}"}
        ).status_code
        == 404
    )
    assert (
        httpx.get(
            f"{system.api}/citizens/{citizen_id}/plan-view", headers={"Authorization": f"Bearer {reader}"}
        ).status_code
        == 200
    )
    own = system.token(
        sub="e2e-g-borger", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=citizen_id
    )
    admin = system.token(sub="e2e-g-admin", unit=RESPONSIBLE, unit_kind="authority", roles=["admin"])
    as_citizen = httpx.get(
        f"{system.api}/citizens/{citizen_id}/access-log", headers={"Authorization": f"Bearer {own}"}
    )
    assert as_citizen.status_code == 200
    items = as_citizen.json()["items"]
    assert all(e["unit"] != STRANGER for e in items), "a refused request is never logged"
    assert any(e["unit"] == ACTOR and e["purpose"] == "view_plan" for e in items)
    assert all("name" not in e and "sub" not in e for e in items), "the citizen sees units, dates, purposes"
    as_admin = httpx.get(
        f"{system.api}/citizens/{citizen_id}/access-log", headers={"Authorization": f"Bearer {admin}"}
    )
    assert any(e.get("name") == "Læsende Kontaktperson" for e in as_admin.json()["items"])
    assert (
        httpx.get(
            f"{system.api}/citizens/{citizen_id}/access-log", headers={"Authorization": f"Bearer {reader}"}
        ).status_code
        == 403
    )


def test_view_answers_degraded_while_meetings_is_down(system: System, world: dict[str, Any]) -> None:
    token = system.token(sub="e2e-g-deg", unit=RESPONSIBLE, unit_kind="authority", roles=["caseworker"])
    system.stack.stop("meetings")
    try:
        response = httpx.get(
            f"{system.api}/citizens/{world['citizen_id']}/plan-view",
            headers={"Authorization": f"Bearer {token}"},
            timeout=15,
        )
        assert response.status_code == 200
        assert response.json()["degraded"] == ["meetings"]
        assert response.json()["plans"], "the rest of the view is there"
    finally:
        system.stack.start("meetings")
        system.stack.wait_ready(("meetings",))


def test_body_size_and_rate_limits(system: System) -> None:
    token = system.token(sub="e2e-g-limits", unit=RESPONSIBLE, unit_kind="authority", roles=["caseworker"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    too_big = httpx.post(f"{system.api}/plans", content=b" " * (2 * 1024 * 1024), headers=headers)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    # one connection kept open: a burst, not 80 client set-ups (a new httpx client each took ~90 ms on a loaded machine,
    # and 80 of them in 9 s never outran the bucket's refill of 5 a second)
    with httpx.Client() as client:
        statuses = [
            client.get(f"{system.api}/citizens/none/plan-view", headers=headers).status_code
            for _ in range(80)
        ]
    assert 429 in statuses, "a burst beyond the limit is slowed down"
    limited = next(i for i, s in enumerate(statuses) if s == 429)
    assert all(s == 404 for s in statuses[:limited])
