"""The decision rules over a table of cases: who may use which categories for which purpose, today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest

from borgerplan_rules.relations import PlanFacts
from consent_service.domain import ALL_CATEGORIES, ConsentState, decide

TODAY = date(2026, 6, 15)
RESPONSIBLE = "hjemloeseenheden"
TREATMENT = "rusmiddelenheden"
SHELTER = "herberg"
OUTREACH = "opsoegende-team"
PLANS = (PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT, SHELTER})),)
CLOSED = (PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT}), status="closed"),)
DRAFT = (PlanFacts("p1", "c", RESPONSIBLE, status="draft"),)
EVERYTHING = tuple(sorted(ALL_CATEGORIES))


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
) -> ConsentState:
    return ConsentState(
        consent_id,
        unit,
        frozenset(categories),
        frozenset(purposes),
        valid_from,
        valid_until,
        revoked,
        basis,
        granted_by_unit,
    )


class Case(NamedTuple):
    name: str
    unit: str
    consents: Sequence[ConsentState]
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


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decision(case: Case) -> None:
    decision = decide(
        unit=case.unit,
        unit_kind=case.unit_kind,  # type: ignore[arg-type]
        purpose=case.purpose,  # type: ignore[arg-type]
        categories=case.asked,  # type: ignore[arg-type]
        today=TODAY,
        consents=case.consents,
        plans=case.plans,
    )
    assert (decision.permit, decision.relation, decision.categories, decision.reason) == (
        case.permit,
        case.relation,
        case.granted,
        case.reason,
    )
    if case.permit and case.relation == "actor":
        assert decision.consent_ids, "a permit names the consents behind it"
    if not case.permit:
        assert decision.consent_ids == () and decision.categories == ()


def _decide(consents: list[ConsentState], **kwargs: Any) -> Any:
    return decide(
        unit=TREATMENT,
        purpose="view_plan",
        categories=None,
        today=TODAY,
        consents=consents,
        plans=PLANS,
        **kwargs,
    )


def test_statutory_basis_is_reported_as_such() -> None:
    assert _decide([consent(basis="statutory")]).basis == "statutory"
    assert _decide([consent(basis="statutory"), consent(consent_id="c2")]).basis == "consent"


def test_a_permit_names_every_consent_behind_it() -> None:
    both = [consent(consent_id="c2"), consent(categories=("health",), consent_id="c1")]
    assert _decide(both).consent_ids == ("c1", "c2")
