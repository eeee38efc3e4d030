"""The consent rules without I/O: the input models' field rules, changes to one consent, preview and batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from borgerplan_api.consent import (
    BatchDecisionRequest,
    ConsentCreate,
    ConsentHistoryEntry,
    ConsentNarrowing,
    ConsentPublic,
    ConsentRenewal,
    PreviewRequest,
    ProposedConsent,
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
from borgerplan_rules.relations import PlanFacts
from consent_service.domain import (
    PROPOSED,
    ConsentRuleError,
    ConsentState,
    Decision,
    check_narrowing,
    check_renewal,
    check_validity,
    decide_many,
    expire,
    grant,
    is_expiring,
    narrow,
    preview,
    renew,
    revoke,
    status_on,
    visible_consents,
    warn_expiring,
    worth_confirming,
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
    body = {"unit": SHELTER, "purpose": "view_plan", "citizen_ids": [f"c{i}" for i in range(1000)]}
    assert len(BatchDecisionRequest.model_validate(body).citizen_ids) == 1000
    with pytest.raises(ValidationError, match="citizen_ids"):
        BatchDecisionRequest.model_validate({**body, "citizen_ids": [f"c{i}" for i in range(1001)]})
    with pytest.raises(ValidationError, match="unit_kind"):
        BatchDecisionRequest.model_validate({**body, "unit_kind": "department"})


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


# --- preview, batch, relations --------------------------------------------------------------------------------

PLANS = [PlanFacts("p1", "c", RESPONSIBLE, frozenset({TREATMENT, SHELTER}))]
HEALTH = ConsentState(
    "k1",
    TREATMENT,
    frozenset({"general", "health"}),
    frozenset({"view_plan"}),
    TODAY - timedelta(days=5),
    TODAY + timedelta(days=50),
    False,
    granted_by_unit=RESPONSIBLE,
)


def _preview(
    proposed: ProposedConsent | None, replaces: str | None, unit: str = TREATMENT
) -> tuple[Decision, Decision]:
    return preview(
        unit=unit,
        unit_kind=None,
        purpose="view_plan",
        today=TODAY,
        consents=[HEALTH],
        plans=PLANS,
        proposed=proposed,
        replaces=replaces,
    )


def _proposed(*categories: str, until: date | None = None) -> ProposedConsent:
    return ProposedConsent.model_validate(
        {"categories": categories, "purposes": ["view_plan"], "valid_from": TODAY, "valid_until": until}
    )


def test_preview_a_new_consent_adds_to_what_stands() -> None:
    before, after = _preview(_proposed("housing"), None)
    assert before.categories == ("general", "health")
    assert (after.categories, after.consent_ids) == (("general", "health", "housing"), ("k1", PROPOSED))


def test_preview_a_narrowing_replaces_the_consent() -> None:
    before, after = _preview(_proposed("general"), "k1")
    assert before.categories == ("general", "health")
    assert (after.permit, after.categories, after.consent_ids) == (True, ("general",), ("k1",))


def test_preview_a_revocation() -> None:
    _, after = _preview(None, "k1")
    assert (after.permit, after.relation, after.reason) == (False, "actor", "consent_revoked")


def test_preview_for_a_unit_without_anything_yet() -> None:
    before, after = _preview(_proposed("general"), None, unit="jobcenter")
    assert (before.permit, before.relation) == (False, "none")
    assert (after.permit, after.relation, after.categories) == (True, "actor", ("general",))


def test_preview_a_renewal_of_a_consent_that_ran_out() -> None:
    ran_out = ConsentState(
        "k2",
        TREATMENT,
        frozenset({"general"}),
        frozenset({"view_plan"}),
        date(2025, 1, 1),
        date(2026, 1, 1),
        False,
    )
    before, after = preview(
        unit=TREATMENT,
        unit_kind=None,
        purpose="view_plan",
        today=TODAY,
        consents=[ran_out],
        plans=PLANS,
        proposed=ProposedConsent.model_validate(
            {
                "categories": ["general"],
                "purposes": ["view_plan"],
                "valid_from": "2025-01-01",
                "valid_until": "2027-01-01",
            }
        ),
        replaces="k2",
    )
    assert (before.permit, before.reason) == (False, "consent_not_in_force")
    assert (after.permit, after.consent_ids) == (True, ("k2",))


def test_preview_replaces_only_the_units_own_consent() -> None:
    with pytest.raises(ConsentRuleError) as other:
        _preview(None, "k1", unit=SHELTER)
    assert other.value.field == "replaces_consent_id"
    with pytest.raises(ConsentRuleError):
        _preview(None, "no-such")


def test_the_responsible_unit_previews_everything_either_way() -> None:
    before, after = _preview(None, None, unit=RESPONSIBLE)
    assert before == after and before.relation == "responsible"


def _consent_doc(citizen: str, unit: str, categories: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "_id": f"{citizen}-{unit}",
        "citizen_id": citizen,
        "grantee_unit": unit,
        "granted_by_unit": RESPONSIBLE,
        "categories": categories,
        "purposes": ["view_plan"],
        "valid_from": "2026-01-01",
        "valid_until": None,
        "status": "active",
        **extra,
    }


def test_batch_decides_each_citizen_once_in_the_order_asked() -> None:
    rows = decide_many(
        unit=SHELTER,
        unit_kind="provider",
        purpose="view_plan",
        citizen_ids=["c3", "c1", "c2", "c1"],
        today=TODAY,
        consents=[
            _consent_doc("c1", SHELTER, ["general"]),
            _consent_doc("c2", SHELTER, ["health"], status="revoked"),
        ],
        plans=[PlanFacts("p3", "c3", SHELTER)],  # a provider is never responsible
    )
    assert [(c, d.permit, d.categories) for c, d in rows] == [
        ("c3", False, ()),
        ("c1", True, ("general",)),
        ("c2", False, ()),
    ]


def test_batch_for_the_responsible_unit() -> None:
    rows = decide_many(
        unit=RESPONSIBLE,
        unit_kind="authority",
        purpose="view_plan",
        citizen_ids=["c1", "c2"],
        today=TODAY,
        consents=[],
        plans=[PlanFacts("p1", "c1", RESPONSIBLE), PlanFacts("p2", "c2", RESPONSIBLE, status="closed")],
    )
    assert [(c, d.permit, d.relation) for c, d in rows] == [
        ("c1", True, "responsible"),
        ("c2", False, "none"),
    ]


@pytest.mark.parametrize(
    ("relation", "permit", "unit_kind", "worth"),
    [
        ("responsible", True, None, False),
        ("actor", True, "provider", False),
        ("actor", False, "provider", False),  # no plan can make a provider responsible; it is related already
        ("none", False, "provider", True),  # it may have been added as an actor a moment ago
        ("none", False, "external", True),
        ("actor", True, None, True),  # the kind is unknown: it might be the responsible unit
        ("actor", True, "authority", True),
        ("none", False, "authority", True),
    ],
)
def test_which_answers_are_worth_confirming_with_the_plan_service(
    relation: str, permit: bool, unit_kind: str | None, worth: bool
) -> None:
    decision = Decision(permit, relation, (), (), "none", "x")  # type: ignore[arg-type]
    assert worth_confirming(decision, unit_kind) is worth  # type: ignore[arg-type]


def test_visible_consents_follow_the_relation() -> None:
    mine = _consent_doc("c", TREATMENT, ["general"])
    registered = _consent_doc("c", "psykiatri", ["general"], granted_by_unit=TREATMENT)
    others = _consent_doc("c", SHELTER, ["general"])
    docs = [mine, registered, others]
    as_actor = Decision(True, "actor", (), (), "consent", "consent")
    as_responsible = Decision(True, "responsible", (), (), "responsible_unit", "responsible_unit")
    stranger = Decision(False, "none", (), (), "none", "no_relation")
    assert visible_consents(TREATMENT, as_actor, docs) == [mine, registered]
    assert visible_consents(RESPONSIBLE, as_responsible, docs) == docs
    assert visible_consents("ukendt", stranger, docs) is None
