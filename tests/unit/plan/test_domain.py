"""The plan service's domain rules (``plan_service.domain``) and the input models' field rules, without I/O."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from borgerplan_api.plan import (
    MAX_ACTORS,
    MAX_GOALS,
    ActorCreate,
    ActorUpdate,
    ChildFollowUpCreate,
    FollowUpCreate,
    GoalCreate,
    GoalUpdate,
    OverviewUpdate,
    PlanCreate,
    PlanUpdate,
    ScoreIn,
    ScorePublic,
)
from borgerplan_contracts import EventData
from borgerplan_contracts.events.plan import (
    ActorAdded,
    ActorChanged,
    ActorRemoved,
    ChildFollowUpRecorded,
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
from plan_service.domain import (
    Document,
    PlanRuleError,
    Stamp,
    activated,
    activation,
    actor_document,
    actor_units,
    add_actor,
    add_child_follow_up,
    add_follow_up,
    add_goal,
    change_actor,
    change_goal,
    check_actor,
    close_as_replaced,
    diff,
    goal_transition,
    new_plan,
    remove_actor,
    scores_on_a_scale,
    update_plan,
)

STAMP = Stamp(at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), by="u1", by_name="Mette", by_unit="unit-a")

AUTHORITY: dict[str, Any] = {
    "name": "Sara Sagsbehandler",
    "role": "sagsbehandler",
    "kind": "authority",
    "unit": "unit-a",
}
PROVIDER: dict[str, Any] = {
    "name": "Kim Kontakt",
    "role": "kontaktperson",
    "kind": "provider",
    "unit": "unit-p",
    "network_category": "housing",
}
NETWORK: dict[str, Any] = {"name": "Mor", "role": "mor", "kind": "private_network"}
PLACEMENT_CHILD: dict[str, Any] = {"plan_for": ["placement"]}


def id_maker(prefix: str = "id") -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"{prefix}-{next(counter)}"


def plan_body(**fields: Any) -> PlanCreate:
    return PlanCreate.model_validate(
        {"citizen_id": "c1", "kind": "adult", "responsible_unit": "unit-a", **fields}
    )


def stored(**fields: Any) -> Document:
    """A stored plan, as ``new_plan`` makes it and the store versions it."""
    doc, _ = new_plan(plan_body(**fields), "p1", STAMP, id_maker())
    doc["version"] = 1
    return doc


def with_goal(status: str = "baseline", step: int | None = None, **fields: Any) -> Document:
    plan = stored(goals=[{"title": "Få et job", "category": "employment"}], **fields)
    plan["goals"][0].update(status=status, step=step)
    return plan


@contextmanager
def refused(field: str, status: int = 422) -> Iterator[None]:
    with pytest.raises(PlanRuleError) as caught:
        yield
    assert (caught.value.field, caught.value.status) == (field, status)


def follow_up(**fields: Any) -> ChildFollowUpCreate:
    data = {
        "period_from": "2026-01-01",
        "period_to": "2026-03-31",
        "progress": "går fremad",
        "assessments": ["goals_still_support"],
        **fields,
    }
    return ChildFollowUpCreate.model_validate(data)


# --- plan creation ---------------------------------------------------------------------------------------------


def test_a_plan_is_not_created_closed() -> None:
    with refused("status"):
        new_plan(plan_body(status="closed"), "p1", STAMP, id_maker())


def test_valid_to_before_valid_from_is_refused_on_creation() -> None:
    with refused("valid_to"):
        stored(valid_from="2026-02-01", valid_to="2026-01-31")
    assert stored(valid_from="2026-02-01", valid_to="2026-02-01")["valid_to"] == "2026-02-01"


def test_an_adult_plan_has_no_child_sections() -> None:
    with refused("child"):
        stored(kind="adult", child={"plan_for": ["preventive"]})


@pytest.mark.parametrize("kind", ["child", "unified"])
def test_child_and_unified_plans_take_child_sections(kind: str) -> None:
    assert stored(kind=kind, child={"plan_for": ["preventive"]})["child"]["plan_for"] == ["preventive"]


def test_a_measure_ending_before_it_starts_is_refused() -> None:
    measure = {
        "title": "Aflastning",
        "granted_under": "SEL §52",
        "kind": "preventive",
        "valid_from": "2026-03-01",
    }
    ok = {**measure, "valid_to": "2026-03-01"}
    bad = {**measure, "valid_to": "2026-02-28"}
    with refused("child.measures.1.valid_to"):
        stored(kind="child", child={"measures": [ok, bad]})


@pytest.mark.parametrize(
    ("child", "allowed"),
    [
        ({"plan_for": ["preventive"]}, False),
        (
            {
                "measures": [
                    {
                        "title": "t",
                        "granted_under": "SEL §52",
                        "kind": "preventive",
                        "valid_from": "2026-01-01",
                    }
                ]
            },
            False,
        ),
        ({"plan_for": ["placement"]}, True),
        (
            {
                "measures": [
                    {
                        "title": "t",
                        "granted_under": "SEL §52",
                        "kind": "placement",
                        "valid_from": "2026-01-01",
                    }
                ]
            },
            True,
        ),
    ],
    ids=["preventive-plan-for", "preventive-measure", "placement-plan-for", "placement-measure"],
)
def test_placement_decisions_only_in_placement_cases(child: dict[str, Any], allowed: bool) -> None:
    child = {**child, "placement_decisions": {"contact_and_visits": True}}
    if allowed:
        assert stored(kind="child", child=child)["child"]["placement_decisions"]["contact_and_visits"] is True
    else:
        with refused("child.placement_decisions"):
            stored(kind="child", child=child)


def test_placement_decisions_all_unset_are_allowed_outside_placement_cases() -> None:
    stored(kind="child", child={"plan_for": ["preventive"], "placement_decisions": {}})


def test_collaboration_goal_follow_up_before_agreement_is_refused() -> None:
    goals: list[dict[str, Any]] = [{"goal": "a", "follow_up_on": "2026-01-10"}]
    stored(collaboration_agreement={"agreed_on": "2026-01-10", "goals": goals})
    goals.append({"goal": "b", "follow_up_on": "2026-01-09"})
    with refused("collaboration_agreement.goals.1.follow_up_on"):
        stored(collaboration_agreement={"agreed_on": "2026-01-10", "goals": goals})


def test_new_plan_events_and_actor_units() -> None:
    body = plan_body(
        legal_bases=["sel § 141"],
        goals=[{"title": "Bolig", "category": "housing"}, {"title": "Job"}],
        actors=[AUTHORITY, PROVIDER, NETWORK, {**PROVIDER, "name": "Another", "unit": "unit-a"}],
    )
    doc, events = new_plan(body, "p1", STAMP, id_maker())
    assert [type(e) for e in events] == [
        PlanCreated,
        GoalAdded,
        GoalAdded,
        ActorAdded,
        ActorAdded,
        ActorAdded,
        ActorAdded,
    ]
    created = events[0]
    assert isinstance(created, PlanCreated)
    assert (created.plan_id, created.citizen_id, created.kind, created.status) == (
        "p1",
        "c1",
        "adult",
        "active",
    )
    assert created.legal_bases == ["SEL §141"]
    assert created.actor_units == ["unit-a", "unit-p"]  # private network excluded, units deduplicated
    assert [e.goal_id for e in events[1:3] if isinstance(e, GoalAdded)] == [
        g["goal_id"] for g in doc["goals"]
    ]
    assert [a["actor_id"] for a in doc["actors"]] == ["id-3", "id-4", "id-5", "id-6"]
    assert all(e.actor_units == ["unit-a", "unit-p"] for e in events[3:] if isinstance(e, ActorAdded))


def test_new_plan_document_and_first_history_entry() -> None:
    doc, _ = new_plan(plan_body(status="draft", goals=[{"title": "Job"}]), "p1", STAMP, id_maker())
    assert doc["_id"] == "p1" and doc["status"] == "draft" and doc["created_by"] == "u1"
    assert doc["child_follow_ups"] == []
    assert doc["history"] == [
        {
            "version": 1,
            "at": STAMP.at,
            "by": "u1",
            "by_name": "Mette",
            "by_unit": "unit-a",
            "changes": [{"field": "plan", "from": None, "to": "draft"}],
        }
    ]
    goal = doc["goals"][0]
    assert (goal["status"], goal["step"], goal["scores"], goal["follow_ups"]) == ("baseline", None, [], [])
    assert goal["status_history"] == [{"status": "baseline", "step": None, **STAMP.doc()}]


# --- activation ------------------------------------------------------------------------------------------------


def other(plan_id: str, kind: str, status: str = "active") -> Document:
    return {"_id": plan_id, "kind": kind, "status": status}


@pytest.mark.parametrize("kind", ["adult", "child", "unified"])
def test_one_active_plan_per_kind(kind: Any) -> None:
    with refused("status", 409):
        activation(kind, "new", [other("old", kind)])


@pytest.mark.parametrize("kind", ["adult", "child"])
def test_no_sector_plan_while_a_unified_plan_is_active(kind: Any) -> None:
    with refused("kind", 409):
        activation(kind, "new", [other("u", "unified")])


def test_a_unified_plan_replaces_the_active_sector_plans() -> None:
    others = [
        other("a", "adult"),
        other("c", "child"),
        other("a2", "adult", "draft"),
        other("c2", "child", "closed"),
    ]
    assert activation("unified", "new", others) == ["a", "c"]


def test_drafts_and_closed_plans_do_not_count() -> None:
    others = [other("a", "adult", "draft"), other("u", "unified", "closed"), other("u2", "unified", "draft")]
    assert activation("adult", "new", others) == []


def test_the_plan_itself_is_ignored() -> None:
    assert activation("adult", "me", [other("me", "adult")]) == []
    assert activation("child", "other", [other("a", "adult")]) == []


def test_activated_event() -> None:
    event = activated(stored(kind="unified"), ["a", "c"])
    assert isinstance(event, PlanActivated)
    assert (event.plan_id, event.kind, event.plan_version, event.replaces) == ("p1", "unified", 1, ["a", "c"])


# --- update_plan -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"status": "active"}, {"follow_up_period": "x"}, {"status": "closed"}, {}]
)
def test_a_closed_plan_takes_no_change(change: dict[str, Any]) -> None:
    plan = stored()
    plan["status"] = "closed"
    with refused("plan_id", 409):
        update_plan(plan, PlanUpdate.model_validate(change))


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("draft", "active", True),
        ("draft", "closed", True),
        ("active", "closed", True),
        ("active", "draft", False),
    ],
)
def test_plan_status_transitions(before: str, after: str, allowed: bool) -> None:
    plan = stored(status=before)
    if allowed:
        outcome = update_plan(plan, PlanUpdate.model_validate({"status": after}))
        assert outcome.changes == [{"field": "status", "from": before, "to": after}]
    else:
        with refused("status", 409):
            update_plan(plan, PlanUpdate.model_validate({"status": after}))


@pytest.mark.parametrize(
    "change",
    [{"valid_to": "2026-01-31"}, {"valid_from": "2027-01-01"}],
    ids=["to-before-from", "from-after-to"],
)
def test_validity_is_checked_against_the_stored_dates(change: dict[str, Any]) -> None:
    plan = stored(valid_from="2026-02-01", valid_to="2026-12-31")
    with refused("valid_to"):
        update_plan(plan, PlanUpdate.model_validate(change))


def test_update_refuses_child_sections_on_an_adult_plan() -> None:
    with refused("child"):
        update_plan(stored(), PlanUpdate.model_validate({"child": {"plan_for": ["preventive"]}}))


def test_update_checks_the_collaboration_agreement() -> None:
    agreement = {"agreed_on": "2026-01-10", "goals": [{"goal": "a", "follow_up_on": "2026-01-01"}]}
    with refused("collaboration_agreement.goals.0.follow_up_on"):
        update_plan(stored(), PlanUpdate.model_validate({"collaboration_agreement": agreement}))


def test_overview_merges_and_own_words_merge_part_by_part() -> None:
    plan = stored(overview={"purpose": "P", "notes": "N", "own_words": {"dreams": "D", "i_can": "I"}})
    outcome = update_plan(
        plan, PlanUpdate.model_validate({"overview": {"notes": None, "own_words": {"dreams": "D2"}}})
    )
    overview = outcome.set["overview"]
    assert overview["purpose"] == "P" and overview["notes"] is None
    assert overview["own_words"] == {"manage_myself": None, "i_can": "I", "dreams": "D2", "interests": None}
    assert outcome.changes == [
        {"field": "overview.notes", "from": "N", "to": None},
        {"field": "overview.own_words.dreams", "from": "D", "to": "D2"},
    ]


def test_a_change_without_difference_is_empty() -> None:
    plan = stored(follow_up_period="hver 3. måned", overview={"purpose": "P"})
    outcome = update_plan(
        plan,
        PlanUpdate.model_validate(
            {"status": "active", "follow_up_period": "hver 3. måned", "overview": {"purpose": "P"}}
        ),
    )
    assert outcome.empty and outcome.events == []


def test_plan_changed_names_the_fields_changed() -> None:
    plan = stored(valid_from="2026-01-01")
    outcome = update_plan(
        plan,
        PlanUpdate.model_validate(
            {"legal_bases": ["§ 141"], "overview": {"purpose": "P"}, "responsible_unit": "unit-b"}
        ),
    )
    assert outcome.set["legal_bases"] == ["SEL §141"]
    [event] = outcome.events
    assert isinstance(event, PlanChanged)
    assert event.fields_changed == ["legal_bases", "overview", "responsible_unit"]
    assert (event.plan_version, event.status, event.responsible_unit) == (2, "active", "unit-b")
    assert event.valid_from == date(2026, 1, 1)


def test_closing_emits_plan_closed_only() -> None:
    outcome = update_plan(stored(kind="child"), PlanUpdate(status="closed"))
    [event] = outcome.events
    assert isinstance(event, PlanClosed)
    assert (event.kind, event.plan_version, event.reason, event.replaced_by) == ("child", 2, "closed", None)


def test_closing_with_other_changes_emits_both_events() -> None:
    outcome = update_plan(stored(), PlanUpdate(status="closed", follow_up_period="aldrig"))
    assert [type(e) for e in outcome.events] == [PlanChanged, PlanClosed]
    assert isinstance(outcome.events[0], PlanChanged) and outcome.events[0].status == "closed"


def test_diff_gives_nested_field_paths() -> None:
    old = {"a": {"b": 1, "c": {"d": 2}}, "e": [1], "same": 1}
    new = {"a": {"b": 1, "c": {"d": 3}}, "e": [2], "same": 1, "f": "new"}
    assert diff(old, new) == [
        {"field": "a.c.d", "from": 2, "to": 3},
        {"field": "e", "from": [1], "to": [2]},
        {"field": "f", "from": None, "to": "new"},
    ]


def test_close_as_replaced() -> None:
    outcome = close_as_replaced(stored(), "u1")
    assert outcome.set == {"status": "closed", "replaced_by": "u1", "active_kinds": []}
    assert outcome.changes == [
        {"field": "status", "from": "active", "to": "closed"},
        {"field": "replaced_by", "from": None, "to": "u1"},
    ]
    [event] = outcome.events
    assert isinstance(event, PlanClosed)
    assert (event.reason, event.replaced_by, event.plan_version, event.kind) == (
        "replaced_by_unified",
        "u1",
        2,
        "adult",
    )


# --- goals -----------------------------------------------------------------------------------------------------


def test_add_goal_starts_at_baseline() -> None:
    outcome = add_goal(
        stored(), GoalCreate(title="Bolig", category="housing", sof_theme="health"), "g9", STAMP
    )
    [goal] = outcome.set["goals"]
    assert (goal["goal_id"], goal["status"], goal["step"]) == ("g9", "baseline", None)
    assert goal["status_history"] == [{"status": "baseline", "step": None, **STAMP.doc()}]
    assert outcome.changes == [{"field": "goals.g9", "from": None, "to": "Bolig"}]
    [event] = outcome.events
    assert isinstance(event, GoalAdded)
    assert (event.goal_id, event.category, event.sof_theme, event.status) == (
        "g9",
        "housing",
        "health",
        "baseline",
    )


def test_a_plan_has_at_most_ten_goals() -> None:
    plan = stored(goals=[{"title": f"g{i}"} for i in range(MAX_GOALS - 1)])
    plan["goals"] = add_goal(plan, GoalCreate(title="tenth"), "g10", STAMP).set["goals"]
    with refused("goals"):
        add_goal(plan, GoalCreate(title="eleventh"), "g11", STAMP)


def test_a_closed_plan_takes_no_goal() -> None:
    plan = stored(status="draft")
    plan["status"] = "closed"
    with refused("plan_id", 409):
        add_goal(plan, GoalCreate(title="x"), "g", STAMP)


@pytest.mark.parametrize("final", ["achieved", "no_longer_relevant"])
def test_a_final_goal_status_never_changes(final: str) -> None:
    for new in ("baseline", "in_progress", "achieved", "no_longer_relevant"):
        with refused("status", 409):
            goal_transition(final, None, new, None)
    with refused("status", 409):
        change_goal(with_goal(final), "id-1", GoalUpdate(step=2), STAMP)


def test_a_goal_does_not_return_to_baseline() -> None:
    with refused("status", 409):
        goal_transition("in_progress", 2, "baseline", None)
    plan = with_goal("in_progress", 2)
    with refused("status", 409):
        change_goal(plan, "id-1", GoalUpdate(status="baseline"), STAMP)


@pytest.mark.parametrize(
    ("status", "step", "new_step", "expected"),
    [
        ("baseline", None, None, 1),
        ("baseline", None, 3, 3),
        ("in_progress", 2, None, 2),
        ("in_progress", 2, 3, 3),
    ],
    ids=["default-1", "start-at-3", "keeps", "moves"],
)
def test_in_progress_steps(status: str, step: int | None, new_step: int | None, expected: int) -> None:
    assert goal_transition(status, step, "in_progress", new_step) == expected
    outcome = change_goal(
        with_goal(status, step), "id-1", GoalUpdate(status="in_progress", step=new_step), STAMP
    )
    if (status, step) == ("in_progress", expected):
        assert outcome.empty  # nothing changes, so no new version
        return
    [goal] = outcome.set["goals"]
    assert (goal["status"], goal["step"]) == ("in_progress", expected)


def test_a_final_status_clears_the_step() -> None:
    assert goal_transition("in_progress", 2, "achieved", None) is None


def test_a_step_alone_means_in_progress() -> None:
    outcome = change_goal(with_goal(), "id-1", GoalUpdate(step=2), STAMP)
    [goal] = outcome.set["goals"]
    assert (goal["status"], goal["step"]) == ("in_progress", 2)
    assert goal["status_history"][-1] == {"status": "in_progress", "step": 2, **STAMP.doc()}
    assert outcome.changes == [
        {"field": "goals.id-1.status", "from": "baseline", "to": "in_progress", "step": 2}
    ]
    [event] = outcome.events
    assert isinstance(event, GoalStatusChanged)
    assert (event.status, event.step, event.category) == ("in_progress", 2, "employment")


def test_same_status_and_step_is_no_change() -> None:
    outcome = change_goal(with_goal("in_progress", 2), "id-1", GoalUpdate(status="in_progress"), STAMP)
    assert outcome.empty and outcome.events == []


def test_a_score_is_appended_with_who_and_when() -> None:
    score = ScoreIn(now=4, expected=7, scale="1-10", citizen_disagrees=True, citizen_score=2)
    outcome = change_goal(with_goal(), "id-1", GoalUpdate(score=score), STAMP)
    [goal] = outcome.set["goals"]
    assert goal["scores"] == [{**score.model_dump(), **STAMP.doc()}]
    assert goal["status"] == "baseline"
    assert outcome.changes == [
        {"field": "goals.id-1.scores", "from": None, "to": 4, "expected": 7, "scale": "1-10"}
    ]
    [event] = outcome.events
    assert isinstance(event, ScoreRecorded) and event.citizen_disagrees is True


def test_a_score_with_a_final_status_is_the_last_one() -> None:
    plan = with_goal("in_progress", 1)
    outcome = change_goal(plan, "id-1", GoalUpdate(status="achieved", score=ScoreIn(now="9")), STAMP)
    assert [type(e) for e in outcome.events] == [ScoreRecorded, GoalStatusChanged]
    plan["goals"] = outcome.set["goals"]
    assert plan["goals"][0]["status"] == "achieved" and len(plan["goals"][0]["scores"]) == 1
    with refused("score", 409):
        change_goal(plan, "id-1", GoalUpdate(score=ScoreIn(now="10")), STAMP)


def test_a_content_change_is_recorded() -> None:
    update = GoalUpdate.model_validate(
        {
            "title": "Nyt job",
            "sub_goals": [{"title": "CV"}, {"title": "Ansøgning"}],
            "agreements": [{"who": "Sara", "what": "ringer"}],
            "description": None,
        }
    )
    outcome = change_goal(with_goal(), "id-1", update, STAMP)
    [goal] = outcome.set["goals"]
    assert goal["title"] == "Nyt job" and [s["title"] for s in goal["sub_goals"]] == ["CV", "Ansøgning"]
    assert [c["field"] for c in outcome.changes] == [
        "goals.id-1.agreements",
        "goals.id-1.sub_goals",
        "goals.id-1.title",
    ]
    [event] = outcome.events
    assert isinstance(event, GoalChanged)
    assert event.fields_changed == ["agreements", "sub_goals", "title"]


def test_the_stored_plan_is_not_mutated_by_a_goal_change() -> None:
    plan = with_goal()
    change_goal(plan, "id-1", GoalUpdate(title="Ny", score=ScoreIn(now="1"), step=2), STAMP)
    goal = plan["goals"][0]
    assert (goal["title"], goal["status"], goal["scores"]) == ("Få et job", "baseline", [])


@pytest.mark.parametrize("final", ["achieved", "no_longer_relevant"])
def test_a_final_goal_content_no_longer_changes(final: str) -> None:
    with refused("goal_id", 409):
        change_goal(with_goal(final), "id-1", GoalUpdate(title="Ny"), STAMP)


@pytest.mark.parametrize("key", ["title", "category"])
def test_a_goal_keeps_its_title_and_category(key: str) -> None:
    with refused(key):  # the domain refuses it too, should a null get past the schema
        change_goal(with_goal(), "id-1", GoalUpdate.model_construct(**{key: None}), STAMP)


@pytest.mark.parametrize(
    "call",
    [
        lambda plan: change_goal(plan, "nope", GoalUpdate(title="x"), STAMP),
        lambda plan: add_follow_up(plan, "nope", FollowUpCreate(date=date(2026, 1, 1), text="t"), STAMP),
    ],
    ids=["change_goal", "add_follow_up"],
)
def test_an_unknown_goal_is_not_found(call: Callable[[Document], Any]) -> None:
    with refused("goal_id", 404):
        call(with_goal())


# --- field rules in the schemas --------------------------------------------------------------------------------


def test_citizen_disagreement_needs_the_citizens_view() -> None:
    with pytest.raises(ValidationError, match="record their own score or view"):
        ScoreIn(now=3, citizen_disagrees=True)
    with pytest.raises(ValidationError, match="only when the citizen disagrees"):
        ScoreIn(now=3, citizen_view="5")
    with pytest.raises(ValidationError, match="only when the citizen disagrees"):
        ScoreIn(now=3, citizen_score=5)
    assert ScoreIn(now=3, citizen_disagrees=True, citizen_score=6).citizen_score == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"now": 0}, "between 1 and 10"),
        ({"now": 11}, "between 1 and 10"),
        ({"scale": "0-4", "now": 5}, "between 0 and 4"),
        ({"scale": "0-4", "now": 2, "expected": -1}, "between 0 and 4"),
        ({"now": 3, "citizen_disagrees": True, "citizen_score": 12}, "between 1 and 10"),
        ({"scale": "1-10"}, "needs now"),
        ({"scale": "words"}, "needs now_words"),
        ({"scale": "words", "now_words": "godt", "now": 3}, "takes no numbers"),
        ({"now": "godt"}, "valid integer"),
    ],
)
def test_a_score_stays_on_its_scale(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ScoreIn.model_validate(data)


def test_a_numeric_string_is_still_a_number() -> None:
    # Integrators that sent "now": "3" before scales were declared keep working.
    assert ScoreIn.model_validate({"now": "3", "expected": "7"}).now == 3


@pytest.mark.parametrize(
    ("stored", "scale", "now", "words"),
    [
        ({"now": "3", "expected": "7", "scale": "1-10"}, "1-10", 3, None),
        ({"now": "3", "expected": None, "scale": None}, "1-10", 3, None),
        ({"now": "2", "expected": "1", "scale": "0-4"}, "0-4", 2, None),
        ({"now": "0", "expected": "2", "scale": None}, "0-4", 0, None),
        ({"now": "godt", "expected": "bedre", "scale": "ord"}, "words", None, "godt"),
        ({"now": "12", "expected": None, "scale": None}, "words", None, "12"),
    ],
)
def test_stored_free_text_scores_move_onto_a_scale(
    stored: dict[str, Any], scale: str, now: int | None, words: str | None
) -> None:
    plan = with_goal()
    plan["goals"][0]["scores"] = [{**stored, "citizen_disagrees": False, "citizen_view": None, **STAMP.doc()}]
    outcome = scores_on_a_scale(plan)
    [score] = outcome.set["goals"][0]["scores"]
    assert (score["scale"], score["now"], score["now_words"]) == (scale, now, words)
    assert score["at"] == STAMP.at and outcome.changes[0]["from"] == stored["now"]
    ScorePublic.model_validate(score)  # readable as a public score
    plan["goals"] = outcome.set["goals"]
    assert scores_on_a_scale(plan).empty  # once only


@pytest.mark.parametrize("status", ["baseline", "achieved", "no_longer_relevant"])
def test_a_step_belongs_to_in_progress(status: str) -> None:
    with pytest.raises(ValidationError, match="in_progress"):
        GoalUpdate.model_validate({"status": status, "step": 2})
    GoalUpdate.model_validate({"status": "in_progress", "step": 2})


@pytest.mark.parametrize("step", [0, 4])
def test_a_step_is_1_to_3(step: int) -> None:
    with pytest.raises(ValidationError):
        GoalUpdate(step=step)


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (GoalCreate, {"title": "t", "sub_goals": [{"title": "s"}] * 11}),
        (GoalUpdate, {"sub_goals": [{"title": "s"}] * 11}),
        (GoalCreate, {"title": "t", "agreements": [{"who": "a", "what": "b"}] * 21}),
        (
            PlanCreate,
            {"citizen_id": "c", "kind": "adult", "responsible_unit": "u", "goals": [{"title": "g"}] * 11},
        ),
        (PlanCreate, {"citizen_id": "c", "kind": "adult", "responsible_unit": "u", "actors": [NETWORK] * 51}),
        (
            PlanCreate,
            {"citizen_id": "c", "kind": "adult", "responsible_unit": "u", "legal_bases": ["x"] * 21},
        ),
        (GoalCreate, {"title": "t" * 301}),
        (GoalUpdate, {"title": "t" * 301}),
        (GoalCreate, {"title": ""}),
        (
            ChildFollowUpCreate,
            {"period_from": "2026-01-01", "period_to": "2026-02-01", "progress": "p", "assessments": []},
        ),
    ],
    ids=[
        "sub-goals",
        "sub-goals-update",
        "agreements",
        "goals",
        "actors",
        "legal-bases",
        "title-length",
        "title-length-update",
        "empty-title",
        "no-assessment",
    ],
)
def test_field_bounds(model: type[Any], data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(data)


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (PlanCreate, {"citizen_id": "c", "kind": "adult", "responsible_unit": "u", "cpr": "0101901234"}),
        (PlanUpdate, {"version": 3}),
        (GoalUpdate, {"goal_id": "g"}),
        (ActorCreate, {**AUTHORITY, "cpr": "x"}),
        (ScoreIn, {"now": "1", "by": "me"}),
    ],
)
def test_unknown_fields_are_refused(model: type[Any], data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate(data)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        (["sel § 141"], ["SEL §141"]),
        (["§ 83A"], ["SEL §83a"]),
        (["lab §30 a"], ["LAB §30a"]),
        (["Kommunal  praksis  1"], ["Kommunal praksis 1"]),
        (["SEL §141", "sel§141", "§141"], ["SEL §141"]),
        (["vum", "§ 14 I"], ["VUM", "§14I"]),
    ],
)
def test_legal_bases_are_canonicalised(typed: list[str], canonical: list[str]) -> None:
    doc, _ = new_plan(plan_body(legal_bases=typed), "p1", STAMP, iter(["x"]).__next__)
    assert doc["legal_bases"] == canonical
    outcome = update_plan(stored(), PlanUpdate(legal_bases=typed))
    assert outcome.set.get("legal_bases", stored()["legal_bases"]) == canonical


@pytest.mark.parametrize("reference", [" ", "x" * 61])
def test_a_legal_basis_is_1_to_60_characters(reference: str) -> None:
    with pytest.raises(ValidationError):
        plan_body(legal_bases=[reference])


def test_child_follow_up_period_order_and_unique_assessments() -> None:
    with pytest.raises(ValidationError, match="period_to is before period_from"):
        follow_up(period_from="2026-03-01", period_to="2026-02-28")
    with pytest.raises(ValidationError, match="listed twice"):
        follow_up(assessments=["new_measure", "new_measure"])
    follow_up(period_from="2026-03-01", period_to="2026-03-01")


# --- goal follow-ups -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("final", ["achieved", "no_longer_relevant"])
def test_no_follow_up_on_a_final_goal(final: str) -> None:
    with refused("goal_id", 409):
        add_follow_up(with_goal(final), "id-1", FollowUpCreate(date=date(2026, 2, 1), text="t"), STAMP)


def test_a_follow_up_is_recorded_with_who() -> None:
    outcome = add_follow_up(
        with_goal("in_progress", 1), "id-1", FollowUpCreate(date=date(2026, 2, 1), text="godt"), STAMP
    )
    [goal] = outcome.set["goals"]
    assert goal["follow_ups"] == [{"date": "2026-02-01", "text": "godt", **STAMP.doc()}]
    assert outcome.changes == [{"field": "goals.id-1.follow_ups", "from": None, "to": "2026-02-01"}]
    [event] = outcome.events
    assert isinstance(event, FollowUpRecorded)
    assert (event.goal_id, event.on, event.by_unit) == ("id-1", date(2026, 2, 1), "unit-a")


# --- actors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "field"),
    [
        ({**NETWORK, "network_category": "housing"}, "network_category"),
        ({**NETWORK, "unit": "unit-x"}, "unit"),
        ({**AUTHORITY, "unit": None}, "unit"),
        ({**PROVIDER, "network_category": "private_network"}, "network_category"),
        ({**PROVIDER, "network_category": None}, "network_category"),
        ({**PROVIDER, "kind": "external", "network_category": None}, "network_category"),
        ({**PROVIDER, "network_category": "interpreter"}, "interpreter_language"),
        ({**AUTHORITY, "anchor": "contact_person"}, "anchor"),
        ({**PROVIDER, "anchor": "caseworker"}, "anchor"),
        ({**NETWORK, "anchor": "caseworker"}, "anchor"),
    ],
    ids=[
        "network-elsewhere",
        "network-with-unit",
        "authority-without-unit",
        "provider-in-network",
        "provider-without-category",
        "external-without-category",
        "interpreter-without-language",
        "contact-person-not-provider",
        "caseworker-not-authority",
        "caseworker-network",
    ],
)
def test_actor_fields_that_do_not_fit(actor: dict[str, Any], field: str) -> None:
    with refused(f"actors.0.{field}"):
        actor_document(ActorCreate.model_validate(actor), "a1", field_prefix="actors.0.")


@pytest.mark.parametrize(
    ("actor", "category"),
    [
        (AUTHORITY, "social_administration"),
        (NETWORK, "private_network"),
        ({**PROVIDER, "network_category": "interpreter", "interpreter_language": "arabisk"}, "interpreter"),
        ({**PROVIDER, "anchor": "contact_person"}, "housing"),
        ({**AUTHORITY, "anchor": "caseworker", "network_category": "employment"}, "employment"),
    ],
    ids=["authority-default", "network-default", "interpreter", "contact-person", "caseworker"],
)
def test_actor_fields_that_fit(actor: dict[str, Any], category: str) -> None:
    doc = actor_document(ActorCreate.model_validate(actor), "a1")
    assert (doc["actor_id"], doc["network_category"]) == ("a1", category)
    check_actor(doc)


def test_add_actor_event_carries_units_not_personal_data() -> None:
    plan = stored(actors=[AUTHORITY])
    body = ActorCreate.model_validate(
        {
            **PROVIDER,
            "email": "kim@borgerplan.dk",
            "phone": "12345678",
            "attention_points": "hund",
            "in_contact": False,
        }
    )
    outcome = add_actor(plan, body, "a9")
    assert [a["actor_id"] for a in outcome.set["actors"]] == ["id-1", "a9"]
    assert outcome.changes == [{"field": "actors.a9", "from": None, "to": "Kim Kontakt"}]
    [event] = outcome.events
    assert isinstance(event, ActorAdded)
    assert (event.actor_units, event.unit, event.network_category, event.in_contact) == (
        ["unit-a", "unit-p"],
        "unit-p",
        "housing",
        False,
    )
    dumped = event.model_dump_json()
    assert not any(word in dumped for word in ("Kim", "kim@", "12345678", "hund", "kontaktperson"))


def test_actor_units_leave_out_the_private_network() -> None:
    actors: list[Document] = [
        {"kind": "private_network", "unit": "unit-home"},
        {"kind": "provider", "unit": "unit-p"},
        {"kind": "authority", "unit": "unit-a"},
        {"kind": "external", "unit": None},
        {"kind": "authority", "unit": "unit-a"},
    ]
    assert actor_units(actors) == ["unit-a", "unit-p"]


def test_a_plan_has_at_most_fifty_actors() -> None:
    plan = stored(actors=[NETWORK] * MAX_ACTORS)
    with refused("actors"):
        add_actor(plan, ActorCreate.model_validate(NETWORK), "a51")


def test_add_actor_checks_the_actor() -> None:
    with refused("unit"):
        add_actor(stored(), ActorCreate.model_validate({**AUTHORITY, "unit": None}), "a1")


def test_change_actor_updates_and_reports_the_fields() -> None:
    plan = stored(actors=[AUTHORITY, PROVIDER])
    outcome = change_actor(plan, "id-2", ActorUpdate(unit="unit-q", phone="999"))
    assert outcome.set["actors"][1]["unit"] == "unit-q"
    assert [c["field"] for c in outcome.changes] == ["actors.id-2.phone", "actors.id-2.unit"]
    [event] = outcome.events
    assert isinstance(event, ActorChanged)
    assert (event.fields_changed, event.actor_units, event.unit) == (
        ["phone", "unit"],
        ["unit-a", "unit-q"],
        "unit-q",
    )
    assert "999" not in event.model_dump_json()


def test_changing_kind_to_private_network_moves_category_and_clears_unit() -> None:
    outcome = change_actor(stored(actors=[AUTHORITY, PROVIDER]), "id-2", ActorUpdate(kind="private_network"))
    actor = outcome.set["actors"][1]
    assert (actor["kind"], actor["network_category"], actor["unit"]) == (
        "private_network",
        "private_network",
        None,
    )
    [event] = outcome.events
    assert isinstance(event, ActorChanged)
    assert (event.unit, event.actor_units) == (None, ["unit-a"])
    assert event.fields_changed == ["kind", "network_category", "unit"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"network_category": "private_network"}, "network_category"),
        ({"unit": None}, "unit"),
        ({"anchor": "caseworker"}, "anchor"),
        ({"network_category": "interpreter"}, "interpreter_language"),
    ],
)
def test_change_actor_checks_the_result(change: dict[str, Any], field: str) -> None:
    with refused(field):
        change_actor(stored(actors=[PROVIDER]), "id-1", ActorUpdate.model_validate(change))


def test_change_actor_without_difference_is_empty() -> None:
    outcome = change_actor(
        stored(actors=[PROVIDER]), "id-1", ActorUpdate(unit="unit-p", role="kontaktperson")
    )
    assert outcome.empty and outcome.events == [] and outcome.set == {}


def test_remove_actor() -> None:
    outcome = remove_actor(stored(actors=[AUTHORITY, PROVIDER]), "id-2")
    assert [a["actor_id"] for a in outcome.set["actors"]] == ["id-1"]
    assert outcome.changes == [{"field": "actors.id-2", "from": "Kim Kontakt", "to": None}]
    [event] = outcome.events
    assert isinstance(event, ActorRemoved)
    assert (event.actor_id, event.unit, event.actor_units) == ("id-2", "unit-p", ["unit-a"])


@pytest.mark.parametrize(
    "call",
    [
        lambda plan: remove_actor(plan, "nope"),
        lambda plan: change_actor(plan, "nope", ActorUpdate(phone="1")),
    ],
    ids=["remove", "change"],
)
def test_an_unknown_actor_is_not_found(call: Callable[[Document], Any]) -> None:
    with refused("actor_id", 404):
        call(stored(actors=[AUTHORITY]))


@pytest.mark.parametrize(
    "call",
    [
        lambda plan: add_actor(plan, ActorCreate.model_validate(NETWORK), "a"),
        lambda plan: change_actor(plan, "id-2", ActorUpdate(phone="1")),
        lambda plan: remove_actor(plan, "id-2"),
        lambda plan: change_goal(plan, "id-1", GoalUpdate(step=1), STAMP),
        lambda plan: add_follow_up(plan, "id-1", FollowUpCreate(date=date(2026, 1, 1), text="t"), STAMP),
        lambda plan: add_child_follow_up(plan, follow_up(), STAMP),
    ],
    ids=["add_actor", "change_actor", "remove_actor", "change_goal", "add_follow_up", "add_child_follow_up"],
)
def test_a_closed_plan_refuses_every_change(call: Callable[[Document], Any]) -> None:
    plan = stored(kind="child", actors=[AUTHORITY], goals=[{"title": "g"}])
    plan["status"] = "closed"
    with refused("plan_id", 409):
        call(plan)


# --- the § 70 follow-up ----------------------------------------------------------------------------------------


def test_the_child_follow_up_is_not_for_adult_plans() -> None:
    with refused("plan_id"):
        add_child_follow_up(stored(kind="adult"), follow_up(), STAMP)


def test_goals_still_support_and_to_be_revised_exclude_each_other() -> None:
    with refused("assessments"):
        add_child_follow_up(
            stored(kind="child"), follow_up(assessments=["goals_still_support", "goals_to_be_revised"]), STAMP
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"assessments": ["return_home"]}, "assessments"),
        ({"personal_supervision_done": True}, "personal_supervision_done"),
        ({"parent_plan_revision_offered": True}, "parent_plan_revision_offered"),
    ],
)
def test_placement_only_parts_of_the_follow_up(fields: dict[str, Any], field: str) -> None:
    with refused(field):
        add_child_follow_up(
            stored(kind="child", child={"plan_for": ["preventive"]}), follow_up(**fields), STAMP
        )
    outcome = add_child_follow_up(stored(kind="unified", child=PLACEMENT_CHILD), follow_up(**fields), STAMP)
    assert not outcome.empty


def test_a_follow_up_period_does_not_start_before_the_last_one_ended() -> None:
    plan = stored(kind="child")
    plan["child_follow_ups"] = add_child_follow_up(plan, follow_up(), STAMP).set["child_follow_ups"]
    with refused("period_from"):
        add_child_follow_up(plan, follow_up(period_from="2026-03-30", period_to="2026-06-30"), STAMP)
    outcome = add_child_follow_up(plan, follow_up(period_from="2026-03-31", period_to="2026-06-30"), STAMP)
    assert len(outcome.set["child_follow_ups"]) == 2


def test_child_follow_up_is_stored_and_the_event_carries_period_and_assessments() -> None:
    body = follow_up(assessments=["goals_to_be_revised", "new_measure"], assessment_text="vurdering")
    outcome = add_child_follow_up(stored(kind="child"), body, STAMP)
    [entry] = outcome.set["child_follow_ups"]
    assert entry["progress"] == "går fremad" and entry["by"] == "u1" and entry["period_to"] == "2026-03-31"
    assert outcome.changes == [{"field": "child_follow_ups", "from": None, "to": "2026-03-31"}]
    [event] = outcome.events
    assert isinstance(event, ChildFollowUpRecorded)
    assert event.model_dump() == {
        "plan_id": "p1",
        "citizen_id": "c1",
        "period_from": date(2026, 1, 1),
        "period_to": date(2026, 3, 31),
        "assessments": ["goals_to_be_revised", "new_measure"],
    }


# --- events never carry free text ------------------------------------------------------------------------------

M = "ZQX"  # every marker starts with this


def marked_plan_body() -> PlanCreate:
    text = {
        "overview": {
            "purpose": f"{M}purpose",
            "occupied_with": f"{M}occupied",
            "employment": f"{M}employment",
            "notes": f"{M}notes",
            "own_words": {k: f"{M}{k}" for k in ("manage_myself", "i_can", "dreams", "interests")},
        },
        "follow_up_period": f"{M}period",
        "goals": [
            {
                "title": f"{M}goal",
                "description": f"{M}description",
                "sub_goals": [{"title": f"{M}sub"}],
                "agreements": [{"who": f"{M}who", "what": f"{M}what", "when": f"{M}when", "how": f"{M}how"}],
            }
        ],
        "actors": [
            {
                **PROVIDER,
                "name": f"{M}name",
                "role": f"{M}role",
                "unit_name": f"{M}unitname",
                "email": "zqx-mail@borgerplan.dk",
                "phone": f"{M}phone",
                "meeting_cadence": f"{M}cadence",
                "communication_agreements": [f"{M}comm"],
                "attention_points": f"{M}attention",
                "network_category": "interpreter",
                "interpreter_language": f"{M}language",
            },
            {**NETWORK, "name": f"{M}mother", "role": f"{M}mrole"},
        ],
        "child": {
            "plan_for": ["placement"],
            "measures": [
                {
                    "title": f"{M}measure",
                    "granted_under": "SEL §52",
                    "kind": "placement",
                    "valid_from": "2026-01-01",
                    "valid_to_text": f"{M}until",
                }
            ],
            "goals_for_effort": f"{M}effort",
            "expected_duration": {"to_text": f"{M}duration"},
            "concern_basis": f"{M}concern",
        },
        "collaboration_agreement": {
            "agreed_on": "2026-01-05",
            "place": f"{M}place",
            "present": [f"{M}present"],
            "current_situation": f"{M}situation",
            "goals_next_three_months": f"{M}three",
            "challenges": f"{M}challenges",
            "what_helps": f"{M}helps",
            "coordination": f"{M}coordination",
            "goals": [
                {
                    "goal": f"{M}agoal",
                    "citizen_actions": f"{M}citizen",
                    "caseworker_actions": f"{M}caseworker",
                    "went_well": f"{M}well",
                    "went_less_well": f"{M}less",
                }
            ],
        },
    }
    return plan_body(kind="unified", **text)


def test_events_never_carry_free_text() -> None:
    doc, events = new_plan(marked_plan_body(), "p1", STAMP, id_maker())
    doc["version"] = 1
    goal_id = doc["goals"][0]["goal_id"]
    actor_id = doc["actors"][0]["actor_id"]
    outcomes = [
        update_plan(
            doc,
            PlanUpdate.model_validate(
                {
                    "overview": {"purpose": f"{M}purpose2", "own_words": {"dreams": f"{M}dreams2"}},
                    "follow_up_period": f"{M}period2",
                    "child": {"plan_for": ["placement"], "concern_basis": f"{M}concern2"},
                    "status": "closed",
                }
            ),
        ),
        close_as_replaced(doc, "u9"),
        add_goal(doc, GoalCreate(title=f"{M}goal2", description=f"{M}desc2"), "g2", STAMP),
        change_goal(
            doc,
            goal_id,
            GoalUpdate.model_validate(
                {
                    "title": f"{M}title3",
                    "sub_goals": [{"title": f"{M}sub3"}],
                    "score": {
                        "scale": "words",
                        "now_words": f"{M}now",
                        "expected_words": f"{M}exp",
                        "citizen_disagrees": True,
                        "citizen_view": f"{M}view",
                    },
                    "status": "in_progress",
                }
            ),
            STAMP,
        ),
        add_follow_up(doc, goal_id, FollowUpCreate(date=date(2026, 2, 1), text=f"{M}followup"), STAMP),
        add_actor(
            doc,
            ActorCreate.model_validate({**AUTHORITY, "name": f"{M}an", "attention_points": f"{M}ap"}),
            "a9",
        ),
        change_actor(
            doc, actor_id, ActorUpdate(name=f"{M}renamed", attention_points=f"{M}ap2", unit="unit-z")
        ),
        remove_actor(doc, actor_id),
        add_child_follow_up(
            doc,
            follow_up(progress=f"{M}progress", assessment_text=f"{M}assessment", assessments=["return_home"]),
            STAMP,
        ),
    ]
    produced: list[EventData] = [*events, activated(doc, ["a"])]
    for outcome in outcomes:
        assert outcome.events, outcome
        produced += outcome.events
    assert len({type(e) for e in produced}) == 13
    for event in produced:
        assert M not in event.model_dump_json(), event
        assert "zqx" not in event.model_dump_json().lower(), event


# --- an explicit null for a field that always has a value is refused at the door ------------------------------


@pytest.mark.parametrize("key", ["status", "legal_bases", "responsible_unit", "overview"])
def test_update_plan_with_null_for_a_required_field(key: str) -> None:
    with pytest.raises(ValidationError, match=f"{key} cannot be null"):
        PlanUpdate.model_validate({key: None})


@pytest.mark.parametrize("key", ["title", "category", "sub_goals", "agreements", "status"])
def test_change_goal_with_null_for_a_required_field(key: str) -> None:
    with pytest.raises(ValidationError, match=f"{key} cannot be null"):
        GoalUpdate.model_validate({key: None})


@pytest.mark.parametrize("key", ["name", "kind", "in_contact", "communication_agreements"])
def test_change_actor_with_null_for_a_required_field(key: str) -> None:
    with pytest.raises(ValidationError, match=f"{key} cannot be null"):
        ActorUpdate.model_validate({key: None})


def test_overview_own_words_cannot_be_null_but_a_part_can() -> None:
    with pytest.raises(ValidationError):
        OverviewUpdate.model_validate({"own_words": None})
    plan = stored()
    plan["overview"] = {"own_words": {"dreams": "Egen lejlighed", "i_can": "Lave mad"}}
    outcome = update_plan(plan, PlanUpdate.model_validate({"overview": {"own_words": {"dreams": None}}}))
    assert outcome.set["overview"]["own_words"] == {"dreams": None, "i_can": "Lave mad"}


def test_a_private_network_actor_made_authority_moves_to_its_default_category() -> None:
    sister = {"name": "Lise", "role": "Søster", "kind": "private_network"}
    plan = stored(actors=[sister])
    outcome = change_actor(plan, "id-1", ActorUpdate.model_validate({"kind": "authority", "unit": "u-x"}))
    assert outcome.set["actors"][0]["network_category"] == "social_administration"
    with pytest.raises(PlanRuleError, match="network map"):
        change_actor(plan, "id-1", ActorUpdate.model_validate({"kind": "provider", "unit": "u-x"}))
