"""The one-citizen burst (issue 33, decision 0045), beside ``bench/overload.py``'s many-citizen one: ``--rate``
requests/s (150) of one citizen's composed view for ``--seconds`` (10), open loop, from 200 distinct callers (contact
persons of the citizen's provider unit, each its own token), every request with a 10 s client timeout.

Prints the answers by kind (target: 0 answered 500, 0 left hanging), the latencies of the 200s and of the refusals,
and the access log of that citizen afterwards: the entries added against the reads answered 200 (target: at least as
many, none lost) and ``audit verify`` of the citizen's chains (target: 0 problems).

``overload.py`` runs it after its own burst; on its own:
Run: uv run python bench/one_citizen.py [--citizens 20] [--rate 150] [--seconds 10] [--servers own|tests]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

# Run as a file (python bench/x.py), bench/ is first on the path: the benchmarks import each other as their package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._support import bench_system, load_note, percentiles, run_client
from bench.seed import Api, SeededWorld, seed
from borgerplan_cli import audit
from borgerplan_cli.system import System
from borgerplan_plumbing.settings import Settings

CALLERS = 200
CLIENT_TIMEOUT = 10.0


async def _chains(system: System, citizen_id: str) -> tuple[int, int]:
    """(entries, problems) of the citizen's access-log chains, as ``borgerplan audit verify --citizen-id`` finds."""
    env = system.stack.env
    settings = Settings(
        environment="test", mongodb_uri=env["MONGODB_URI"], database_prefix=env["BORGERPLAN_DATABASE_PREFIX"]
    )
    checked, problems = await audit.check(settings, citizen_id)
    return checked, len(problems)


async def one_citizen_burst(
    system: System, api: Api, world: SeededWorld, rate: float, seconds: float
) -> None:
    citizen = world.citizens[0]
    tokens = [world.contact_person(citizen.provider, 500 + k) for k in range(CALLERS)]
    entries_before, _ = await _chains(system, citizen.citizen_id)
    total = int(rate * seconds)
    print(
        f"\n== one-citizen burst: {rate:g} requests/s of one citizen's composed view for {seconds:g} s, open loop, "
        f"{CALLERS} callers, client timeout {CLIENT_TIMEOUT:g} s ({load_note()})",
        flush=True,
    )
    outcomes: list[tuple[int | str, float]] = []

    async def read(i: int) -> None:
        try:
            answer = await api.call(
                "GET",
                f"/citizens/{citizen.citizen_id}/plan-view",
                tokens[i % CALLERS],
                headers={"X-Request-ID": str(uuid.uuid4())},
                timeout=CLIENT_TIMEOUT,
            )
        except TimeoutError:
            outcomes.append(("timeout", CLIENT_TIMEOUT * 1000))
        except aiohttp.ClientError:
            outcomes.append(("error", 0.0))
        else:
            outcomes.append((answer.status, answer.ms))

    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    tasks = []
    for i in range(total):
        if (delay := start + i / rate - loop.time()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(read(i)))
    sent = loop.time() - start
    await asyncio.gather(*tasks)
    await asyncio.sleep(1.0)  # the access log's heads move in batches (0.5 s)
    entries_after, problems = await _chains(system, citizen.citizen_id)

    by_status = Counter(str(status) for status, _ in outcomes)
    ok = [ms for status, ms in outcomes if status == 200]
    refused = [ms for status, ms in outcomes if status in (429, 503)]
    ok50, ok99 = percentiles(ok) if len(ok) > 1 else (float("nan"), float("nan"))
    r50, r99 = percentiles(refused) if len(refused) > 1 else (float("nan"), float("nan"))
    fives = sum(1 for status, _ in outcomes if isinstance(status, int) and status >= 500 and status != 503)
    added = entries_after - entries_before
    print(f"offered                                 {total} requests in {sent:.1f} s = {total / sent:.0f}/s")
    print(f"answered                                {dict(sorted(by_status.items()))}")
    print(f"answered 500 (or another 5xx but 503)   {fives}  (target 0: {'met' if fives == 0 else 'MISSED'})")
    hanging = by_status["timeout"]
    print(
        f"left hanging (no answer in {CLIENT_TIMEOUT:g} s)       {hanging}  (target 0: {'met' if not hanging else 'MISSED'})"
    )
    print(f"200 latency                             p50 {ok50:.0f} ms, p99 {ok99:.0f} ms")
    print(f"refusals (503/429) latency              p50 {r50:.0f} ms, p99 {r99:.0f} ms")
    print(
        f"access log of the citizen               {added} entries added for {len(ok)} reads answered 200 "
        f"(target: none lost: {'met' if added >= len(ok) else 'MISSED'}); audit verify: {problems} problem(s) "
        f"in {entries_after} entries (target 0: {'met' if problems == 0 else 'MISSED'})"
    )


async def _run(system: System, citizens: int, rate: float, seconds: float) -> None:
    world = await seed(system.api, system.settings, citizens, 16, progress_every=0)
    async with Api(system.api, connections=2000, timeout=CLIENT_TIMEOUT + 5) as api:
        await one_citizen_burst(system, api, world, rate, seconds)


def main(citizens: int, rate: float, seconds: float, servers_kind: str) -> None:
    began = time.perf_counter()
    env = {"BORGERPLAN_OUTBOX_POLL_SECONDS": "1.0", "BORGERPLAN_LOG_LEVEL": "WARNING"}
    print(f"one-citizen burst benchmark ({load_note()})")
    with bench_system(servers_kind, env) as (system, _):
        run_client(_run(system, citizens, rate, seconds))
    print(f"\none-citizen burst benchmark took {(time.perf_counter() - began) / 60:.1f} min")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--servers", choices=("own", "tests"), default="own")
    args = parser.parse_args()
    main(args.citizens, args.rate, args.seconds, args.servers)
