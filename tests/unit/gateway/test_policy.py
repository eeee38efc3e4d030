"""The gateway's policy as a table: who (role, unit kind), in which situation, may do what (docs/authorization.md).

Each row is written out by hand from the documentation, not derived from the implementation. Situations name the
facts the gateway read before asking: the caller's unit's relation to the citizen, and its part in the meeting or
consent at hand.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from borgerplan_plumbing.auth import Caller
from borgerplan_rules.access import CitizenFacts, ConsentFacts, PlanFacts, access
from gateway_service.policy import Facts, decide

CALLERS = {
    "caseworker": Caller(sub="a", name="A", unit="u", unit_kind="authority", roles=["caseworker"]),
    "contact": Caller(sub="b", name="B", unit="u", unit_kind="provider", roles=["contact_person"]),
    "provider-caseworker": Caller(sub="c", name="C", unit="u", unit_kind="provider", roles=["caseworker"]),
    "case-system": Caller(sub="d", name="D", unit="u", unit_kind="authority", roles=["case_system"]),
    "admin": Caller(sub="e", name="E", unit="u", unit_kind="authority", roles=["admin"]),
    "citizen": Caller(
        sub="f", name="F", unit="borger", unit_kind="external", roles=["citizen"], citizen_id="c1"
    ),
}
SITUATIONS = {
    "-": Facts(),
    "self": Facts(relation="self"),
    "responsible": Facts(relation="responsible"),
    "actor": Facts(relation="actor"),
    "none": Facts(relation="none"),
    "coordinator": Facts(relation="actor", manages_meeting=True),
    "responsible-meeting": Facts(relation="responsible", manages_meeting=True),
    "invited": Facts(relation="none", meeting_participant=True),
    "invited-actor": Facts(relation="actor", meeting_participant=True),
    "party": Facts(relation="none", consent_party=True),
    "team": Facts(course_team=True),
    "receiving": Facts(course_receiving=True),
}
A, C, F, N = "allow", "allow_with_consent", "forbidden", "not_found"

TABLE: list[tuple[str, str, str, str]] = [
    # action, caller, situation, verdict
    # --- no citizen yet: the token alone decides
    ("register_citizen", "caseworker", "-", A),
    ("register_citizen", "admin", "-", A),
    ("register_citizen", "contact", "-", F),
    ("register_citizen", "provider-caseworker", "-", F),
    ("register_citizen", "case-system", "-", F),
    ("register_citizen", "citizen", "-", F),
    ("lookup_by_cpr", "caseworker", "-", A),
    ("lookup_by_cpr", "provider-caseworker", "-", F),
    ("lookup_by_cpr", "contact", "-", F),
    ("lookup_by_cpr", "citizen", "-", F),
    ("create_plan", "caseworker", "-", A),
    ("create_plan", "contact", "-", F),
    ("create_plan", "case-system", "-", F),
    ("grant_consent", "caseworker", "-", A),
    ("grant_consent", "contact", "-", A),
    ("grant_consent", "case-system", "-", F),
    ("grant_consent", "citizen", "-", F),
    ("read_vocabulary", "case-system", "-", A),
    ("read_vocabulary", "citizen", "-", A),
    ("outreach_deadlines", "contact", "-", A),
    ("outreach_deadlines", "case-system", "-", F),
    ("read_worklist", "contact", "-", A),
    ("read_worklist", "case-system", "-", A),
    ("read_worklist", "citizen", "-", F),
    # a professional's own notification preference: their sign-in's address (decision 0023)
    ("own_notification_preference", "caseworker", "-", A),
    ("own_notification_preference", "contact", "-", A),
    ("own_notification_preference", "admin", "-", A),
    ("own_notification_preference", "case-system", "-", F),
    ("own_notification_preference", "citizen", "-", F),
    # --- who the citizen is
    ("read_citizen", "citizen", "self", A),
    ("read_citizen", "citizen", "none", N),
    ("read_citizen", "caseworker", "none", A),
    ("read_citizen", "provider-caseworker", "none", N),
    ("read_citizen", "contact", "actor", A),
    ("read_citizen", "case-system", "responsible", A),
    ("read_citizen", "contact", "none", N),
    # --- reading the plan
    ("read_plan", "citizen", "self", A),
    ("read_plan", "citizen", "none", N),
    ("read_plan", "caseworker", "responsible", A),
    ("read_plan", "case-system", "responsible", A),
    ("read_plan", "contact", "actor", C),
    ("read_plan", "case-system", "actor", C),
    ("read_plan", "caseworker", "none", N),
    ("read_plan", "admin", "none", N),
    ("read_history", "citizen", "self", A),
    ("read_history", "caseworker", "responsible", A),
    ("read_history", "contact", "actor", F),
    ("read_history", "caseworker", "none", N),
    # --- changing the plan: the responsible unit all of it, actors goals, scores and follow-ups
    ("change_plan", "caseworker", "responsible", A),
    ("change_plan", "admin", "responsible", A),
    ("change_plan", "case-system", "responsible", F),
    ("change_plan", "contact", "actor", F),
    ("change_plan", "caseworker", "none", N),
    ("change_plan", "citizen", "self", F),
    ("change_plan", "citizen", "none", N),
    # the citizen's own parts (decision 0061): the citizen writes them, staff do not; only the responsible unit answers
    ("write_own", "citizen", "self", A),
    ("write_own", "citizen", "none", N),
    ("write_own", "caseworker", "responsible", F),
    ("write_own", "contact", "actor", F),
    ("write_own", "caseworker", "none", N),
    ("decide_request", "caseworker", "responsible", A),
    ("decide_request", "contact", "actor", F),
    ("decide_request", "case-system", "responsible", F),
    ("decide_request", "citizen", "self", F),
    ("decide_request", "caseworker", "none", N),
    ("record_progress", "caseworker", "responsible", A),
    ("record_progress", "contact", "actor", A),
    ("record_progress", "case-system", "actor", F),
    ("record_progress", "contact", "none", N),
    ("record_progress", "citizen", "self", F),
    # --- meetings: scheduled by the plan's parties, managed by the coordinator and the responsible unit
    ("schedule_meeting", "caseworker", "responsible", A),
    ("schedule_meeting", "contact", "actor", A),
    ("schedule_meeting", "case-system", "actor", F),
    ("schedule_meeting", "contact", "none", N),
    ("schedule_meeting", "citizen", "self", F),
    ("read_meeting", "citizen", "self", A),
    ("read_meeting", "citizen", "none", N),
    ("read_meeting", "caseworker", "responsible-meeting", A),
    ("read_meeting", "contact", "coordinator", A),
    ("read_meeting", "contact", "invited", C),
    ("read_meeting", "contact", "actor", C),
    ("read_meeting", "caseworker", "none", N),
    ("manage_meeting", "caseworker", "responsible-meeting", A),
    ("manage_meeting", "contact", "coordinator", A),
    ("manage_meeting", "case-system", "coordinator", F),
    ("manage_meeting", "contact", "invited", F),
    ("manage_meeting", "contact", "actor", F),
    ("manage_meeting", "caseworker", "none", N),
    ("manage_meeting", "citizen", "self", F),
    ("take_part", "citizen", "self", A),
    ("take_part", "citizen", "none", N),
    ("take_part", "contact", "invited", A),
    ("take_part", "case-system", "invited", A),
    ("take_part", "contact", "coordinator", A),
    ("take_part", "caseworker", "responsible-meeting", A),
    ("take_part", "contact", "actor", F),
    ("take_part", "contact", "none", N),
    ("complete_task", "contact", "invited-actor", A),
    ("complete_task", "case-system", "invited", F),
    ("complete_task", "contact", "actor", F),
    ("complete_task", "citizen", "self", F),
    ("complete_task", "contact", "none", N),
    # --- consents: read and changed by their parties and the responsible unit; revoked by the citizen too
    ("read_consent", "citizen", "self", A),
    ("read_consent", "citizen", "none", N),
    ("read_consent", "contact", "party", A),
    ("read_consent", "caseworker", "responsible", A),
    ("read_consent", "case-system", "party", F),
    ("read_consent", "contact", "actor", N),
    ("read_consent", "caseworker", "none", N),
    ("change_consent", "contact", "party", A),
    ("change_consent", "caseworker", "responsible", A),
    ("change_consent", "citizen", "self", F),
    ("change_consent", "caseworker", "none", N),
    ("revoke_consent", "citizen", "self", A),
    ("revoke_consent", "citizen", "none", N),
    ("revoke_consent", "contact", "party", A),
    ("revoke_consent", "caseworker", "responsible", A),
    ("revoke_consent", "case-system", "party", F),
    ("revoke_consent", "contact", "actor", N),
    ("list_consents", "citizen", "self", A),
    ("list_consents", "citizen", "none", N),
    ("list_consents", "caseworker", "responsible", A),
    ("list_consents", "admin", "none", A),
    ("list_consents", "contact", "actor", C),
    ("list_consents", "contact", "party", C),
    ("list_consents", "case-system", "actor", F),
    ("list_consents", "caseworker", "none", N),
    ("preview_consent", "citizen", "self", A),
    ("preview_consent", "caseworker", "responsible", A),
    ("preview_consent", "contact", "actor", F),
    ("preview_consent", "caseworker", "none", N),
    # --- outreach courses (decision 0056): the team that holds the course; after the transition the receivers read
    ("open_course", "caseworker", "-", A),
    ("open_course", "admin", "-", A),
    ("open_course", "contact", "-", F),
    ("open_course", "provider-caseworker", "-", F),
    ("open_course", "citizen", "-", F),
    ("read_outreach_board", "caseworker", "-", A),
    ("read_outreach_board", "case-system", "-", F),
    ("read_outreach_board", "citizen", "-", F),
    ("read_course", "caseworker", "team", A),
    ("read_course", "case-system", "team", A),
    ("read_course", "caseworker", "receiving", A),
    ("read_course", "caseworker", "-", N),
    ("read_course", "caseworker", "responsible", N),
    ("read_course", "citizen", "-", N),
    ("change_course", "caseworker", "team", A),
    ("change_course", "case-system", "team", F),
    ("change_course", "caseworker", "receiving", F),
    ("change_course", "caseworker", "-", N),
    ("change_course", "citizen", "team", N),
    # --- records of who saw what
    ("list_disclosures", "citizen", "self", A),
    ("list_disclosures", "citizen", "none", N),
    ("list_disclosures", "admin", "none", A),
    ("list_disclosures", "caseworker", "responsible", N),
    ("read_access_log", "citizen", "self", A),
    ("read_access_log", "citizen", "none", N),
    ("read_access_log", "admin", "none", A),
    ("read_access_log", "caseworker", "responsible", F),
    # --- how the citizen is told: the citizen themself only (decision 0023); a related unit learns it may not,
    # a stranger nothing, and no role (not the responsible caseworker, not an administrator) chooses for them
    ("read_notification_preference", "citizen", "self", A),
    ("read_notification_preference", "citizen", "none", N),
    ("read_notification_preference", "caseworker", "responsible", F),
    ("read_notification_preference", "contact", "actor", F),
    ("read_notification_preference", "caseworker", "none", N),
    ("set_notification_preference", "citizen", "self", A),
    ("set_notification_preference", "citizen", "none", N),
    ("set_notification_preference", "caseworker", "responsible", F),
    ("set_notification_preference", "admin", "responsible", F),
    ("set_notification_preference", "contact", "actor", F),
    ("set_notification_preference", "case-system", "responsible", F),
    ("set_notification_preference", "admin", "none", N),
    ("read_notifications", "citizen", "self", A),
    ("read_notifications", "citizen", "none", N),
    ("read_notifications", "caseworker", "responsible", F),
    ("read_notifications", "admin", "none", N),
]


@pytest.mark.parametrize(
    ("action", "caller", "situation", "verdict"), TABLE, ids=["/".join(r) for r in TABLE]
)
def test_policy_table(action: str, caller: str, situation: str, verdict: str) -> None:
    assert decide(action, CALLERS[caller], SITUATIONS[situation]) == verdict  # type: ignore[arg-type]


def test_every_action_has_rows() -> None:
    from typing import get_args

    from gateway_service.policy import Action

    assert {row[0] for row in TABLE} == set(get_args(Action))


def _access_relation(
    unit: str, plans: tuple[PlanFacts, ...], consents: tuple[ConsentFacts, ...], **kw: Any
) -> str:
    return access(
        unit, "authority", "view_plan", CitizenFacts("c1", plans, consents), date(2026, 6, 15), **kw
    ).relation


def test_the_policy_is_fed_by_the_one_answer() -> None:
    """The situations above are the relations ``borgerplan_rules.access`` gives the gateway for the caller's unit "u":
    the policy is the table of actions, the relation is the one answer's."""
    responsible = (PlanFacts("p", "c1", "u"),)
    on_the_map = (PlanFacts("p", "c1", "other", frozenset({"u"})),)
    named = (ConsentFacts("k", "other", ("general",), ("view_plan",), date(2026, 1, 1), granted_by_unit="u"),)
    assert _access_relation("u", (), (), citizen=True) == SITUATIONS["self"].relation
    assert _access_relation("u", responsible, ()) == SITUATIONS["responsible"].relation
    assert _access_relation("u", on_the_map, ()) == SITUATIONS["actor"].relation
    assert _access_relation("u", (), named) == SITUATIONS["actor"].relation, "named by a consent: related"
    assert _access_relation("u", (), ()) == SITUATIONS["none"].relation
