"""The one answer over a table of cases: who may use which categories for which purpose, today
(``borgerplan_rules.access``; these cases were the consent service's decision table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest

from borgerplan_rules.access import CATEGORIES, CitizenFacts, ConsentFacts, PlanFacts, access

TODAY = date(2026, 6, 15)
RESPONSIBLE = "hjemloeseenheden"
TREATMENT = "rusmiddelenheden"
SHELTER = "herberg"
OUTREACH = "opsoegende-team"
PLANS = (PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT, SHELTER})),)
CLOSED = (PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT}), status="closed"),)
DRAFT = (PlanFacts("p1", "c", RESPONSIBLE, status="draft"),)
EVERYTHING = tuple(sorted(CATEGORIES))


def consent(
    unit: str = TREATMENT,
    categories: tuple[str, ...] = ("general", "substance_use"),
    purposes: tuple[str, ...] = ("view_plan",),
    valid_from: date = TODAY - timedelta(days=10),
    valid_until: date | None = TODAY + timedelta(days=100),
    revoked: bool = False,
    basis: str = "consent",
    consent_id: str = "c1",
    granted_by_unit: str | None = RESPONSIBLE,
) -> ConsentFacts:
    return ConsentFacts(
        consent_id,
        unit,
        categories,
        purposes,
        valid_from,
        valid_until,
        "revoked" if revoked else "active",
        basis,
        granted_by_unit,
    )


class Case(NamedTuple):
    name: str
    unit: str
    consents: Sequence[ConsentFacts]
    permit: bool
    relation: str
    granted: tuple[str, ...]
    reason: str
    purpose: str = "view_plan"
    asked: tuple[str, ...] | None = None
    unit_kind: str | None = None
    plans: Sequence[PlanFacts] = PLANS


GS = ("general", "substance_use")
STATUTORY = consent(
    unit="kriminalforsorgen",
    categories=("criminal_matters",),
    purposes=("exchange_information",),
    basis="statutory",
    valid_until=None,
)
# fmt: off
CASES = [
    #    name                                             unit           consents         permit relation        granted        reason
    Case("responsible unit sees all",                     RESPONSIBLE,   [],              True,  "responsible",  EVERYTHING,    "responsible_unit"),
    Case("responsible authority unit sees all",           RESPONSIBLE,   [],              True,  "responsible",  EVERYTHING,    "responsible_unit", unit_kind="authority"),
    Case("a draft plan binds its unit too",               RESPONSIBLE,   [],              True,  "responsible",  EVERYTHING,    "responsible_unit", plans=DRAFT),
    Case("a provider unit is never responsible",          RESPONSIBLE,   [],              False, "none",         (),            "no_relation", unit_kind="provider"),
    Case("a closed plan binds no unit",                   RESPONSIBLE,   [],              False, "none",         (),            "no_relation", plans=CLOSED),
    Case("an actor of a closed plan needs a consent too", TREATMENT,     [],              False, "none",         (),            "no_relation", plans=CLOSED),
    Case("actor with consent",                            TREATMENT,     [consent()],     True,  "actor",        GS,            "consent"),
    Case("actor asking for fewer than consented",         TREATMENT,     [consent()],     True,  "actor",        ("substance_use",), "consent", asked=("substance_use",)),
    Case("consent for fewer categories than asked",       TREATMENT,     [consent()],     True,  "actor",        ("general",),  "consent", asked=("health", "general")),
    Case("consent covers none of the categories asked",   TREATMENT,     [consent()],     False, "actor",        (),            "categories_not_covered", asked=("health",)),
    Case("consent for another purpose",                   TREATMENT,     [consent()],     False, "actor",        (),            "purpose_not_covered", purpose="receive_minutes"),
    Case("expired consent",                               TREATMENT,     [consent(valid_until=TODAY - timedelta(days=1))], False, "actor", (), "consent_not_in_force"),
    Case("consent not yet valid",                         TREATMENT,     [consent(valid_from=TODAY + timedelta(days=1))],  False, "actor", (), "consent_not_in_force"),
    Case("consent valid through today",                   TREATMENT,     [consent(valid_until=TODAY)],                     True,  "actor", GS, "consent"),
    Case("revoked consent",                               TREATMENT,     [consent(revoked=True)],                          False, "actor", (), "consent_revoked"),
    Case("statutory basis",                               "kriminalforsorgen", [STATUTORY], True, "actor",       ("criminal_matters",), "consent", purpose="exchange_information", asked=("criminal_matters",)),
    Case("actor without any consent",                     SHELTER,       [consent()],     False, "actor",        (),            "no_consent"),
    Case("unknown unit",                                  "ukendt-enhed", [consent()],    False, "none",         (),            "no_relation"),
    Case("a consent's receiver is related without a plan", TREATMENT,    [consent()],     True,  "actor",        GS,            "consent", plans=()),
    Case("the unit that registered a consent is related", OUTREACH,      [consent(granted_by_unit=OUTREACH)], False, "actor", (), "no_consent", plans=()),
    Case("deny is the default without plans or consents", TREATMENT,     [],              False, "none",         (),            "no_relation", plans=()),
    Case("two consents add up",                           TREATMENT,     [consent(), consent(categories=("health",), consent_id="c2")], True, "actor", ("general", "health", "substance_use"), "consent"),
    Case("a revoked consent beside a valid one",          TREATMENT,     [consent(categories=("health",), revoked=True, consent_id="c2"), consent()], True, "actor", GS, "consent"),
    Case("another unit's consent permits nothing",        SHELTER,       [consent(), consent(unit=SHELTER, revoked=True, consent_id="c2")], False, "actor", (), "consent_revoked"),
]
# fmt: on


def _facts(plans: Sequence[PlanFacts], consents: Sequence[ConsentFacts] | None) -> CitizenFacts:
    return CitizenFacts("c", tuple(plans), None if consents is None else tuple(consents))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_access(case: Case) -> None:
    seen = access(
        case.unit, case.unit_kind, case.purpose, _facts(case.plans, case.consents), TODAY, asked=case.asked
    )
    granted = EVERYTHING if seen.full else tuple(sorted(seen.categories or ()))
    assert (seen.permit, seen.relation, granted, seen.reason) == (
        case.permit,
        case.relation,
        case.granted,
        case.reason,
    )
    assert seen.listed() == case.granted
    if case.permit and case.relation == "actor":
        assert seen.consent_ids, "a permit names the consents behind it"
        assert seen.on_consent, "data shown on it leaves on consent: a disclosure"
    if not case.permit:
        assert seen.consent_ids == () and seen.categories == frozenset()


def _decide(consents: list[ConsentFacts], **kwargs: Any) -> Any:
    return access(TREATMENT, None, "view_plan", _facts(PLANS, consents), TODAY, **kwargs)


def test_statutory_basis_is_reported_as_such() -> None:
    assert _decide([consent(basis="statutory")]).basis == "statutory"
    assert _decide([consent(basis="statutory"), consent(consent_id="c2")]).basis == "consent"


def test_a_permit_names_every_consent_behind_it() -> None:
    both = [consent(consent_id="c2"), consent(categories=("health",), consent_id="c1")]
    assert _decide(both).consent_ids == ("c1", "c2")


# fmt: off
UNAVAILABLE = [
    #    unit          unit_kind     plans   relation       permit  reason
    (RESPONSIBLE, "authority",  PLANS,  "responsible", True,  "responsible_unit"),
    (TREATMENT,   "provider",   PLANS,  "actor",       False, "consent_unavailable"),
    (OUTREACH,    "provider",   (),     "none",        False, "consent_unavailable"),
]
# fmt: on


@pytest.mark.parametrize(("unit", "unit_kind", "plans", "relation", "permit", "reason"), UNAVAILABLE)
def test_without_the_consents_only_the_responsible_unit_is_permitted(
    unit: str, unit_kind: str, plans: Sequence[PlanFacts], relation: str, permit: bool, reason: str
) -> None:
    """Fail closed: the consent service did not answer (or was not asked)."""
    seen = access(unit, unit_kind, "view_plan", _facts(plans, None), TODAY)
    assert (seen.relation, seen.permit, seen.reason, seen.unknown) == (
        relation,
        permit,
        reason,
        reason == "consent_unavailable",
    )


def test_the_citizen_sees_everything_of_their_own() -> None:
    seen = access("borger", "external", "view_plan", _facts((), []), TODAY, citizen=True)
    assert (seen.relation, seen.full, seen.on_consent, seen.basis) == ("self", True, False, "self")
    unknown = access("borger", "external", "view_plan", _facts((), None), TODAY, citizen=True)
    assert unknown.full, "the citizen's own view does not wait on the consent service"


def test_the_responsible_unit_handed_over_a_moment_ago() -> None:
    """The plan service's facts are the owner's own: the new unit is responsible on the very next request, the old one
    no longer is (the consent service's read model, which lagged behind, is gone)."""
    handed_over = (PlanFacts("p1", "c", "jobcenter", frozenset({TREATMENT})),)
    assert (
        access("jobcenter", "authority", "view_plan", _facts(handed_over, []), TODAY).relation
        == "responsible"
    )
    old = access(RESPONSIBLE, "authority", "view_plan", _facts(handed_over, []), TODAY)
    assert (old.permit, old.relation) == (False, "none")
