"""The plan's rules, without I/O.

Every function takes the stored plan (a dict), the caller's stamp and the validated input, and returns an
``Outcome``: the fields to set, the field-level history and the events (an empty one when nothing changes). It
raises ``PlanRuleError`` (a 4xx problem naming the field) when a rule refuses the change; nothing is stored then.
``borgerplan_plumbing.change`` and ``plan_service.changes`` do the reading and writing around these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from borgerplan_api.plan import (
    MAX_ACTORS,
    MAX_CHANGE_REQUESTS,
    MAX_CITIZEN_SCORES,
    MAX_COMMENTS,
    MAX_GOALS,
    SCALE_RANGES,
    ActorCreate,
    ActorUpdate,
    ChangeRequestCreate,
    ChangeRequestDecision,
    ChildFollowUpCreate,
    ChildSections,
    CitizenScoreCreate,
    CitizenWordsUpdate,
    CollaborationAgreement,
    CommentCreate,
    FollowUpCreate,
    GoalCreate,
    GoalUpdate,
    PlanCreate,
    PlanKind,
    PlanUpdate,
    score_on_a_scale,
)
from borgerplan_contracts import EventData
from borgerplan_contracts.events.plan import (
    ActorAdded,
    ActorChanged,
    ActorRemoved,
    ChangeRequestDecided,
    ChangeRequested,
    ChildFollowUpRecorded,
    CitizenPart,
    CitizenWrote,
    FollowUpRecorded,
    GoalAdded,
    GoalChanged,
    GoalStatusChanged,
    PlanActivated,
    PlanChanged,
    PlanClosed,
    PlanCreated,
    ScoreRecorded,
)
from borgerplan_rules.outcome import Outcome, Stamp
from borgerplan_rules.violations import RuleViolation
from plan_service.vocabulary import canonical_legal_basis

__all__ = ["Document", "Outcome", "PlanRuleError", "Stamp"]

Document = dict[str, Any]

PLAN_TRANSITIONS: dict[str, set[str]] = {"draft": {"active", "closed"}, "active": {"closed"}, "closed": set()}
FINAL_GOAL_STATUSES = {"achieved", "no_longer_relevant"}
SECTOR_KINDS: set[str] = {"adult", "child"}


class PlanRuleError(RuleViolation):
    """A change the plan's rules refuse."""


def diff(old: Any, new: Any, path: str = "") -> list[Document]:
    """Field-level changes between two JSON values; objects are compared field by field."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in new.keys() | old.keys():
            if key in new:
                changes += diff(old.get(key), new[key], f"{path}.{key}" if path else key)
        return sorted(changes, key=lambda c: str(c["field"]))
    return [] if old == new else [{"field": path, "from": old, "to": new}]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _refuse_when_closed(plan: Document) -> None:
    if plan["status"] == "closed":
        raise PlanRuleError("plan_id", "the plan is closed; it takes no more changes", status=409)


# --- plan-level rules -----------------------------------------------------------------------------------------


def check_validity(valid_from: Any, valid_to: Any) -> None:
    if valid_from and valid_to and date.fromisoformat(str(valid_to)) < date.fromisoformat(str(valid_from)):
        raise PlanRuleError("valid_to", "valid_to is before valid_from")


def is_placement_case(child: Document | None) -> bool:
    if not child:
        return False
    return "placement" in child.get("plan_for", []) or any(
        m.get("kind") == "placement" for m in child.get("measures", [])
    )


def check_child_sections(kind: str, child: ChildSections | None) -> None:
    """Child sections belong to child and unified plans; placement decisions to placement cases."""
    if child is None:
        return
    if kind == "adult":
        raise PlanRuleError("child", "an adult plan (SEL §141) has no child sections or child measures")
    for i, measure in enumerate(child.measures):
        if measure.valid_to and measure.valid_to < measure.valid_from:
            raise PlanRuleError(f"child.measures.{i}.valid_to", "the measure ends before it starts")
    decisions = child.placement_decisions
    if decisions and any(decisions.model_dump().values()) and not is_placement_case(child.model_dump()):
        raise PlanRuleError(
            "child.placement_decisions", "placement decisions are recorded only in placement cases"
        )


def check_collaboration_agreement(agreement: CollaborationAgreement | None) -> None:
    if agreement is None:
        return
    for i, goal in enumerate(agreement.goals):
        if goal.follow_up_on and goal.follow_up_on < agreement.agreed_on:
            raise PlanRuleError(
                f"collaboration_agreement.goals.{i}.follow_up_on",
                "the follow-up date is before the agreement was made",
            )


def activation(kind: PlanKind, plan_id: str, others: Sequence[Document]) -> list[str]:
    """May a plan of ``kind`` become active beside the citizen's ``others``? Returns the plans it replaces.

    One active plan per citizen and kind. A unified plan (Én plan) replaces the citizen's active adult and child
    plans: they are closed as replaced. While a unified plan is active, no sector plan can be activated.
    """
    active = [p for p in others if p["status"] == "active" and p["_id"] != plan_id]
    same = [p for p in active if p["kind"] == kind]
    if same:
        raise PlanRuleError(
            "status",
            f"the citizen already has an active {kind} plan ({same[0]['_id']}); close it first",
            status=409,
        )
    if kind in SECTOR_KINDS:
        unified = [p for p in active if p["kind"] == "unified"]
        if unified:
            raise PlanRuleError(
                "kind",
                f"the citizen's unified plan ({unified[0]['_id']}) replaces sector plans; change that plan instead",
                status=409,
            )
        return []
    return [p["_id"] for p in active if p["kind"] in SECTOR_KINDS]


def active_kinds(kind: str, *, claim_sectors: bool) -> list[str]:
    """The kinds an active plan holds for its citizen, kept unique per citizen by a unique partial index.

    A sector plan holds its own kind. A unified plan holds ``unified`` and, once it has closed the sector plans it
    replaces (``claim_sectors``), ``adult`` and ``child`` too, so no sector plan can become active beside it. The
    database enforces this across replicas; ``activation`` only words the refusal before anything is written.
    """
    if kind == "unified" and claim_sectors:
        return ["unified", *sorted(SECTOR_KINDS)]
    return [kind]


def legal_bases(references: Sequence[str]) -> list[str]:
    """The references in their maintained spelling, each once, in the order given."""
    seen: list[str] = []
    for reference in references:
        canonical = canonical_legal_basis(reference)
        if canonical not in seen:
            seen.append(canonical)
    return seen


def _child_document(child: ChildSections | None) -> Document | None:
    if child is None:
        return None
    doc = child.model_dump(mode="json")
    for measure in doc["measures"]:
        measure["granted_under"] = canonical_legal_basis(measure["granted_under"])
    return doc


def new_plan(body: PlanCreate, plan_id: str, stamp: Stamp, new_id: Any) -> tuple[Document, list[EventData]]:
    """The document of a new plan and its events (``new_id()`` makes goal and actor ids)."""
    if body.status == "closed":
        raise PlanRuleError("status", "a plan is created as draft or active")
    check_validity(body.valid_from, body.valid_to)
    check_child_sections(body.kind, body.child)
    check_collaboration_agreement(body.collaboration_agreement)
    goals = [goal_document(g, new_id(), stamp) for g in body.goals]
    actors = []
    for i, actor in enumerate(body.actors):
        actors.append(actor_document(actor, new_id(), field_prefix=f"actors.{i}."))
    doc: Document = {
        "_id": plan_id,
        **body.model_dump(mode="json", exclude={"goals", "actors", "legal_bases", "child"}),
        "legal_bases": legal_bases(body.legal_bases),
        "child": _child_document(body.child),
        "goals": goals,
        "actors": actors,
        "actor_units": actor_units(actors),
        "active_kinds": active_kinds(body.kind, claim_sectors=False) if body.status == "active" else [],
        "child_follow_ups": [],
        "created_by": stamp.by,
        "history": [
            {"version": 1, **stamp.doc(), "changes": [{"field": "plan", "from": None, "to": body.status}]}
        ],
    }
    citizen = body.citizen_id
    events: list[EventData] = [
        PlanCreated(
            plan_id=plan_id,
            citizen_id=citizen,
            kind=body.kind,
            status=body.status,
            responsible_unit=body.responsible_unit,
            legal_bases=doc["legal_bases"],
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            actor_units=actor_units(actors),
        )
    ]
    events += [_goal_added(plan_id, citizen, g) for g in goals]
    events += [_actor_event(ActorAdded, plan_id, citizen, a, actors) for a in actors]
    return doc, events


def activated(doc: Document, replaces: list[str]) -> PlanActivated:
    return PlanActivated(
        plan_id=doc["_id"],
        citizen_id=doc["citizen_id"],
        kind=doc["kind"],
        plan_version=doc["version"],
        replaces=replaces,
    )


def update_plan(plan: Document, body: PlanUpdate) -> Outcome:
    """A change of the plan's own fields; status changes are checked here, activation's rule by the caller."""
    _refuse_when_closed(plan)
    requested = body.model_dump(mode="json", exclude_unset=True)
    if requested.get("legal_bases") is not None:
        requested["legal_bases"] = legal_bases(requested["legal_bases"])
    if "child" in requested:
        requested["child"] = _child_document(body.child)
    if "overview" in requested:
        overview = {**(plan.get("overview") or {}), **requested["overview"]}
        if "own_words" in requested["overview"]:
            overview["own_words"] = {
                **((plan.get("overview") or {}).get("own_words") or {}),
                **(requested["overview"]["own_words"] or {}),
            }
        requested["overview"] = overview
    status = requested.get("status")
    if status and status != plan["status"] and status not in PLAN_TRANSITIONS[plan["status"]]:
        raise PlanRuleError("status", f"a {plan['status']} plan cannot become {status}", status=409)
    check_validity(
        requested.get("valid_from", plan.get("valid_from")), requested.get("valid_to", plan.get("valid_to"))
    )
    if "child" in requested:
        check_child_sections(plan["kind"], body.child)
    check_collaboration_agreement(body.collaboration_agreement)
    changes = diff({k: plan.get(k) for k in requested}, requested)
    if not changes:
        return Outcome()
    outcome = Outcome(set=requested, changes=changes)
    if status and status != plan["status"]:
        # Activation holds the plan's kind (the caller claims a unified plan's sector kinds afterwards); a
        # closed plan holds none.
        requested["active_kinds"] = (
            active_kinds(plan["kind"], claim_sectors=False) if status == "active" else []
        )
    version = plan["version"] + 1
    citizen = plan["citizen_id"]
    others = sorted({c["field"].split(".")[0] for c in changes} - {"status"})
    if others:
        outcome.events.append(
            PlanChanged(
                plan_id=plan["_id"],
                citizen_id=citizen,
                status=requested.get("status", plan["status"]),
                plan_version=version,
                fields_changed=others,
                valid_from=requested.get("valid_from", plan.get("valid_from")),
                valid_to=requested.get("valid_to", plan.get("valid_to")),
                responsible_unit=requested.get("responsible_unit", plan["responsible_unit"]),
            )
        )
    if status == "closed" and plan["status"] != "closed":
        outcome.events.append(
            PlanClosed(
                plan_id=plan["_id"],
                citizen_id=citizen,
                kind=plan["kind"],
                plan_version=version,
                reason="closed",
            )
        )
    return outcome


def close_as_replaced(plan: Document, unified_id: str) -> Outcome:
    """A sector plan closed because the citizen's unified plan replaced it."""
    return Outcome(
        set={"status": "closed", "replaced_by": unified_id, "active_kinds": []},
        changes=[
            {"field": "status", "from": plan["status"], "to": "closed"},
            {"field": "replaced_by", "from": None, "to": unified_id},
        ],
        events=[
            PlanClosed(
                plan_id=plan["_id"],
                citizen_id=plan["citizen_id"],
                kind=plan["kind"],
                plan_version=plan["version"] + 1,
                reason="replaced_by_unified",
                replaced_by=unified_id,
            )
        ],
    )


def claim_sectors(plan: Document, replaced: list[str]) -> Outcome:
    """The unified plan, having closed the sector plans it replaces, now holds their kinds."""
    kinds = active_kinds(plan["kind"], claim_sectors=True)
    known = list(plan.get("replaces") or [])
    replaces = known + [p for p in replaced if p not in known]
    if plan.get("active_kinds") == kinds and replaces == known:
        return Outcome()
    changed: list[Document] = [{"field": "replaces", "from": known, "to": replaces}]
    if replaces == known:
        changed = [{"field": "active_kinds", "from": plan.get("active_kinds"), "to": kinds}]
    return Outcome(set={"active_kinds": kinds, "replaces": replaces}, changes=changed)


# --- goals ----------------------------------------------------------------------------------------------------


def goal_document(body: GoalCreate, goal_id: str, stamp: Stamp) -> Document:
    return {
        **body.model_dump(mode="json"),
        "goal_id": goal_id,
        "status": "baseline",
        "step": None,
        "status_history": [{"status": "baseline", "step": None, **stamp.doc()}],
        "scores": [],
        "follow_ups": [],
    }


def _goal_added(plan_id: str, citizen_id: str, goal: Document) -> GoalAdded:
    return GoalAdded(
        plan_id=plan_id,
        citizen_id=citizen_id,
        goal_id=goal["goal_id"],
        category=goal["category"],
        sof_theme=goal.get("sof_theme"),
        vum_theme=goal.get("vum_theme"),
        status=goal["status"],
    )


def _find_goal(plan: Document, goal_id: str) -> tuple[list[Document], Document]:
    goals = [dict(g) for g in plan.get("goals", [])]
    goal = next((g for g in goals if g["goal_id"] == goal_id), None)
    if goal is None:
        raise PlanRuleError("goal_id", "no such goal in this plan", status=404)
    return goals, goal


def add_goal(plan: Document, body: GoalCreate, goal_id: str, stamp: Stamp) -> Outcome:
    _refuse_when_closed(plan)
    if len(plan.get("goals", [])) >= MAX_GOALS:
        raise PlanRuleError("goals", f"a plan has at most {MAX_GOALS} goals (up to three are recommended)")
    goal = goal_document(body, goal_id, stamp)
    return Outcome(
        set={"goals": [*plan.get("goals", []), goal]},
        changes=[{"field": f"goals.{goal_id}", "from": None, "to": body.title}],
        events=[_goal_added(plan["_id"], plan["citizen_id"], goal)],
    )


def goal_transition(status: str, step: int | None, new_status: str, new_step: int | None) -> int | None:
    """The step a goal moves to, or a refusal: final statuses stay, a goal does not return to baseline."""
    if status in FINAL_GOAL_STATUSES:
        raise PlanRuleError("status", f"the goal is {status}; its status no longer changes", status=409)
    if new_status == "baseline" and status != "baseline":
        raise PlanRuleError(
            "status", "a goal does not return to its baseline; record a new score instead", status=409
        )
    if new_status == "in_progress":
        return new_step or (step if status == "in_progress" else 1)
    return None


def change_goal(plan: Document, goal_id: str, body: GoalUpdate, stamp: Stamp) -> Outcome:
    _refuse_when_closed(plan)
    goals, goal = _find_goal(plan, goal_id)
    citizen = plan["citizen_id"]
    content = body.model_dump(mode="json", exclude_unset=True, exclude={"status", "step", "score"})
    for key in ("title", "category"):
        if key in content and content[key] is None:
            raise PlanRuleError(key, f"a goal keeps a {key}")
    outcome = Outcome()
    if content:
        if goal["status"] in FINAL_GOAL_STATUSES:
            raise PlanRuleError(
                "goal_id", f"the goal is {goal['status']}; its content no longer changes", status=409
            )
        changed = diff({k: goal.get(k) for k in content}, content)
        outcome.changes += [{**c, "field": f"goals.{goal_id}.{c['field']}"} for c in changed]
        goal.update(content)
        if changed:
            outcome.events.append(
                GoalChanged(
                    plan_id=plan["_id"],
                    citizen_id=citizen,
                    goal_id=goal_id,
                    category=goal["category"],
                    fields_changed=sorted({c["field"].split(".")[0] for c in changed}),
                )
            )
    # A score sent with a final status is the last one taken; after that the goal takes no more.
    if body.score is not None:
        if goal["status"] in FINAL_GOAL_STATUSES:
            raise PlanRuleError("score", f"the goal is {goal['status']}; it takes no more scores", status=409)
        score = body.score
        goal["scores"] = [*goal.get("scores", []), {**score.model_dump(), **stamp.doc()}]
        words = score.scale == "words"
        outcome.changes.append(
            {
                "field": f"goals.{goal_id}.scores",
                "from": None,
                "to": score.now_words if words else score.now,
                "expected": score.expected_words if words else score.expected,
                "scale": score.scale,
            }
        )
        outcome.events.append(
            ScoreRecorded(
                plan_id=plan["_id"],
                citizen_id=citizen,
                goal_id=goal_id,
                citizen_disagrees=body.score.citizen_disagrees,
            )
        )
    wanted_status = body.status or ("in_progress" if body.step is not None else None)
    if wanted_status is not None:
        step = goal_transition(goal["status"], goal.get("step"), wanted_status, body.step)
        if (wanted_status, step) != (goal["status"], goal.get("step")):
            outcome.changes.append(
                {
                    "field": f"goals.{goal_id}.status",
                    "from": goal["status"],
                    "to": wanted_status,
                    "step": step,
                }
            )
            goal["status_history"] = [
                *goal.get("status_history", []),
                {"status": wanted_status, "step": step, **stamp.doc()},
            ]
            goal["status"], goal["step"] = wanted_status, step
            outcome.events.append(
                GoalStatusChanged(
                    plan_id=plan["_id"],
                    citizen_id=citizen,
                    goal_id=goal_id,
                    category=goal["category"],
                    status=wanted_status,
                    step=step,
                )
            )
    if not outcome.changes:
        return Outcome()
    outcome.set = {"goals": goals}
    return outcome


def scores_on_a_scale(plan: Document) -> Outcome:
    """Scores of the free-text era (``"now": "3"``) rewritten on a declared scale; other fields untouched."""
    goals = [dict(g) for g in plan.get("goals", [])]
    changes = []
    for goal in goals:
        scores = []
        for stored in goal.get("scores", []):
            if not isinstance(stored.get("now"), str):
                scores.append(stored)
                continue
            new = {**stored, **score_on_a_scale(stored)}
            new.setdefault("citizen_score", None)
            shown = new["now"] if new["now"] is not None else new["now_words"]
            changes.append({"field": f"goals.{goal['goal_id']}.scores", "from": stored["now"], "to": shown})
            scores.append(new)
        goal["scores"] = scores
    if not changes:
        return Outcome()
    return Outcome(set={"goals": goals}, changes=changes, record={"reason": "scores_on_a_declared_scale"})


def add_follow_up(plan: Document, goal_id: str, body: FollowUpCreate, stamp: Stamp) -> Outcome:
    _refuse_when_closed(plan)
    goals, goal = _find_goal(plan, goal_id)
    if goal["status"] in FINAL_GOAL_STATUSES:
        raise PlanRuleError(
            "goal_id", f"the goal is {goal['status']}; it takes no more follow-ups", status=409
        )
    goal["follow_ups"] = [
        *goal.get("follow_ups", []),
        {"date": body.date.isoformat(), "text": body.text, **stamp.doc()},
    ]
    return Outcome(
        set={"goals": goals},
        changes=[{"field": f"goals.{goal_id}.follow_ups", "from": None, "to": body.date.isoformat()}],
        events=[
            FollowUpRecorded(
                plan_id=plan["_id"],
                citizen_id=plan["citizen_id"],
                goal_id=goal_id,
                on=body.date,
                by_unit=stamp.by_unit,
            )
        ],
    )


# --- actors ---------------------------------------------------------------------------------------------------

_DEFAULT_CATEGORY = {"private_network": "private_network", "authority": "social_administration"}


def check_actor(actor: Document, prefix: str = "") -> None:
    """An actor's fields fit together: kind and map category, unit, the interpreter's language, anchor roles."""
    kind = actor["kind"]
    if kind == "private_network":
        if actor.get("network_category") != "private_network":
            raise PlanRuleError(
                f"{prefix}network_category", "the private network sits in the private_network category"
            )
        if actor.get("unit"):
            raise PlanRuleError(f"{prefix}unit", "a person of the private network belongs to no unit")
    else:
        if not actor.get("unit"):
            raise PlanRuleError(f"{prefix}unit", f"an actor of kind {kind} names its unit")
        if actor.get("network_category") == "private_network":
            raise PlanRuleError(f"{prefix}network_category", "only the private network sits in that category")
    if actor.get("network_category") == "interpreter" and not actor.get("interpreter_language"):
        raise PlanRuleError(f"{prefix}interpreter_language", "an interpreter's language is recorded")
    anchor = actor.get("anchor")
    if anchor == "contact_person" and kind != "provider":
        raise PlanRuleError(f"{prefix}anchor", "the contact person is provider staff (udfører)")
    if anchor == "caseworker" and kind != "authority":
        raise PlanRuleError(f"{prefix}anchor", "the responsible caseworker is authority staff (myndighed)")


def actor_document(body: ActorCreate, actor_id: str, field_prefix: str = "") -> Document:
    actor = {**body.model_dump(mode="json"), "actor_id": actor_id}
    if actor.get("network_category") is None:
        category = _DEFAULT_CATEGORY.get(actor["kind"])
        if category is None:
            raise PlanRuleError(
                f"{field_prefix}network_category", "where on the network map this actor sits is required"
            )
        actor["network_category"] = category
    check_actor(actor, field_prefix)
    return actor


def actor_units(actors: Sequence[Document]) -> list[str]:
    return sorted({a["unit"] for a in actors if a.get("unit") and a["kind"] != "private_network"})


def _actor_event(
    model: type[ActorAdded] | type[ActorChanged] | type[ActorRemoved],
    plan_id: str,
    citizen_id: str,
    actor: Document,
    actors: Sequence[Document],
    **extra: Any,
) -> EventData:
    fields: Document = {
        "plan_id": plan_id,
        "citizen_id": citizen_id,
        "actor_id": actor["actor_id"],
        "actor_kind": actor["kind"],
        "unit": actor.get("unit") if actor["kind"] != "private_network" else None,
        "network_category": actor["network_category"],
        "actor_units": actor_units(actors),
        **extra,
    }
    if model is not ActorRemoved:
        fields["in_contact"] = actor.get("in_contact", True)
    return model(**fields)


def add_actor(plan: Document, body: ActorCreate, actor_id: str) -> Outcome:
    _refuse_when_closed(plan)
    if len(plan.get("actors", [])) >= MAX_ACTORS:
        raise PlanRuleError("actors", f"a plan has at most {MAX_ACTORS} actors")
    actor = actor_document(body, actor_id)
    actors = [*plan.get("actors", []), actor]
    return Outcome(
        set={"actors": actors, "actor_units": actor_units(actors)},
        changes=[{"field": f"actors.{actor_id}", "from": None, "to": actor["name"]}],
        events=[_actor_event(ActorAdded, plan["_id"], plan["citizen_id"], actor, actors)],
    )


def _find_actor(plan: Document, actor_id: str) -> tuple[list[Document], Document]:
    actors = [dict(a) for a in plan.get("actors", [])]
    actor = next((a for a in actors if a["actor_id"] == actor_id), None)
    if actor is None:
        raise PlanRuleError("actor_id", "no such actor in this plan", status=404)
    return actors, actor


def change_actor(plan: Document, actor_id: str, body: ActorUpdate) -> Outcome:
    _refuse_when_closed(plan)
    actors, actor = _find_actor(plan, actor_id)
    requested = body.model_dump(mode="json", exclude_unset=True)
    for key in ("name", "role", "kind", "network_category", "in_contact"):
        if key in requested and requested[key] is None:
            raise PlanRuleError(key, f"an actor keeps a {key}")
    if requested.get("kind") == "private_network" and "network_category" not in requested:
        requested["network_category"] = "private_network"
    if requested.get("kind") == "private_network" and "unit" not in requested:
        requested["unit"] = None
    leaving = requested.get("kind") not in (None, "private_network") and actor["kind"] == "private_network"
    if leaving and "network_category" not in requested:
        category = _DEFAULT_CATEGORY.get(requested["kind"])
        if category is None:
            raise PlanRuleError("network_category", "where on the network map this actor sits is required")
        requested["network_category"] = category
    changed = diff({k: actor.get(k) for k in requested}, requested)
    actor.update(requested)
    check_actor(actor)
    if not changed:
        return Outcome()
    return Outcome(
        set={"actors": actors, "actor_units": actor_units(actors)},
        changes=[{**c, "field": f"actors.{actor_id}.{c['field']}"} for c in changed],
        events=[
            _actor_event(
                ActorChanged,
                plan["_id"],
                plan["citizen_id"],
                actor,
                actors,
                fields_changed=sorted({c["field"].split(".")[0] for c in changed}),
            )
        ],
    )


def remove_actor(plan: Document, actor_id: str) -> Outcome:
    _refuse_when_closed(plan)
    actors, actor = _find_actor(plan, actor_id)
    remaining = [a for a in actors if a["actor_id"] != actor_id]
    return Outcome(
        set={"actors": remaining, "actor_units": actor_units(remaining)},
        changes=[{"field": f"actors.{actor_id}", "from": actor["name"], "to": None}],
        events=[_actor_event(ActorRemoved, plan["_id"], plan["citizen_id"], actor, remaining)],
    )


# --- the § 70 follow-up ---------------------------------------------------------------------------------------


def add_child_follow_up(plan: Document, body: ChildFollowUpCreate, stamp: Stamp) -> Outcome:
    _refuse_when_closed(plan)
    if plan["kind"] == "adult":
        raise PlanRuleError("plan_id", "the § 70 follow-up belongs to child and unified plans")
    assessments = set(body.assessments)
    if {"goals_still_support", "goals_to_be_revised"} <= assessments:
        raise PlanRuleError(
            "assessments", "the goals either still support the effort or must be revised, not both"
        )
    placement = is_placement_case(plan.get("child"))
    if not placement:
        for name, given in (
            ("assessments", "return_home" in assessments),
            ("personal_supervision_done", body.personal_supervision_done),
            ("parent_plan_revision_offered", body.parent_plan_revision_offered),
        ):
            if given:
                raise PlanRuleError(name, "this belongs to placement cases (anbringelsessager) only")
    previous = plan.get("child_follow_ups", [])
    if previous and body.period_from < date.fromisoformat(previous[-1]["period_to"]):
        raise PlanRuleError("period_from", "the period starts before the last follow-up's period ended")
    entry = {**body.model_dump(mode="json"), **stamp.doc()}
    return Outcome(
        set={"child_follow_ups": [*previous, entry]},
        changes=[{"field": "child_follow_ups", "from": None, "to": _iso(body.period_to)}],
        events=[
            ChildFollowUpRecorded(
                plan_id=plan["_id"],
                citizen_id=plan["citizen_id"],
                period_from=body.period_from,
                period_to=body.period_to,
                assessments=list(body.assessments),
            )
        ],
    )


# --- the citizen writes (decision 0061) -----------------------------------------------------------------------
#
# The citizen's writes land in parts of the plan that are theirs: ``citizen_words``, a goal's ``citizen_scores`` and
# ``comments``, ``change_requests``. None of them sets a field staff wrote; each version's history entry says the
# citizen wrote it (``author``), and each is an event without its words.

BY_CITIZEN: Document = {"author": "citizen"}


def _citizen_wrote(plan: Document, part: CitizenPart, goal_id: str | None = None) -> CitizenWrote:
    return CitizenWrote(
        plan_id=plan["_id"],
        citizen_id=plan["citizen_id"],
        part=part,
        goal_id=goal_id,
        responsible_unit=plan["responsible_unit"],
    )


def citizen_words(plan: Document, body: CitizenWordsUpdate, stamp: Stamp) -> Outcome:
    """The citizen's own words ("Her er mit liv" and what they are occupied with), as they write them."""
    _refuse_when_closed(plan)
    before = plan.get("citizen_words") or {}
    sent = body.model_dump(mode="json", exclude_unset=True)
    words = {"occupied_with": before.get("occupied_with"), "own_words": dict(before.get("own_words") or {})}
    if "occupied_with" in sent:
        words["occupied_with"] = sent["occupied_with"]
    if sent.get("own_words"):
        words["own_words"].update(body.own_words.model_dump(mode="json", exclude_unset=True))  # type: ignore[union-attr]
    old = {"occupied_with": before.get("occupied_with"), "own_words": before.get("own_words") or {}}
    changed = diff(old, words)
    if not changed:
        return Outcome()
    return Outcome(
        set={"citizen_words": {**words, "at": stamp.at}},
        changes=[{**c, "field": f"citizen_words.{c['field']}"} for c in changed],
        events=[_citizen_wrote(plan, "own_words")],
        record=BY_CITIZEN,
    )


def goal_scale(goal: Document) -> str:
    """The scale the goal is scored on: its latest professional score's, 1-10 before it has one."""
    scores = goal.get("scores") or []
    return str(scores[-1].get("scale") or "1-10") if scores else "1-10"


def citizen_score(plan: Document, goal_id: str, body: CitizenScoreCreate, stamp: Stamp) -> Outcome:
    """The citizen's own score and whether they agree; the professional score stays the record."""
    _refuse_when_closed(plan)
    goals, goal = _find_goal(plan, goal_id)
    if goal["status"] in FINAL_GOAL_STATUSES:
        raise PlanRuleError("goal_id", f"the goal is {goal['status']}; it takes no more scores", status=409)
    scale = goal_scale(goal)
    if scale == "words":
        if body.score is not None:
            raise PlanRuleError("score", "this goal is scored in words; use words")
    else:
        if body.words:
            raise PlanRuleError("words", f"this goal is scored on the {scale} scale; use score")
        low, high = SCALE_RANGES[scale]
        if body.score is not None and not low <= body.score <= high:
            raise PlanRuleError("score", f"score must be between {low} and {high} on the {scale} scale")
    if len(goal.get("citizen_scores") or []) >= MAX_CITIZEN_SCORES:
        raise PlanRuleError("goal_id", f"a goal keeps at most {MAX_CITIZEN_SCORES} of the citizen's scores")
    entry = {"scale": scale, **body.model_dump(mode="json"), "at": stamp.at, "by": stamp.by}
    goal["citizen_scores"] = [*(goal.get("citizen_scores") or []), entry]
    return Outcome(
        set={"goals": goals},
        changes=[
            {
                "field": f"goals.{goal_id}.citizen_scores",
                "from": None,
                "to": body.score if body.score is not None else body.words,
                "agrees": body.agrees,
            }
        ],
        events=[_citizen_wrote(plan, "citizen_score", goal_id)],
        record=BY_CITIZEN,
    )


def comment(plan: Document, goal_id: str, body: CommentCreate, comment_id: str, stamp: Stamp) -> Outcome:
    """The citizen's comment on a goal."""
    _refuse_when_closed(plan)
    goals, goal = _find_goal(plan, goal_id)
    if len(goal.get("comments") or []) >= MAX_COMMENTS:
        raise PlanRuleError("goal_id", f"a goal keeps at most {MAX_COMMENTS} comments")
    entry = {"comment_id": comment_id, "text": body.text, "author": "citizen", **stamp.doc()}
    goal["comments"] = [*(goal.get("comments") or []), entry]
    return Outcome(
        set={"goals": goals},
        changes=[{"field": f"goals.{goal_id}.comments", "from": None, "to": comment_id}],
        events=[_citizen_wrote(plan, "comment", goal_id)],
        record=BY_CITIZEN,
    )


def request_change(plan: Document, body: ChangeRequestCreate, request_id: str, stamp: Stamp) -> Outcome:
    """The citizen asks the responsible caseworker for a change; nothing of the plan changes yet."""
    _refuse_when_closed(plan)
    if body.goal_id is not None:
        _find_goal(plan, body.goal_id)
    requests = list(plan.get("change_requests") or [])
    if len(requests) >= MAX_CHANGE_REQUESTS:
        raise PlanRuleError("change_requests", f"a plan keeps at most {MAX_CHANGE_REQUESTS} requests")
    entry = {
        "request_id": request_id,
        **body.model_dump(mode="json"),
        "status": "open",
        "at": stamp.at,
        "by": stamp.by,
        "decision": None,
    }
    return Outcome(
        set={"change_requests": [*requests, entry], "open_requests": _open(requests) + 1},
        changes=[{"field": f"change_requests.{request_id}", "from": None, "to": "open"}],
        events=[
            ChangeRequested(
                plan_id=plan["_id"],
                citizen_id=plan["citizen_id"],
                request_id=request_id,
                kind=body.kind,
                responsible_unit=plan["responsible_unit"],
            )
        ],
        record=BY_CITIZEN,
    )


def _open(requests: Sequence[Document]) -> int:
    """How many of the requests wait for an answer (kept on the plan: the responsible unit's worklist finds them by
    index)."""
    return sum(1 for r in requests if r["status"] == "open")


def decide_request(
    plan: Document, request_id: str, body: ChangeRequestDecision, goal_id: str, stamp: Stamp
) -> Outcome:
    """The responsible caseworker's answer. Accepting (or changing) a request for a new goal adds the goal in the
    same version; any other request is closed with the answer, and the change itself is made as staff make it."""
    _refuse_when_closed(plan)
    requests = [dict(r) for r in plan.get("change_requests") or []]
    request = next((r for r in requests if r["request_id"] == request_id), None)
    if request is None:
        raise PlanRuleError("request_id", "no such request in this plan", status=404)
    if request["status"] != "open":
        raise PlanRuleError("request_id", f"the request is {request['status']} already", status=409)
    if body.title is not None and request["kind"] != "new_goal":
        raise PlanRuleError("title", "only a request for a new goal is changed by a title")
    outcome = Outcome()
    added: str | None = None
    if request["kind"] == "new_goal" and body.outcome != "declined":
        title = body.title or request["title"]
        goal_outcome = add_goal(plan, GoalCreate(title=title), goal_id, stamp)
        outcome.set.update(goal_outcome.set)
        outcome.changes += goal_outcome.changes
        outcome.events += goal_outcome.events
        added = goal_id
    request["status"] = body.outcome
    request["decision"] = {
        "outcome": body.outcome,
        "reason": body.reason,
        "goal_id": added,
        **stamp.doc(),
    }
    outcome.set["change_requests"] = requests
    outcome.set["open_requests"] = _open(requests)
    outcome.changes.append(
        {"field": f"change_requests.{request_id}.status", "from": "open", "to": body.outcome}
    )
    outcome.events.append(
        ChangeRequestDecided(
            plan_id=plan["_id"],
            citizen_id=plan["citizen_id"],
            request_id=request_id,
            outcome=body.outcome,
            responsible_unit=plan["responsible_unit"],
        )
    )
    return outcome
