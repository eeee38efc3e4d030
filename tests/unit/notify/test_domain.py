"""Notify's rules without I/O: who is told what for each event, on which channel, and what an attempt does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from borgerplan_api.notify import CitizenPreferenceIn, PreferenceIn
from borgerplan_contracts.events import InvitedParticipant
from borgerplan_contracts.events.consent import ConsentExpiring, ConsentRevoked
from borgerplan_contracts.events.meetings import (
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    TaskOverdue,
)
from borgerplan_contracts.events.plan import ChangeRequestDecided, ChangeRequested
from borgerplan_rules.access import CitizenFacts, ConsentFacts, PlanFacts
from borgerplan_rules.workdays import COPENHAGEN, WorkingDayCalendar
from notify_service import domain, messages
from notify_service.domain import Cause, DeliveryResult, Notice, Preference, Recipient, Rules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CITIZEN = "c-7f3a"
MEETING = "m-8c1f"
RULES = Rules(
    public_base_url="https://borgerplan.kommune.example",
    channels=frozenset({"email"}),
    max_attempts=4,
    retry_base_seconds=2.0,
    calendar=WorkingDayCalendar.with_closing_days(["06-05", "12-24", "12-31"]),
)
ALL_CHANNELS = Rules(
    public_base_url=RULES.public_base_url,
    channels=frozenset({"email", "sms", "digital_post"}),
    max_attempts=4,
    retry_base_seconds=2.0,
)
# What must never reach a message: the citizen's name, CPR number, id and case text, wherever an event or the
# plan service's answer might carry them.
CPR = "0101901234"
CASE_TEXT = [
    "Peter Hansen",
    CPR,
    "010190-1234",
    "rusmiddel",
    "Herberget",
    "Jeg vil gerne have min egen lejlighed",
]


def _participants() -> list[InvitedParticipant]:
    return [
        # Extra fields are allowed on the bus model: even if a producer slipped case data in, it goes nowhere.
        InvitedParticipant.model_validate(
            {"participant_id": "p-citizen", "kind": "citizen", "name": "Peter Hansen", "cpr": CPR}
        ),
        InvitedParticipant(
            participant_id="p-anne",
            kind="authority",
            unit="u-job",
            name="Anne",
            email="anne@kommune.example.dk",
        ),
        InvitedParticipant(
            participant_id="p-bo", kind="provider", unit="u-bo", name="Bo", email="bo@bosted.example.dk"
        ),
        InvitedParticipant(participant_id="p-lise", kind="private_network", name="Lise"),
    ]


def _scheduled(agenda_closes_on: date | None = date(2026, 4, 7)) -> MeetingScheduled:
    start = datetime(2026, 4, 14, 7, 0, tzinfo=UTC)
    return MeetingScheduled(
        meeting_id=MEETING,
        plan_id="plan-1",
        citizen_id=CITIZEN,
        kind="network",
        start=start,
        end=start + timedelta(hours=1),
        coordinator_unit="u-job",
        participants=_participants(),
        agenda_closes_on=agenda_closes_on,
    )


def _meeting_doc() -> dict[str, Any]:
    return {"_id": MEETING, **domain.meeting_projection(_scheduled())}


def _plans() -> list[dict[str, Any]]:
    return [
        {
            "plan_id": "plan-adult",
            "citizen_id": CITIZEN,
            "status": "active",
            "responsible_unit": "u-job",
            "overview": {"purpose": "Jeg vil gerne have min egen lejlighed"},
            "actors": [
                {
                    "actor_id": "a-anne",
                    "kind": "authority",
                    "unit": "u-job",
                    "email": "anne@kommune.example.dk",
                },
                {"actor_id": "a-bo", "kind": "provider", "unit": "u-bo", "email": "bo@bosted.example.dk"},
                {
                    "actor_id": "a-lise",
                    "kind": "private_network",
                    "unit": None,
                    "phone": "+4512345678",
                    "attention_points": "rusmiddel",
                },
            ],
        },
        {
            "plan_id": "plan-unified",
            "citizen_id": CITIZEN,
            "status": "active",
            "responsible_unit": "u-job",
            "actors": [
                # Bo again, by the same address in another case: told once.
                {"actor_id": "a-bo-2", "kind": "provider", "unit": "u-bo", "email": "Bo@Bosted.example.dk"},
                {"actor_id": "a-sara", "kind": "provider", "unit": "u-bo", "email": "sara@bosted.example.dk"},
            ],
        },
    ]


def _who(notices: list[Notice]) -> set[tuple[str, str]]:
    return {(n.kind, n.recipient.participant_id) for n in notices}


# --- which notifications an event causes ----------------------------------------------------------------------


def test_a_scheduled_meeting_invites_everyone_and_reminds_the_professionals() -> None:
    notices = domain.meeting_scheduled(_scheduled(), RULES, NOW)
    assert _who(notices) == {
        ("meeting_invitation", "p-citizen"),
        ("meeting_invitation", "p-anne"),
        ("meeting_invitation", "p-bo"),
        ("meeting_invitation", "p-lise"),
        ("agenda_reminder", "p-anne"),
        ("agenda_reminder", "p-bo"),
        ("agenda_reminder", "p-lise"),
    }
    assert all(n.meeting_id == MEETING for n in notices)
    assert {n.due for n in notices if n.kind == "meeting_invitation"} == {None}, "invitations go at once"


def test_the_agenda_reminder_is_due_two_working_days_before_at_eight_copenhagen_time() -> None:
    # The agenda closes Tuesday 7 April 2026, after Easter: Monday, Friday and Thursday before are holidays.
    reminders = [n for n in domain.meeting_scheduled(_scheduled(), RULES, NOW) if n.kind == "agenda_reminder"]
    due = {n.due for n in reminders}
    assert due == {datetime(2026, 3, 31, 8, 0, tzinfo=COPENHAGEN)}
    assert datetime(2026, 3, 31, 6, 0, tzinfo=UTC) in due, "summer time: 08:00 is 06:00 UTC"


def test_no_reminder_when_its_time_has_passed_or_the_agenda_has_no_deadline() -> None:
    late = datetime(2026, 3, 31, 6, 0, tzinfo=UTC)
    assert not [n for n in domain.meeting_scheduled(_scheduled(), RULES, late) if n.kind == "agenda_reminder"]
    assert not [
        n for n in domain.meeting_scheduled(_scheduled(None), RULES, NOW) if n.kind == "agenda_reminder"
    ]


def test_a_rescheduled_meeting_updates_everyone_and_reminds_again() -> None:
    data = MeetingRescheduled(**_scheduled().model_dump(exclude={"coordinator_unit", "sequence"}), sequence=1)
    kinds = {(n.kind, n.recipient.participant_id) for n in domain.meeting_rescheduled(data, RULES, NOW)}
    assert {p for k, p in kinds if k == "meeting_update"} == {"p-citizen", "p-anne", "p-bo", "p-lise"}
    assert {p for k, p in kinds if k == "agenda_reminder"} == {"p-anne", "p-bo", "p-lise"}


def test_a_cancelled_meeting_tells_everyone() -> None:
    s = _scheduled()
    data = MeetingCancelled(
        meeting_id=MEETING,
        plan_id="plan-1",
        citizen_id=CITIZEN,
        kind="network",
        start=s.start,
        sequence=2,
        participants=s.participants,
    )
    assert _who(domain.meeting_cancelled(data, RULES)) == {
        ("meeting_cancellation", p) for p in ("p-citizen", "p-anne", "p-bo", "p-lise")
    }


def test_published_minutes_go_to_the_permitted_recipients_only() -> None:
    data = MinutesPublished(
        meeting_id=MEETING,
        plan_id="plan-1",
        citizen_id=CITIZEN,
        recipients=[p for p in _participants() if p.participant_id in ("p-citizen", "p-anne")],
        withheld_units=["u-bo"],
        citizen_attended=True,
        task_count=2,
    )
    notices = domain.minutes_published(data, _meeting_doc(), RULES)
    assert _who(notices) == {("minutes_published", "p-citizen"), ("minutes_published", "p-anne")}
    assert notices[0].values["kind"] == "netværksmøde", "the meeting's kind comes from notify's projection"


def test_overdue_minutes_go_to_the_coordinating_unit_and_overdue_tasks_to_the_responsible_too() -> None:
    minutes = MinutesOverdue(
        meeting_id=MEETING, citizen_id=CITIZEN, coordinator_unit="u-job", due=date(2026, 4, 21)
    )
    assert _who(domain.minutes_overdue(minutes, _meeting_doc(), RULES)) == {("minutes_overdue", "p-anne")}
    task = TaskOverdue(
        meeting_id=MEETING,
        citizen_id=CITIZEN,
        task_id="t-1",
        responsible_unit="u-bo",
        coordinator_unit="u-job",
        due=date(2026, 4, 21),
    )
    assert _who(domain.task_overdue(task, _meeting_doc(), RULES)) == {
        ("task_overdue", "p-anne"),
        ("task_overdue", "p-bo"),
    }
    assert domain.task_overdue(task, None, RULES) == [], "a meeting notify never heard of: nobody to tell"


def test_an_expiring_consent_tells_the_responsible_authority() -> None:
    data = ConsentExpiring(
        consent_id="k-1", citizen_id=CITIZEN, grantee_unit="u-bo", valid_until=date(2026, 4, 1)
    )
    assert _who(domain.consent_expiring(data, _plans(), RULES)) == {("consent_expiring", "a-anne")}


def test_a_revoked_consent_tells_the_unit_that_lost_it_once_per_person() -> None:
    data = ConsentRevoked(consent_id="k-1", citizen_id=CITIZEN, grantee_unit="u-bo", revoked_at=NOW)
    notices = domain.consent_revoked(data, _plans(), RULES)
    assert _who(notices) == {("consent_revoked", "a-bo"), ("consent_revoked", "a-sara")}
    assert notices[0].values["link"] == "https://borgerplan.kommune.example/api/v1/consents/k-1"


def _facts(*bo_purposes: str, revoked: bool = False) -> CitizenFacts:
    """The citizen's facts: u-job responsible for the plan, u-bo taking part, with a consent of these purposes."""
    plan = PlanFacts("plan-1", CITIZEN, "u-job", frozenset({"u-bo"}))
    consent = ConsentFacts(
        "k-1", "u-bo", ("general",), bo_purposes, date(2026, 1, 1), status="revoked" if revoked else "active"
    )
    return CitizenFacts(CITIZEN, (plan,), (consent,))


def test_a_professional_of_another_unit_is_told_only_while_access_permits_the_purpose() -> None:
    notices = domain.meeting_scheduled(_scheduled(), RULES, NOW)
    everyone = _who(notices)
    assert ("meeting_invitation", "p-bo") in everyone and ("agenda_reminder", "p-bo") in everyone
    day = NOW.date()
    told = _who(domain.permitted(notices, _facts("meeting_invitation"), day))
    assert told == everyone
    after = _who(domain.permitted(notices, _facts("meeting_invitation", revoked=True), day))
    assert after == {who for who in everyone if who[1] != "p-bo"}, (
        "a revoked consent stops the next notification"
    )
    narrower = _who(domain.permitted(notices, _facts("view_plan"), day))
    assert all(who[1] != "p-bo" for who in narrower), "seeing the plan is not being invited"
    assert {who[1] for who in after} == {"p-citizen", "p-anne", "p-lise"}, (
        "the citizen, the responsible unit, the network"
    )


def test_minutes_go_on_the_permit_to_receive_them() -> None:
    data = MinutesPublished(
        meeting_id=MEETING,
        plan_id="plan-1",
        citizen_id=CITIZEN,
        recipients=_participants(),
        withheld_units=[],
        citizen_attended=True,
        task_count=0,
    )
    notices = domain.minutes_published(data, _meeting_doc(), RULES)
    day = NOW.date()
    assert ("minutes_published", "p-bo") in _who(domain.permitted(notices, _facts("receive_minutes"), day))
    assert ("minutes_published", "p-bo") not in _who(
        domain.permitted(notices, _facts("meeting_invitation"), day)
    )


def test_a_stored_notification_whose_permit_is_gone_is_withdrawn() -> None:
    [reminder] = [
        n
        for n in domain.meeting_scheduled(_scheduled(), RULES, NOW)
        if n.kind == "agenda_reminder" and n.recipient.unit == "u-bo"
    ]
    cause = Cause(event_id="e-1", citizen_id=CITIZEN)
    stored = domain.new_notification(cause, reminder, Preference(), RULES, NOW)
    assert stored is not None and (stored["unit"], stored["recipient_kind"]) == ("u-bo", "provider")
    day = NOW.date()
    assert not domain.no_longer_permitted(stored, _facts("meeting_invitation"), day)
    assert domain.no_longer_permitted(stored, _facts("meeting_invitation", revoked=True), day)
    own = next(n for n in domain.meeting_scheduled(_scheduled(), RULES, NOW) if n.recipient.unit == "u-job")
    responsible = domain.new_notification(cause, own, Preference(), RULES, NOW)
    assert responsible is not None
    assert not domain.no_longer_permitted(responsible, _facts("meeting_invitation", revoked=True), day)


def test_notices_about_a_consent_itself_need_no_permit() -> None:
    data = ConsentRevoked(consent_id="k-1", citizen_id=CITIZEN, grantee_unit="u-bo", revoked_at=NOW)
    notices = domain.consent_revoked(data, _plans(), RULES)
    assert not any(domain.needs_facts(n) for n in notices)
    assert domain.permitted(notices, None, NOW.date()) == notices, "the unit that lost it is told it did"


def _every_notice() -> list[Notice]:
    s = _scheduled()
    return [
        *domain.meeting_scheduled(s, RULES, NOW),
        *domain.meeting_rescheduled(
            MeetingRescheduled(**s.model_dump(exclude={"coordinator_unit", "sequence"}), sequence=1),
            RULES,
            NOW,
        ),
        *domain.meeting_cancelled(
            MeetingCancelled(
                meeting_id=MEETING,
                plan_id="plan-1",
                citizen_id=CITIZEN,
                kind="network",
                start=s.start,
                sequence=2,
                participants=s.participants,
            ),
            RULES,
        ),
        *domain.minutes_published(
            MinutesPublished(
                meeting_id=MEETING,
                plan_id="plan-1",
                citizen_id=CITIZEN,
                recipients=s.participants,
                citizen_attended=False,
                task_count=0,
            ),
            _meeting_doc(),
            RULES,
        ),
        *domain.minutes_overdue(
            MinutesOverdue(
                meeting_id=MEETING, citizen_id=CITIZEN, coordinator_unit="u-job", due=date(2026, 4, 21)
            ),
            _meeting_doc(),
            RULES,
        ),
        *domain.task_overdue(
            TaskOverdue(
                meeting_id=MEETING,
                citizen_id=CITIZEN,
                task_id="t-1",
                responsible_unit="u-bo",
                coordinator_unit="u-job",
                due=date(2026, 4, 21),
            ),
            _meeting_doc(),
            RULES,
        ),
        *domain.consent_expiring(
            ConsentExpiring(
                consent_id="k-1", citizen_id=CITIZEN, grantee_unit="u-bo", valid_until=date(2026, 4, 1)
            ),
            _plans(),
            RULES,
        ),
        *domain.consent_revoked(
            ConsentRevoked(consent_id="k-1", citizen_id=CITIZEN, grantee_unit="u-bo", revoked_at=NOW),
            _plans(),
            RULES,
        ),
        *domain.change_requested(_requested(), _plans(), RULES),
        *domain.change_request_answered(_answered(), RULES),
    ]


def _requested() -> ChangeRequested:
    return ChangeRequested(
        plan_id="plan-adult", citizen_id=CITIZEN, request_id="r-1", kind="new_goal", responsible_unit="u-job"
    )


def _answered() -> ChangeRequestDecided:
    return ChangeRequestDecided(
        plan_id="plan-adult",
        citizen_id=CITIZEN,
        request_id="r-1",
        outcome="accepted",
        responsible_unit="u-job",
    )


def test_a_citizens_request_tells_the_responsible_unit_of_that_plan_and_the_answer_tells_the_citizen() -> (
    None
):
    notices = domain.change_requested(_requested(), _plans(), RULES)
    assert _who(notices) == {("change_requested", "a-anne")}, "not the provider, not the other plan's actors"
    assert notices[0].values == {"link": "https://borgerplan.kommune.example/api/v1/plans/plan-adult"}
    answered = domain.change_request_answered(_answered(), RULES)
    assert [(n.kind, n.recipient.kind, n.recipient.citizen_id) for n in answered] == [
        ("change_request_answered", "citizen", CITIZEN)
    ]
    assert domain.channel_for(answered[0].recipient, Preference(), frozenset({"email"})) is None, (
        "a citizen is reached through Digital Post only"
    )


def test_every_kind_is_caused_by_some_event() -> None:
    assert {n.kind for n in _every_notice()} == set(messages.KINDS)


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_message_carries_case_content_the_citizen_or_a_cpr_number(language: messages.Language) -> None:
    for notice in _every_notice():
        subject, body = messages.render(notice.kind, language, dict(notice.values))
        text = subject + body
        for sensitive in [*CASE_TEXT, CITIZEN]:
            assert sensitive not in text, (notice.kind, sensitive)
        assert not re.search(r"\b\d{6}-?\d{4}\b", text), "nothing shaped like a CPR number"
        assert text.count(RULES.public_base_url) == 1, "one link, to the gateway"


# --- channels, ids, stored notifications ----------------------------------------------------------------------

ANNE = Recipient("p-anne", "authority", unit="u-job", email="anne@kommune.example.dk")
SMS = Preference(channel="sms", phone="+4512345678")


@pytest.mark.parametrize(
    ("recipient", "preference", "rules", "expected"),
    [
        (ANNE, Preference(), RULES, ("email", "anne@kommune.example.dk")),
        (ANNE, SMS, ALL_CHANNELS, ("sms", "+4512345678")),
        (ANNE, SMS, RULES, ("email", "anne@kommune.example.dk")),  # SMS chosen but not configured
        (
            Recipient("p-x", "external", phone="+4587654321"),
            Preference(),
            ALL_CHANNELS,
            ("sms", "+4587654321"),
        ),
        (Recipient("p-x", "external", phone="+4587654321"), Preference(), RULES, None),
        (
            Recipient("p-c", "citizen", citizen_id=CITIZEN),
            Preference(),
            ALL_CHANNELS,
            ("digital_post", CITIZEN),
        ),
        (Recipient("p-c", "citizen", citizen_id=CITIZEN), Preference(), RULES, None),  # no Digital Post here
        (Recipient("p-lise", "private_network"), Preference(), ALL_CHANNELS, None),
    ],
)
def test_the_channel_follows_the_preference_and_what_is_configured(
    recipient: Recipient, preference: Preference, rules: Rules, expected: tuple[str, str] | None
) -> None:
    assert domain.channel_for(recipient, preference, rules.channels) == expected


PETER = Recipient("p-c", "citizen", citizen_id=CITIZEN)


@pytest.mark.parametrize(
    ("preference", "channels", "expected"),
    [
        (Preference(), {"email", "sms", "digital_post"}, ("digital_post", CITIZEN)),  # nothing chosen
        (Preference(channel="digital_post"), {"email", "digital_post"}, ("digital_post", CITIZEN)),
        (Preference(channel="email", email="peter@example.dk"), {"email"}, ("email", "peter@example.dk")),
        (Preference(channel="sms", phone="+4520304050"), {"sms", "digital_post"}, ("sms", "+4520304050")),
        # the chosen channel is not configured here: Digital Post, the citizen's legal default, when it is
        (
            Preference(channel="sms", phone="+4520304050"),
            {"email", "digital_post"},
            ("digital_post", CITIZEN),
        ),
        (Preference(channel="sms", phone="+4520304050"), {"email"}, None),
        # none: nothing from Borgerplan on any channel, Digital Post included
        (Preference(channel="none"), {"email", "sms", "digital_post"}, None),
        # a professional's address is never used for the citizen, nor the citizen's choice for a professional
        (Preference(channel="email"), {"email"}, None),
    ],
)
def test_the_citizen_is_told_as_they_chose(
    preference: Preference, channels: set[str], expected: tuple[str, str] | None
) -> None:
    assert domain.channel_for(PETER, preference, frozenset(channels)) == expected


def test_the_citizens_preference_is_keyed_by_their_id_and_a_professionals_by_address() -> None:
    assert domain.preference_key_of(PETER) == f"citizen:{CITIZEN}"
    assert domain.preference_key_of(ANNE) == "anne@kommune.example.dk"
    assert domain.preference_key_of(Recipient("p-lise", "private_network")) is None
    assert "@" not in domain.citizen_preference_key(CITIZEN)


def test_only_the_contact_detail_the_channel_needs_is_kept() -> None:
    both = {"channel": "sms", "phone": "+4520304050", "email": "peter@example.dk"}
    assert domain.citizen_preference(both) == {
        "channel": "sms",
        "phone": "+4520304050",
        "contact_email": None,
    }
    assert domain.citizen_preference({**both, "channel": "none"}) == {
        "channel": "none",
        "phone": None,
        "contact_email": None,
    }
    stored = Preference.of(domain.citizen_preference({**both, "channel": "email"}))
    assert (stored.channel, stored.email, stored.phone) == ("email", "peter@example.dk", None)
    shown = domain.citizen_preference_public(CITIZEN, None)
    assert (shown["channel"], shown["set_at"]) == ("digital_post", None), "Digital Post until they choose"


def test_the_citizens_choice_needs_the_contact_detail_of_its_channel() -> None:
    with pytest.raises(ValidationError, match="email is required when the channel is email"):
        CitizenPreferenceIn(channel="email")
    with pytest.raises(ValidationError, match="phone is required when the channel is sms"):
        CitizenPreferenceIn(channel="sms", email="peter@example.dk")
    with pytest.raises(ValidationError, match="channel"):
        CitizenPreferenceIn.model_validate({"channel": "fax"})
    assert CitizenPreferenceIn(channel="none").email is None


def test_ids_derive_from_the_cause_the_recipient_and_the_kind() -> None:
    one = domain.notification_id("evt-1", "p-anne", "meeting_invitation")
    assert one == domain.notification_id("evt-1", "p-anne", "meeting_invitation")
    assert one != domain.notification_id("evt-1", "p-anne", "agenda_reminder")
    assert one != domain.notification_id("evt-2", "p-anne", "meeting_invitation")
    assert one != domain.notification_id("evt-1", "p-bo", "meeting_invitation")


def test_a_notification_is_stored_pending_in_the_recipients_language() -> None:
    notice = Notice("agenda_reminder", ANNE, {"link": "x"}, MEETING, due=NOW + timedelta(days=3))
    doc = domain.new_notification(Cause("evt-1", CITIZEN), notice, Preference(language="en"), RULES, NOW)
    assert doc is not None
    assert doc["_id"] == domain.notification_id("evt-1", "p-anne", "agenda_reminder")
    assert (doc["status"], doc["attempts"], doc["language"]) == ("pending", 0, "en")
    assert (doc["channel"], doc["address"], doc["citizen_id"]) == ("email", ANNE.email, CITIZEN)
    assert doc["next_attempt_at"] == NOW + timedelta(days=3)
    unreachable = Notice("consent_revoked", Recipient("p-lise", "private_network"), {"link": "x"})
    assert domain.new_notification(Cause("evt-1", CITIZEN), unreachable, Preference(), RULES, NOW) is None


def test_only_email_invitations_carry_the_ics() -> None:
    base = {"kind": "meeting_invitation", "channel": "email", "meeting_id": MEETING}
    assert domain.carries_ics(base)
    assert not domain.carries_ics({**base, "channel": "sms"})
    assert not domain.carries_ics({**base, "kind": "agenda_reminder"})


# --- what a delivery attempt does -----------------------------------------------------------------------------


def _claimed(attempts: int = 0) -> dict[str, Any]:
    return {
        "_id": "n-1",
        "citizen_id": CITIZEN,
        "kind": "meeting_invitation",
        "channel": "email",
        "recipient_id": "p-anne",
        "cause_event_id": "evt-1",
        "status": "sending",
        "attempts": attempts,
        "version": 2,
    }


def test_a_delivered_notification_is_sent_and_says_so_on_the_bus() -> None:
    outcome = domain.attempt_recorded(_claimed(), DeliveryResult("delivered", "smtp_250"), RULES, NOW)
    assert outcome.set == {
        "status": "sent",
        "sent_at": NOW,
        "attempts": 1,
        "last_code": "smtp_250",
        "claim_until": None,
    }
    assert outcome.push == {"attempt_log": {"at": NOW, "outcome": "delivered", "code": "smtp_250"}}
    (event,) = outcome.events
    assert event.model_dump() == {
        "notification_id": "n-1",
        "citizen_id": CITIZEN,
        "kind": "meeting_invitation",
        "channel": "email",
        "recipient_id": "p-anne",
        "cause_event_id": "evt-1",
    }
    assert type(event).__name__ == "NotificationSent"


@pytest.mark.parametrize(("attempts_before", "pause"), [(0, 2), (1, 4), (2, 8)])
def test_a_temporary_failure_retries_with_exponential_backoff(attempts_before: int, pause: int) -> None:
    outcome = domain.attempt_recorded(
        _claimed(attempts_before), DeliveryResult("temporary", "smtp_451"), RULES, NOW
    )
    assert outcome.set["status"] == "pending"
    assert outcome.set["next_attempt_at"] == NOW + timedelta(seconds=pause)
    assert outcome.set["attempts"] == attempts_before + 1
    assert outcome.events == [], "a retry is not news"
    assert outcome.push["attempt_log"]["code"] == "smtp_451"


def test_running_out_of_attempts_fails_and_says_why() -> None:
    outcome = domain.attempt_recorded(
        _claimed(RULES.max_attempts - 1), DeliveryResult("temporary", "smtp_451"), RULES, NOW
    )
    assert (outcome.set["status"], outcome.set["attempts"]) == ("failed", RULES.max_attempts)
    (event,) = outcome.events
    assert type(event).__name__ == "NotificationFailed"
    assert event.model_dump()["reason_code"] == "smtp_451"


def test_a_permanent_failure_fails_at_once() -> None:
    outcome = domain.attempt_recorded(_claimed(), DeliveryResult("permanent", "smtp_550"), RULES, NOW)
    assert (outcome.set["status"], outcome.set["attempts"], outcome.set["last_code"]) == (
        "failed",
        1,
        "smtp_550",
    )
    assert [type(e).__name__ for e in outcome.events] == ["NotificationFailed"]


def test_only_a_pending_reminder_is_cancelled() -> None:
    cancelled = domain.reminder_cancelled({**_claimed(), "status": "pending"})
    assert cancelled.set == {"status": "cancelled"}
    assert domain.reminder_cancelled(_claimed()).empty, "one being sent is let go"
    assert domain.reminder_cancelled({**_claimed(), "status": "sent"}).empty


def test_a_preference_for_sms_needs_a_phone_and_addresses_compare_without_case() -> None:
    with pytest.raises(ValidationError, match="phone is required"):
        PreferenceIn(channel="sms")
    assert PreferenceIn(channel="sms", phone="+4512345678").language == "da"
    assert domain.preference_key(" Anne@Kommune.example.DK ") == "anne@kommune.example.dk"


def test_a_professionals_preference_is_keyed_by_the_address_of_their_sign_in() -> None:
    """Nobody sets another's: the key is the token's address, and the body has no address to give."""
    assert domain.own_preference_key("Anne@Kommune.example.DK") == "anne@kommune.example.dk"
    with pytest.raises(domain.NotifyRuleError) as refused:
        domain.own_preference_key(None)
    assert (refused.value.field, refused.value.status) == ("email", 422)
    with pytest.raises(ValidationError, match="Extra inputs"):
        PreferenceIn.model_validate({"email": "bo@kommune.example.dk", "channel": "email"})
