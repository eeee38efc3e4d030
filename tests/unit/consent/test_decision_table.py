"""The decision rules over a table of cases: who may use which categories for which purpose, today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from consent_service.rules import ConsentState, PlanRelation, decide

TODAY = date(2026, 6, 15)
RESPONSIBLE = "hjemloeseenheden"
TREATMENT = "rusmiddelenheden"
SHELTER = "herberg"
PLANS = [PlanRelation(RESPONSIBLE, frozenset({TREATMENT, SHELTER}))]


def consent(
    unit: str = TREATMENT,
    categories: tuple[str, ...] = ("general", "substance_use"),
    purposes: tuple[str, ...] = ("view_plan",),
    valid_from: date = TODAY - timedelta(days=10),
    valid_until: date | None = TODAY + timedelta(days=100),
    revoked: bool = False,
    basis: str = "consent",
    consent_id: str = "c1",
) -> ConsentState:
    return ConsentState(
        consent_id, unit, frozenset(categories), frozenset(purposes), valid_from, valid_until, revoked, basis
    )


CASES = [
    # (name, unit, purpose, categories asked, consents, permit, relation, categories granted, reason)
    (
        "responsible unit sees all",
        RESPONSIBLE,
        "view_plan",
        None,
        [],
        True,
        "responsible",
        (
            "criminal_matters",
            "employment",
            "family",
            "finances",
            "general",
            "health",
            "housing",
            "substance_use",
        ),
        "responsible_unit",
    ),
    (
        "actor with consent",
        TREATMENT,
        "view_plan",
        None,
        [consent()],
        True,
        "actor",
        ("general", "substance_use"),
        "consent",
    ),
    (
        "actor asking for fewer categories than consented",
        TREATMENT,
        "view_plan",
        ["substance_use"],
        [consent()],
        True,
        "actor",
        ("substance_use",),
        "consent",
    ),
    (
        "consent for fewer categories than asked",
        TREATMENT,
        "view_plan",
        ["health", "general"],
        [consent()],
        True,
        "actor",
        ("general",),
        "consent",
    ),
    (
        "consent covers none of the categories asked",
        TREATMENT,
        "view_plan",
        ["health"],
        [consent()],
        False,
        "actor",
        (),
        "categories_not_covered",
    ),
    (
        "consent for another purpose",
        TREATMENT,
        "receive_minutes",
        None,
        [consent()],
        False,
        "actor",
        (),
        "purpose_not_covered",
    ),
    (
        "expired consent",
        TREATMENT,
        "view_plan",
        None,
        [consent(valid_until=TODAY - timedelta(days=1))],
        False,
        "actor",
        (),
        "consent_not_in_force",
    ),
    (
        "consent not yet valid",
        TREATMENT,
        "view_plan",
        None,
        [consent(valid_from=TODAY + timedelta(days=1))],
        False,
        "actor",
        (),
        "consent_not_in_force",
    ),
    (
        "consent valid through today",
        TREATMENT,
        "view_plan",
        None,
        [consent(valid_until=TODAY)],
        True,
        "actor",
        ("general", "substance_use"),
        "consent",
    ),
    (
        "revoked consent",
        TREATMENT,
        "view_plan",
        None,
        [consent(revoked=True)],
        False,
        "actor",
        (),
        "consent_revoked",
    ),
    (
        "statutory basis",
        "kriminalforsorgen",
        "exchange_information",
        ["criminal_matters"],
        [
            consent(
                unit="kriminalforsorgen",
                categories=("criminal_matters",),
                purposes=("exchange_information",),
                basis="statutory",
                valid_until=None,
            )
        ],
        True,
        "actor",
        ("criminal_matters",),
        "consent",
    ),
    ("actor without any consent", SHELTER, "view_plan", None, [consent()], False, "actor", (), "no_consent"),
    ("unknown unit", "ukendt-enhed", "view_plan", None, [consent()], False, "none", (), "no_relation"),
    (
        "two consents add up",
        TREATMENT,
        "view_plan",
        None,
        [consent(), consent(categories=("health",), consent_id="c2")],
        True,
        "actor",
        ("general", "health", "substance_use"),
        "consent",
    ),
    (
        "a revoked consent beside a valid one",
        TREATMENT,
        "view_plan",
        None,
        [consent(categories=("health",), revoked=True, consent_id="c2"), consent()],
        True,
        "actor",
        ("general", "substance_use"),
        "consent",
    ),
]


@pytest.mark.parametrize(
    ("unit", "purpose", "asked", "consents", "permit", "relation", "granted", "reason"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_decision(
    unit: str,
    purpose: str,
    asked: list[str] | None,
    consents: list[ConsentState],
    permit: bool,
    relation: str,
    granted: tuple[str, ...],
    reason: str,
) -> None:
    decision = decide(
        unit=unit,
        purpose=purpose,
        categories=asked,
        today=TODAY,  # type: ignore[arg-type]
        consents=consents,
        plans=PLANS,
    )
    assert (decision.permit, decision.relation, decision.categories, decision.reason) == (
        permit,
        relation,
        granted,
        reason,
    )
    if permit and relation == "actor":
        assert decision.consent_ids, "a permit names the consents behind it"
    if not permit:
        assert decision.consent_ids == () and decision.categories == ()


def test_statutory_basis_is_reported_as_such() -> None:
    statutory = consent(basis="statutory")
    decision = decide(
        unit=TREATMENT, purpose="view_plan", categories=None, today=TODAY, consents=[statutory], plans=PLANS
    )
    assert decision.basis == "statutory"


def test_a_closed_plan_does_not_make_its_unit_responsible() -> None:
    decision = decide(
        unit=RESPONSIBLE,
        purpose="view_plan",
        categories=None,
        today=TODAY,
        consents=[],
        plans=[PlanRelation(RESPONSIBLE, active=False)],
    )
    assert not decision.permit


def test_deny_is_the_default_without_plans_or_consents() -> None:
    decision = decide(
        unit=TREATMENT, purpose="view_plan", categories=None, today=TODAY, consents=[], plans=[]
    )
    assert (decision.permit, decision.relation) == (False, "none")
