"""Overload (issue 11): a burst at 5x capacity is refused fast, nothing hangs, nothing acknowledged is lost, and the
system serves normally again within 5 s of the burst's end.

Starts the five services (and the pages) as processes against servers of their own (``--servers own``, the
default; ``--servers tests`` uses the tests' shared instance), seeds ``--citizens`` citizens through the public API
with ``bench/seed.py``, then:
  1. capacity: a closed loop of a realistic mix (composed views by providers 55 %, plan reads by caseworkers 30 %,
     follow-ups on goals 10 % and consents granted 5 % as writes) at rising concurrency; capacity is the highest
     throughput whose p99 stays within ``--sane-p99-ms`` with nothing refused;
  2. the burst: the same mix, open loop, at ``--factor`` (5) x capacity for ``--seconds`` (20) from 200 distinct
     callers (200 tokens, each its own ``sub``), every request with a 10 s client timeout;
  3. recovery: from the moment the last request of the burst was sent, how long until every readiness probe
     (``/api/v1/readyz`` and each service's ``/readyz``) answers 200, and until a probe (the composed view, one at a
     time) has a median of 5 within 1.5x of its median before the burst (target: both within 5 s);
  4. every write the burst acknowledged (2xx) is read back through the public API afterwards;
  5. the one-citizen burst (``bench/one_citizen.py``): 150 requests/s of one citizen's composed view for 10 s.
Beside the burst, the slow-client attack (issue 33, decision 0041): ``--slow-clients`` (40) connections that send a
POST's body a byte a second and as many that send their headers so, held for the burst's length at the gateway's own
port (no edge in front: the application holds alone), each one the gateway cuts opened again at once.
Prints offered and achieved rates, answers by kind (2xx / 503 / 429 / other / left hanging), latencies of the 2xx
and of the refusals (target: refusals p99 <= 100 ms), 500s (target 0), requests unanswered past the request deadline
plus 1 s (target 0), what the slow clients got, the writes found, the recovery times, and each service's
shed counter and consumer lag from ``/metrics``.

The machine is shared with other people's test runs: capacity is measured in the same run, just before the burst,
so the burst is 5x what the system could do at that moment. Settings (printed): deployed outbox polling, the
default per-caller rate limit (20/s, burst 60) and load shedding at its defaults (BORGERPLAN_MAX_IN_FLIGHT 16,
BORGERPLAN_MAX_QUEUED 16, BORGERPLAN_MAX_QUEUE_MS 20).
Run: uv run python bench/overload.py [--citizens 200] [--seconds 20] [--factor 5] [--servers own|tests]
     [--slow-clients 40] [--env BORGERPLAN_MAX_IN_FLIGHT=8 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

# Run as a file (python bench/x.py), bench/ is first on the path: the benchmarks import each other as their package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from bench._support import (
    bench_system,
    load_note,
    percentiles,
    prioritise,
    run_client,
    service_metrics,
    settled_note,
    wait_settled,
)
from bench.one_citizen import one_citizen_burst
from bench.seed import Api, SeededCitizen, SeededWorld, seed
from borgerplan_cli.slow_clients import SlowFigures, hold_slow
from borgerplan_cli.system import System

ENV = {
    "BORGERPLAN_OUTBOX_POLL_SECONDS": "1.0",
    "BORGERPLAN_RATE_LIMIT_PER_SECOND": "20",
    "BORGERPLAN_RATE_LIMIT_BURST": "60",
    "BORGERPLAN_LOG_LEVEL": "WARNING",
}
MIX = (("view", 55), ("plan", 30), ("follow_up", 10), ("consent", 5))
CALLERS = 200
CLIENT_TIMEOUT = 10.0
TARGET_REFUSAL_P99_MS = 100.0
TARGET_RECOVERY_S = 5.0
REQUEST_DEADLINE_S = 5.0  # BORGERPLAN_REQUEST_TIMEOUT_SECONDS' default (decision 0033)
DEADLINE_MARGIN_S = 1.0


@dataclass
class Outcome:
    kind: str
    status: int | str  # an HTTP status, or "timeout" / "error" when no answer came
    ms: float
    written: tuple[str, ...] | None = None  # what a 2xx write created, to be found afterwards


@dataclass
class Traffic:
    """The 200 callers and what each may ask about: caseworkers of the citizens' authority units (plan reads and
    writes), contact persons of their provider units (the composed view on consent)."""

    world: SeededWorld
    rng: random.Random
    caseworkers: list[tuple[str, list[SeededCitizen]]] = field(default_factory=list)
    providers: list[tuple[str, list[SeededCitizen]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_authority: dict[str, list[SeededCitizen]] = {}
        by_provider: dict[str, list[SeededCitizen]] = {}
        for c in self.world.citizens:
            by_authority.setdefault(c.authority, []).append(c)
            by_provider.setdefault(c.provider, []).append(c)
        authorities, providers = sorted(by_authority), sorted(by_provider)
        for k in range(CALLERS // 2):
            unit = authorities[k % len(authorities)]
            self.caseworkers.append((self.world.caseworker(unit, 100 + k), by_authority[unit]))
            unit = providers[k % len(providers)]
            self.providers.append((self.world.contact_person(unit, 100 + k), by_provider[unit]))
        self.kinds = [kind for kind, weight in MIX for _ in range(weight)]

    async def one(self, api: Api, timeout: float) -> Outcome:
        kind = self.rng.choice(self.kinds)
        pool = self.providers if kind == "view" else self.caseworkers
        token, citizens = self.rng.choice(pool)
        c = self.rng.choice(citizens)
        today = datetime.now(UTC).date().isoformat()
        written: tuple[str, ...] | None = None
        try:
            if kind == "view":
                answer = await api.call("GET", f"/citizens/{c.citizen_id}/plan-view", token, timeout=timeout)
            elif kind == "plan":
                answer = await api.call("GET", f"/plans/{c.plan_id}", token, timeout=timeout)
            elif kind == "follow_up":
                text = f"Opfølgning {uuid.uuid4().hex[:12]}"
                goal = self.rng.choice(c.goal_ids)
                answer = await api.call(
                    "POST",
                    f"/plans/{c.plan_id}/goals/{goal}/follow-ups",
                    token,
                    {"date": today, "text": text},
                    {"Idempotency-Key": uuid.uuid4().hex},
                    timeout=timeout,
                )
                written = ("follow_up", c.plan_id, goal, text, c.authority)
            else:
                answer = await api.call(
                    "POST",
                    "/consents",
                    token,
                    {
                        "citizen_id": c.citizen_id,
                        "grantee_unit": self.rng.choice(self.world.provider_units),
                        "categories": ["general"],
                        "purposes": ["view_plan"],
                        "form": {"kind": "written", "document_reference": "Samtykkeerklæring"},
                        "valid_from": today,
                    },
                    {"Idempotency-Key": uuid.uuid4().hex},
                    timeout=timeout,
                )
                if answer.status == 201:
                    written = ("consent", answer.body["consent_id"], c.authority)
        except TimeoutError:
            return Outcome(kind, "timeout", timeout * 1000)
        except aiohttp.ClientError:
            return Outcome(kind, "error", 0.0)
        ok = 200 <= answer.status < 300
        return Outcome(kind, answer.status, answer.ms, written if ok else None)


def summary(outcomes: list[Outcome], seconds: float) -> tuple[float, float, float, int]:
    """(2xx per second, p50 and p99 of the 2xx in ms, refused or unanswered count)."""
    ok = [o.ms for o in outcomes if isinstance(o.status, int) and 200 <= o.status < 300]
    refused = sum(1 for o in outcomes if o.status in (429, 503) or not isinstance(o.status, int))
    p50, p99 = percentiles(ok) if len(ok) > 1 else (float("nan"), float("nan"))
    return len(ok) / seconds, p50, p99, refused


async def capacity(api: Api, traffic: Traffic, step_seconds: float, sane_p99_ms: float) -> float:
    print(f"\n== capacity: closed loop of the mix, {step_seconds:g} s per step ({load_note()})")
    print(f"{'concurrency':>11} {'2xx/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'refused':>8}")
    best = 0.0
    for concurrency in (1, 2, 4, 8, 16, 32):
        outcomes: list[Outcome] = []
        deadline = time.perf_counter() + step_seconds

        async def worker(out: list[Outcome], until: float) -> None:
            while time.perf_counter() < until:
                out.append(await traffic.one(api, CLIENT_TIMEOUT))

        began = time.perf_counter()
        await asyncio.gather(*(worker(outcomes, deadline) for _ in range(concurrency)))
        rate, p50, p99, refused = summary(outcomes, time.perf_counter() - began)
        sane = p99 <= sane_p99_ms and refused == 0
        print(
            f"{concurrency:>11} {rate:>7.1f} {p50:>7.0f} {p99:>7.0f} {refused:>8}  {'' if sane else 'not sane'}"
        )
        if sane:
            best = max(best, rate)
        elif best and rate < best:
            break
    if not best:
        best = rate
        print(f"  no step kept p99 within {sane_p99_ms:g} ms; capacity taken as the last step's rate")
    print(f"capacity: {best:.1f} requests/s (p99 <= {sane_p99_ms:g} ms, nothing refused)")
    return best


async def probe_view(api: Api, token: str, citizen: SeededCitizen) -> tuple[int, float]:
    try:
        answer = await api.call(
            "GET", f"/citizens/{citizen.citizen_id}/plan-view", token, timeout=CLIENT_TIMEOUT
        )
    except (TimeoutError, aiohttp.ClientError):
        return 0, CLIENT_TIMEOUT * 1000
    return answer.status, answer.ms


async def all_ready(session: aiohttp.ClientSession, urls: list[str]) -> bool:
    for url in urls:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                if response.status != 200:
                    return False
        except (TimeoutError, aiohttp.ClientError):
            return False
    return True


async def verify_writes(api: Api, world: SeededWorld, writes: list[tuple[str, ...]]) -> tuple[int, int]:
    """Read every acknowledged write back through the public API; (found, missing)."""
    follow_ups: dict[str, list[tuple[str, str, str]]] = {}
    consents: list[tuple[str, str]] = []
    for w in writes:
        if w[0] == "follow_up":
            follow_ups.setdefault(w[1], []).append((w[2], w[3], w[4]))
        else:
            consents.append((w[1], w[2]))
    found = missing = 0
    semaphore = asyncio.Semaphore(8)

    async def get(path: str, unit: str) -> dict[str, object]:
        async with semaphore:
            for attempt in range(20):
                answer = await api.call("GET", path, world.caseworker(unit, 900 + attempt % 5))
                if answer.status == 200:
                    body: dict[str, object] = answer.body
                    return body
                if answer.status not in (429, 503):
                    return {}
                await asyncio.sleep(0.5)
            return {}

    async def plan(plan_id: str, expected: list[tuple[str, str, str]]) -> None:
        nonlocal found, missing
        body = await get(f"/plans/{plan_id}", expected[0][2])
        texts = {
            (g["goal_id"], f["text"])
            for g in body.get("goals", [])  # type: ignore[attr-defined]
            for f in g.get("follow_ups", [])
        }
        for goal, text, _ in expected:
            if (goal, text) in texts:
                found += 1
            else:
                missing += 1

    async def consent(consent_id: str, unit: str) -> None:
        nonlocal found, missing
        body = await get(f"/consents/{consent_id}", unit)
        if body.get("consent_id") == consent_id:
            found += 1
        else:
            missing += 1

    await asyncio.gather(*(plan(p, e) for p, e in follow_ups.items()), *(consent(i, u) for i, u in consents))
    return found, missing


async def slow_attack(system: System, connections: int, seconds: float, citizen_id: str) -> list[SlowFigures]:
    """``connections`` slow bodies and as many slow heads at the gateway's own port for ``seconds``."""
    if connections <= 0:
        return []
    port = system.stack.ports["gateway"]
    return list(
        await asyncio.gather(
            hold_slow(
                "127.0.0.1",
                port,
                kind="body",
                connections=connections,
                seconds=seconds,
                path="/api/v1/consents",
            ),
            hold_slow(
                "127.0.0.1",
                port,
                kind="headers",
                connections=connections,
                seconds=seconds,
                path=f"/api/v1/citizens/{citizen_id}/plan-view",
            ),
        )
    )


async def run(
    system: System, citizens: int, seconds: float, factor: float, sane_p99_ms: float, slow_clients: int
) -> None:
    rng = random.Random(5)
    print(f"\n== seeding {citizens} citizens ({load_note()})", flush=True)
    world = await seed(system.api, system.settings, citizens, 16, progress_every=0)
    print(f"seeding: {world.phases[-1].line()}")
    services = {name: system.stack.url(name) for name in ("gateway", "plan", "meetings", "consent", "notify")}
    print(settled_note(*await wait_settled(services)))
    traffic = Traffic(world, rng)
    probe_token = world.contact_person(world.citizens[0].provider, 999)
    probe_citizens = [c for c in world.citizens if c.provider == world.citizens[0].provider]
    ready_urls = [f"{system.api}/readyz"] + [f"{url}/readyz" for url in services.values()]

    async with Api(system.api, connections=2000, timeout=CLIENT_TIMEOUT + 5) as api:
        rate = await capacity(api, traffic, 8.0, sane_p99_ms)
        await asyncio.sleep(3)
        before = [await probe_view(api, probe_token, rng.choice(probe_citizens)) for _ in range(30)]
        baseline = statistics.median(ms for status, ms in before if status == 200)
        offered = rate * factor
        total = int(offered * seconds)
        print(
            f"\n== burst: {offered:.0f} requests/s ({factor:g}x capacity) for {seconds:g} s, open loop, "
            f"{CALLERS} callers, client timeout {CLIENT_TIMEOUT:g} s ({load_note()})",
            flush=True,
        )
        print(f"probe before the burst (composed view, one at a time): median {baseline:.0f} ms")
        if slow_clients:
            print(
                f"beside it: {slow_clients} slow-body and {slow_clients} slow-header connections at the gateway"
            )
        attack = asyncio.create_task(slow_attack(system, slow_clients, seconds, world.citizens[0].citizen_id))
        outcomes: list[Outcome] = []
        tasks: set[asyncio.Task[None]] = set()

        async def send() -> None:
            outcomes.append(await traffic.one(api, CLIENT_TIMEOUT))

        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        lags: list[float] = []
        for i in range(total):
            target = start + i / offered
            if (delay := target - loop.time()) > 0:
                await asyncio.sleep(delay)
            lags.append(max(0.0, loop.time() - target) * 1000)
            task = asyncio.create_task(send())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        ended = loop.time()
        sent_seconds = ended - start
        slow = await attack

        # Recovery, measured from the moment the last request was sent, while the burst's answers drain.
        async def recovery() -> tuple[float | None, float | None, list[tuple[float, int, float]]]:
            ready_at = normal_at = None
            probes: list[tuple[float, int, float]] = []
            async with aiohttp.ClientSession() as session:
                while loop.time() - ended < 60 and (ready_at is None or normal_at is None):
                    if ready_at is None and await all_ready(session, ready_urls):
                        ready_at = loop.time() - ended
                    if normal_at is None:
                        at = loop.time() - ended
                        status, ms = await probe_view(api, probe_token, rng.choice(probe_citizens))
                        probes.append((at, status, ms))
                        window = probes[-5:]
                        if (
                            len(window) == 5
                            and all(s == 200 for _, s, _ in window)
                            and statistics.median(m for _, _, m in window) <= 1.5 * baseline
                        ):
                            normal_at = window[0][0]
                    await asyncio.sleep(0.1)
            return ready_at, normal_at, probes

        ready_at, normal_at, probes = await recovery()
        drained = time.perf_counter()
        while tasks:
            await asyncio.gather(*list(tasks))
        drain_note = f"last burst answer {time.perf_counter() - drained:.1f} s after recovery was measured"
        metrics = await service_metrics(services)
        writes = [o.written for o in outcomes if o.written]
        found, missing = await verify_writes(api, world, writes)

    by_status: Counter[str] = Counter()
    for o in outcomes:
        if isinstance(o.status, int):
            by_status[
                "2xx" if 200 <= o.status < 300 else str(o.status) if o.status in (429, 503) else "other"
            ] += 1
        else:
            by_status[o.status] += 1
    others = Counter(str(o.status) for o in outcomes if isinstance(o.status, int) and o.status >= 300)
    others = Counter({k: v for k, v in others.items() if k not in ("429", "503")})
    ok_ms = [o.ms for o in outcomes if isinstance(o.status, int) and 200 <= o.status < 300]
    refused_ms = [o.ms for o in outcomes if o.status in (429, 503)]
    hanging = by_status["timeout"]
    five_hundred = sum(1 for o in outcomes if o.status == 500)
    late = hanging + sum(
        1
        for o in outcomes
        if isinstance(o.status, int) and o.ms > (REQUEST_DEADLINE_S + DEADLINE_MARGIN_S) * 1000
    )
    ok50, ok99 = percentiles(ok_ms) if len(ok_ms) > 1 else (float("nan"), float("nan"))
    r50, r99 = percentiles(refused_ms) if len(refused_ms) > 1 else (float("nan"), float("nan"))
    answered = sum(1 for o in outcomes if isinstance(o.status, int))
    print(f"\n== overload: the burst's figures ({load_note()})")
    print(f"capacity (same run, just before)        {rate:.1f} requests/s")
    print(
        f"offered                                 {total} requests in {sent_seconds:.1f} s = "
        f"{total / sent_seconds:.0f}/s (generator send lag p99 {percentiles(lags)[1]:.0f} ms)"
    )
    print(
        f"achieved                                {answered / sent_seconds:.0f} answers/s, "
        f"{by_status['2xx'] / sent_seconds:.1f} 2xx/s"
    )
    print(
        f"answered                                2xx {by_status['2xx']}, 503 {by_status['503']}, "
        f"429 {by_status['429']}, other {by_status['other']} {dict(others) if others else ''}, "
        f"no connection {by_status['error']}"
    )
    print(f"2xx latency                             p50 {ok50:.0f} ms, p99 {ok99:.0f} ms")
    print(
        f"refusals (503/429) latency              p50 {r50:.0f} ms, p99 {r99:.0f} ms  "
        f"(target p99 <= {TARGET_REFUSAL_P99_MS:.0f} ms: {'met' if r99 <= TARGET_REFUSAL_P99_MS else 'MISSED'})"
    )
    print(
        f"left hanging (no answer in {CLIENT_TIMEOUT:g} s)       {hanging}  "
        f"(target 0: {'met' if hanging == 0 else 'MISSED'})"
    )
    print(
        f"answered 500                            {five_hundred}  (target 0: {'met' if five_hundred == 0 else 'MISSED'})"
    )
    print(
        f"unanswered past the deadline ({REQUEST_DEADLINE_S + DEADLINE_MARGIN_S:g} s)      {late}  "
        f"(answered later than the request deadline plus {DEADLINE_MARGIN_S:g} s, or never; "
        f"target 0: {'met' if late == 0 else 'MISSED'})"
    )
    for figures in slow:
        print(f"slow clients beside the burst           {figures.summary()}")
    print(
        f"acknowledged writes found afterwards    {found} of {len(writes)} (missing {missing}; target all: "
        f"{'met' if missing == 0 else 'MISSED'})"
    )
    ready_text = f"{ready_at:.1f} s" if ready_at is not None else "not within 60 s"
    normal_text = f"{normal_at:.1f} s" if normal_at is not None else "not within 60 s"
    print(
        f"ready after the burst's end             {ready_text}  (target <= {TARGET_RECOVERY_S:g} s: "
        f"{'met' if ready_at is not None and ready_at <= TARGET_RECOVERY_S else 'MISSED'})"
    )
    print(
        f"serving normally after the burst's end  {normal_text}  (probe median of 5 <= 1.5x {baseline:.0f} ms; "
        f"target <= {TARGET_RECOVERY_S:g} s: "
        f"{'met' if normal_at is not None and normal_at <= TARGET_RECOVERY_S else 'MISSED'}); {drain_note}"
    )
    print(
        "  probes after the end (s: status ms): "
        + ", ".join(f"{a:.1f}: {s} {m:.0f}" for a, s, m in probes[:15])
    )
    print("services' /metrics after the burst:")
    for name, m in metrics.items():
        print(
            f"  {name:<9} shed {int(m['shed']):>6}  in flight {int(m['in_flight'])}  waiting {int(m['waiting'])}  "
            f"consumer lag {int(m['lag'])} messages  dead-lettered {int(m['dead_lettered'])}"
        )
    # Beside the many-citizen burst, the one-citizen one (issue 33): no 500s, no access-log entry lost.
    async with Api(system.api, connections=2000, timeout=CLIENT_TIMEOUT + 5) as api:
        await one_citizen_burst(system, api, world, rate=150.0, seconds=10.0)


def main(
    citizens: int,
    seconds: float,
    factor: float,
    sane_p99_ms: float,
    servers_kind: str,
    extra: dict[str, str],
    slow_clients: int,
) -> None:
    began = time.perf_counter()
    env = {**ENV, **extra}
    print(f"overload benchmark ({load_note()})")
    shedding = "" if any(k.startswith("BORGERPLAN_MAX_") for k in extra) else " (load shedding at defaults)"
    print("system settings: " + ", ".join(f"{k}={v}" for k, v in env.items()) + shedding)
    print(f"priorities: {prioritise()}")
    with bench_system(servers_kind, env) as (system, _):
        run_client(run(system, citizens, seconds, factor, sane_p99_ms, slow_clients))
    print(f"\noverload benchmark took {(time.perf_counter() - began) / 60:.1f} min")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0, help="the burst's length")
    parser.add_argument(
        "--factor", type=float, default=5.0, help="the burst's rate as a multiple of capacity"
    )
    parser.add_argument(
        "--sane-p99-ms", type=float, default=1000.0, help="capacity: the p99 it may not exceed"
    )
    parser.add_argument("--servers", choices=("own", "tests"), default="own")
    parser.add_argument(
        "--slow-clients",
        type=int,
        default=40,
        help="slow-body and (as many) slow-header connections beside the burst",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the system under test, e.g. BORGERPLAN_MAX_IN_FLIGHT=8 (repeatable; printed)",
    )
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.env)
    main(args.citizens, args.seconds, args.factor, args.sane_p99_ms, args.servers, extra, args.slow_clients)
