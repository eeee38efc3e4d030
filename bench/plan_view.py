"""The composed view's latency at a fixed request rate, beside the floor: the plan service's own GET /plans/{id}.

Runs the five services (and the pages) as processes against servers of their own (``--servers own``, the default:
a fresh PostgreSQL + FerretDB + Kafka instance, deleted afterwards; ``--servers tests``: the tests' shared one),
seeds ``--citizens`` citizens through the public API with ``bench/seed.py`` (plans with goals and actors, consents,
a meeting, a history of reads), then sends composed views for random seeded citizens at ``--rate`` (open loop: each
request leaves at its time whether or not earlier ones have answered) and, interleaved in the same seconds, the floor
at ``--floor-rate``, and prints p50/p99, every status seen and the ratio (target from issue 11: view p99 <= 3x the
floor's p99, with the view at 100 req/s). The view is read as the treatment provider, the heaviest path: consent
decision, filtering, the access-log append and the disclosure record. The floor runs in the same moments, on the
same loaded machine, at a lower rate: it samples what the plan service's own read costs while the views run (at
100 req/s of its own on top, two cores would measure the floor's queue, not the view). The CPU each process spent
per view is printed too (steadier than latency on a shared machine), and what PostgreSQL did during the run
(autovacuum, checkpoints, rows read, the collections read most), and where the slowest views' time went (the
gateway's Server-Timing).
Run: uv run python bench/plan_view.py [--citizens 10000] [--rate 100[,50,...]] [--floor-rate 20] [--seconds 20]
     [--servers own|tests]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

# Run as a file (python bench/x.py), bench/ is first on the path: the benchmarks import each other as their package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    BenchServers,
    DatabaseWatch,
    Op,
    bench_system,
    cpu_of_trees,
    cpu_percent,
    fixed_rate,
    load_note,
    prioritise,
    run_client,
    service_metrics,
    settled_note,
    wait_database_settled,
    wait_settled,
)
from bench.scale import operations, process_roots, service_urls
from bench.seed import Api, seed
from borgerplan_cli.system import System

TARGET = 3.0
WARMUP_SECONDS = 3.0
BURST_SECONDS = 0.05  # five sends apart at 100 views/s
ENV = {
    # The services as deployed: the test stack's faster outbox polling and its low rate limit off.
    "BORGERPLAN_OUTBOX_POLL_SECONDS": "1.0",
    "BORGERPLAN_RATE_LIMIT_PER_SECOND": "20",
    "BORGERPLAN_RATE_LIMIT_BURST": "60",
    "BORGERPLAN_LOG_LEVEL": "WARNING",
}


async def run(
    system: System,
    servers: BenchServers,
    citizens: int,
    rates: list[float],
    floor_rate: float,
    seconds: float,
) -> None:
    print(
        f"seeding {citizens:,} citizens through the public API at concurrency 16 ({load_note()})", flush=True
    )
    world = await seed(system.api, system.settings, citizens, 16)
    print(f"seeding: {world.phases[-1].line()}")
    print(settled_note(*await wait_settled(service_urls(system))))
    print(await wait_database_settled(servers))
    roots = process_roots(system, servers)
    rng = random.Random(3)
    async with Api(system.api, connections=500, timeout=30) as api:
        # The same two operations as bench/scale.py's (one definition of each).
        timings: list[tuple[float, float, dict[str, float]]] = []
        ops = operations(system, world, api, rng, timings)
        view, floor = ops["view"], ops["floor"]

        for rate in rates:
            await asyncio.sleep(5)  # what seeding or the previous rate left behind settles
            shed_before = await service_metrics(service_urls(system))
            watch = DatabaseWatch(servers)
            await watch.start()
            timings.clear()
            await measure(roots, citizens, rate, floor_rate, seconds, {"floor": floor, "view": view}, timings)
            print(await watch.stop())
            shed_after = await service_metrics(service_urls(system))
            print(
                "shed by the load limits during the run: "
                + ", ".join(
                    f"{name} {int(shed_after[name]['shed'] - shed_before[name]['shed'])}"
                    for name in shed_after
                )
            )


async def measure(
    roots: dict[str, int],
    citizens: int,
    rate: float,
    floor_rate: float,
    seconds: float,
    ops: dict[str, Op],
    timings: list[tuple[float, float, dict[str, float]]] | None = None,
) -> None:
    """One measured run; ``timings``, when given, holds the views' Server-Timing (``operations``) to split the slowest
    views' time by."""
    print(
        f"\nmeasuring the view at {rate:g} req/s and the floor at {floor_rate:g} req/s for {seconds:g} s ({load_note()})",
        flush=True,
    )
    before = cpu_of_trees(roots)
    began = time.perf_counter()
    # When fixed_rate sends its first counted request (it starts 0.05 s from now, then warms up).
    counted_from = asyncio.get_running_loop().time() + 0.05 + WARMUP_SECONDS
    done = await fixed_rate(ops, rate, seconds, warmup_seconds=WARMUP_SECONDS, rates={"floor": floor_rate})
    elapsed = time.perf_counter() - began
    used = cpu_percent(before, cpu_of_trees(roots), elapsed)
    floor_s, view_s = done.samples["floor"], done.samples["view"]
    print(
        f"composed view at {rate:g} req/s vs floor at {floor_rate:g} req/s for {seconds:g} s, open loop, interleaved, "
        f"with "
        f"{citizens:,} citizens seeded (services as processes, servers of their own; {load_note()})"
    )
    f50, f99 = floor_s.p()
    v50, v99 = view_s.p()
    print(
        f"{'floor: plan service GET /plans/{id}':<44} n={len(floor_s.ms):>5}  p50={f50:7.1f} ms  p99={f99:7.1f} ms  "
        f"[{floor_s.status_line()}]"
    )
    print(
        f"{'GET /citizens/{id}/plan-view (consent path)':<44} n={len(view_s.ms):>5}  p50={v50:7.1f} ms  "
        f"p99={v99:7.1f} ms  [{view_s.status_line()}]"
    )
    refused = view_s.answered - len(view_s.ms)
    ok = v99 / f99 <= TARGET and refused == 0 and len(view_s.ms) >= 0.99 * rate * seconds
    print(
        f"ratio view/floor: p50 {v50 / f50:.2f}x  p99 {v99 / f99:.2f}x  (target p99 <= {TARGET:.2f}x at {rate:g} views/s "
        f"all answered 200: {'met' if ok else 'MISSED'}; views answered 200: {len(view_s.ms) / seconds:.1f}/s, not 200: "
        f"{refused})"
    )
    if timings is not None:
        print(where_the_time_went([timing for timing in timings if timing[0] >= counted_from]))
    print(f"{done.send_lag_line()}; {done.machine.line()}")
    sent = (view_s.answered + floor_s.answered) or 1
    print(
        "CPU over the run, % of one core (ms per request of both kinds): "
        + ", ".join(
            f"{name.split()[-1]} {p:.0f}% ({p / 100 * elapsed * 1000 / sent:.1f})"
            for name, (p, _) in used.items()
        )
    )


def where_the_time_went(views: list[tuple[float, float, dict[str, float]]]) -> str:
    """The slowest 1 % of the views (send time, ms, Server-Timing parts), split by the gateway's Server-Timing: its
    parts fetched side by side (plan, meetings, consent) inside ``compose``, then ``record`` (access log and
    disclosure); the rest is the gateway's own work around them and the way there and back (authentication, routing,
    JSON, the event loop's queue). And when they were sent: views sent within ``BURST_SECONDS`` of each other count as
    one moment, so a few moments mean a few stalls that every view in flight waited out, many mean a tail spread
    over the run."""
    if len(views) < 100:
        return "where the slowest views' time went: too few views to say"
    slowest = sorted(views, key=lambda v: v[1])[-len(views) // 100 :]

    def mean(part: str) -> float:
        return statistics.fmean(parts.get(part, 0.0) for _, _, parts in slowest)

    total = statistics.fmean(ms for _, ms, _ in slowest)
    around = total - mean("compose") - mean("record")
    moments: list[list[float]] = []
    for sent in sorted(sent for sent, _, _ in slowest):
        if moments and sent - moments[-1][-1] <= BURST_SECONDS:
            moments[-1].append(sent)
        else:
            moments.append([sent])
    return (
        f"the slowest 1 % of the views ({len(slowest)}), mean ms: total {total:.1f} = compose {mean('compose'):.1f} "
        f"(of it, side by side: plan {mean('plan'):.1f}, meetings {mean('meetings'):.1f}, consent "
        f"{mean('consent'):.1f}) + record {mean('record'):.1f} + around them in the gateway and on the way "
        f"{around:.1f}; sent at {len(moments)} moments (the most at one: {max(len(m) for m in moments)} views)"
    )


def main(citizens: int, rates: list[float], floor_rate: float, seconds: float, servers_kind: str) -> None:
    began = time.perf_counter()
    print(
        "system settings: "
        + ", ".join(f"{k}={v}" for k, v in ENV.items())
        + " (load shedding at defaults)"
        + f"; {prioritise()}"
    )
    with bench_system(servers_kind, ENV) as (system, servers):
        run_client(run(system, servers, citizens, rates, floor_rate, seconds))
    print(f"plan_view benchmark took {(time.perf_counter() - began) / 60:.1f} min")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument(
        "--rate",
        default="100",
        help="composed views per second (several, comma-separated, are measured one after the other)",
    )
    parser.add_argument("--floor-rate", type=float, default=20.0, help="the floor's requests per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--servers", choices=("own", "tests"), default="own")
    args = parser.parse_args()
    main(args.citizens, [float(r) for r in args.rate.split(",")], args.floor_rate, args.seconds, args.servers)
