"""The one answer's helpers: the preview of a consent, many citizens at once, the consents shown beside a view, a
meeting's minutes and reads, disclosures, the notifications' purposes, and the vocabularies it shares with the
public models (these cases were the consent service's and the gateway's)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, get_args

import pytest

from borgerplan_api import consent as consent_models
from borgerplan_api import meetings as meeting_models
from borgerplan_contracts.events.consent import InformationCategory, Purpose
from borgerplan_contracts.events.meetings import ParticipantKind
from borgerplan_contracts.events.notify import NotificationKind
from borgerplan_contracts.events.plan import ActorKind
from borgerplan_plumbing import auth
from borgerplan_rules import access as rules
from borgerplan_rules.access import (
    PROPOSED,
    Access,
    CitizenFacts,
    ConsentFacts,
    Disclosure,
    PlanFacts,
    Proposal,
    access,
    access_many,
    consents_shown,
    meeting_read,
    minutes_withheld,
    preview,
)
from borgerplan_rules.violations import RuleViolation

TODAY = date(2026, 6, 15)
RESPONSIBLE, TREATMENT, SHELTER = "hjemloeseenheden", "rusmiddelenheden", "herberg"

# --- the vocabularies are the public models' ------------------------------------------------------------------


def test_the_vocabularies_are_the_public_models() -> None:
    assert set(rules.CATEGORIES) == set(get_args(InformationCategory))
    assert set(rules.PURPOSES) == set(get_args(Purpose))
    kinds = set(get_args(consent_models.UnitKind))
    assert rules.PROFESSIONAL_KINDS == kinds == set(get_args(auth.UnitKind))
    assert set(get_args(ParticipantKind)) - rules.PROFESSIONAL_KINDS == {"citizen", "private_network"}
    assert set(get_args(ActorKind)) - rules.PROFESSIONAL_KINDS == {"private_network"}
    assert set(rules.NOTIFICATION_PURPOSES) == set(get_args(NotificationKind))
    assert {p for p in rules.NOTIFICATION_PURPOSES.values() if p} <= set(rules.PURPOSES)


@pytest.mark.parametrize("kind", sorted(rules.PROFESSIONAL_KINDS))
def test_a_professional_participant_names_their_unit(kind: str) -> None:
    with pytest.raises(ValueError, match="names their unit"):
        meeting_models.ParticipantCreate.model_validate({"name": "N", "kind": kind})
    assert (
        meeting_models.ParticipantCreate.model_validate({"name": "N", "kind": "private_network"}).unit is None
    )


# --- preview --------------------------------------------------------------------------------------------------

PLANS = (PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT, SHELTER})),)
HEALTH = ConsentFacts(
    "k1",
    TREATMENT,
    ("general", "health"),
    ("view_plan",),
    TODAY - timedelta(days=5),
    TODAY + timedelta(days=50),
    granted_by_unit=RESPONSIBLE,
)


def _preview(proposed: Proposal | None, replaces: str | None, unit: str = TREATMENT) -> tuple[Access, Access]:
    facts = CitizenFacts("c", PLANS, (HEALTH,))
    return preview(unit, None, "view_plan", facts, TODAY, proposed=proposed, replaces=replaces)


def _proposed(*categories: str, until: date | None = None) -> Proposal:
    return Proposal(categories, ("view_plan",), TODAY, until)


def test_preview_a_new_consent_adds_to_what_stands() -> None:
    before, after = _preview(_proposed("housing"), None)
    assert before.listed() == ("general", "health")
    assert (after.listed(), after.consent_ids) == (("general", "health", "housing"), ("k1", PROPOSED))


def test_preview_a_narrowing_replaces_the_consent() -> None:
    before, after = _preview(_proposed("general"), "k1")
    assert before.listed() == ("general", "health")
    assert (after.permit, after.listed(), after.consent_ids) == (True, ("general",), ("k1",))


def test_preview_a_revocation() -> None:
    _, after = _preview(None, "k1")
    assert (after.permit, after.relation, after.reason) == (False, "actor", "consent_revoked")


def test_preview_for_a_unit_without_anything_yet() -> None:
    before, after = _preview(_proposed("general"), None, unit="jobcenter")
    assert (before.permit, before.relation) == (False, "none")
    assert (after.permit, after.relation, after.listed()) == (True, "actor", ("general",))


def test_preview_a_renewal_of_a_consent_that_ran_out() -> None:
    ran_out = ConsentFacts("k2", TREATMENT, ("general",), ("view_plan",), date(2025, 1, 1), date(2026, 1, 1))
    before, after = preview(
        TREATMENT,
        None,
        "view_plan",
        CitizenFacts("c", PLANS, (ran_out,)),
        TODAY,
        proposed=Proposal(("general",), ("view_plan",), date(2025, 1, 1), date(2027, 1, 1)),
        replaces="k2",
    )
    assert (before.permit, before.reason) == (False, "consent_not_in_force")
    assert (after.permit, after.consent_ids) == (True, ("k2",))


def test_preview_replaces_only_the_units_own_consent() -> None:
    with pytest.raises(RuleViolation) as other:
        _preview(None, "k1", unit=SHELTER)
    assert other.value.field == "replaces_consent_id"
    with pytest.raises(RuleViolation):
        _preview(None, "no-such")


def test_the_responsible_unit_previews_everything_either_way() -> None:
    before, after = _preview(None, None, unit=RESPONSIBLE)
    assert before == after and before.relation == "responsible"
    assert before.listed() == tuple(sorted(rules.CATEGORIES))


def test_a_preview_without_the_consents_permits_nothing_beyond_the_responsible_unit() -> None:
    facts = CitizenFacts("c", PLANS, None)
    before, after = preview(
        TREATMENT, None, "view_plan", facts, TODAY, proposed=_proposed("general"), replaces=None
    )
    assert before.unknown and after.unknown and not after.permit


# --- many citizens at once (Mine borgere) ---------------------------------------------------------------------


def _consent(citizen: str, unit: str, categories: tuple[str, ...], **extra: Any) -> ConsentFacts:
    fields: dict[str, Any] = {"citizen_id": citizen, "granted_by_unit": RESPONSIBLE, **extra}
    return ConsentFacts(f"{citizen}-{unit}", unit, categories, ("view_plan",), date(2026, 1, 1), **fields)


def test_many_decides_each_citizen_once_in_the_order_given() -> None:
    citizens = [
        CitizenFacts("c3", (PlanFacts("p3", "c3", SHELTER),), ()),  # a provider is never responsible
        CitizenFacts("c1", (), (_consent("c1", SHELTER, ("general",)),)),
        CitizenFacts("c2", (), (_consent("c2", SHELTER, ("health",), status="revoked"),)),
        CitizenFacts("c1", (), ()),
    ]
    rows = access_many(SHELTER, "provider", "view_plan", citizens, TODAY)
    assert [(c, a.permit, a.listed() if a.permit else ()) for c, a in rows] == [
        ("c3", False, ()),
        ("c1", True, ("general",)),
        ("c2", False, ()),
    ]


def test_many_for_the_responsible_unit() -> None:
    citizens = [
        CitizenFacts("c1", (PlanFacts("p1", "c1", RESPONSIBLE),), ()),
        CitizenFacts("c2", (PlanFacts("p2", "c2", RESPONSIBLE, status="closed"),), ()),
    ]
    rows = access_many(RESPONSIBLE, "authority", "view_plan", citizens, TODAY)
    assert [(c, a.permit, a.relation) for c, a in rows] == [
        ("c1", True, "responsible"),
        ("c2", False, "none"),
    ]


# --- what is shown beside a view ------------------------------------------------------------------------------


def test_the_consents_shown_follow_the_access() -> None:
    mine = _consent("c", TREATMENT, ("general",))
    registered = _consent("c", "psykiatri", ("general",), granted_by_unit=TREATMENT)
    others = _consent("c", SHELTER, ("general",))
    consents = [mine, registered, others]
    facts = CitizenFacts("c", PLANS, tuple(consents))
    as_actor = access(TREATMENT, "provider", "view_plan", facts, TODAY)
    as_responsible = access(RESPONSIBLE, "authority", "view_plan", facts, TODAY)
    stranger = access("ukendt", "provider", "view_plan", facts, TODAY)
    assert consents_shown(TREATMENT, as_actor, consents) == [mine], (
        "another unit sees the consents it received"
    )
    assert consents_shown(RESPONSIBLE, as_responsible, consents) == consents
    assert consents_shown("ukendt", stranger, consents) == []


MEETING = {
    "_id": "m1",
    "meeting_id": "m1",
    "citizen_id": "c",
    "coordinator_unit": SHELTER,
    "participants": [
        {"participant_id": "pp-1", "kind": "citizen", "unit": None},
        {"participant_id": "pp-2", "kind": "provider", "unit": TREATMENT},
        {"participant_id": "pp-3", "kind": "provider", "unit": "psykiatri"},
    ],
    "minutes": {"published_at": "2026-06-10T10:00:00+00:00", "recipients": ["pp-1", "pp-2"]},
}


@pytest.mark.parametrize(
    ("unit", "full", "citizen", "minutes", "withheld"),
    [
        (SHELTER, True, False, MEETING["minutes"], None),  # the coordinator manages it
        ("borger", False, True, MEETING["minutes"], None),  # the citizen: published minutes
        (TREATMENT, False, False, MEETING["minutes"], None),  # sent to its participant
        ("psykiatri", False, False, MEETING["minutes"], "no_consent_to_receive_minutes"),
        (TREATMENT, False, False, {"published_at": None, "recipients": []}, "not_published"),
        ("borger", False, True, {"published_at": None, "recipients": []}, "not_published"),
        (RESPONSIBLE, True, False, {"published_at": None, "recipients": []}, None),  # drafts too
        (TREATMENT, False, False, None, None),  # nothing to withhold
    ],
)
def test_who_sees_a_meetings_minutes(
    unit: str, full: bool, citizen: bool, minutes: Any, withheld: str | None
) -> None:
    assert minutes_withheld({**MEETING, "minutes": minutes}, unit, full=full, citizen=citizen) == withheld


def test_reading_a_meeting_rests_on_the_invitation_or_on_seeing_the_plan() -> None:
    invited = ConsentFacts("k1", TREATMENT, ("health",), ("meeting_invitation",), date(2026, 1, 1))
    seeing = ConsentFacts("k2", SHELTER, ("health",), ("view_plan",), date(2026, 1, 1))
    facts = CitizenFacts("c", PLANS, (invited, seeing))
    assert meeting_read(TREATMENT, "provider", facts, TODAY, invited=True).permit
    other = meeting_read(SHELTER, "provider", facts, TODAY, invited=False)
    assert (other.permit, other.reason) == (False, "categories_not_covered"), (
        "the meeting is the plan's general part"
    )


def test_a_disclosure_is_made_only_on_another_units_consent() -> None:
    facts = CitizenFacts("c", PLANS, (HEALTH,))
    actor = access(TREATMENT, "provider", "view_plan", facts, TODAY)
    assert Disclosure.of(actor, "c", TREATMENT, "view_plan", "plan_view") == Disclosure(
        "c", TREATMENT, "view_plan", "plan_view", ("general", "health"), ("k1",)
    )
    responsible = access(RESPONSIBLE, "authority", "view_plan", facts, TODAY)
    assert Disclosure.of(responsible, "c", RESPONSIBLE, "view_plan", "plan_view") is None, "its own case"
    refused = access(SHELTER, "provider", "view_plan", facts, TODAY)
    assert Disclosure.of(refused, "c", SHELTER, "view_plan", "plan_view") is None
    citizen = access("borger", "external", "view_plan", facts, TODAY, citizen=True)
    assert Disclosure.of(citizen, "c", "borger", "view_plan", "plan_view") is None


def test_a_meetings_people_are_told_on_the_plans_alone_as_to_who_is_responsible() -> None:
    """A participant's kind is what the organiser wrote, not a signed fact: the plans say who is responsible."""
    facts = CitizenFacts("c", PLANS, ())
    assert rules.meeting_access(RESPONSIBLE, rules.INVITATION, facts, TODAY).full
    refused = rules.meeting_access(TREATMENT, rules.INVITATION, facts, TODAY)
    assert (refused.permit, refused.reason) == (False, "no_consent")
    assert rules.needs_permit("provider", TREATMENT) and not rules.needs_permit("private_network", None)
    assert not rules.needs_permit("citizen", None)


def test_the_helpers_others_need_count_only_current_plans() -> None:
    plans = (
        PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT})),
        PlanFacts("p2", "c", "jobcenter", frozenset({SHELTER}), status="closed"),
        PlanFacts("p3", "c", "psykiatri", status="draft"),
    )
    assert rules.responsible_units(plans) == {RESPONSIBLE, "psykiatri"}
    assert rules.units_taking_part(plans) == {TREATMENT}
    assert PlanFacts.of({"_id": "p", "citizen_id": "c", "responsible_unit": RESPONSIBLE}).actor_units == set()
    assert PlanFacts.of(
        {
            "plan_id": "p",
            "citizen_id": "c",
            "responsible_unit": RESPONSIBLE,
            "actors": [{"unit": TREATMENT, "kind": "provider"}, {"unit": "x", "kind": "private_network"}],
        }
    ).actor_units == {TREATMENT}


def test_consent_facts_read_the_owners_answer() -> None:
    ref = {
        "consent_id": "k1",
        "citizen_id": "c",
        "grantee_unit": TREATMENT,
        "granted_by_unit": None,
        "categories": ["general", "health"],
        "purposes": ["view_plan"],
        "basis": "statutory",
        "valid_from": "2026-01-01",
        "valid_until": None,
        "status": "revoked",
    }
    found = ConsentFacts.of(ref)
    assert (found.revoked, found.basis, found.valid_until, found.categories) == (
        True,
        "statutory",
        None,
        ("general", "health"),
    )
    assert not found.in_force(TODAY)
