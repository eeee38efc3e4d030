"""The decision reads its own writes: a refusal on a read model that may be behind asks the plan service first.

Fakes stand in for the collections and the plan service (no network); the integration tests run the same over a
real database, Kafka and an in-process plan service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from borgerplan_api.consent import DecisionRequest, PreviewRequest
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import UnavailableError
from borgerplan_plumbing.mongo import Query
from borgerplan_rules.workdays import today
from consent_service import decisions
from consent_service.changes import Confirmations, Consents

CITIZEN = "c1"
RESPONSIBLE, TREATMENT = "hjemloeseenheden", "rusmiddelenheden"
CALLER = Caller(sub="gw", name="Gateway", unit=TREATMENT, unit_kind="provider", roles=["caseworker"])
PLAN = {
    "plan_id": "p1",
    "citizen_id": CITIZEN,
    "kind": "adult",
    "status": "active",
    "responsible_unit": RESPONSIBLE,
    "actor_units": [TREATMENT],
}


def _matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, wanted in query.items():
        if isinstance(wanted, dict) and "$in" in wanted:
            if doc.get(key) not in wanted["$in"]:
                return False
        elif doc.get(key) != wanted:
            return False
    return True


class Cursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        return self.docs[:length]

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._each()

    async def _each(self) -> AsyncIterator[dict[str, Any]]:
        for doc in self.docs:
            yield doc


class FakeDatabase:
    def __init__(self) -> None:
        self.name = "consent"
        self.collections: dict[str, FakeCollection] = {}


class FakeCollection:
    def __init__(self, name: str, db: FakeDatabase, docs: list[dict[str, Any]] | None = None) -> None:
        self.name = name
        self.database = db
        self.docs = docs or []
        db.collections[name] = self

    def find(self, query: dict[str, Any], **_: Any) -> Cursor:
        return Cursor([d for d in self.docs if _matches(d, query)])

    async def aggregate(self, pipeline: list[dict[str, Any]]) -> Cursor:
        """The stages ``mongo.find_together`` sends: $match, $addFields and $unionWith (sorts, limits and
        projections do not change what these tests decide)."""
        return Cursor(self._run(list(self.docs), pipeline))

    def _run(self, docs: list[dict[str, Any]], pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for stage in pipeline:
            if "$match" in stage:
                docs = [d for d in docs if _matches(d, stage["$match"])]
            elif "$addFields" in stage:
                docs = [{**d, **stage["$addFields"]} for d in docs]
            elif "$unionWith" in stage:
                other = self.database.collections[stage["$unionWith"]["coll"]]
                docs = docs + other._run(list(other.docs), stage["$unionWith"]["pipeline"])
        return docs

    async def update_one(self, query: dict[str, Any], update: dict[str, Any], upsert: bool = False) -> None:
        found = [d for d in self.docs if _matches(d, query)]
        if found:
            found[0].update(update["$set"])
        elif upsert:
            self.docs.append({**query, **update["$set"]})

    async def insert_one(self, doc: dict[str, Any]) -> None:
        self.docs.append(doc)


class FakeStore:
    def __init__(self, collection: FakeCollection) -> None:
        self.collection = collection

    async def find(self, query: dict[str, Any], **_: Any) -> list[dict[str, Any]]:
        return await self.collection.find(query).to_list()

    def query(self, query: dict[str, Any], **options: Any) -> Query:
        return Query(self.collection, query, None, tuple(options.get("sort") or ()), options.get("limit", 0))  # type: ignore[arg-type]


class PlanService:
    def __init__(self, plans: list[dict[str, Any]] | None, answers: bool = True) -> None:
        self.plans = plans or []
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, citizen_id: str) -> list[dict[str, Any]]:
        self.asked.append(citizen_id)
        if not self.answers:
            raise UnavailableError("plan")
        return [p for p in self.plans if p["citizen_id"] == citizen_id]


def _consent(unit: str = TREATMENT, **extra: Any) -> dict[str, Any]:
    return {
        "_id": f"k-{unit}",
        "citizen_id": CITIZEN,
        "grantee_unit": unit,
        "granted_by_unit": RESPONSIBLE,
        "categories": ["general"],
        "purposes": ["view_plan"],
        "valid_from": (today() - timedelta(days=1)).isoformat(),
        "valid_until": None,
        "status": "active",
        **extra,
    }


def _ctx(
    plan_service: PlanService,
    refs: list[dict[str, Any]] | None = None,
    consents: list[dict[str, Any]] | None = None,
) -> Consents:
    db = FakeDatabase()
    return Consents(
        consents=FakeStore(FakeCollection("consents", db, consents)),  # type: ignore[arg-type]
        plan_refs=FakeCollection("plan_refs", db, refs),  # type: ignore[arg-type]
        disclosures=FakeCollection("disclosures", db),  # type: ignore[arg-type]
        plans=plan_service,
        confirmations=Confirmations(ttl_seconds=60),
    )


def _ask(unit: str, unit_kind: str | None = None) -> DecisionRequest:
    return DecisionRequest.model_validate(
        {"citizen_id": CITIZEN, "unit": unit, "unit_kind": unit_kind, "purpose": "view_plan"}
    )


async def test_a_plan_the_read_model_has_not_seen_permits_its_responsible_unit_at_once() -> None:
    plan_service = PlanService([PLAN])
    ctx = _ctx(plan_service)
    decision, _, _ = await decisions.decide(ctx, _ask(RESPONSIBLE, "authority"), CALLER)
    assert (decision.permit, decision.relation) == (True, "responsible")
    assert plan_service.asked == [CITIZEN]
    refs = ctx.plan_refs.docs
    assert refs == [
        {
            "_id": "p1",
            "citizen_id": CITIZEN,
            "responsible_unit": RESPONSIBLE,
            "actor_units": [TREATMENT],
            "status": "active",
        }
    ], "the answer is stored in the read model"
    again, _, _ = await decisions.decide(ctx, _ask(RESPONSIBLE, "authority"), CALLER)
    assert again.permit and plan_service.asked == [CITIZEN], "the next decision needs no call"


async def test_when_the_plan_service_does_not_answer_the_refusal_stands() -> None:
    plan_service = PlanService([PLAN], answers=False)
    decision, _, _ = await decisions.decide(_ctx(plan_service), _ask(RESPONSIBLE), CALLER)
    assert (decision.permit, decision.relation, decision.reason) == (False, "none", "no_relation")
    assert plan_service.asked == [CITIZEN]


async def test_a_provider_with_a_consent_is_not_confirmed() -> None:
    plan_service = PlanService([PLAN])
    ref = {**PLAN, "_id": "p1"}
    ctx = _ctx(plan_service, refs=[ref], consents=[_consent()])
    decision, _, _ = await decisions.decide(ctx, _ask(TREATMENT, "provider"), CALLER)
    assert (decision.permit, decision.relation) == (True, "actor")
    assert plan_service.asked == [], "no plan can make a provider responsible"


async def test_a_permit_that_may_be_too_narrow_is_confirmed_once_in_a_while() -> None:
    plan_service = PlanService([PLAN])
    ctx = _ctx(plan_service, refs=[{**PLAN, "_id": "p1"}], consents=[_consent()])
    for _ in range(3):
        decision, _, _ = await decisions.decide(ctx, _ask(TREATMENT), CALLER)  # its kind unknown
        assert (decision.permit, decision.relation) == (True, "actor")
    assert plan_service.asked == [CITIZEN]


async def test_a_plan_service_that_does_not_answer_is_not_asked_again_for_a_permit() -> None:
    plan_service = PlanService([PLAN], answers=False)
    ctx = _ctx(plan_service, refs=[{**PLAN, "_id": "p1"}], consents=[_consent()])
    for _ in range(3):
        decision, _, _ = await decisions.decide(ctx, _ask(TREATMENT), CALLER)
        assert decision.permit
    assert plan_service.asked == [CITIZEN]


async def test_a_refusal_is_confirmed_every_time() -> None:
    plan_service = PlanService([])
    ctx = _ctx(plan_service)
    for _ in range(2):
        decision, _, _ = await decisions.decide(ctx, _ask("ukendt", "provider"), CALLER)
        assert not decision.permit
    assert plan_service.asked == [CITIZEN, CITIZEN]


async def test_the_responsible_unit_handed_over_a_moment_ago() -> None:
    """The read model still names the old unit; the plan service the new one."""
    handed_over = {**PLAN, "responsible_unit": "jobcenter"}
    ctx = _ctx(PlanService([handed_over]), refs=[{**PLAN, "_id": "p1"}])
    decision, _, _ = await decisions.decide(ctx, _ask("jobcenter", "authority"), CALLER)
    assert decision.relation == "responsible"
    old, _, _ = await decisions.decide(ctx, _ask(RESPONSIBLE, "authority"), CALLER)
    assert (old.permit, old.relation) == (False, "none")


async def test_a_disclosure_is_recorded_with_an_actors_permit_only() -> None:
    ctx = _ctx(PlanService([PLAN]), refs=[{**PLAN, "_id": "p1"}], consents=[_consent()])
    ask = {"citizen_id": CITIZEN, "purpose": "view_plan", "disclose": "plan_view", "include_consents": True}
    actor = DecisionRequest.model_validate({**ask, "unit": TREATMENT, "unit_kind": "provider"})
    decision, shown, disclosure_id = await decisions.decide(ctx, actor, CALLER)
    assert decision.permit and disclosure_id is not None
    assert [d["_id"] for d in shown or []] == ["k-rusmiddelenheden"]
    responsible = DecisionRequest.model_validate({**ask, "unit": RESPONSIBLE})
    _, _, none = await decisions.decide(ctx, responsible, CALLER)
    assert none is None, "the responsible unit's own plan is no disclosure"
    assert len(ctx.disclosures.docs) == 1


async def test_preview_confirms_the_plans_too() -> None:
    plan_service = PlanService([PLAN])
    body = PreviewRequest.model_validate(
        {
            "citizen_id": CITIZEN,
            "unit": RESPONSIBLE,
            "purpose": "view_plan",
            "proposed": {
                "categories": ["general"],
                "purposes": ["view_plan"],
                "valid_from": today().isoformat(),
            },
        }
    )
    before, after = await decisions.preview(_ctx(plan_service, consents=[_consent()]), body)
    assert before.relation == after.relation == "responsible"
    assert plan_service.asked == [CITIZEN]
