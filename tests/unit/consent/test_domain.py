"""The consent rules without I/O: the input models' field rules and changes to one consent. (What a consent permits
is the one answer's, ``borgerplan_rules.access``: tests/unit/rules.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from borgerplan_api.consent import (
    ConsentCreate,
    ConsentHistoryEntry,
    ConsentNarrowing,
    ConsentPublic,
    ConsentRefsAmong,
    ConsentRenewal,
    PreviewRequest,
    RevocationCreate,
)
from borgerplan_contracts.events.consent import (
    ConsentExpired,
    ConsentExpiring,
    ConsentGranted,
    ConsentNarrowed,
    ConsentRenewed,
    ConsentRevoked,
)
from borgerplan_rules.outcome import Stamp, history_entry
from consent_service.domain import (
    ConsentRuleError,
    check_narrowing,
    check_renewal,
    check_validity,
    expire,
    grant,
    is_expiring,
    narrow,
    renew,
    revoke,
    status_on,
    warn_expiring,
)

TODAY = date(2026, 6, 15)
STAMP = Stamp(
    at=datetime(2026, 6, 15, 9, 0, tzinfo=UTC), by="u1", by_name="Mette", by_unit="hjemloeseenheden"
)
RESPONSIBLE, TREATMENT, SHELTER = "hjemloeseenheden", "rusmiddelenheden", "herberg"


def _create(**overrides: object) -> ConsentCreate:
    body: dict[str, object] = {
        "citizen_id": "c",
        "grantee_unit": TREATMENT,
        "categories": ["general", "substance_use"],
        "purposes": ["view_plan", "receive_minutes"],
        "form": {"kind": "written", "document_reference": "doc-1"},
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
    }
    body.update(overrides)
    return ConsentCreate.model_validate(body)


def stored(**overrides: Any) -> dict[str, Any]:
    """A consent as the store holds it after ``grant``, at version 1."""
    doc, _ = grant(_create(), "k1", STAMP)
    doc["version"] = 1
    doc.update(overrides)
    return doc


# --- input models ---------------------------------------------------------------------------------------------


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


def test_a_batch_holds_at_most_a_thousand_citizens() -> None:
    body = {"citizen_ids": [f"c{i}" for i in range(1000)]}
    assert len(ConsentRefsAmong.model_validate(body).citizen_ids) == 1000
    with pytest.raises(ValidationError, match="citizen_ids"):
        ConsentRefsAmong.model_validate({"citizen_ids": [f"c{i}" for i in range(1001)]})
    with pytest.raises(ValidationError, match="citizen_ids"):
        ConsentRefsAmong.model_validate({"citizen_ids": []})


def test_a_preview_names_a_known_unit_kind() -> None:
    base = {"citizen_id": "c", "unit": TREATMENT, "purpose": "view_plan"}
    with pytest.raises(ValidationError, match="unit_kind"):
        PreviewRequest.model_validate({**base, "unit_kind": "department"})


def test_a_preview_without_a_proposal_asks_what_the_unit_sees_now() -> None:
    base = {"citizen_id": "c", "unit": TREATMENT, "purpose": "view_plan"}
    assert PreviewRequest.model_validate(base).proposed is None
    assert PreviewRequest.model_validate({**base, "replaces_consent_id": "k1"}).proposed is None


# --- changes to one consent -----------------------------------------------------------------------------------


def test_grant_stores_version_one_with_its_history_entry_and_event() -> None:
    doc, events = grant(_create(), "k1", STAMP)
    assert (doc["_id"], doc["status"], doc["granted_by_unit"], doc["expiring_notified"]) == (
        "k1",
        "active",
        RESPONSIBLE,
        False,
    )
    assert doc["history"] == [
        {
            "version": 1,
            "change": "granted",
            "at": STAMP.at,
            "by": "u1",
            "by_name": "Mette",
            "by_unit": RESPONSIBLE,
            "categories": ["general", "substance_use"],
            "purposes": ["view_plan", "receive_minutes"],
            "valid_until": "2026-12-31",
        }
    ]
    assert ConsentHistoryEntry.model_validate(doc["history"][0]).change == "granted"
    assert [type(e) for e in events] == [ConsentGranted]
    public = ConsentPublic.model_validate({**doc, "consent_id": doc["_id"], "version": 1})
    assert public.history[0].by_name == "Mette"


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


def test_narrow_is_a_new_version_with_what_it_covers_now() -> None:
    outcome = narrow(stored(), ConsentNarrowing(categories=["general"]))
    assert outcome.set == {"categories": ["general"], "purposes": ["view_plan", "receive_minutes"]}
    assert outcome.record == {
        "change": "narrowed",
        "categories": ["general"],
        "purposes": ["view_plan", "receive_minutes"],
        "valid_until": "2026-12-31",
    }
    (event,) = outcome.events
    assert isinstance(event, ConsentNarrowed) and event.consent_version == 2


@pytest.mark.parametrize("status", ["revoked", "expired"])
def test_only_a_consent_in_force_is_narrowed(status: str) -> None:
    with pytest.raises(ConsentRuleError) as refused:
        narrow(stored(status=status), ConsentNarrowing(categories=["general"]))
    assert (refused.value.field, refused.value.status) == ("status", 409)


def test_renewal_extends_only() -> None:
    start = TODAY - timedelta(days=300)
    check_renewal(start, TODAY + timedelta(days=5), TODAY + timedelta(days=365), TODAY)
    with pytest.raises(ConsentRuleError, match="extend"):
        check_renewal(start, TODAY + timedelta(days=5), TODAY + timedelta(days=5), TODAY)
    with pytest.raises(ConsentRuleError, match="today or later"):
        check_renewal(start, TODAY - timedelta(days=50), TODAY - timedelta(days=1), TODAY)
    with pytest.raises(ConsentRuleError, match="no end date"):
        check_renewal(start, None, TODAY + timedelta(days=5), TODAY)


def test_renewing_an_expired_consent_puts_it_in_force_and_warns_again() -> None:
    outcome = renew(
        stored(status="expired", expiring_notified=True, valid_until="2026-06-01"),
        ConsentRenewal(valid_until=date(2027, 6, 1)),
        TODAY,
    )
    assert outcome.set == {"valid_until": "2027-06-01", "status": "active", "expiring_notified": False}
    assert outcome.record is not None and outcome.record["change"] == "renewed"
    assert [type(e) for e in outcome.events] == [ConsentRenewed]
    with pytest.raises(ConsentRuleError) as revoked:
        renew(stored(status="revoked"), ConsentRenewal(valid_until=date(2027, 6, 1)), TODAY)
    assert revoked.value.status == 409


def test_revocation_records_who_when_and_why() -> None:
    outcome = revoke(stored(), RevocationCreate(reason="borgeren ønsker det"), STAMP)
    assert outcome.set == {
        "status": "revoked",
        "revocation": {
            "revoked_by": "u1",
            "revoked_by_name": "Mette",
            "revoked_by_unit": RESPONSIBLE,
            "revoked_at": STAMP.at,
            "reason": "borgeren ønsker det",
        },
    }
    assert outcome.record is not None and outcome.record["change"] == "revoked"
    assert [type(e) for e in outcome.events] == [ConsentRevoked]
    entry = history_entry(2, STAMP, outcome)
    assert entry is not None and (entry["version"], entry["change"], entry["by"]) == (2, "revoked", "u1")


def test_revoking_twice_changes_nothing() -> None:
    """GDPR art. 7(3): asking again is no error; the revocation that stands is the answer (no version, no event)."""
    first = revoke(stored(), None, STAMP)
    already = stored(**first.set, version=2)
    assert revoke(already, RevocationCreate(reason="igen"), STAMP).empty


def test_an_expired_consent_can_still_be_revoked() -> None:
    assert revoke(stored(status="expired"), None, STAMP).set["status"] == "revoked"


def test_expire_only_what_ran_out() -> None:
    ran_out = stored(valid_until="2026-06-14")
    outcome = expire(ran_out, TODAY)
    assert outcome.set == {"status": "expired"}
    assert outcome.record is not None and outcome.record["change"] == "expired"
    assert [type(e) for e in outcome.events] == [ConsentExpired]
    assert expire(stored(valid_until="2026-06-15"), TODAY).empty, "valid through its last day"
    assert expire(stored(valid_until=None), TODAY).empty
    assert expire({**ran_out, "status": "expired"}, TODAY).empty, "a racing replica finds nothing to do"
    assert expire({**ran_out, "status": "revoked"}, TODAY).empty


def test_warn_expiring_once_per_end() -> None:
    soon = stored(valid_until="2026-07-01")
    outcome = warn_expiring(soon, TODAY)
    assert outcome.set == {"expiring_notified": True} and outcome.record is None
    assert [type(e) for e in outcome.events] == [ConsentExpiring]
    assert warn_expiring({**soon, "expiring_notified": True}, TODAY).empty
    assert warn_expiring(stored(valid_until="2026-08-01"), TODAY).empty
    assert warn_expiring({**soon, "status": "revoked"}, TODAY).empty


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
