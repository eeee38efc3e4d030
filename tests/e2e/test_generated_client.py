"""The contract is usable: a client generated from the committed OpenAPI (openapi-python-client, `make client`)
drives the shelter case of seed 000 through the running system, as a department's integrator would.

The homeless unit's caseworker registers the citizen and makes the plan at the network meeting (goals, the shelter's
contact person and the treatment provider on the network map), records the citizen's consent for the treatment
provider and schedules the follow-up meeting; the treatment provider reads the plan and sees only what was consented;
a score is recorded with If-Match; the citizen withdraws the consent and the provider's next read is refused; the
citizen's access log shows who read the plan.
"""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from borgerplan_cli.system import System
from tests.support.client import generate

pytestmark = pytest.mark.e2e
HOMELESS_UNIT, SHELTER, TREATMENT = "e2e-c-hjemloeseenheden", "e2e-c-herberg", "e2e-c-rusmiddelenheden"


@pytest.fixture(scope="module")
def client_package() -> ModuleType:
    sys.path.insert(0, str(generate()))
    return importlib.import_module("borgerplan_client")


def _api(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"borgerplan_client.api.{name}")


def _model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module("borgerplan_client.models"), name)


def test_the_generated_client_drives_the_shelter_case(system: System, client_package: ModuleType) -> None:
    def client(**claims: Any) -> Any:
        return client_package.AuthenticatedClient(
            base_url=system.stack.url("gateway"),
            token=system.token(**claims),
            raise_on_unexpected_status=True,
        )

    caseworker = client(
        sub="e2e-c-mette",
        name="Mette Sørensen",
        unit=HOMELESS_UNIT,
        unit_kind="authority",
        roles=["caseworker"],
    )
    treatment = client(
        sub="e2e-c-sara", name="Sara Lund", unit=TREATMENT, unit_kind="provider", roles=["contact_person"]
    )
    register = _api(client_package, "citizens.register_citizen")
    create_plan = _api(client_package, "plans.create_plan")
    grant = _api(client_package, "consents.grant_consent")
    schedule = _api(client_package, "meetings.schedule_meeting")
    view = _api(client_package, "view.get_plan_view")
    get_plan = _api(client_package, "plans.get_plan")
    update_goal = _api(client_package, "goals.update_goal")
    revoke = _api(client_package, "consents.revoke_consent")
    access_log = _api(client_package, "access_log.get_access_log")

    registered = register.sync_detailed(
        client=caseworker,
        body=_model(client_package, "CitizenCreate").from_dict({"cpr": "0707791234", "name": "Peter Hansen"}),
        idempotency_key="e2e-c-peter",
    )
    assert registered.status_code == 201, registered.content
    citizen_id = registered.parsed.citizen_id

    plan_body = {
        "citizen_id": citizen_id,
        "kind": "adult",
        "responsible_unit": HOMELESS_UNIT,
        "legal_bases": ["SEL §141"],
        "overview": {
            "purpose": "Fra herberget til egen bolig.",
            "own_words": {"dreams": "Min egen lejlighed, og at se min datter igen."},
        },
        "goals": [
            {"title": "Egen bolig", "category": "housing", "sof_theme": "independence_relations"},
            {"title": "Stabil behandling", "category": "substance_use", "sof_theme": "health"},
            {"title": "Faste rammer i hverdagen", "category": "general"},
        ],
        "actors": [
            {
                "name": "Jørgen Nielsen",
                "role": "Kontaktperson",
                "kind": "provider",
                "unit": SHELTER,
                "network_category": "housing",
                "anchor": "contact_person",
            },
            {
                "name": "Sara Lund",
                "role": "Behandler",
                "kind": "provider",
                "unit": TREATMENT,
                "network_category": "health_treatment",
            },
        ],
    }
    created = create_plan.sync_detailed(
        client=caseworker, body=_model(client_package, "PlanCreate").from_dict(plan_body)
    )
    assert created.status_code == 201, created.content
    plan = created.parsed
    assert [g.title for g in plan.goals] == ["Egen bolig", "Stabil behandling", "Faste rammer i hverdagen"]

    today = datetime.now(UTC).date().isoformat()
    consent = grant.sync_detailed(
        client=caseworker,
        body=_model(client_package, "ConsentCreate").from_dict(
            {
                "citizen_id": citizen_id,
                "grantee_unit": TREATMENT,
                "categories": ["general", "substance_use"],
                "purposes": ["view_plan", "meeting_invitation", "receive_minutes"],
                "form": {"kind": "written", "document_reference": "Samtykke netværksmøde"},
                "valid_from": today,
            }
        ),
    )
    assert consent.status_code == 201, consent.content
    consent_id = consent.parsed.consent_id

    start = (datetime.now(UTC) + timedelta(days=21)).replace(microsecond=0)
    meeting = schedule.sync_detailed(
        client=caseworker,
        body=_model(client_package, "MeetingCreate").from_dict(
            {
                "plan_id": plan.plan_id,
                "kind": "follow_up",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "place": "Herberget",
                "place_chosen_by_citizen": True,
                "coordinator_unit": HOMELESS_UNIT,
                "participants": [
                    {"name": "Peter Hansen", "kind": "citizen"},
                    # No addresses: the session's other tests count the mail the system sends.
                    {"name": "Sara Lund", "kind": "provider", "unit": TREATMENT},
                    {"name": "Jørgen Nielsen", "kind": "provider", "unit": SHELTER},
                ],
            }
        ),
    )
    assert meeting.status_code == 201, meeting.content
    uninvited = meeting.parsed.uninvited
    assert [(u.unit, u.reason) for u in uninvited] == [(SHELTER, "no_consent")]

    seen = view.sync_detailed(str(citizen_id), client=treatment)
    assert seen.status_code == 200, seen.content
    titles = {g.title for g in seen.parsed.plans[0].goals}
    assert titles == {"Stabil behandling", "Faste rammer i hverdagen"}
    assert [w.category for w in seen.parsed.withheld] == ["housing"]

    read = get_plan.sync_detailed(str(plan.plan_id), client=caseworker)
    goal_id = next(g.goal_id for g in read.parsed.goals if g.title == "Stabil behandling")
    scored = update_goal.sync_detailed(
        str(plan.plan_id),
        str(goal_id),
        client=treatment,
        body=_model(client_package, "GoalUpdate").from_dict(
            {
                "score": {
                    "scale": "1-10",
                    "now": 3,
                    "expected": 6,
                    "citizen_disagrees": True,
                    "citizen_score": 5,
                }
            }
        ),
        if_match=read.headers["etag"],
    )
    assert scored.status_code == 200, scored.content
    score = next(g for g in scored.parsed.goals if g.goal_id == goal_id).scores[-1]
    assert (score.now, score.expected, score.citizen_score) == (3, 6, 5)

    citizen = client(
        sub="e2e-c-peter",
        name="Peter Hansen",
        unit="borger",
        unit_kind="external",
        roles=["citizen"],
        citizen_id=str(citizen_id),
    )
    revoked = revoke.sync_detailed(str(consent_id), client=citizen)
    assert revoked.status_code == 200, revoked.content
    assert revoked.parsed.status == "revoked"
    treatment.raise_on_unexpected_status = False
    refused = view.sync_detailed(str(citizen_id), client=treatment)
    assert refused.status_code == 403 and refused.parsed.type_ == "urn:borgerplan:problem:consent-missing"

    log = access_log.sync_detailed(str(citizen_id), client=citizen)
    assert log.status_code == 200, log.content
    assert {(e.unit, e.purpose) for e in log.parsed.items} >= {
        (TREATMENT, "view_plan"),
        (HOMELESS_UNIT, "view_plan"),
    }
