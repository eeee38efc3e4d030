"""Changes to a plan after it is made: new versions with history, goal status and scores, follow-ups.

Status and score changes are appended, never overwritten: the effect of the plan is measured from them. Every
change names who made it (from the caller the gateway signed) and when.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from borgerplan_contracts import EventData, new_event
from borgerplan_contracts.events.plan import FollowUpRecorded, GoalStatusChanged, PlanChanged, ScoreRecorded
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.mongo import Document
from borgerplan_plumbing.problems import RuleViolation
from borgerplan_plumbing.store import AggregateStore
from plan_service.schemas import FollowUpCreate, GoalUpdate, PlanUpdate

PLAN_TRANSITIONS = {"draft": {"active", "closed"}, "active": {"closed"}, "closed": set()}
FINAL_GOAL_STATUSES = {"achieved", "no_longer_relevant"}


class PlanRuleError(RuleViolation):
    """A change the plan's rules refuse."""


def _stamp(caller: Caller) -> Document:
    return {"at": datetime.now(UTC), "by": caller.sub, "by_name": caller.name, "by_unit": caller.unit}


def diff(old: Document, new: Document) -> list[Document]:
    """Field-level changes, nested one level (overview.purpose), as the history records them."""
    changes = []
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            for sub, sub_value in value.items():
                if before.get(sub) != sub_value:
                    changes.append({"field": f"{key}.{sub}", "from": before.get(sub), "to": sub_value})
        elif before != value:
            changes.append({"field": key, "from": before, "to": value})
    return changes


async def update_plan(
    plans: AggregateStore, plan_id: str, expected: int, body: PlanUpdate, caller: Caller
) -> Document:
    doc = await plans.get(plan_id)
    requested = body.model_dump(mode="json", exclude_unset=True)
    if "overview" in requested:
        requested["overview"] = {**(doc.get("overview") or {}), **requested["overview"]}
    status = requested.get("status")
    if status and status != doc["status"] and status not in PLAN_TRANSITIONS[doc["status"]]:
        raise PlanRuleError("status", f"a {doc['status']} plan cannot become {status}", status=409)
    valid_from = requested.get("valid_from", doc.get("valid_from"))
    valid_to = requested.get("valid_to", doc.get("valid_to"))
    if valid_from and valid_to and date.fromisoformat(valid_to) < date.fromisoformat(valid_from):
        raise PlanRuleError("valid_to", "valid_to is before valid_from")
    changes = diff(doc, requested)
    if not changes:
        return doc
    entry = {"version": expected + 1, **_stamp(caller), "changes": changes}
    event = PlanChanged(
        plan_id=plan_id,
        citizen_id=doc["citizen_id"],
        status=requested.get("status", doc["status"]),
        plan_version=expected + 1,
        fields_changed=sorted({c["field"].split(".")[0] for c in changes}),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    return await plans.update(
        plan_id,
        expected,
        requested,
        [new_event(event, subject=doc["citizen_id"])],
        extra={"$push": {"history": entry}},
    )


def _goal(doc: Document, goal_id: str) -> tuple[list[Document], Document]:
    goals = [dict(g) for g in doc.get("goals", [])]
    goal = next((g for g in goals if g["goal_id"] == goal_id), None)
    if goal is None:
        raise PlanRuleError("goal_id", "no such goal in this plan", status=404)
    return goals, goal


async def update_goal(
    plans: AggregateStore, plan_id: str, goal_id: str, expected: int, body: GoalUpdate, caller: Caller
) -> Document:
    doc = await plans.get(plan_id)
    goals, goal = _goal(doc, goal_id)
    events: list[EventData] = []
    changes: list[Document] = []
    if body.status is not None and body.status != goal["status"]:
        if goal["status"] in FINAL_GOAL_STATUSES:
            raise PlanRuleError(
                "status", f"the goal is {goal['status']}; its status no longer changes", status=409
            )
        changes.append({"field": f"goals.{goal_id}.status", "from": goal["status"], "to": body.status})
        goal["status_history"] = [*goal.get("status_history", []), {"status": body.status, **_stamp(caller)}]
        goal["status"] = body.status
        events.append(
            GoalStatusChanged(
                plan_id=plan_id,
                citizen_id=doc["citizen_id"],
                goal_id=goal_id,
                category=goal.get("category", "general"),
                status=body.status,
            )
        )
    if body.score is not None:
        score = {**body.score.model_dump(), **_stamp(caller)}
        goal["scores"] = [*goal.get("scores", []), score]
        changes.append({"field": f"goals.{goal_id}.scores", "from": None, "to": body.score.now})
        events.append(
            ScoreRecorded(
                plan_id=plan_id,
                citizen_id=doc["citizen_id"],
                goal_id=goal_id,
                citizen_disagrees=body.score.citizen_disagrees,
            )
        )
    if not events:
        return doc
    entry = {"version": expected + 1, **_stamp(caller), "changes": changes}
    return await plans.update(
        plan_id,
        expected,
        {"goals": goals},
        [new_event(e, subject=doc["citizen_id"]) for e in events],
        extra={"$push": {"history": entry}},
    )


async def add_follow_up(
    plans: AggregateStore, plan_id: str, goal_id: str, body: FollowUpCreate, caller: Caller
) -> Document:
    doc = await plans.get(plan_id)
    goals, goal = _goal(doc, goal_id)
    if goal["status"] in FINAL_GOAL_STATUSES:
        raise PlanRuleError(
            "goal_id", f"the goal is {goal['status']}; it takes no more follow-ups", status=409
        )
    entry: dict[str, Any] = {"date": body.date.isoformat(), "text": body.text, **_stamp(caller)}
    goal["follow_ups"] = [*goal.get("follow_ups", []), entry]
    history = {
        "version": doc["version"] + 1,
        **_stamp(caller),
        "changes": [{"field": f"goals.{goal_id}.follow_ups", "from": None, "to": body.date.isoformat()}],
    }
    event = FollowUpRecorded(
        plan_id=plan_id, citizen_id=doc["citizen_id"], goal_id=goal_id, on=body.date, by_unit=caller.unit
    )
    return await plans.update(
        plan_id,
        doc["version"],
        {"goals": goals},
        [new_event(event, subject=doc["citizen_id"])],
        extra={"$push": {"history": history}},
    )
