"""Use cases of the meetings service."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from borgerplan_contracts import CloudEvent, new_event
from borgerplan_contracts.events import InvitedParticipant
from borgerplan_contracts.events.meetings import (
    AgendaItemAdded,
    MeetingCancelled,
    MeetingRescheduled,
    MeetingScheduled,
    MinutesOverdue,
    MinutesPublished,
    TaskAssigned,
    TaskCompleted,
    TaskOverdue,
)
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import Collection, Document
from borgerplan_plumbing.store import AggregateStore, VersionConflictError
from borgerplan_plumbing.workdays import COPENHAGEN, WorkingDayCalendar
from meetings_service import rules
from meetings_service.consent_client import ConsentClient
from meetings_service.schemas import (
    AgendaItemCreate,
    MeetingCreate,
    MeetingUpdate,
    MinutesPut,
    ParticipantResponse,
)

log = logging.getLogger(__name__)
PROFESSIONAL = ("authority", "provider", "external")


def today() -> date:
    return datetime.now(COPENHAGEN).date()


def bus_participant(p: Document) -> InvitedParticipant:
    """Professional contact data only: the citizen's and private network's stay here."""
    professional = p["kind"] in PROFESSIONAL
    return InvitedParticipant(
        participant_id=p["participant_id"],
        kind=p["kind"],
        unit=p.get("unit"),
        name=p["name"] if professional else None,
        email=p.get("email") if professional else None,
    )


class MeetingService:
    def __init__(
        self,
        meetings: AggregateStore,
        plan_refs: Collection,
        consent: ConsentClient,
        calendar: WorkingDayCalendar,
    ) -> None:
        self.meetings = meetings
        self.plan_refs = plan_refs
        self.consent = consent
        self.calendar = calendar

    async def schedule(self, body: MeetingCreate, caller: Caller) -> Document:
        plan = await self.plan_refs.find_one({"_id": body.plan_id})
        if plan is None:
            raise rules.MeetingRuleError("plan_id", "unknown plan")
        rules.check_times(body.start, body.end)
        citizen_id = plan["citizen_id"]
        # The plan's responsible unit is invited without asking: consent is about sharing with other units.
        units = sorted(
            {
                p.unit
                for p in body.participants
                if p.kind in PROFESSIONAL and p.unit and p.unit != plan["responsible_unit"]
            }
        )
        answers = await asyncio.gather(
            *(self.consent.permits(caller, citizen_id, unit, "meeting_invitation") for unit in units)
        )
        refused = {unit: reason for unit, (ok, reason, _) in zip(units, answers, strict=True) if not ok}
        participants, uninvited = [], []
        for p in body.participants:
            if p.unit in refused and p.kind in PROFESSIONAL:
                uninvited.append({"name": p.name, "unit": p.unit, "reason": refused[p.unit]})
                continue
            participants.append(
                {
                    **p.model_dump(mode="json"),
                    "participant_id": str(uuid.uuid4()),
                    "invitation_status": "needs_action",
                    "apology": None,
                }
            )
        meeting_id = str(uuid.uuid4())
        closes, due = (
            rules.agenda_closes_on(body.start, self.calendar),
            rules.minutes_due_on(body.end, self.calendar),
        )
        agenda = [
            {
                "item_id": str(uuid.uuid4()),
                "key": item.key,
                "topic": item.topic,
                "responsible": None,
                "aim": item.aim,
                "minutes": item.minutes,
                "added_by_unit": None,
            }
            for item in rules.STANDARD_AGENDA
        ]
        doc: Document = {
            # start and end as BSON dates (UTC): they sort and compare correctly whatever offset the caller sent.
            "_id": meeting_id,
            **body.model_dump(mode="json", exclude={"participants", "start", "end"}),
            "start": body.start,
            "end": body.end,
            "citizen_id": citizen_id,
            "participants": participants,
            "uninvited": uninvited,
            "agenda": agenda,
            "status": "scheduled",
            "sequence": 0,
            "agenda_closes_on": closes.isoformat(),
            "minutes_due_on": due.isoformat(),
            "minutes": None,
            "minutes_overdue_notified": False,
            "warnings": rules.warnings_for(body.kind, body.start, body.end, datetime.now(UTC)),
            "scheduled_by": caller.sub,
        }
        event = MeetingScheduled(
            meeting_id=meeting_id,
            plan_id=body.plan_id,
            citizen_id=citizen_id,
            kind=body.kind,
            start=body.start,
            end=body.end,
            coordinator_unit=body.coordinator_unit,
            participants=[bus_participant(p) for p in participants],
            sequence=0,
            agenda_closes_on=closes,
            minutes_due_on=due,
        )
        for participant in participants:
            if participant["kind"] in PROFESSIONAL and participant["unit"] in units:
                await self.consent.record_disclosure(
                    caller,
                    {
                        "citizen_id": citizen_id,
                        "unit": participant["unit"],
                        "purpose": "meeting_invitation",
                        "categories": ["general"],
                        "what": "meeting_invitation",
                        "reference": meeting_id,
                    },
                )
        return await self.meetings.insert(doc, [new_event(event, subject=citizen_id)])

    async def update(self, meeting_id: str, expected: int, body: MeetingUpdate, caller: Caller) -> Document:
        doc = await self.meetings.get(meeting_id)
        if doc["status"] == "cancelled":
            raise rules.MeetingRuleError("status", "the meeting is cancelled", status=409)
        participants = [bus_participant(p) for p in doc["participants"]]
        sequence = doc.get("sequence", 0) + 1
        if body.status == "cancelled":
            cancelled = MeetingCancelled(
                meeting_id=meeting_id,
                plan_id=doc["plan_id"],
                citizen_id=doc["citizen_id"],
                kind=doc["kind"],
                start=doc["start"],
                sequence=sequence,
                participants=participants,
            )
            return await self.meetings.update(
                meeting_id,
                expected,
                {"status": "cancelled", "sequence": sequence},
                [new_event(cancelled, subject=doc["citizen_id"])],
            )
        changes: Document = {
            k: v
            for k, v in body.model_dump(mode="json", exclude_unset=True).items()
            if k in ("place", "minute_taker")
        }
        start = body.start or doc["start"]
        end = body.end or doc["end"]
        events: list[CloudEvent] = []
        moved = body.start is not None or body.end is not None or "place" in changes
        if moved:
            rules.check_times(start, end)
            closes, due = (
                rules.agenda_closes_on(start, self.calendar),
                rules.minutes_due_on(end, self.calendar),
            )
            changes.update(
                {
                    "start": start,
                    "end": end,
                    "sequence": sequence,
                    "agenda_closes_on": closes.isoformat(),
                    "minutes_due_on": due.isoformat(),
                    "warnings": rules.warnings_for(doc["kind"], start, end, datetime.now(UTC)),
                }
            )
            events.append(
                new_event(
                    MeetingRescheduled(
                        meeting_id=meeting_id,
                        plan_id=doc["plan_id"],
                        citizen_id=doc["citizen_id"],
                        kind=doc["kind"],
                        start=start,
                        end=end,
                        sequence=sequence,
                        participants=participants,
                        agenda_closes_on=closes,
                        minutes_due_on=due,
                    ),
                    subject=doc["citizen_id"],
                )
            )
        return await self.meetings.update(meeting_id, expected, changes, events)

    async def respond(self, meeting_id: str, participant_id: str, body: ParticipantResponse) -> Document:
        doc = await self.meetings.get(meeting_id)
        participants = [dict(p) for p in doc["participants"]]
        match = next((p for p in participants if p["participant_id"] == participant_id), None)
        if match is None:
            raise rules.MeetingRuleError("participant_id", "no such participant in this meeting", status=404)
        match.update(invitation_status=body.invitation_status, apology=body.apology)
        return await self.meetings.update(meeting_id, doc["version"], {"participants": participants})

    async def add_agenda_item(
        self, meeting_id: str, body: AgendaItemCreate, caller: Caller, on: date | None = None
    ) -> Document:
        doc = await self.meetings.get(meeting_id)
        if doc["status"] == "cancelled":
            raise rules.MeetingRuleError("status", "the meeting is cancelled", status=409)
        rules.check_agenda_open(doc["start"], on or today(), self.calendar)
        item = {
            "item_id": str(uuid.uuid4()),
            "key": None,
            **body.model_dump(mode="json"),
            "added_by_unit": caller.unit,
        }
        # Flexible items go before "any other business", as in the template.
        agenda = list(doc["agenda"])
        position = next((i for i, a in enumerate(agenda) if a.get("key") == "network_map"), len(agenda))
        agenda.insert(position, item)
        event = AgendaItemAdded(
            meeting_id=meeting_id,
            citizen_id=doc["citizen_id"],
            item_id=item["item_id"],
            added_by_unit=caller.unit,
        )
        return await self.meetings.update(
            meeting_id, doc["version"], {"agenda": agenda}, [new_event(event, subject=doc["citizen_id"])]
        )

    async def put_minutes(self, meeting_id: str, expected: int, body: MinutesPut) -> Document:
        doc = await self.meetings.get(meeting_id)
        if doc.get("minutes") and doc["minutes"].get("published_at"):
            raise rules.MeetingRuleError(
                "minutes", "the minutes are published and can no longer change", status=409
            )
        known = {p["participant_id"] for p in doc["participants"]}
        items = {a["item_id"] for a in doc["agenda"]}
        for i, a in enumerate(body.attendance):
            if a.participant_id not in known:
                raise rules.MeetingRuleError(
                    f"attendance.{i}.participant_id", "not a participant of this meeting"
                )
        for i, d in enumerate(body.decisions):
            if d.item_id not in items:
                raise rules.MeetingRuleError(f"decisions.{i}.item_id", "not an item of this meeting's agenda")
        for i, t in enumerate(body.tasks):
            if t.responsible_participant_id and t.responsible_participant_id not in known:
                raise rules.MeetingRuleError(f"tasks.{i}.responsible_participant_id", "not a participant")
        units = {p["participant_id"]: p.get("unit") for p in doc["participants"]}
        tasks = [
            {
                "task_id": str(uuid.uuid4()),
                **t.model_dump(mode="json"),
                "responsible_unit": t.responsible_unit or units.get(t.responsible_participant_id or ""),
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
        return await self.meetings.update(meeting_id, expected, {"minutes": minutes})

    async def publish_minutes(self, meeting_id: str, expected: int, caller: Caller) -> Document:
        doc = await self.meetings.get(meeting_id)
        minutes = doc.get("minutes")
        if not minutes:
            raise rules.MeetingRuleError("minutes", "there are no minutes to publish yet", status=409)
        if minutes.get("published_at"):
            raise rules.MeetingRuleError("minutes", "the minutes are published already", status=409)
        citizen_id = doc["citizen_id"]
        units = sorted(
            {p["unit"] for p in doc["participants"] if p["kind"] in PROFESSIONAL and p.get("unit")}
        )
        answers = await asyncio.gather(
            *(self.consent.permits(caller, citizen_id, unit, "receive_minutes") for unit in units)
        )
        permitted = {unit for unit, (ok, _, _) in zip(units, answers, strict=True) if ok}
        recipients = [
            p for p in doc["participants"] if p["kind"] not in PROFESSIONAL or p.get("unit") in permitted
        ]
        for unit, (ok, _, consent_ids) in zip(units, answers, strict=True):
            if ok:
                await self.consent.record_disclosure(
                    caller,
                    {
                        "citizen_id": citizen_id,
                        "unit": unit,
                        "purpose": "receive_minutes",
                        "categories": ["general"],
                        "consent_ids": consent_ids,
                        "what": "minutes",
                        "reference": meeting_id,
                    },
                )
        now = datetime.now(UTC)
        minutes = {**minutes, "published_at": now, "recipients": [p["participant_id"] for p in recipients]}
        events = [
            new_event(
                MinutesPublished(
                    meeting_id=meeting_id,
                    plan_id=doc["plan_id"],
                    citizen_id=citizen_id,
                    recipients=[bus_participant(p) for p in recipients],
                    withheld_units=sorted(set(units) - permitted),
                    citizen_attended=minutes["citizen_attended"],
                    task_count=len(minutes["tasks"]),
                ),
                subject=citizen_id,
            )
        ]
        events += [
            new_event(
                TaskAssigned(
                    meeting_id=meeting_id,
                    citizen_id=citizen_id,
                    task_id=t["task_id"],
                    responsible_unit=t["responsible_unit"],
                    responsible_participant_id=t["responsible_participant_id"],
                    due=t["due"],
                ),
                subject=citizen_id,
            )
            for t in minutes["tasks"]
        ]
        return await self.meetings.update(meeting_id, expected, {"minutes": minutes}, events)

    async def complete_task(self, meeting_id: str, task_id: str) -> Document:
        doc = await self.meetings.get(meeting_id)
        minutes = doc.get("minutes") or {}
        tasks = [dict(t) for t in minutes.get("tasks", [])]
        task = next((t for t in tasks if t["task_id"] == task_id), None)
        if task is None or not minutes.get("published_at"):
            raise rules.MeetingRuleError("task_id", "no such task in published minutes", status=404)
        if task["completed_on"]:
            raise rules.MeetingRuleError("task_id", "the task is completed already", status=409)
        task["completed_on"] = today().isoformat()
        event = TaskCompleted(
            meeting_id=meeting_id, citizen_id=doc["citizen_id"], task_id=task_id, completed_on=today()
        )
        return await self.meetings.update(
            meeting_id,
            doc["version"],
            {"minutes": {**minutes, "tasks": tasks}},
            [new_event(event, subject=doc["citizen_id"])],
        )

    # ------------------------------------------------------------ overdue (safe with several replicas)

    def overdue_items(self, doc: Document, on: date) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        minutes = doc.get("minutes") or {}
        if doc["status"] == "scheduled" and rules.is_overdue(
            date.fromisoformat(doc["minutes_due_on"]), bool(minutes.get("published_at")), on
        ):
            items.append(
                {
                    "kind": "minutes",
                    "meeting_id": doc["_id"],
                    "citizen_id": doc["citizen_id"],
                    "due": doc["minutes_due_on"],
                    "responsible_unit": doc["coordinator_unit"],
                }
            )
        for task in minutes.get("tasks", []) if minutes.get("published_at") else []:
            if rules.is_overdue(date.fromisoformat(task["due"]), bool(task["completed_on"]), on):
                items.append(
                    {
                        "kind": "task",
                        "meeting_id": doc["_id"],
                        "citizen_id": doc["citizen_id"],
                        "due": task["due"],
                        "task_id": task["task_id"],
                        "responsible_unit": task["responsible_unit"],
                    }
                )
        return items

    async def overdue(self, citizen_id: str | None, on: date | None = None) -> list[dict[str, Any]]:
        day = on or today()
        query: Document = {"status": "scheduled"}
        if citizen_id:
            query["citizen_id"] = citizen_id
        return [
            item
            for doc in await self.meetings.find(query, limit=1000)
            for item in self.overdue_items(doc, day)
        ]

    async def run_overdue(self, on: date | None = None) -> dict[str, int]:
        """Publish MinutesOverdue / TaskOverdue once each (version-guarded updates; racing replicas lose)."""
        day = on or today()
        counts = {"minutes": 0, "tasks": 0}
        moment = datetime.now(UTC) if on is None else datetime.combine(day, time.min, tzinfo=COPENHAGEN)
        held = {"status": "scheduled", "start": {"$lt": moment}}
        for doc in await self.meetings.find(held):
            changes: Document = {}
            events: list[CloudEvent] = []
            minutes = doc.get("minutes") or {}
            minutes_late = rules.is_overdue(
                date.fromisoformat(doc["minutes_due_on"]), bool(minutes.get("published_at")), day
            )
            if minutes_late and not doc.get("minutes_overdue_notified"):
                changes["minutes_overdue_notified"] = True
                events.append(
                    new_event(
                        MinutesOverdue(
                            meeting_id=doc["_id"],
                            citizen_id=doc["citizen_id"],
                            coordinator_unit=doc["coordinator_unit"],
                            due=doc["minutes_due_on"],
                        ),
                        subject=doc["citizen_id"],
                    )
                )
            tasks = [dict(t) for t in minutes.get("tasks", [])]
            for task in tasks if minutes.get("published_at") else []:
                if (
                    rules.is_overdue(date.fromisoformat(task["due"]), bool(task["completed_on"]), day)
                    and not task["overdue_notified"]
                ):
                    task["overdue_notified"] = True
                    events.append(
                        new_event(
                            TaskOverdue(
                                meeting_id=doc["_id"],
                                citizen_id=doc["citizen_id"],
                                task_id=task["task_id"],
                                responsible_unit=task["responsible_unit"],
                                coordinator_unit=doc["coordinator_unit"],
                                due=task["due"],
                            ),
                            subject=doc["citizen_id"],
                        )
                    )
            if any(t["overdue_notified"] for t in tasks) and tasks != minutes.get("tasks"):
                changes["minutes"] = {**minutes, "tasks": tasks}
            if not events:
                continue
            try:
                await self.meetings.update(doc["_id"], doc["version"], changes, events)
            except VersionConflictError:
                continue
            counts["minutes"] += sum(e.type.endswith("minutes_overdue.v1") for e in events)
            counts["tasks"] += sum(e.type.endswith("task_overdue.v1") for e in events)
        return counts

    async def overdue_loop(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.run_overdue()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("overdue pass failed", extra={"error": type(exc).__name__})
            await asyncio.sleep(interval_seconds)
