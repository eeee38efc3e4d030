"""A municipality's worth of data (issue 11): does every read cost the same with 100 or 10,000 citizens stored?

Starts the five services (and the pages) as processes against servers of their own (``--servers own``, the
default: a fresh PostgreSQL + FerretDB + Kafka instance for this run, deleted afterwards; ``--servers tests`` uses
the tests' shared instance), then seeds citizens through the public API with ``bench/seed.py`` (plan with goals and
actors, consents, a meeting, a history of reads) in steps: to 100, measure, to 1,000, measure, to 10,000, measure.

At each size it sends, for random seeded citizens, at a fixed rate each (open loop, interleaved):
  - the composed view as a provider unit (the consent path: decision, filtering, access log, disclosure),
  - ``GET /plans/{id}`` as the responsible caseworker,
  - the consent list as the responsible caseworker,
  - a plan change: a goal's score, with If-Match,
  - the floor: the plan service's own ``GET /plans/{id}`` (no gateway), to show how noisy the machine was.
Before measuring at a size it waits until the consumers have caught up and no PostgreSQL autovacuum worker runs
(the wait is printed, with the database's size and how much of it PostgreSQL's cache holds): the figures are the
reads' cost with N stored, not that of a bulk load's aftermath.
It prints median and p99 per operation and size, and the ratio to the first size (target: <= 1.5x at 10,000),
also normalised by the floor of the same step (the machine is shared: other people's tests run on it too).
It prints the seeding throughput and refused writes per step (target: none at concurrency 16), and at the last
size, after ~30 s idle, the idle CPU of each process (services, PostgreSQL and its backends, FerretDB, Kafka) over
30 s from /proc.

The system's settings (printed): deployed outbox polling (1 s), the default per-caller rate limit (20/s, burst 60;
the seeder acts as 140 people of 60 units, as a municipality's staff would), load shedding at its defaults.
Why 10 requests/s per operation (50/s in all, 40/s through the gateway): a third of what two cores sustain for this
mix (bench/overload.py measures ~150/s), so the figures are the reads' own, not a queue's; a fixed rate beyond
capacity would measure queueing. At the last size it also runs bench/plan_view.py's measurement on the same seeded
world: the composed view at ``--view-rate`` (100/s) beside the floor (the plan service's own read) at 20/s.
Run: uv run python bench/scale.py [--citizens 10000] [--rate 10] [--seconds 60] [--cpu-seconds 8] [--view-rate 100]
     [--servers own|tests]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

# Run as a file (python bench/x.py), bench/ is first on the path: the benchmarks import each other as their package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    BenchServers,
    Op,
    RateRun,
    bench_system,
    cpu_of_trees,
    cpu_percent,
    database_note,
    fixed_rate,
    load_note,
    run_client,
    service_metrics,
    settled_note,
    wait_database_settled,
    wait_settled,
)
from bench.seed import Api, SeededCitizen, SeededWorld, seed
from borgerplan_cli.system import System
from borgerplan_plumbing.auth import CALLER_HEADER, Caller, sign_caller
from borgerplan_plumbing.settings import Settings

SIZES = (100, 1_000, 10_000)
OPERATIONS = {
    "view": "composed view (provider, consent)",
    "plan": "GET /plans/{id} (caseworker)",
    "consents": "consent list (caseworker)",
    "change": "plan change (goal score, If-Match)",
    "floor": "floor: plan service GET /plans/{id}",
}
TARGET_RATIO = 1.5
ENV = {
    # As deployed: the outbox polled every second, not the tests' 0.2 s.
    "BORGERPLAN_OUTBOX_POLL_SECONDS": "1.0",
    # The default per-caller limit (the tests lower it to 5/s to provoke 429s).
    "BORGERPLAN_RATE_LIMIT_PER_SECOND": "20",
    "BORGERPLAN_RATE_LIMIT_BURST": "60",
    "BORGERPLAN_LOG_LEVEL": "WARNING",
}


def server_timing(header: str) -> dict[str, float]:
    """``compose;dur=8.1, plan;dur=2.0`` -> {"compose": 8.1, "plan": 2.0}."""
    parts = {}
    for item in header.split(","):
        name, _, duration = item.strip().partition(";dur=")
        if duration:
            parts[name] = float(duration)
    return parts


def operations(
    system: System,
    world: SeededWorld,
    api: Api,
    rng: random.Random,
    view_timings: list[tuple[float, float, dict[str, float]]] | None = None,
) -> dict[str, Op]:
    """The measured operations. ``view_timings`` collects each answered view's (send time on the loop's clock, total
    ms, the gateway's Server-Timing parts)."""
    secret = Settings().internal_secret.get_secret_value()
    plan_url = system.stack.url("plan")
    changing: set[int] = set()

    def pick() -> SeededCitizen:
        return world.citizens[rng.randrange(world.count)]

    async def view() -> tuple[int, float]:
        c = pick()
        token = world.contact_person(c.provider, rng.randrange(2))
        sent = asyncio.get_running_loop().time()
        answer = await api.call("GET", f"/citizens/{c.citizen_id}/plan-view", token)
        if view_timings is not None and answer.status == 200:
            view_timings.append((sent, answer.ms, server_timing(answer.headers.get("Server-Timing", ""))))
        return answer.status, answer.ms

    async def plan() -> tuple[int, float]:
        c = pick()
        answer = await api.call("GET", f"/plans/{c.plan_id}", world.caseworker(c.authority, rng.randrange(3)))
        return answer.status, answer.ms

    async def consents() -> tuple[int, float]:
        c = pick()
        token = world.caseworker(c.authority, rng.randrange(3))
        answer = await api.call("GET", f"/citizens/{c.citizen_id}/consents", token)
        return answer.status, answer.ms

    async def change() -> tuple[int, float]:
        c = pick()
        while c.n in changing:  # one change at a time per plan, so If-Match holds
            c = pick()
        changing.add(c.n)
        try:
            token = world.caseworker(c.authority, rng.randrange(3))
            answer = await api.call(
                "PATCH",
                f"/plans/{c.plan_id}/goals/{c.goal_ids[0]}",
                token,
                {"score": {"scale": "1-10", "now": rng.randint(1, 10), "expected": 8}},
                {"If-Match": f'"{c.plan_version}"'},
            )
            if answer.status == 200:
                c.plan_version = answer.body["version"]
            elif answer.status == 412:  # not expected: only this bench writes; read the version again
                fresh = await api.call("GET", f"/plans/{c.plan_id}", token)
                c.plan_version = fresh.body["version"]
            return answer.status, answer.ms
        finally:
            changing.discard(c.n)

    async def floor() -> tuple[int, float]:
        c = pick()
        caller = Caller(
            sub=f"bench-sagsbehandler-{c.authority}-0",
            name="Bench Sagsbehandler",
            unit=c.authority,
            unit_kind="authority",
            roles=["caseworker"],
        )
        answer = await api.call(
            "GET",
            "",
            headers={CALLER_HEADER: sign_caller(caller, secret, "GET", f"/plans/{c.plan_id}")},
            url=f"{plan_url}/plans/{c.plan_id}",
        )
        return answer.status, answer.ms

    return {"view": view, "plan": plan, "consents": consents, "change": change, "floor": floor}


def service_urls(system: System) -> dict[str, str]:
    return {name: system.stack.url(name) for name in ("gateway", "plan", "meetings", "consent", "notify")}


def process_roots(system: System, servers: BenchServers) -> dict[str, int]:
    roots = {f"service {name}": process.pid for name, process in system.stack.processes.items()}
    roots.update({f"server {name}": pid for name, pid in servers.pids().items()})
    return roots


async def cpu_per_request(
    system: System, servers: BenchServers, ops: dict[str, Op], rate: float, seconds: float
) -> dict[str, dict[str, float]]:
    """Each operation alone at ``rate`` for ``seconds``: the CPU milliseconds each process spent per request.
    CPU time, unlike latency, hardly depends on what else runs on the machine, so it shows growth with N even
    when the latencies are noisy."""
    roots = process_roots(system, servers)
    found: dict[str, dict[str, float]] = {}
    for key, op in ops.items():
        before = cpu_of_trees(roots)
        began = time.perf_counter()
        done = await fixed_rate({key: op}, rate, seconds, warmup_seconds=0)
        await asyncio.sleep(0.5)  # the write's outbox and consumers: a poll later
        elapsed = time.perf_counter() - began
        used = cpu_percent(before, cpu_of_trees(roots), elapsed)
        count = max(1, done.samples[key].answered)
        found[key] = {
            name.split()[-1]: percent / 100 * elapsed * 1000 / count for name, (percent, _) in used.items()
        }
    return found


async def measure_idle_cpu(
    system: System, servers: BenchServers, size: int, idle: float, window: float
) -> None:
    print(f"\nidle CPU at N = {size:,}: idle for {idle:.0f} s, then measured over {window:.0f} s")
    await asyncio.sleep(idle)
    roots = process_roots(system, servers)
    before = cpu_of_trees(roots)
    began = time.perf_counter()
    await asyncio.sleep(window)
    after = cpu_of_trees(roots)
    used = cpu_percent(before, after, time.perf_counter() - began)
    print(f"{'process (and its children)':<28} {'% of one core':>14} {'processes':>10}")
    for name, (percent, count) in used.items():
        print(f"{name:<28} {percent:>13.2f}% {count:>10}")
    print(f"{'total':<28} {sum(p for p, _ in used.values()):>13.2f}%")
    if servers.kind == "tests":
        print("  (the tests' shared servers: their CPU includes other test runs on this machine)")


async def run(
    system: System,
    servers: BenchServers,
    sizes: list[int],
    rate: float,
    seconds: float,
    cpu_seconds: float,
    view_rate: float,
) -> None:
    rng = random.Random(11)
    world: SeededWorld | None = None
    results: dict[int, RateRun] = {}
    costs: dict[int, dict[str, dict[str, float]]] = {}
    seeding: dict[int, str] = {}
    urls = service_urls(system)
    for size in sizes:
        print(
            f"\n== N = {size:,}: seeding through the public API at concurrency 16 ({load_note()})", flush=True
        )
        world = await seed(system.api, system.settings, size, 16, world=world)
        stats = world.phases[-1]
        seeding[size] = stats.line()
        print(f"seeding: {stats.line()}", flush=True)
        print(settled_note(*await wait_settled(urls)), flush=True)
        print(await wait_database_settled(servers), flush=True)
        print(database_note(servers), flush=True)
        await asyncio.sleep(5)
        print(f"measuring for {seconds:g} s ({load_note()})", flush=True)
        async with Api(system.api, connections=200, timeout=30) as api:
            run_ = await fixed_rate(operations(system, world, api, rng), rate, seconds)
        results[size] = run_
        for key, label in OPERATIONS.items():
            s = run_.samples[key]
            p50, p99 = s.p()
            print(
                f"  {label:<38} n={len(s.ms):>5}  p50={p50:7.1f} ms  p99={p99:7.1f} ms  [{s.status_line()}]"
            )
        print(f"  {run_.send_lag_line()}; {run_.machine.line()}", flush=True)
        if cpu_seconds > 0:
            async with Api(system.api, connections=200, timeout=30) as api:
                costs[size] = await cpu_per_request(
                    system, servers, operations(system, world, api, rng), rate, cpu_seconds
                )
            for key, label in OPERATIONS.items():
                parts = costs[size][key]
                print(
                    f"  CPU ms per request, {label:<38} total {sum(parts.values()):6.1f}: "
                    + " ".join(f"{name} {ms:.1f}" for name, ms in parts.items()),
                    flush=True,
                )
    assert world is not None
    first = sizes[0]
    print(
        f"\n== scale: {len(sizes)} sizes, {rate:g} req/s per operation (open loop, interleaved) for {seconds:g} s per "
        "size; the machine is shared, so the floor (the plan service's own read, same run, same moments) shows the "
        "noise"
    )
    print(
        f"{'operation':<38} {'N':>7} {'p50 ms':>8} {'p99 ms':>8} {'p50 x':>6} {'p99 x':>6} "
        f"{'p99 x/floor':>11}  target p99 x <= {TARGET_RATIO}"
    )
    verdicts: list[str] = []
    for key, label in OPERATIONS.items():
        base50, base99 = results[first].samples[key].p()
        floor99_base = results[first].samples["floor"].p()[1]
        for size in sizes:
            p50, p99 = results[size].samples[key].p()
            floor99 = results[size].samples["floor"].p()[1]
            normalised = (p99 / floor99) / (base99 / floor99_base) if key != "floor" else 1.0
            mark = ""
            if size == sizes[-1] and size != first and key != "floor":
                ok = p99 / base99 <= TARGET_RATIO
                mark = "met" if ok else "MISSED"
                verdicts.append(f"{label}: p99 {p99 / base99:.2f}x ({mark})")
            print(
                f"{label:<38} {size:>7,} {p50:>8.1f} {p99:>8.1f} {p50 / base50:>6.2f} {p99 / base99:>6.2f} "
                f"{normalised:>11.2f}  {mark}"
            )
    if costs:
        print(
            "\nCPU per request (each operation alone at the same rate; ms of CPU summed over every process: "
            "services, PostgreSQL with its backends, FerretDB, Kafka); steadier than latency on a shared machine"
        )
        print(f"{'operation':<38} " + " ".join(f"{'N=' + format(size, ','):>10}" for size in sizes) + "   x")
        for key, label in OPERATIONS.items():
            totals = [sum(costs[size][key].values()) for size in sizes]
            print(
                f"{label:<38} " + " ".join(f"{t:>10.1f}" for t in totals) + f"   {totals[-1] / totals[0]:.2f}"
            )
        postgres = [
            f"{label.split(' (')[0]} "
            + "/".join(f"{costs[size][key].get('postgres', 0):.1f}" for size in sizes)
            for key, label in OPERATIONS.items()
        ]
        print("  of which PostgreSQL (ms per request by N): " + "; ".join(postgres))
    print("\nseeding throughput (target: no write refused at concurrency 16):")
    for size in sizes:
        print(f"  to N = {size:>6,}: {seeding[size]}")
    if len(sizes) > 1:
        print(f"\nverdict at N = {sizes[-1]:,} against N = {first:,}:")
        for line in verdicts:
            print(f"  {line}")
    if view_rate > 0:
        # bench/plan_view.py's measurement on this seeded world: the composed view at view_rate beside the floor
        # (imported here: plan_view takes its operations from this module).
        from plan_view import measure as view_against_floor

        print(
            f"\n== the composed view at {view_rate:g} req/s at N = {sizes[-1]:,} (bench/plan_view.py's measurement)"
        )
        async with Api(system.api, connections=500, timeout=30) as api:
            timings: list[tuple[float, float, dict[str, float]]] = []
            ops = operations(system, world, api, rng, timings)
            await view_against_floor(
                process_roots(system, servers),
                sizes[-1],
                view_rate,
                20.0,
                seconds / 2,
                {"floor": ops["floor"], "view": ops["view"]},
                timings,
            )
    metrics = await service_metrics(urls)
    print(
        "services after the run: "
        + ", ".join(f"{n} shed {int(m['shed'])} lag {int(m['lag'])}" for n, m in metrics.items())
    )
    await measure_idle_cpu(system, servers, sizes[-1], 30.0, 30.0)


def main(
    citizens: int, rate: float, seconds: float, cpu_seconds: float, view_rate: float, servers_kind: str
) -> None:
    sizes = [s for s in SIZES if s < citizens] + [citizens]
    if rate * seconds < 400:
        print(f"note: {rate * seconds:.0f} samples per operation and size; a stable p99 wants 400 or more")
    began = time.perf_counter()
    print(f"scale benchmark: sizes {sizes}, {load_note()}")
    print(
        "system settings: " + ", ".join(f"{k}={v}" for k, v in ENV.items()) + " (load shedding at defaults)"
    )
    with bench_system(servers_kind, ENV) as (system, servers):
        run_client(run(system, servers, sizes, rate, seconds, cpu_seconds, view_rate))
    print(f"\nscale benchmark took {(time.perf_counter() - began) / 60:.1f} min")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("a positive number")
    return number


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=_positive, default=10_000, help="the last size (default 10,000)")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second per operation")
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="measured seconds per size (after warm-up)"
    )
    parser.add_argument(
        "--cpu-seconds",
        type=float,
        default=8.0,
        help="seconds per operation alone, for its CPU cost (0: skip)",
    )
    parser.add_argument(
        "--view-rate",
        type=float,
        default=100.0,
        help="at the last size, the composed view at this rate beside the floor (bench/plan_view.py; 0: skip)",
    )
    parser.add_argument("--servers", choices=("own", "tests"), default="own")
    args = parser.parse_args()
    main(args.citizens, args.rate, args.seconds, args.cpu_seconds, args.view_rate, args.servers)
