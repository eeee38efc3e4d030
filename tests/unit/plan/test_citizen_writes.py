"""The citizen writes in their own plan (decision 0061): their parts only, with history and events, never staff's."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from borgerplan_api.plan import (
    ChangeRequestCreate,
    ChangeRequestDecision,
    CitizenScoreCreate,
    CitizenWordsUpdate,
    CommentCreate,
    PlanPublic,
)
from borgerplan_contracts.events.plan import ChangeRequestDecided, ChangeRequested, CitizenWrote, GoalAdded
from plan_service.domain import (
    Document,
    citizen_score,
    citizen_words,
    comment,
    decide_request,
    request_change,
)
from tests.unit.plan.test_domain import STAMP, refused, stored, with_goal


def applied(plan: Document, outcome: object) -> Document:
    return {**plan, **outcome.set, "version": plan["version"] + 1}  # type: ignore[attr-defined]


def public(plan: Document) -> PlanPublic:
    return PlanPublic.model_validate({**plan, "plan_id": plan["_id"]})


def test_the_citizens_words_are_theirs_beside_what_staff_wrote() -> None:
    plan = stored(overview={"purpose": "Egen bolig", "own_words": {"dreams": "skrevet af personalet"}})
    body = CitizenWordsUpdate.model_validate(
        {"own_words": {"dreams": "Min egen lejlighed"}, "occupied_with": "Job"}
    )
    outcome = citizen_words(plan, body, STAMP)
    assert set(outcome.set) == {"citizen_words"}, "nothing staff wrote is set"
    assert outcome.record == {"author": "citizen"}
    assert {c["field"] for c in outcome.changes} == {
        "citizen_words.own_words.dreams",
        "citizen_words.occupied_with",
    }
    assert [type(e) for e in outcome.events] == [CitizenWrote]
    assert outcome.events[0].part == "own_words"
    assert "Min egen" not in outcome.events[0].model_dump_json(), "no words in the event"
    after = applied(plan, outcome)
    shown = public(after)
    assert shown.overview.own_words.dreams == "skrevet af personalet"
    assert shown.citizen_words is not None and shown.citizen_words.own_words.dreams == "Min egen lejlighed"
    # a later write changes only the part sent; writing the same again is no change
    again = citizen_words(
        after, CitizenWordsUpdate.model_validate({"own_words": {"i_can": "Lave mad"}}), STAMP
    )
    words = applied(after, again)["citizen_words"]
    assert words["own_words"] == {"dreams": "Min egen lejlighed", "i_can": "Lave mad"}
    assert words["occupied_with"] == "Job"
    same = citizen_words(after, CitizenWordsUpdate.model_validate({"occupied_with": "Job"}), STAMP)
    assert same.empty


def test_words_are_validated_like_staff_input() -> None:
    with pytest.raises(ValidationError):
        CitizenWordsUpdate.model_validate({})
    with pytest.raises(ValidationError):
        CitizenWordsUpdate.model_validate({"own_words": {"dreams": "x" * 2001}})
    with pytest.raises(ValidationError):
        CitizenWordsUpdate.model_validate({"purpose": "staff's field"})


def test_the_citizens_score_sits_beside_the_professional_score_on_its_scale() -> None:
    plan = with_goal()
    goal_id = plan["goals"][0]["goal_id"]
    plan["goals"][0]["scores"] = [{"scale": "0-4", "now": 3, "at": STAMP.at, "by": "u1"}]
    outcome = citizen_score(plan, goal_id, CitizenScoreCreate(agrees=False, score=2, view="Bedre"), STAMP)
    goal = outcome.set["goals"][0]
    assert goal["scores"] == plan["goals"][0]["scores"], "the professional score stays the record"
    assert goal["citizen_scores"][0]["scale"] == "0-4"
    assert goal["citizen_scores"][0]["agrees"] is False
    assert outcome.record == {"author": "citizen"}
    with refused("score"):
        citizen_score(plan, goal_id, CitizenScoreCreate(agrees=True, score=7), STAMP)
    with refused("goal_id", 404):
        citizen_score(plan, "no-such-goal", CitizenScoreCreate(agrees=True), STAMP)
    with pytest.raises(ValidationError):
        CitizenScoreCreate(agrees=False)
    closed = with_goal(status="achieved")
    with refused("goal_id", 409):
        citizen_score(closed, closed["goals"][0]["goal_id"], CitizenScoreCreate(agrees=True), STAMP)


def test_a_comment_on_a_goal() -> None:
    plan = with_goal()
    goal_id = plan["goals"][0]["goal_id"]
    outcome = comment(plan, goal_id, CommentCreate(text="Jeg vil gerne have hjælp"), "k-1", STAMP)
    assert outcome.set["goals"][0]["comments"][0]["author"] == "citizen"
    assert outcome.events[0].part == "comment" and outcome.events[0].goal_id == goal_id
    assert public(applied(plan, outcome)).goals[0].comments[0].text == "Jeg vil gerne have hjælp"


def test_a_request_for_a_new_goal_accepted_adds_the_goal_and_closes_the_request() -> None:
    plan = stored()
    asked = ChangeRequestCreate(kind="new_goal", title="Cykle igen", text="Jeg vil gerne cykle")
    outcome = request_change(plan, asked, "r-1", STAMP)
    assert "goals" not in outcome.set, "asking changes nothing yet"
    assert outcome.set["open_requests"] == 1
    assert isinstance(outcome.events[0], ChangeRequested)
    plan = applied(plan, outcome)
    decided = decide_request(
        plan, "r-1", ChangeRequestDecision(outcome="accepted", reason="Godt"), "g-new", STAMP
    )
    assert [g["title"] for g in decided.set["goals"]] == ["Cykle igen"]
    assert decided.set["change_requests"][0]["status"] == "accepted"
    assert decided.set["change_requests"][0]["decision"]["goal_id"] == "g-new"
    assert decided.set["open_requests"] == 0
    assert [type(e) for e in decided.events] == [GoalAdded, ChangeRequestDecided]
    assert decided.record is None, "the caseworker's answer is staff's version"
    plan = applied(plan, decided)
    with refused("request_id", 409):
        decide_request(plan, "r-1", ChangeRequestDecision(outcome="declined", reason="Nej"), "g-2", STAMP)
    with refused("request_id", 404):
        decide_request(plan, "r-9", ChangeRequestDecision(outcome="declined", reason="Nej"), "g-2", STAMP)


def test_a_request_changed_or_declined() -> None:
    plan = applied(
        stored(),
        request_change(stored(), ChangeRequestCreate(kind="new_goal", title="Cykle", text="x"), "r-1", STAMP),
    )
    changed = decide_request(
        plan,
        "r-1",
        ChangeRequestDecision(outcome="changed", reason="Lidt mindre", title="Cykle til købmanden"),
        "g",
        STAMP,
    )
    assert [g["title"] for g in changed.set["goals"]] == ["Cykle til købmanden"]
    declined = decide_request(
        plan, "r-1", ChangeRequestDecision(outcome="declined", reason="Ikke nu"), "g", STAMP
    )
    assert "goals" not in declined.set
    assert declined.set["change_requests"][0]["decision"]["reason"] == "Ikke nu"
    with pytest.raises(ValidationError):
        ChangeRequestDecision.model_validate({"outcome": "accepted"})
    with pytest.raises(ValidationError):
        ChangeRequestDecision(outcome="accepted", reason="x", title="y")
    with pytest.raises(ValidationError):
        ChangeRequestCreate(kind="change_agreement", text="x")
    with refused("goal_id", 404):
        request_change(plan, ChangeRequestCreate(kind="correct_fact", text="x", goal_id="nope"), "r-2", STAMP)
