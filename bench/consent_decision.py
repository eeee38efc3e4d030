"""The consent part of a decision beside a plain database read of the same consent documents.

The decision is the consent service's answer to "what consents exist" (``GET /citizens/{id}/consent-refs``'s read,
only the fields deciding needs) and the one answer over it (``borgerplan_rules.access``; the plan facts come from
the plan service and are given here). Target (issue 4): no more than twice the read. Both run against the real
database the tests use (FerretDB locally), in one process, interleaved so both see the same load.
Run: uv run python bench/consent_decision.py [--citizens 40] [--rounds 500]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

# Run as a file (python bench/x.py), bench/ is first on the path: the benchmarks import each other as their package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import bench_settings, drop_databases, report
from borgerplan_api.consent import ConsentCreate
from borgerplan_plumbing.auth import Caller
from borgerplan_rules.access import CitizenFacts, ConsentFacts, PlanFacts, access
from borgerplan_rules.workdays import today
from consent_service import changes, queries
from consent_service.bootstrap import build
from consent_service.changes import Consents

UNITS = ["rusmiddelenheden", "herberg", "jobcenter", "psykiatri", "kriminalforsorgen"]
CALLER = Caller(
    sub="bench", name="Bench", unit="hjemloeseenheden", unit_kind="authority", roles=["caseworker"]
)


async def seed(ctx: Consents, citizens: int) -> None:
    for i in range(citizens):
        citizen = f"bench-citizen-{i}"
        for unit in UNITS:
            await changes.grant(
                ctx,
                ConsentCreate.model_validate(
                    {
                        "citizen_id": citizen,
                        "grantee_unit": unit,
                        "categories": ["general", "substance_use"],
                        "purposes": ["view_plan", "meeting_invitation"],
                        "form": {"kind": "written", "document_reference": "bench"},
                        "valid_from": (today() - timedelta(days=10)).isoformat(),
                        "valid_until": (today() + timedelta(days=300)).isoformat(),
                    }
                ),
                CALLER,
            )


async def main(citizens: int, rounds: int) -> None:
    settings = bench_settings()
    runtime = build(settings)
    await runtime.start()
    try:
        ctx: Consents = runtime.app.state.consents
        await seed(ctx, citizens)
        rng = random.Random(7)
        decided_ms: list[float] = []
        reads: list[float] = []
        for i in range(rounds + 100):
            citizen, unit = f"bench-citizen-{rng.randrange(citizens)}", rng.choice(UNITS)
            plans = (PlanFacts(f"bench-plan-{citizen}", citizen, "hjemloeseenheden", frozenset(UNITS)),)
            start = time.perf_counter()
            refs = await queries.consent_refs(ctx, citizen)
            facts = CitizenFacts(citizen, plans, tuple(ConsentFacts.of(r) for r in refs))
            decision = access(unit, "provider", "view_plan", facts, today())
            decided = time.perf_counter()
            # The same documents the decision reads: the citizen's consents (every unit's: a party is related).
            docs = await ctx.consents.collection.find({"citizen_id": citizen}).to_list(None)
            read = time.perf_counter()
            assert decision.permit and docs
            if i >= 100:  # warm-up excluded
                decided_ms.append((decided - start) * 1000)
                reads.append((read - decided) * 1000)
        print(f"consent decision vs plain read: {citizens} citizens x {len(UNITS)} consents, {rounds} rounds")
        _, read_p99 = report("plain read of the consent documents", reads)
        read_p50 = sorted(reads)[len(reads) // 2]
        dec_p50, dec_p99 = report("consent refs read + the one answer", decided_ms)
        print(
            f"ratio decision/read: p50 {dec_p50 / read_p50:.2f}x  p99 {dec_p99 / read_p99:.2f}x  (target <= 2.00x)"
        )
    finally:
        await runtime.stop()
        drop_databases(settings.mongodb_uri, settings.database_prefix.rstrip("_"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.citizens, args.rounds))
