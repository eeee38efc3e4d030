"""The meetings' rules (``meetings_service.domain``) and the public models' field rules, without I/O."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from borgerplan_api.meetings import (
    AgendaItemCreate,
    CitizenDeadline,
    CitizenTask,
    MeetingCreate,
    MeetingPublic,
    MeetingSummary,
    MeetingSummaryRequest,
    MeetingUpdate,
    MinutesPut,
    ParticipantResponse,
    PreparationPut,
    UnitDeadline,
)
from borgerplan_contracts.events.meetings import (
    AgendaItemAdded,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    PreparationWritten,
    TaskAssigned,
    TaskCompleted,
    TaskOverdue,
)
from borgerplan_rules.access import CitizenFacts, ConsentFacts, Disclosure
from borgerplan_rules.workdays import DANISH
from meetings_service import domain
from meetings_service.domain import (
    Document,
    MeetingRuleError,
    Outcome,
    PlanFacts,
    Stamp,
)

CPH = ZoneInfo("Europe/Copenhagen")
AUTHORITY, TREATMENT, PSYCHIATRY, JOBCENTRE = "hjemloseenheden", "rusmiddelcenter", "psykiatrien", "jobcenter"
STAMP = Stamp(at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), by="u1", by_name="Mette", by_unit=AUTHORITY)
PLAN = PlanFacts(
    plan_id="p1",
    citizen_id="c1",
    responsible_unit=AUTHORITY,
    actor_units=frozenset({TREATMENT, PSYCHIATRY}),
)
TODAY = STAMP.at.date()


def consent(unit: str, consent_id: str, *purposes: str) -> ConsentFacts:
    """A consent of the citizen for ``unit`` (the plan's general part), in force since January."""
    wanted = purposes or ("meeting_invitation", "receive_minutes")
    return ConsentFacts(consent_id, unit, ("general",), wanted, date(2026, 1, 1), citizen_id="c1")


def facts(*consents: ConsentFacts, known: bool = True) -> CitizenFacts:
    """The citizen's facts as the owners answer them (``known`` False: the consent service did not answer)."""
    return CitizenFacts("c1", (PLAN,), consents if known else None)


EVERY = facts(consent(TREATMENT, "k1"), consent(PSYCHIATRY, "k2"))

PARTICIPANTS: list[dict[str, Any]] = [
    {"name": "Borgeren", "kind": "citizen"},
    {"name": "Søster", "kind": "private_network", "email": "soster@example.dk"},
    {"name": "Sags Behandler", "kind": "authority", "unit": AUTHORITY, "email": "sb@k.example.dk"},
    {"name": "Be Handler", "kind": "provider", "unit": TREATMENT, "email": "bh@rus.example.dk"},
    {"name": "Psy Kiater", "kind": "external", "unit": PSYCHIATRY},
]


def ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"id-{next(counter)}"


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CPH)


def create(day: date = date(2026, 4, 9), **overrides: Any) -> MeetingCreate:
    values: dict[str, Any] = {
        "plan_id": "p1",
        "kind": "network",
        "start": at(day),
        "end": at(day, 11),
        "coordinator_unit": AUTHORITY,
        "participants": PARTICIPANTS,
        **overrides,
    }
    return MeetingCreate.model_validate(values)


def scheduled(
    day: date = date(2026, 4, 9),
    known: CitizenFacts = EVERY,
    meeting_id: str = "m1",
    plan: PlanFacts = PLAN,
    **overrides: Any,
) -> Document:
    """A stored meeting as the service keeps it (version 1, history left out)."""
    body = create(day, **overrides)
    doc, _ = domain.schedule(
        body,
        plan,
        domain.invitation_answers(body.participants, known, TODAY),
        meeting_id=meeting_id,
        stamp=STAMP,
        calendar=DANISH,
        new_id=ids(),
    )
    doc.pop("history")
    return {**doc, "version": 1}


def apply(doc: Document, outcome: Outcome) -> Document:
    return {**doc, **outcome.set, "version": doc["version"] + 1}


def refused(status: int, field: str) -> Any:
    """Asserts a ``MeetingRuleError`` with this status naming this field."""

    class Check:
        def __enter__(self) -> None:
            return None

        def __exit__(self, kind: Any, error: Any, tb: Any) -> bool:
            assert isinstance(error, MeetingRuleError), f"expected a refusal, got {error!r}"
            assert (error.status, error.field) == (status, field)
            return True

    return Check()


def person(doc: Document, name: str) -> str:
    return str(next(p["participant_id"] for p in doc["participants"] if p["name"] == name))


def with_minutes(doc: Document, tasks: list[dict[str, Any]], **extra: Any) -> Document:
    body = MinutesPut.model_validate({"tasks": tasks, "citizen_attended": True, **extra})
    return apply(doc, domain.put_minutes(doc, body, ids(), DANISH))


def published(doc: Document, known: CitizenFacts = EVERY, when: datetime | None = None) -> Document:
    answers = domain.minutes_answers(doc, known, TODAY)
    return apply(doc, domain.publish_minutes(doc, answers, when or STAMP.at, DANISH))


# --- scheduling and consent -----------------------------------------------------------------------------------


def test_schedule_invites_with_consent_and_lists_the_uninvited_with_their_reason() -> None:
    body = create(
        participants=[*PARTICIPANTS, {"name": "Job Konsulent", "kind": "external", "unit": JOBCENTRE}]
    )
    # Psychiatry takes part in the plan without a consent; the job centre has no relation to the citizen at all.
    answers = domain.invitation_answers(body.participants, facts(consent(TREATMENT, "k1")), TODAY)
    assert sorted(answers) == [AUTHORITY, JOBCENTRE, PSYCHIATRY, TREATMENT], (
        "one answer per professional unit"
    )
    assert answers[AUTHORITY].full, "the responsible unit's own people are invited on its own case"
    doc, events = domain.schedule(
        body, PLAN, answers, meeting_id="m1", stamp=STAMP, calendar=DANISH, new_id=ids()
    )
    assert [p["name"] for p in doc["participants"]] == ["Borgeren", "Søster", "Sags Behandler", "Be Handler"]
    assert doc["uninvited"] == [
        {"name": "Psy Kiater", "unit": PSYCHIATRY, "reason": "no_consent"},
        {"name": "Job Konsulent", "unit": JOBCENTRE, "reason": "no_relation"},
    ]
    assert doc["history"][0]["uninvited_units"] == [JOBCENTRE, PSYCHIATRY]
    assert all(p["invitation_status"] == "needs_action" for p in doc["participants"])

    [event] = events
    assert isinstance(event, MeetingScheduled)
    on_bus = {p.kind: p for p in event.participants}
    assert on_bus["citizen"].name is None and on_bus["private_network"].email is None, (
        "no citizen data on the bus"
    )
    assert on_bus["provider"].email == "bh@rus.example.dk"
    assert event.agenda_closes_on == date(2026, 3, 31) and event.minutes_due_on == date(2026, 4, 16)

    assert domain.invitation_disclosures(doc, answers) == [
        Disclosure("c1", TREATMENT, "meeting_invitation", "meeting_invitation", ("general",), ("k1",), "m1")
    ], "the invitation to another unit on its consent is disclosed; nothing for the uninvited"

    public = MeetingPublic.model_validate({**doc, "meeting_id": doc["_id"], "version": 1})
    assert [u.reason for u in public.uninvited] == ["no_consent", "no_relation"]
    assert public.agenda[0].key == "welcome" and public.minutes is None


def test_without_the_consents_only_the_responsible_unit_and_the_citizens_own_are_invited() -> None:
    doc = scheduled(known=facts(known=False))
    assert [p["kind"] for p in doc["participants"]] == ["citizen", "private_network", "authority"]
    assert {u["reason"] for u in doc["uninvited"]} == {"consent_unavailable"}


def test_schedule_refuses_a_closed_plan_and_overlong_meetings() -> None:
    closed = PlanFacts(plan_id="p1", citizen_id="c1", responsible_unit=AUTHORITY, status="closed")
    with refused(409, "plan_id"):
        scheduled(plan=closed)
    with refused(422, "end"):
        scheduled(end=at(date(2026, 4, 9), 10) + timedelta(hours=13))
    with pytest.raises(ValidationError):
        create(end=at(date(2026, 4, 9), 9))  # ends before it starts: refused at the door


def test_a_meeting_is_called_for_a_time_to_come_and_not_moved_into_the_past() -> None:
    yesterday = STAMP.at.astimezone(CPH).date() - timedelta(days=1)
    with refused(422, "start"):
        scheduled(day=yesterday)
    an_hour_ago = STAMP.at - timedelta(hours=1)
    with refused(422, "start"):
        scheduled(start=an_hour_ago, end=an_hour_ago + timedelta(hours=1))
    assert scheduled(start=STAMP.at, end=STAMP.at + timedelta(hours=1))["status"] == "scheduled", (
        "a meeting starting this minute is not in the past"
    )
    doc = scheduled()
    back = MeetingUpdate.model_validate({"start": at(yesterday), "end": at(yesterday, 11)})
    with refused(422, "start"):
        domain.update_meeting(doc, back, STAMP.at, DANISH)
    place_only = domain.update_meeting(doc, MeetingUpdate(place="Biblioteket"), STAMP.at, DANISH)
    assert place_only.set["place"] == "Biblioteket", "a new place is not a new time"


def test_a_new_meeting_is_outstanding_and_due_to_be_reported_the_day_after_its_minutes_are_due() -> None:
    doc = scheduled()
    assert doc["agenda_closes_on"] == "2026-03-31"
    assert doc["minutes_due_on"] == "2026-04-16"
    assert doc["outstanding"] is True
    assert doc["next_overdue_on"] == "2026-04-17"
    assert [a["key"] for a in doc["agenda"]] == [item.key for item in domain.STANDARD_AGENDA]


# --- deadlines in working days --------------------------------------------------------------------------------


def test_agenda_closes_four_working_days_before_across_easter() -> None:
    start = at(date(2026, 4, 9))  # the Thursday after Easter
    assert domain.agenda_closes_on(start, DANISH) == date(2026, 3, 31)  # skips Mon, Fri and Thu of Easter
    domain.check_agenda_open(start, date(2026, 3, 31), DANISH)
    with pytest.raises(MeetingRuleError) as late:
        domain.check_agenda_open(start, date(2026, 4, 1), DANISH)
    assert late.value.status == 409 and "2026-03-31" in late.value.message


def test_minutes_due_five_working_days_after() -> None:
    assert domain.minutes_due_on(at(date(2026, 3, 30)), DANISH) == date(2026, 4, 9)  # over Easter
    assert domain.minutes_due_on(at(date(2026, 12, 22)), DANISH) == date(2026, 12, 30)  # 24 Dec works by law


def test_a_late_evening_meeting_counts_from_its_copenhagen_date() -> None:
    end = datetime(2026, 1, 9, 23, 30, tzinfo=UTC)  # Saturday 00:30 in Copenhagen
    assert domain.minutes_due_on(end, DANISH) == date(2026, 1, 16)


@pytest.mark.parametrize(
    ("due", "today", "overdue", "days"),
    [
        (date(2026, 1, 9), date(2026, 1, 9), False, 0),  # the due day itself
        (date(2026, 1, 9), date(2026, 1, 10), False, 0),  # Friday's deadline on the Saturday after
        (date(2026, 1, 9), date(2026, 1, 12), True, 1),  # ... late on Monday
        (date(2026, 1, 9), date(2026, 1, 16), True, 5),
        (date(2026, 4, 1), date(2026, 4, 6), False, 0),  # Maundy Thursday to Easter Monday: no working day
        (date(2026, 4, 1), date(2026, 4, 9), True, 3),
        (date(2026, 1, 10), date(2026, 1, 12), True, 1),  # due on a Saturday: late on Monday
        (date(2026, 1, 12), date(2026, 1, 5), False, 0),  # not yet due
    ],
)
def test_overdue_in_working_days(due: date, today: date, overdue: bool, days: int) -> None:
    assert domain.working_days_overdue(due, today, DANISH) == days
    assert domain.is_overdue(due, today, DANISH) is overdue
    assert (domain.overdue_from(due, DANISH) <= today) is overdue


def test_warnings_do_not_refuse() -> None:
    now = datetime(2026, 1, 5, tzinfo=UTC)
    start = now + timedelta(days=3)
    assert domain.warnings_for("coordinating", start, start + timedelta(minutes=90), now) == [
        "coordinating_meeting_over_one_hour"
    ]
    assert domain.warnings_for("coordinating", start, start + timedelta(minutes=60), now) == []
    assert domain.warnings_for("citizen_plan", start, start + timedelta(hours=1), now) == [
        "plan_meeting_less_than_12_weeks_ahead"
    ]
    later = now + timedelta(weeks=13)
    assert domain.warnings_for("citizen_plan", later, later + timedelta(hours=1), now) == []


def test_outreach_deadlines_from_milestones() -> None:
    deadlines = domain.outreach_deadlines(
        {
            "referral": date(2026, 3, 30),
            "first_meeting": date(2026, 1, 30),
            "course_ended": date(2026, 8, 31),
        },
        DANISH,
    )
    due = {d["kind"]: d["due"] for d in deadlines}
    assert due["contact_citizen"] == date(2026, 4, 1)
    assert due["advice"] == date(2026, 2, 3)
    assert due["internal_coordinating_meeting"] == date(2026, 2, 6)
    assert due["external_coordinating_meeting"] == date(2026, 2, 19)
    assert due["needs_assessment"] == date(2026, 2, 28)
    assert due["follow_up_window_opens"] == date(2026, 11, 30)
    assert due["follow_up_window_closes"] == date(2027, 2, 28)
    assert "first_meeting" not in due, "no first contact given"
    assert [d["due"] for d in deadlines] == sorted(d["due"] for d in deadlines)


# --- reschedule, cancel, respond, agenda ----------------------------------------------------------------------


def test_reschedule_moves_the_deadlines_and_raises_the_sequence() -> None:
    doc = {**scheduled(), "minutes_overdue_notified": True}
    body = MeetingUpdate.model_validate({"start": at(date(2026, 3, 30)), "end": at(date(2026, 3, 30), 11)})
    outcome = domain.update_meeting(doc, body, STAMP.at, DANISH)
    moved = apply(doc, outcome)
    assert (moved["sequence"], moved["agenda_closes_on"], moved["minutes_due_on"]) == (
        1,
        "2026-03-24",
        "2026-04-09",
    )
    assert moved["minutes_overdue_notified"] is False, "a new due date is reported again when missed"
    assert moved["next_overdue_on"] == "2026-04-10"
    [event] = outcome.events
    assert isinstance(event, MeetingRescheduled) and event.sequence == 1
    assert [c["field"] for c in outcome.changes] == ["end", "start"]


def test_naming_the_minute_taker_sends_no_update_and_the_same_answer_changes_nothing() -> None:
    doc = scheduled()
    outcome = domain.update_meeting(doc, MeetingUpdate(minute_taker="Kim"), STAMP.at, DANISH)
    assert outcome.set == {"minute_taker": "Kim"} and outcome.events == []
    again = apply(doc, outcome)
    assert domain.update_meeting(again, MeetingUpdate(minute_taker="Kim"), STAMP.at, DANISH).empty
    cleared = domain.update_meeting(
        again, MeetingUpdate.model_validate({"minute_taker": None}), STAMP.at, DANISH
    )
    assert cleared.set == {"minute_taker": None}


def test_cancel_once() -> None:
    doc = scheduled()
    outcome = domain.update_meeting(doc, MeetingUpdate(status="cancelled"), STAMP.at, DANISH)
    cancelled = apply(doc, outcome)
    assert isinstance(outcome.events[0], MeetingCancelled) and cancelled["sequence"] == 1
    assert cancelled["outstanding"] is False and cancelled["next_overdue_on"] is None
    with refused(409, "status"):
        domain.update_meeting(cancelled, MeetingUpdate(place="Et andet sted"), STAMP.at, DANISH)
    with refused(409, "status"):
        domain.respond(
            cancelled, person(doc, "Be Handler"), ParticipantResponse(invitation_status="accepted"), DANISH
        )


def test_update_refuses_null_for_start_end_and_status() -> None:
    for field in ("start", "end", "status"):
        with pytest.raises(ValidationError):
            MeetingUpdate.model_validate({field: None})


def test_respond_with_apologies() -> None:
    doc = scheduled()
    pid = person(doc, "Be Handler")
    answer = ParticipantResponse(invitation_status="declined", apology="Syg")
    outcome = domain.respond(doc, pid, answer, DANISH)
    after = apply(doc, outcome)
    mine = next(p for p in after["participants"] if p["participant_id"] == pid)
    assert (mine["invitation_status"], mine["apology"]) == ("declined", "Syg")
    assert domain.respond(after, pid, answer, DANISH).empty
    with refused(404, "participant_id"):
        domain.respond(doc, "nobody", answer, DANISH)


def test_agenda_items_go_before_the_network_map_until_four_working_days_before() -> None:
    doc = scheduled()
    item = AgendaItemCreate(topic="Bolig", responsible="Be Handler", minutes=15)
    outcome = domain.add_agenda_item(
        doc, item, item_id="a1", unit=TREATMENT, today=date(2026, 3, 31), calendar=DANISH
    )
    topics = [a["topic"] for a in outcome.set["agenda"]]
    assert topics.index("Bolig") == topics.index("Opdatering af netværkskort") - 1
    [event] = outcome.events
    assert isinstance(event, AgendaItemAdded) and event.added_by_unit == TREATMENT
    with refused(409, "agenda"):
        domain.add_agenda_item(
            doc, item, item_id="a2", unit=TREATMENT, today=date(2026, 4, 1), calendar=DANISH
        )


# --- minutes and tasks ----------------------------------------------------------------------------------------


def test_minutes_name_only_this_meetings_participants_and_items() -> None:
    doc = scheduled()
    due = date(2026, 4, 20).isoformat()
    with refused(422, "attendance.0.participant_id"):
        with_minutes(doc, [], attendance=[{"participant_id": "stranger", "attended": True}])
    with refused(422, "decisions.0.item_id"):
        with_minutes(doc, [], decisions=[{"item_id": "nope", "decision": "x"}])
    with refused(422, "tasks.0.responsible_participant_id"):
        with_minutes(doc, [{"what": "x", "responsible_participant_id": "stranger", "due": due}])
    with refused(422, "tasks.0.item_id"):
        with_minutes(doc, [{"what": "x", "responsible_unit": AUTHORITY, "due": due, "item_id": "nope"}])
    summary = next(a["item_id"] for a in doc["agenda"] if a["key"] == "summary")
    under = with_minutes(doc, [{"what": "x", "responsible_unit": AUTHORITY, "due": due, "item_id": summary}])
    assert under["minutes"]["tasks"][0]["item_id"] == summary, "a task keeps the item it was agreed under"
    written = with_minutes(
        doc, [{"what": "Søg bolig", "responsible_participant_id": person(doc, "Be Handler"), "due": due}]
    )
    [task] = written["minutes"]["tasks"]
    assert task["responsible_unit"] == TREATMENT, "a participant's task is their unit's"
    assert written["outstanding"] is True and written["next_overdue_on"] == "2026-04-17", (
        "minutes still unsent"
    )
    assert domain.citizen_tasks([written], date(2026, 4, 21), DANISH) == [], "draft minutes assign nothing"
    with pytest.raises(ValidationError):
        MinutesPut.model_validate({"citizen_attended": False})  # who briefs the citizen?


def test_publish_sends_to_the_permitted_and_withholds_from_the_others() -> None:
    doc = with_minutes(
        scheduled(), [{"what": "Book lægetid", "responsible_unit": AUTHORITY, "due": "2026-04-20"}]
    )
    # Psychiatry's consent covers invitations, not the minutes.
    known = facts(consent(TREATMENT, "k1"), consent(PSYCHIATRY, "k2", "meeting_invitation"))
    answers = domain.minutes_answers(doc, known, TODAY)
    assert answers[PSYCHIATRY].reason == "purpose_not_covered"
    outcome = domain.publish_minutes(doc, answers, STAMP.at, DANISH)
    after = apply(doc, outcome)
    sent = {p["name"] for p in after["participants"] if p["participant_id"] in after["minutes"]["recipients"]}
    assert sent == {"Borgeren", "Søster", "Sags Behandler", "Be Handler"}
    published_event, assigned = outcome.events
    assert isinstance(published_event, MinutesPublished) and published_event.withheld_units == [PSYCHIATRY]
    assert isinstance(assigned, TaskAssigned) and assigned.responsible_unit == AUTHORITY
    assert outcome.record == {"what": "minutes_published", "withheld_units": [PSYCHIATRY]}
    assert domain.minutes_disclosures(after, answers) == [
        Disclosure("c1", TREATMENT, "receive_minutes", "minutes", ("general",), ("k1",), "m1")
    ], "the responsible unit's own case is no disclosure"
    assert after["outstanding"] is True, "a task is open"
    assert after["next_overdue_on"] == "2026-04-21", "the task's due date now, not the minutes'"
    with refused(409, "minutes"):
        domain.publish_minutes(after, answers, STAMP.at, DANISH)
    with refused(409, "minutes"):
        domain.put_minutes(after, MinutesPut(citizen_attended=True), ids(), DANISH)
    with refused(409, "minutes"):
        domain.publish_minutes(scheduled(), answers, STAMP.at, DANISH)


def test_complete_task_once_and_the_meeting_settles() -> None:
    doc = published(
        with_minutes(scheduled(), [{"what": "Ring", "responsible_unit": AUTHORITY, "due": "2026-04-20"}])
    )
    task_id = doc["minutes"]["tasks"][0]["task_id"]
    with refused(404, "task_id"):
        domain.complete_task(doc, "nope", date(2026, 4, 14), DANISH)
    outcome = domain.complete_task(doc, task_id, date(2026, 4, 14), DANISH)
    done = apply(doc, outcome)
    assert isinstance(outcome.events[0], TaskCompleted)
    assert (done["outstanding"], done["next_overdue_on"]) == (False, None)
    with refused(409, "task_id"):
        domain.complete_task(done, task_id, date(2026, 4, 14), DANISH)
    unpublished = with_minutes(
        scheduled(), [{"what": "Ring", "responsible_unit": AUTHORITY, "due": "2026-04-20"}]
    )
    with refused(404, "task_id"):
        domain.complete_task(
            unpublished, unpublished["minutes"]["tasks"][0]["task_id"], date(2026, 4, 14), DANISH
        )


# --- the overdue pass -----------------------------------------------------------------------------------------


def test_overdue_minutes_and_tasks_are_reported_once_each() -> None:
    doc = scheduled()  # minutes due Thursday 16 April
    assert domain.report_overdue(doc, date(2026, 4, 16), DANISH).empty, "not late on the due day"
    first = domain.report_overdue(doc, date(2026, 4, 17), DANISH)
    [late] = first.events
    assert isinstance(late, MinutesOverdue) and late.coordinator_unit == AUTHORITY
    reported = apply(doc, first)
    assert reported["next_overdue_on"] is None and reported["outstanding"] is True
    assert domain.report_overdue(reported, date(2026, 4, 30), DANISH).empty, "once"

    tasks = [
        {
            "what": "A",
            "responsible_unit": AUTHORITY,
            "due": "2026-04-17",
        },  # a Friday: late on Monday the 20th
        {"what": "B", "responsible_unit": TREATMENT, "due": "2026-04-22"},
    ]
    sent = published(with_minutes(reported, tasks))
    assert sent["next_overdue_on"] == "2026-04-20"
    assert domain.report_overdue(sent, date(2026, 4, 18), DANISH).empty, "Saturday: no working day lost yet"
    monday = domain.report_overdue(sent, date(2026, 4, 20), DANISH)
    [task_late] = monday.events
    assert isinstance(task_late, TaskOverdue) and task_late.responsible_unit == AUTHORITY
    after = apply(sent, monday)
    assert after["next_overdue_on"] == "2026-04-23"
    later = domain.report_overdue(after, date(2026, 5, 1), DANISH)
    assert [type(e) for e in later.events] == [TaskOverdue]
    assert apply(after, later)["next_overdue_on"] is None
    assert domain.report_overdue(apply(after, later), date(2026, 5, 4), DANISH).empty


def test_a_cancelled_meeting_reports_nothing_and_leaves_the_pass() -> None:
    doc = apply(scheduled(), domain.cancel(scheduled(), DANISH))
    stale = {**doc, "next_overdue_on": "2026-04-17"}  # e.g. stored before the field was kept
    outcome = domain.report_overdue(stale, date(2026, 5, 1), DANISH)
    assert outcome.events == [] and outcome.set == {"next_overdue_on": None}


def test_backfill_sets_the_query_fields_of_an_older_meeting_without_history() -> None:
    doc = scheduled()
    older = {k: v for k, v in doc.items() if k not in ("outstanding", "next_overdue_on")}
    outcome = domain.backfill(older, DANISH)
    assert outcome.set == {"outstanding": True, "next_overdue_on": "2026-04-17"}
    assert outcome.changes == [] and outcome.record is None and outcome.events == []
    assert domain.backfill(doc, DANISH).empty


# --- facts for the composed views -----------------------------------------------------------------------------


def test_citizen_tasks_and_deadlines_with_overdue_in_working_days() -> None:
    tasks = [
        {"what": "Senere", "responsible_unit": AUTHORITY, "due": "2026-04-30"},
        {"what": "Før påske", "responsible_unit": TREATMENT, "due": "2026-04-01"},
    ]
    past = published(with_minutes(scheduled(date(2026, 3, 2), meeting_id="m-past"), tasks))
    upcoming = scheduled(date(2026, 4, 28), meeting_id="m-next")  # agenda closes 22 April
    unsent = scheduled(date(2026, 3, 16), meeting_id="m-unsent")  # minutes due 23 March
    cancelled = apply(scheduled(meeting_id="m-x"), domain.cancel(scheduled(meeting_id="m-x"), DANISH))
    today = date(2026, 4, 9)
    meetings = [past, upcoming, unsent, cancelled]

    rows = domain.citizen_tasks(meetings, today, DANISH)
    assert [(r["what"], r["overdue"], r["working_days_overdue"]) for r in rows] == [
        ("Før påske", True, 3),
        ("Senere", False, 0),
    ]
    assert rows[0]["meeting_id"] == "m-past" and rows[0]["responsible_unit"] == TREATMENT
    deadlines = domain.citizen_deadlines(meetings, today, DANISH)
    assert [
        (d["kind"], d["meeting_id"], d["due"], d["overdue"], d["working_days_overdue"]) for d in deadlines
    ] == [
        ("minutes_due", "m-unsent", date(2026, 3, 23), True, 10),  # 24-27 Mar, 30 Mar-1 Apr, 7-9 Apr
        ("agenda_closes", "m-next", date(2026, 4, 22), False, 0),
        ("minutes_due", "m-next", date(2026, 5, 5), False, 0),
    ], "by due date; no deadline of published minutes, a closed agenda or a cancelled meeting"
    for row in rows:
        CitizenTask.model_validate(row)
    for deadline in deadlines:
        CitizenDeadline.model_validate(deadline)


def test_summary_per_citizen_in_the_order_asked() -> None:
    now = datetime(2026, 4, 9, 8, tzinfo=UTC)
    today = date(2026, 4, 9)
    c2_plan = PlanFacts(plan_id="p2", citizen_id="c2", responsible_unit=AUTHORITY)
    tasks = [
        {"what": "Late", "responsible_unit": AUTHORITY, "due": "2026-04-01"},
        {"what": "Open", "responsible_unit": AUTHORITY, "due": "2026-05-01"},
    ]
    c1_past = published(with_minutes(scheduled(date(2026, 3, 2), meeting_id="a"), tasks))
    c1_unsent = scheduled(date(2026, 3, 16), meeting_id="b")  # minutes overdue
    c1_later = scheduled(date(2026, 5, 20), meeting_id="c")
    c1_next = scheduled(date(2026, 4, 28), meeting_id="d", place="Biblioteket")
    c2_next = scheduled(date(2026, 4, 10), meeting_id="e", plan=c2_plan)
    upcoming = [c1_later, c1_next, c2_next]
    outstanding = [c1_past, c1_unsent, c1_later, c1_next, c2_next]

    rows = domain.summaries(["c2", "c1", "c3", "c1"], upcoming, outstanding, now, today, DANISH)
    assert [r["citizen_id"] for r in rows] == ["c2", "c1", "c3"], "each once, as asked"
    c2, c1, c3 = (MeetingSummary.model_validate(r) for r in rows)
    assert c1.next_meeting is not None and c1.next_meeting.meeting_id == "d"
    assert c1.next_meeting.place == "Biblioteket"
    assert (c1.overdue_count, c1.open_task_count) == (2, 2), "one late task and one late set of minutes"
    assert c2.next_meeting is not None and c2.next_meeting.meeting_id == "e"
    assert (c2.overdue_count, c2.open_task_count) == (0, 0)
    assert c3.next_meeting is None and (c3.overdue_count, c3.open_task_count) == (0, 0)


def test_unit_deadlines_overdue_first_then_by_due_date() -> None:
    now = datetime(2026, 4, 9, 8, tzinfo=UTC)
    today = date(2026, 4, 9)
    tasks = [
        {"what": "Treatment's, late", "responsible_unit": TREATMENT, "due": "2026-04-01"},
        {"what": "Treatment's, later", "responsible_unit": TREATMENT, "due": "2026-05-01"},
        {"what": "Authority's", "responsible_unit": AUTHORITY, "due": "2026-03-20"},
    ]
    past = published(with_minutes(scheduled(date(2026, 3, 2), meeting_id="past"), tasks))
    coordinated_unsent = scheduled(date(2026, 3, 16), meeting_id="unsent", coordinator_unit=TREATMENT)
    invited_upcoming = scheduled(date(2026, 4, 28), meeting_id="upcoming")
    not_invited = scheduled(date(2026, 4, 28), meeting_id="other", known=facts(consent(PSYCHIATRY, "k2")))
    meetings = [past, coordinated_unsent, invited_upcoming, not_invited, past]  # found twice: counted once

    rows = domain.unit_deadlines(TREATMENT, meetings, now, today, DANISH)
    assert [(r["kind"], r["meeting_id"], r["due"].isoformat(), r["overdue"]) for r in rows] == [
        ("minutes_due", "unsent", "2026-03-23", True),
        ("task", "past", "2026-04-01", True),
        ("agenda_closes", "upcoming", "2026-04-22", False),
        ("task", "past", "2026-05-01", False),
    ]
    assert rows[1]["what"] == "Treatment's, late" and rows[1]["task_id"]
    assert rows[0]["task_id"] is None and rows[0]["what"] is None and rows[0]["working_days_overdue"] == 10
    for row in rows:
        UnitDeadline.model_validate(row)
    assert len(domain.unit_deadlines(TREATMENT, meetings, now, today, DANISH, limit=2)) == 2
    authority = domain.unit_deadlines(AUTHORITY, meetings, now, today, DANISH)
    assert [r["kind"] for r in authority] == [
        "task",
        "agenda_closes",
        "agenda_closes",
        "minutes_due",
        "minutes_due",
    ]


def test_summary_request_is_bounded() -> None:
    MeetingSummaryRequest(citizen_ids=[f"c{i}" for i in range(1000)])
    with pytest.raises(ValidationError):
        MeetingSummaryRequest(citizen_ids=[f"c{i}" for i in range(1001)])
    with pytest.raises(ValidationError):
        MeetingSummaryRequest(citizen_ids=[""])


def test_the_citizens_preparation_sheet_before_the_meeting() -> None:
    doc = scheduled()
    sheet = PreparationPut(hopes_and_dreams="Egen bolig", talk_about="Behandling", who_there="Min søster")
    outcome = domain.prepare(doc, sheet, STAMP, DANISH)
    assert outcome.set["preparation"]["talk_about"] == "Behandling"
    assert outcome.record == {"author": "citizen"}
    [event] = outcome.events
    assert isinstance(event, PreparationWritten) and "Behandling" not in event.model_dump_json()
    after = apply(doc, outcome)
    assert domain.prepare(after, sheet, STAMP, DANISH).empty, "the same sheet again changes nothing"
    with pytest.raises(ValidationError):
        PreparationPut()
    with refused(409, "meeting_id"):
        domain.prepare(published(with_minutes(doc, [])), sheet, STAMP, DANISH)
    with refused(409, "status"):
        domain.prepare(apply(doc, domain.cancel(doc, DANISH)), sheet, STAMP, DANISH)
