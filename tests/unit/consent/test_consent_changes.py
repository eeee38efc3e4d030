"""Rules for changing one consent: validity, narrowing, renewal, revocation, expiry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from consent_service.rules import (
    ConsentRuleError,
    check_narrowing,
    check_renewal,
    check_revocable,
    check_validity,
    is_expiring,
    status_on,
)
from consent_service.schemas import ConsentCreate

TODAY = date(2026, 6, 15)


def _create(**overrides: object) -> ConsentCreate:
    body: dict[str, object] = {
        "citizen_id": "c",
        "grantee_unit": "u",
        "categories": ["general"],
        "purposes": ["view_plan"],
        "form": {"kind": "written", "document_reference": "doc-1"},
        "valid_from": "2026-01-01",
    }
    body.update(overrides)
    return ConsentCreate.model_validate(body)


def test_a_well_formed_consent_is_accepted() -> None:
    assert _create().basis == "consent"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_until": "2025-12-31"}, "valid_until is before valid_from"),
        ({"form": {"kind": "oral"}}, "recorded_by"),
        ({"basis": "statutory"}, "statutory_paragraph"),
        ({"categories": []}, "categories"),
        ({"categories": ["gossip"]}, "categories"),
        ({"purposes": ["marketing"]}, "purposes"),
        ({"grantee_unit": "x" * 201}, "grantee_unit"),
        ({"extra_field": 1}, "extra_field"),
    ],
)
def test_malformed_consents_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        _create(**overrides)
    assert field in str(error.value)


def test_oral_consent_with_recorder_is_accepted() -> None:
    consent = _create(
        form={"kind": "oral", "recorded_by": "Mette Sørensen", "recorded_at": "2026-01-01T10:00:00Z"}
    )
    assert consent.form.recorded_by == "Mette Sørensen"


def test_validity_order() -> None:
    check_validity(TODAY, TODAY)
    with pytest.raises(ConsentRuleError):
        check_validity(TODAY, TODAY - timedelta(days=1))


def test_narrowing_takes_away_only() -> None:
    check_narrowing(["general", "health"], ["view_plan"], ["general"], None)
    check_narrowing(["general"], ["view_plan", "receive_minutes"], None, ["view_plan"])
    with pytest.raises(ConsentRuleError, match="cannot add") as added:
        check_narrowing(["general"], ["view_plan"], ["general", "health"], None)
    assert added.value.field == "categories"
    with pytest.raises(ConsentRuleError, match="revoke it instead"):
        check_narrowing(["general"], ["view_plan"], [], None)
    with pytest.raises(ConsentRuleError):
        check_narrowing(["general"], ["view_plan"], None, None)


def test_renewal_extends_only() -> None:
    start = TODAY - timedelta(days=300)
    check_renewal(start, TODAY + timedelta(days=5), TODAY + timedelta(days=365), TODAY)
    with pytest.raises(ConsentRuleError, match="extend"):
        check_renewal(start, TODAY + timedelta(days=5), TODAY + timedelta(days=5), TODAY)
    with pytest.raises(ConsentRuleError, match="today or later"):
        check_renewal(start, TODAY - timedelta(days=50), TODAY - timedelta(days=1), TODAY)
    with pytest.raises(ConsentRuleError, match="no end date"):
        check_renewal(start, None, TODAY + timedelta(days=5), TODAY)


def test_revoking_twice_is_a_conflict() -> None:
    check_revocable("active")
    check_revocable("expired")
    with pytest.raises(ConsentRuleError) as twice:
        check_revocable("revoked")
    assert twice.value.status == 409


@pytest.mark.parametrize(
    ("valid_until", "revoked", "status", "expiring"),
    [
        (None, False, "active", False),
        (TODAY + timedelta(days=31), False, "active", False),
        (TODAY + timedelta(days=30), False, "active", True),
        (TODAY, False, "active", True),
        (TODAY - timedelta(days=1), False, "expired", False),
        (TODAY + timedelta(days=10), True, "revoked", True),
    ],
)
def test_status_and_expiry_notice(
    valid_until: date | None, revoked: bool, status: str, expiring: bool
) -> None:
    assert status_on(valid_until, revoked, TODAY) == status
    assert is_expiring(valid_until, TODAY) is expiring
