"""The decision "may unit U use categories C for purpose P about citizen X now?", live, from current state.

The consents are this service's own; the plans it learns from the plan service's events (``plan_refs``, consumer
group "consent"), which may be a moment behind the plan service (an event waits in its outbox, then in Kafka). So a
decision reads its own writes: when the answer on the read model would refuse, or would name the unit an actor while
it might be the responsible one, and a newer plan could change that (``domain.worth_confirming``), it asks the plan
service for the citizen's plans, stores them in the read model, and decides again. If the plan service does not
answer, the decision stands on what is known: a refusal stays a refusal (fails closed).

A refusal is confirmed every time (they are few, and the first read after creating a plan must see it); a permit
that might be too narrow at most once in ``Confirmations.ttl`` per citizen, so an actor's reads do not double the
calls between services. A batch over many citizens decides on the read model alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date

from borgerplan_api.consent import (
    BatchDecisionRequest,
    DecisionRequest,
    DisclosureCreate,
    InformationCategory,
    PreviewRequest,
    Purpose,
    UnitKind,
)
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import UnavailableError
from borgerplan_plumbing.mongo import Document
from borgerplan_rules.relations import PlanFacts
from borgerplan_rules.workdays import today
from consent_service import changes, domain, queries
from consent_service.changes import Consents
from consent_service.domain import ConsentState, Decision

log = logging.getLogger(__name__)


Rule = Callable[[list[ConsentState], list[PlanFacts]], Decision]


def _rule(
    unit: str,
    unit_kind: UnitKind | None,
    purpose: Purpose,
    categories: list[InformationCategory] | None,
    day: date,
) -> Rule:
    """The domain's decision for this unit, purpose and categories, over given consents and plans."""

    def rule(consents: list[ConsentState], plans: list[PlanFacts]) -> Decision:
        return domain.decide(
            unit=unit,
            unit_kind=unit_kind,
            purpose=purpose,
            categories=categories,
            today=day,
            consents=consents,
            plans=plans,
        )

    return rule


async def _confirmed_plans(ctx: Consents, citizen_id: str) -> list[PlanFacts] | None:
    """The citizen's plans as the plan service has them now (then stored in the read model), or None."""
    try:
        answer = await ctx.plans(citizen_id)
        plans = [PlanFacts.of(p) for p in answer]
    except (UnavailableError, KeyError, TypeError, ValueError) as exc:
        log.warning(
            "plan service gave no plans; deciding on the read model", extra={"error": type(exc).__name__}
        )
        return None
    await changes.remember_plans(ctx, answer)
    return plans


async def _reading_own_writes(
    ctx: Consents,
    citizen_id: str,
    unit_kind: UnitKind | None,
    rule: Rule,
    consents: list[ConsentState],
    plans: list[PlanFacts],
) -> tuple[Decision, list[PlanFacts]]:
    """``rule`` on the read model, then, when a newer plan could change the answer, on the plan service's plans."""
    decision = rule(consents, plans)
    if not domain.worth_confirming(decision, unit_kind):
        return decision, plans
    now = time.monotonic()
    if decision.permit and ctx.confirmations.recently_asked(citizen_id, now):
        return decision, plans
    ctx.confirmations.asked(citizen_id, now)  # also when no answer comes: a permit need not wait on it again
    confirmed = await _confirmed_plans(ctx, citizen_id)
    if confirmed is None:
        return decision, plans
    return rule(consents, confirmed), confirmed


async def decide(
    ctx: Consents, body: DecisionRequest, caller: Caller
) -> tuple[Decision, list[Document] | None, str | None]:
    """The decision, the consents the unit may see (``include_consents``), the disclosure recorded (``disclose``)."""
    plans, docs = await queries.citizen_facts(ctx, body.citizen_id, whole_consents=body.include_consents)
    rule = _rule(body.unit, body.unit_kind, body.purpose, body.categories, today())
    states = [ConsentState.of(d) for d in docs]
    decision, _ = await _reading_own_writes(ctx, body.citizen_id, body.unit_kind, rule, states, plans)
    shown = domain.visible_consents(body.unit, decision, docs) if body.include_consents else None
    disclosure_id = None
    if body.disclose and decision.permit and decision.relation == "actor":
        disclosure = DisclosureCreate(
            citizen_id=body.citizen_id,
            unit=body.unit,
            purpose=body.purpose,
            categories=list(decision.categories),
            consent_ids=list(decision.consent_ids),
            what=body.disclose,
        )
        disclosure_id = (await changes.record_disclosure(ctx, disclosure, caller))["_id"]
    return decision, shown, disclosure_id


async def decide_batch(ctx: Consents, body: BatchDecisionRequest) -> list[tuple[str, Decision]]:
    """One unit over many citizens, on the read model (two indexed queries, whatever the number of citizens)."""
    plans, consents = await queries.unit_facts(ctx, body.unit, body.citizen_ids)
    return domain.decide_many(
        unit=body.unit,
        unit_kind=body.unit_kind,
        purpose=body.purpose,
        citizen_ids=body.citizen_ids,
        today=today(),
        consents=consents,
        plans=plans,
    )


async def preview(ctx: Consents, body: PreviewRequest) -> tuple[Decision, Decision]:
    """What the unit may see now, and would see with the proposed consent (nothing is stored)."""
    plans, docs = await queries.citizen_facts(ctx, body.citizen_id)
    day = today()
    states = [ConsentState.of(d) for d in docs]
    rule = _rule(body.unit, body.unit_kind, body.purpose, None, day)
    _, plans = await _reading_own_writes(ctx, body.citizen_id, body.unit_kind, rule, states, plans)
    return domain.preview(
        unit=body.unit,
        unit_kind=body.unit_kind,
        purpose=body.purpose,
        today=day,
        consents=states,
        plans=plans,
        proposed=body.proposed,
        replaces=body.replaces_consent_id,
    )
