"""The meetings' rules, without I/O.

The agenda-minutes document (udrettedagsorden) serves as invitation, agenda and minutes. Participants may add
items until 4 working days before the meeting; minutes go to the participants within 5 working days after it; a
coordinating meeting should take at most an hour; the date of the plan meeting should be known about 12 weeks
ahead so the citizen can attend a preparation meeting first.

Every change is a function of the stored meeting (a dict), the facts it needs (the plan, the citizen's facts that
access is decided from, the calendar, today) and the validated input, returning an ``Outcome``: the fields to set,
the history entry, the events. Who is invited and who receives the minutes is the one answer of
``borgerplan_rules.access`` for each professional's unit, asked here once per schedule or publication. It raises ``MeetingRuleError`` (a 4xx problem naming the field) when a rule refuses; nothing is
stored then. ``meetings_service.changes`` gathers the facts and writes. The reads the gateway composes views from
(overdue flags, working days overdue, a unit's deadlines) are computed here too, with the one calendar.

Two fields are kept for the queries and never shown: ``outstanding`` (the meeting still asks something of someone:
it is scheduled and its minutes are unpublished or have open tasks) and ``next_overdue_on`` (the first day an item
not yet reported as overdue becomes overdue; none when there is nothing left to report). Every change recomputes
them (``settle``), so the worklists read only open meetings and the overdue pass only those it has to report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from borgerplan_api.meetings import (
    AgendaItemCreate,
    MeetingCreate,
    MeetingUpdate,
    MinutesPut,
    ParticipantCreate,
    ParticipantResponse,
    PreparationPut,
)
from borgerplan_contracts import EventData
from borgerplan_contracts.events import InvitedParticipant
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
from borgerplan_rules.access import (
    INVITATION,
    MINUTES,
    PROFESSIONAL_KINDS,
    Access,
    CitizenFacts,
    Disclosure,
    PlanFacts,
    meeting_access,
    needs_permit,
)
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.violations import RuleViolation
from borgerplan_rules.workdays import WorkingDayCalendar, local_date

__all__ = ["Document", "Outcome", "PlanFacts", "Stamp"]

Document = dict[str, Any]

AGENDA_CLOSES_WORKING_DAYS_BEFORE = 4
MINUTES_DUE_WORKING_DAYS_AFTER = 5
COORDINATING_MAX = timedelta(hours=1)
LONGEST_MEETING = timedelta(hours=12)
PLAN_MEETING_LEAD = timedelta(weeks=12)
# How many deadlines one unit's list holds (the most overdue first).
MAX_UNIT_DEADLINES = 500


@dataclass(frozen=True)
class StandardItem:
    key: str
    topic: str
    aim: str
    minutes: int


# The template's standard items (Danish, as caseworkers and citizens read them).
STANDARD_AGENDA: tuple[StandardItem, ...] = (
    StandardItem("welcome", "Velkomst og præsentation", "Alle ved, hvem der deltager og hvorfor", 5),
    StandardItem("minute_taker", "Valg af referent", "Der er en referent", 2),
    StandardItem("purpose", "Formål med mødet", "Alle kender mødets formål", 5),
    StandardItem("status", "Status siden sidste møde", "Fælles billede af, hvad der er sket", 10),
    StandardItem("flexible", "Fleksible punkter", "Punkter, deltagerne har sat på", 15),
    StandardItem("network_map", "Opdatering af netværkskort", "Netværkskortet er opdateret", 5),
    StandardItem("any_other_business", "Eventuelt", "Plads til det, der ikke passede andre steder", 5),
    StandardItem("next_meeting", "Næste møde", "Dato og sted for næste møde", 3),
    StandardItem(
        "summary", "Opsummering af opgaver og ansvarlige", "Alle ved, hvem der gør hvad og hvornår", 10
    ),
)


class MeetingRuleError(RuleViolation):
    """A change the rules refuse (422, or 409/404 when the state is the reason)."""


# --- deadlines in working days --------------------------------------------------------------------------------


def agenda_closes_on(start: datetime, calendar: WorkingDayCalendar) -> date:
    """The last day participants may add items: 4 working days before the meeting day."""
    return calendar.add_working_days(local_date(start), -AGENDA_CLOSES_WORKING_DAYS_BEFORE)


def minutes_due_on(end: datetime, calendar: WorkingDayCalendar) -> date:
    """Minutes go to the participants within 5 working days after the meeting day."""
    return calendar.add_working_days(local_date(end), MINUTES_DUE_WORKING_DAYS_AFTER)


def working_days_overdue(due: date, today: date, calendar: WorkingDayCalendar) -> int:
    """Working days past ``due`` (after it, up to and including today); 0 while it is not past."""
    return calendar.working_days_between(due, today)


def is_overdue(due: date, today: date, calendar: WorkingDayCalendar) -> bool:
    """Overdue from the first working day after the due date: a deadline on a Friday is late on Monday, not on
    the Saturday in between."""
    return working_days_overdue(due, today, calendar) >= 1


def overdue_from(due: date, calendar: WorkingDayCalendar) -> date:
    """The first day ``due`` counts as overdue."""
    return calendar.add_working_days(due, 1)


def check_agenda_open(start: datetime, today: date, calendar: WorkingDayCalendar) -> None:
    closes = agenda_closes_on(start, calendar)
    if today > closes:
        raise MeetingRuleError(
            "agenda",
            f"the agenda closed on {closes.isoformat()} (4 working days before the meeting)",
            status=409,
        )


def warnings_for(kind: str, start: datetime, end: datetime, now: datetime) -> list[str]:
    """Advice that does not refuse the meeting."""
    warnings = []
    if kind == "coordinating" and end - start > COORDINATING_MAX:
        warnings.append("coordinating_meeting_over_one_hour")
    if kind == "citizen_plan" and start - now < PLAN_MEETING_LEAD:
        warnings.append("plan_meeting_less_than_12_weeks_ahead")
    return warnings


def check_not_past(start: datetime, now: datetime) -> None:
    """A meeting is called for a time to come: an invitation to a past hour reaches nobody in time."""
    if start < now:
        raise MeetingRuleError("start", "a meeting cannot start in the past")


def check_times(start: datetime, end: datetime) -> None:
    if end <= start:
        raise MeetingRuleError("end", "end must be after start")
    if end - start > LONGEST_MEETING:
        raise MeetingRuleError("end", "a meeting lasts at most 12 hours")


# --- what the queries read ------------------------------------------------------------------------------------


def is_published(meeting: Mapping[str, Any]) -> bool:
    return bool((meeting.get("minutes") or {}).get("published_at"))


def open_tasks(meeting: Mapping[str, Any]) -> list[Document]:
    """The tasks of published minutes not yet completed (draft minutes assign nothing yet)."""
    if not is_published(meeting):
        return []
    return [t for t in meeting["minutes"].get("tasks", []) if not t.get("completed_on")]


def is_outstanding(meeting: Mapping[str, Any]) -> bool:
    """The meeting still asks something of someone: minutes to write and send, or tasks to do."""
    return meeting["status"] == "scheduled" and (not is_published(meeting) or bool(open_tasks(meeting)))


def next_overdue_on(meeting: Mapping[str, Any], calendar: WorkingDayCalendar) -> str | None:
    """The first day an item not yet reported becomes overdue (ISO date), or None."""
    if meeting["status"] != "scheduled":
        return None
    dues: list[str] = []
    if not is_published(meeting):
        if not meeting.get("minutes_overdue_notified"):
            dues.append(meeting["minutes_due_on"])
    else:
        dues += [t["due"] for t in open_tasks(meeting) if not t.get("overdue_notified")]
    if not dues:
        return None
    return overdue_from(date.fromisoformat(min(dues)), calendar).isoformat()


def derived(meeting: Mapping[str, Any], calendar: WorkingDayCalendar) -> Document:
    return {
        "outstanding": is_outstanding(meeting),
        "next_overdue_on": next_overdue_on(meeting, calendar),
    }


def settle(meeting: Document, outcome: Outcome, calendar: WorkingDayCalendar) -> Outcome:
    """The outcome with the query fields recomputed for the meeting as it will be."""
    after = {**meeting, **outcome.set}
    outcome.set.update(
        {field: value for field, value in derived(after, calendar).items() if meeting.get(field) != value}
    )
    return outcome


def backfill(meeting: Document, calendar: WorkingDayCalendar) -> Outcome:
    """The query fields of a meeting stored before they existed (no history entry: nothing changed)."""
    return settle(meeting, Outcome(), calendar)


# --- participants and consent ---------------------------------------------------------------------------------


def bus_participant(p: Mapping[str, Any]) -> InvitedParticipant:
    """Professional contact data only: the citizen's and private network's stay here."""
    professional = p["kind"] in PROFESSIONAL_KINDS
    return InvitedParticipant(
        participant_id=p["participant_id"],
        kind=p["kind"],
        unit=p.get("unit"),
        name=p["name"] if professional else None,
        email=p.get("email") if professional else None,
    )


Answers = Mapping[str, Access]


def answers_for(
    participants: Iterable[tuple[str, str | None]], purpose: str, facts: CitizenFacts, today: date
) -> dict[str, Access]:
    """The one answer for each professional's unit among ``participants`` (kind, unit): may its people be told of
    the meeting for ``purpose``? The citizen and the private network need none."""
    units = sorted({unit for kind, unit in participants if unit and needs_permit(kind, unit)})
    return {unit: meeting_access(unit, purpose, facts, today) for unit in units}


def invitation_answers(
    participants: Iterable[ParticipantCreate], facts: CitizenFacts, today: date
) -> Answers:
    return answers_for(((p.kind, p.unit) for p in participants), INVITATION, facts, today)


def minutes_answers(meeting: Mapping[str, Any], facts: CitizenFacts, today: date) -> Answers:
    return answers_for(((p["kind"], p.get("unit")) for p in meeting["participants"]), MINUTES, facts, today)


# Fail closed: a unit nobody asked about is refused.
_UNASKED = Access("none", frozenset(), reason="consent_unavailable")


def _refused(kind: str, unit: str | None, answers: Answers) -> Access | None:
    """Why a participant is not told, or None (told: no permit needed, or permitted)."""
    if not unit or not needs_permit(kind, unit):
        return None
    seen = answers.get(unit, _UNASKED)
    return None if seen.permit else seen


def invitations(
    participants: Sequence[ParticipantCreate], answers: Answers
) -> tuple[list[ParticipantCreate], list[Document]]:
    """Who is invited, and who is not and why (the answer's reason; ``consent_unavailable`` when the consents
    could not be read)."""
    invited: list[ParticipantCreate] = []
    uninvited: list[Document] = []
    for p in participants:
        refusal = _refused(p.kind, p.unit, answers)
        if refusal is None:
            invited.append(p)
        else:
            uninvited.append({"name": p.name, "unit": p.unit, "reason": refusal.reason})
    return invited, uninvited


def disclosures(meeting: Mapping[str, Any], answers: Answers, purpose: str, what: str) -> list[Disclosure]:
    """What to record for the units that were told on their consent (the responsible unit's own case discloses
    nothing)."""
    units = sorted({p["unit"] for p in meeting["participants"] if p.get("unit") and p["unit"] in answers})
    found = (
        Disclosure.of(answers[unit], meeting["citizen_id"], unit, purpose, what, reference=meeting["_id"])
        for unit in units
    )
    return [d for d in found if d is not None]


# --- schedule -------------------------------------------------------------------------------------------------


def check_current(plan: PlanFacts) -> None:
    if not plan.current:
        raise MeetingRuleError("plan_id", "the plan is closed; schedule the meeting on a current plan", 409)


def schedule(
    body: MeetingCreate,
    plan: PlanFacts,
    answers: Answers,
    *,
    meeting_id: str,
    stamp: Stamp,
    calendar: WorkingDayCalendar,
    new_id: Callable[[], str],
) -> tuple[Document, list[EventData]]:
    """A new meeting of ``plan`` and its events.

    The citizen's own people and the responsible unit's are invited; a professional of another unit only when
    ``answers`` (``invitation_answers``) permits it for that unit; otherwise they are listed in ``uninvited`` with
    the reason.
    """
    check_current(plan)
    check_not_past(body.start, stamp.at)
    check_times(body.start, body.end)
    invited, uninvited = invitations(body.participants, answers)
    participants: list[Document] = [
        {
            **p.model_dump(mode="json"),
            "participant_id": new_id(),
            "invitation_status": "needs_action",
            "apology": None,
        }
        for p in invited
    ]
    closes, due = agenda_closes_on(body.start, calendar), minutes_due_on(body.end, calendar)
    agenda = [
        {
            "item_id": new_id(),
            "key": item.key,
            "topic": item.topic,
            "responsible": None,
            "aim": item.aim,
            "minutes": item.minutes,
            "added_by_unit": None,
        }
        for item in STANDARD_AGENDA
    ]
    doc: Document = {
        "_id": meeting_id,
        **body.model_dump(mode="json", exclude={"participants", "start", "end"}),
        # start and end as BSON dates (UTC): they sort and compare whatever offset the caller sent.
        "start": body.start,
        "end": body.end,
        "citizen_id": plan.citizen_id,
        "participants": participants,
        "uninvited": uninvited,
        "agenda": agenda,
        "status": "scheduled",
        "sequence": 0,
        "agenda_closes_on": closes.isoformat(),
        "minutes_due_on": due.isoformat(),
        "minutes": None,
        "minutes_overdue_notified": False,
        "warnings": warnings_for(body.kind, body.start, body.end, stamp.at),
        "scheduled_by": stamp.by,
        "history": [
            {
                "version": 1,
                **stamp.doc(),
                "what": "scheduled",
                "uninvited_units": sorted({u["unit"] for u in uninvited if u["unit"]}),
            }
        ],
    }
    doc.update(derived(doc, calendar))
    event = MeetingScheduled(
        meeting_id=meeting_id,
        plan_id=body.plan_id,
        citizen_id=plan.citizen_id,
        kind=body.kind,
        start=body.start,
        end=body.end,
        coordinator_unit=body.coordinator_unit,
        participants=[bus_participant(p) for p in participants],
        sequence=0,
        agenda_closes_on=closes,
        minutes_due_on=due,
    )
    return doc, [event]


def invitation_disclosures(meeting: Mapping[str, Any], answers: Answers) -> list[Disclosure]:
    """The invitations that went to other units on their consent."""
    return disclosures(meeting, answers, INVITATION, "meeting_invitation")


# --- reschedule, cancel, respond, agenda ----------------------------------------------------------------------


def _refuse_when_cancelled(meeting: Mapping[str, Any]) -> None:
    if meeting["status"] == "cancelled":
        raise MeetingRuleError("status", "the meeting is cancelled", status=409)


def cancel(meeting: Document, calendar: WorkingDayCalendar) -> Outcome:
    _refuse_when_cancelled(meeting)
    sequence = meeting.get("sequence", 0) + 1
    outcome = Outcome(
        set={"status": "cancelled", "sequence": sequence},
        changes=[{"field": "status", "from": meeting["status"], "to": "cancelled"}],
        events=[
            MeetingCancelled(
                meeting_id=meeting["_id"],
                plan_id=meeting["plan_id"],
                citizen_id=meeting["citizen_id"],
                kind=meeting["kind"],
                start=meeting["start"],
                sequence=sequence,
                participants=[bus_participant(p) for p in meeting["participants"]],
            )
        ],
    )
    return settle(meeting, outcome, calendar)


def update_meeting(
    meeting: Document, body: MeetingUpdate, now: datetime, calendar: WorkingDayCalendar
) -> Outcome:
    """Reschedule (time, place: a new SEQUENCE for the calendars), name the minute-taker, or cancel."""
    _refuse_when_cancelled(meeting)
    if body.status == "cancelled":
        return cancel(meeting, calendar)
    requested: Document = {
        k: getattr(body, k) for k in ("start", "end", "place", "minute_taker") if k in body.model_fields_set
    }
    changed: Document = {k: v for k, v in requested.items() if meeting.get(k) != v}
    if not changed:
        return Outcome()
    outcome = Outcome(
        set=dict(changed),
        changes=[{"field": k, "from": meeting.get(k), "to": v} for k, v in sorted(changed.items())],
    )
    if changed.keys() & {"start", "end", "place"}:
        after = {**meeting, **changed}
        start: datetime = after["start"]
        end: datetime = after["end"]
        if "start" in changed:
            check_not_past(start, now)
        check_times(start, end)
        sequence = meeting.get("sequence", 0) + 1
        closes, due = agenda_closes_on(start, calendar), minutes_due_on(end, calendar)
        outcome.set.update(
            {
                "sequence": sequence,
                "agenda_closes_on": closes.isoformat(),
                "minutes_due_on": due.isoformat(),
                "warnings": warnings_for(meeting["kind"], start, end, now),
            }
        )
        if due.isoformat() != meeting["minutes_due_on"]:
            outcome.set["minutes_overdue_notified"] = False  # a new due date is reported again when missed
        outcome.events.append(
            MeetingRescheduled(
                meeting_id=meeting["_id"],
                plan_id=meeting["plan_id"],
                citizen_id=meeting["citizen_id"],
                kind=meeting["kind"],
                start=start,
                end=end,
                sequence=sequence,
                participants=[bus_participant(p) for p in meeting["participants"]],
                agenda_closes_on=closes,
                minutes_due_on=due,
            )
        )
    return settle(meeting, outcome, calendar)


def respond(
    meeting: Document, participant_id: str, body: ParticipantResponse, calendar: WorkingDayCalendar
) -> Outcome:
    """A participant accepts, declines (with apologies: afbud) or answers tentatively."""
    _refuse_when_cancelled(meeting)
    participants = [dict(p) for p in meeting["participants"]]
    match = next((p for p in participants if p["participant_id"] == participant_id), None)
    if match is None:
        raise MeetingRuleError("participant_id", "no such participant in this meeting", status=404)
    before = (match["invitation_status"], match.get("apology"))
    if before == (body.invitation_status, body.apology):
        return Outcome()
    match.update(invitation_status=body.invitation_status, apology=body.apology)
    outcome = Outcome(
        set={"participants": participants},
        changes=[
            {
                "field": f"participants.{participant_id}.invitation_status",
                "from": before[0],
                "to": body.invitation_status,
            }
        ],
    )
    return settle(meeting, outcome, calendar)


def add_agenda_item(
    meeting: Document,
    body: AgendaItemCreate,
    *,
    item_id: str,
    unit: str,
    today: date,
    calendar: WorkingDayCalendar,
) -> Outcome:
    """A participant's item, before "network map" as in the template; closed 4 working days before."""
    _refuse_when_cancelled(meeting)
    check_agenda_open(meeting["start"], today, calendar)
    item = {"item_id": item_id, "key": None, **body.model_dump(mode="json"), "added_by_unit": unit}
    agenda = list(meeting["agenda"])
    position = next((i for i, a in enumerate(agenda) if a.get("key") == "network_map"), len(agenda))
    agenda.insert(position, item)
    outcome = Outcome(
        set={"agenda": agenda},
        changes=[{"field": f"agenda.{item_id}", "from": None, "to": body.topic}],
        events=[
            AgendaItemAdded(
                meeting_id=meeting["_id"],
                citizen_id=meeting["citizen_id"],
                item_id=item_id,
                added_by_unit=unit,
            )
        ],
    )
    return settle(meeting, outcome, calendar)


def prepare(meeting: Document, body: PreparationPut, stamp: Stamp, calendar: WorkingDayCalendar) -> Outcome:
    """The citizen's preparation sheet: their hopes and dreams, what they want to talk about, who they want there.
    Written before the meeting's minutes are published, as often as the citizen likes; the last one stands."""
    _refuse_when_cancelled(meeting)
    if is_published(meeting):
        raise MeetingRuleError("meeting_id", "the meeting is over; its minutes are published", status=409)
    sheet = body.model_dump(mode="json")
    before = {k: (meeting.get("preparation") or {}).get(k) for k in sheet}
    changed = [
        c for c in ({"field": f"preparation.{k}", "from": before[k], "to": v} for k, v in sheet.items())
    ]
    changed = [c for c in changed if c["from"] != c["to"]]
    if not changed:
        return Outcome()
    outcome = Outcome(
        set={"preparation": {**sheet, "at": stamp.at, "by": stamp.by}},
        changes=changed,
        events=[
            PreparationWritten(
                meeting_id=meeting["_id"],
                citizen_id=meeting["citizen_id"],
                coordinator_unit=meeting["coordinator_unit"],
            )
        ],
        record={"author": "citizen"},
    )
    return settle(meeting, outcome, calendar)


# --- minutes and tasks ----------------------------------------------------------------------------------------


def put_minutes(
    meeting: Document, body: MinutesPut, new_id: Callable[[], str], calendar: WorkingDayCalendar
) -> Outcome:
    """Draft minutes: attendance, a decision per item, tasks (who, what, due). Replaced whole until published."""
    _refuse_when_cancelled(meeting)
    if is_published(meeting):
        raise MeetingRuleError("minutes", "the minutes are published and can no longer change", status=409)
    known = {p["participant_id"]: p.get("unit") for p in meeting["participants"]}
    items = {a["item_id"] for a in meeting["agenda"]}
    for i, a in enumerate(body.attendance):
        if a.participant_id not in known:
            raise MeetingRuleError(f"attendance.{i}.participant_id", "not a participant of this meeting")
    for i, d in enumerate(body.decisions):
        if d.item_id not in items:
            raise MeetingRuleError(f"decisions.{i}.item_id", "not an item of this meeting's agenda")
    for i, t in enumerate(body.tasks):
        if t.responsible_participant_id and t.responsible_participant_id not in known:
            raise MeetingRuleError(f"tasks.{i}.responsible_participant_id", "not a participant")
        if t.item_id and t.item_id not in items:
            raise MeetingRuleError(f"tasks.{i}.item_id", "not an item of this meeting's agenda")
    tasks = [
        {
            "task_id": new_id(),
            **t.model_dump(mode="json"),
            "responsible_unit": t.responsible_unit or known.get(t.responsible_participant_id or ""),
            "completed_on": None,
            "overdue_notified": False,
        }
        for t in body.tasks
    ]
    minutes = {
        **body.model_dump(mode="json", exclude={"tasks"}),
        "tasks": tasks,
        "published_at": None,
        "recipients": [],
    }
    outcome = Outcome(set={"minutes": minutes}, record={"what": "minutes_written", "task_count": len(tasks)})
    return settle(meeting, outcome, calendar)


def publish_minutes(
    meeting: Document, answers: Answers, at: datetime, calendar: WorkingDayCalendar
) -> Outcome:
    """The minutes go to the citizen, the private network and the professionals whose unit may receive them
    (``minutes_answers``; no answer is a refusal). The tasks are assigned."""
    _refuse_when_cancelled(meeting)
    minutes = meeting.get("minutes")
    if not minutes:
        raise MeetingRuleError("minutes", "there are no minutes to publish yet", status=409)
    if minutes.get("published_at"):
        raise MeetingRuleError("minutes", "the minutes are published already", status=409)
    participants = meeting["participants"]
    refused = [p for p in participants if _refused(p["kind"], p.get("unit"), answers) is not None]
    recipients = [p for p in participants if p not in refused]
    published = {**minutes, "published_at": at, "recipients": [p["participant_id"] for p in recipients]}
    withheld = sorted({p["unit"] for p in refused})
    citizen_id = meeting["citizen_id"]
    events: list[EventData] = [
        MinutesPublished(
            meeting_id=meeting["_id"],
            plan_id=meeting["plan_id"],
            citizen_id=citizen_id,
            recipients=[bus_participant(p) for p in recipients],
            withheld_units=withheld,
            citizen_attended=minutes["citizen_attended"],
            task_count=len(minutes["tasks"]),
        )
    ]
    events += [
        TaskAssigned(
            meeting_id=meeting["_id"],
            citizen_id=citizen_id,
            task_id=t["task_id"],
            responsible_unit=t["responsible_unit"],
            responsible_participant_id=t["responsible_participant_id"],
            due=t["due"],
        )
        for t in minutes["tasks"]
    ]
    outcome = Outcome(
        set={"minutes": published},
        record={"what": "minutes_published", "withheld_units": withheld},
        events=events,
    )
    return settle(meeting, outcome, calendar)


def minutes_disclosures(meeting: Mapping[str, Any], answers: Answers) -> list[Disclosure]:
    """The minutes that went to other units on their consent."""
    return disclosures(meeting, answers, MINUTES, "minutes")


def complete_task(meeting: Document, task_id: str, today: date, calendar: WorkingDayCalendar) -> Outcome:
    minutes = meeting.get("minutes") or {}
    tasks = [dict(t) for t in minutes.get("tasks", [])]
    task = next((t for t in tasks if t["task_id"] == task_id), None)
    if task is None or not minutes.get("published_at"):
        raise MeetingRuleError("task_id", "no such task in published minutes", status=404)
    if task["completed_on"]:
        raise MeetingRuleError("task_id", "the task is completed already", status=409)
    task["completed_on"] = today.isoformat()
    outcome = Outcome(
        set={"minutes": {**minutes, "tasks": tasks}},
        changes=[{"field": f"minutes.tasks.{task_id}.completed_on", "from": None, "to": today.isoformat()}],
        events=[
            TaskCompleted(
                meeting_id=meeting["_id"],
                citizen_id=meeting["citizen_id"],
                task_id=task_id,
                completed_on=today,
            )
        ],
    )
    return settle(meeting, outcome, calendar)


# --- the overdue pass -----------------------------------------------------------------------------------------


def report_overdue(meeting: Document, today: date, calendar: WorkingDayCalendar) -> Outcome:
    """``MinutesOverdue`` and ``TaskOverdue`` for what is overdue and not reported yet, each once (the flags are
    set in the same write). The tasks array is rewritten whole: FerretDB has no ``arrayFilters``."""
    outcome = Outcome()
    if meeting["status"] != "scheduled":
        return settle(meeting, outcome, calendar)
    minutes = meeting.get("minutes") or {}
    citizen_id, meeting_id = meeting["citizen_id"], meeting["_id"]
    if (
        not is_published(meeting)
        and not meeting.get("minutes_overdue_notified")
        and is_overdue(date.fromisoformat(meeting["minutes_due_on"]), today, calendar)
    ):
        outcome.set["minutes_overdue_notified"] = True
        outcome.events.append(
            MinutesOverdue(
                meeting_id=meeting_id,
                citizen_id=citizen_id,
                coordinator_unit=meeting["coordinator_unit"],
                due=meeting["minutes_due_on"],
            )
        )
    if is_published(meeting):
        tasks = [dict(t) for t in minutes.get("tasks", [])]
        reported = False
        for task in tasks:
            if (
                not task.get("completed_on")
                and not task.get("overdue_notified")
                and is_overdue(date.fromisoformat(task["due"]), today, calendar)
            ):
                task["overdue_notified"] = reported = True
                outcome.events.append(
                    TaskOverdue(
                        meeting_id=meeting_id,
                        citizen_id=citizen_id,
                        task_id=task["task_id"],
                        responsible_unit=task["responsible_unit"],
                        coordinator_unit=meeting["coordinator_unit"],
                        due=task["due"],
                    )
                )
        if reported:
            outcome.set["minutes"] = {**minutes, "tasks": tasks}
    return settle(meeting, outcome, calendar)


# --- facts for the composed views -----------------------------------------------------------------------------


def _lateness(due: date, today: date, calendar: WorkingDayCalendar) -> Document:
    days = working_days_overdue(due, today, calendar)
    return {"overdue": days >= 1, "working_days_overdue": days}


def citizen_tasks(
    meetings: Sequence[Mapping[str, Any]], today: date, calendar: WorkingDayCalendar
) -> list[Document]:
    """The open tasks of published minutes, by due date."""
    rows = []
    for meeting in meetings:
        if meeting["status"] != "scheduled":
            continue
        for task in open_tasks(meeting):
            due = date.fromisoformat(task["due"])
            rows.append(
                {
                    "task_id": task["task_id"],
                    "meeting_id": meeting["_id"],
                    "what": task["what"],
                    "responsible_unit": task.get("responsible_unit"),
                    "responsible_participant_id": task.get("responsible_participant_id"),
                    "due": due,
                    **_lateness(due, today, calendar),
                }
            )
    return sorted(rows, key=lambda r: (r["due"], r["meeting_id"], r["task_id"]))


def meeting_deadlines(
    meeting: Mapping[str, Any], today: date, calendar: WorkingDayCalendar
) -> list[Document]:
    """Minutes due while unpublished; the agenda's last day while it is open (a closed agenda asks nothing)."""
    if meeting["status"] != "scheduled":
        return []
    rows = []
    if not is_published(meeting):
        due = date.fromisoformat(meeting["minutes_due_on"])
        rows.append(
            {
                "kind": "minutes_due",
                "meeting_id": meeting["_id"],
                "due": due,
                **_lateness(due, today, calendar),
            }
        )
    closes = date.fromisoformat(meeting["agenda_closes_on"])
    if closes >= today:
        rows.append(
            {
                "kind": "agenda_closes",
                "meeting_id": meeting["_id"],
                "due": closes,
                "overdue": False,
                "working_days_overdue": 0,
            }
        )
    return rows


def citizen_deadlines(
    meetings: Sequence[Mapping[str, Any]], today: date, calendar: WorkingDayCalendar
) -> list[Document]:
    rows = [row for meeting in meetings for row in meeting_deadlines(meeting, today, calendar)]
    return sorted(rows, key=lambda r: (r["due"], r["kind"], r["meeting_id"]))


def summaries(
    citizen_ids: Sequence[str],
    upcoming: Sequence[Mapping[str, Any]],
    outstanding: Sequence[Mapping[str, Any]],
    now: datetime,
    today: date,
    calendar: WorkingDayCalendar,
) -> list[Document]:
    """Per citizen (in the order asked, each once): the next meeting, how much is overdue, how many tasks are open.

    ``upcoming`` are scheduled meetings from ``now`` on; ``outstanding`` those still asking something of someone.
    """
    rows: dict[str, Document] = {
        cid: {"citizen_id": cid, "next_meeting": None, "overdue_count": 0, "open_task_count": 0}
        for cid in citizen_ids
    }
    for meeting in sorted(upcoming, key=lambda m: (m["start"], m["_id"])):
        row = rows.get(meeting["citizen_id"])
        if row is None or row["next_meeting"] or meeting["status"] != "scheduled" or meeting["start"] < now:
            continue
        row["next_meeting"] = {
            "meeting_id": meeting["_id"],
            "kind": meeting["kind"],
            "start": meeting["start"],
            "end": meeting["end"],
            "place": meeting.get("place"),
        }
    for meeting in outstanding:
        row = rows.get(meeting["citizen_id"])
        if row is None or meeting["status"] != "scheduled":
            continue
        tasks = citizen_tasks([meeting], today, calendar)
        row["open_task_count"] += len(tasks)
        row["overdue_count"] += sum(t["overdue"] for t in tasks)
        row["overdue_count"] += sum(
            d["overdue"] for d in meeting_deadlines(meeting, today, calendar) if d["kind"] == "minutes_due"
        )
    return list(rows.values())


def unit_deadlines(
    unit: str,
    meetings: Sequence[Mapping[str, Any]],
    now: datetime,
    today: date,
    calendar: WorkingDayCalendar,
    limit: int = MAX_UNIT_DEADLINES,
) -> list[Document]:
    """One unit's deadlines: open tasks it is responsible for, minutes due for meetings it coordinates, the last
    day to add items to upcoming meetings it is invited to or coordinates. Overdue first, then by due date (so
    the longest overdue leads); at most ``limit``."""
    rows: list[Document] = []
    seen: set[str] = set()
    for meeting in meetings:
        if meeting["_id"] in seen or meeting["status"] != "scheduled":
            continue
        seen.add(meeting["_id"])
        base = {"citizen_id": meeting["citizen_id"], "meeting_id": meeting["_id"]}
        for task in citizen_tasks([meeting], today, calendar):
            if task["responsible_unit"] == unit:
                rows.append(
                    {
                        **base,
                        "kind": "task",
                        "task_id": task["task_id"],
                        "what": task["what"],
                        "due": task["due"],
                        "overdue": task["overdue"],
                        "working_days_overdue": task["working_days_overdue"],
                    }
                )
        coordinates = meeting.get("coordinator_unit") == unit
        invited = any(p.get("unit") == unit for p in meeting.get("participants", []))
        for deadline in meeting_deadlines(meeting, today, calendar):
            if deadline["kind"] == "minutes_due" and not coordinates:
                continue
            if deadline["kind"] == "agenda_closes" and not (
                (coordinates or invited) and meeting["start"] >= now
            ):
                continue
            rows.append({**base, **deadline, "task_id": None, "what": None})
    rows.sort(key=lambda r: (not r["overdue"], r["due"], r["kind"], r["meeting_id"], r["task_id"] or ""))
    return rows[:limit]


# --- the outreach workflow's deadlines (fremskudt sagsbehandling) ---------------------------------------------

OUTREACH_DEADLINES: tuple[tuple[str, str, int, str], ...] = (
    # (kind, counted from, working days, what it means)
    ("contact_citizen", "referral", 2, "Kontakt til borgeren"),
    ("first_meeting", "first_contact", 5, "Første møde med borgeren"),
    ("advice", "first_meeting", 2, "Rådgivning efter første møde"),
    ("internal_coordinating_meeting", "first_meeting", 5, "Internt koordinerende møde"),
    ("external_coordinating_meeting", "first_meeting", 14, "Koordinerende møde med eksterne parter"),
)


def outreach_deadlines(milestones: Mapping[str, date], calendar: WorkingDayCalendar) -> list[Document]:
    """Every outreach deadline whose starting milestone is known, in date order.

    Needs assessment is due one calendar month after the first meeting; follow-up 3 to 6 months after the course
    ends (the window's first and last day).
    """
    out: list[Document] = []
    for kind, start, days, label in OUTREACH_DEADLINES:
        if start in milestones:
            due = calendar.add_working_days(milestones[start], days)
            out.append({"kind": kind, "label": label, "from": start, "due": due})
    if "first_meeting" in milestones:
        due = add_months(milestones["first_meeting"], 1)
        out.append({"kind": "needs_assessment", "label": "Udredning", "from": "first_meeting", "due": due})
    if "course_ended" in milestones:
        ended = milestones["course_ended"]
        out.append(
            {
                "kind": "follow_up_window_opens",
                "label": "Opfølgning tidligst",
                "from": "course_ended",
                "due": add_months(ended, 3),
            }
        )
        out.append(
            {
                "kind": "follow_up_window_closes",
                "label": "Opfølgning senest",
                "from": "course_ended",
                "due": add_months(ended, 6),
            }
        )
    return sorted(out, key=lambda d: d["due"])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")
