"""Shared by the benchmarks: real servers (as the tests find them) and latency percentiles."""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from borgerplan_cli.servers import Servers, discover, start_local
from borgerplan_cli.stack import ROOT, free_port, join_cpu_group, niceness_counts, servers_script
from borgerplan_cli.system import System, running_system
from borgerplan_plumbing.settings import Settings

T = TypeVar("T")


def run_client(main: Coroutine[Any, Any, T]) -> T:
    """Run a benchmark's client side on uvloop, the loop the services run on: the load generator shares the
    machine with the system it measures, and on the default loop its own lag (and CPU) grew into the figures."""
    import uvloop

    return uvloop.run(main)


def bench_settings(**overrides: object) -> Settings:
    servers = discover()
    namespace = f"b{uuid.uuid4().hex[:8]}"
    values: dict[str, object] = {
        "environment": "test",
        "kafka_bootstrap_servers": servers.kafka_bootstrap_servers,
        "mongodb_uri": servers.mongodb_uri,
        "topic_prefix": f"{namespace}.",
        "database_prefix": f"{namespace}_",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def drop_databases(mongodb_uri: str, namespace: str) -> None:
    """Drop the run's databases, so repeated runs do not fill the local database (and slow it down)."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(mongodb_uri)
    try:
        for name in client.list_database_names():
            if name.startswith(f"{namespace}_"):
                client.drop_database(name)
    finally:
        client.close()


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[98]


def report(name: str, samples_ms: list[float]) -> tuple[float, float]:
    p50, p99 = percentiles(samples_ms)
    print(f"{name:<40} n={len(samples_ms):>5}  p50={p50:7.2f} ms  p99={p99:7.2f} ms")
    return p50, p99


# --- the servers a system benchmark runs against ------------------------------------------------------------


@dataclass
class BenchServers:
    """Kafka and the database for one benchmark, and where their pid files are (for the idle CPU)."""

    servers: Servers
    kind: str  # "own": an instance started for this run; "tests": the tests' shared instance

    @property
    def postgres_url(self) -> str | None:
        """The PostgreSQL under FerretDB; None when the servers are not the project's local ones."""
        return self.servers.postgres_url

    def pids(self) -> dict[str, int]:
        """The local servers' main processes: postgres (the postmaster), ferretdb, kafka."""
        return {
            n: pid for n, pid in self.servers.local_pids.items() if n in ("postgres", "ferretdb", "kafka")
        }


@contextmanager
def bench_servers(kind: str = "own") -> Iterator[BenchServers]:
    """``own`` (the default): a fresh instance of the local servers for this run alone (its own data folder and
    ports, about 20 s to start), stopped and deleted afterwards. Other people's test runs on this machine then share
    the CPU but not the database, and the servers' idle CPU is this system's own. ``tests``: the tests' instance
    (``deploy/local/test-servers.env``), as the tests find it."""
    if kind == "tests":
        yield BenchServers(discover(), "tests")
        return
    data_dir = ROOT / ".data" / f"bench-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "BORGERPLAN_DATA_DIR": str(data_dir),
        "BORGERPLAN_KAFKA_PORT": str(free_port()),
        "BORGERPLAN_KAFKA_CONTROLLER_PORT": str(free_port()),
        "BORGERPLAN_POSTGRES_PORT": str(free_port()),
        "BORGERPLAN_FERRETDB_PORT": str(free_port()),
    }
    began = time.perf_counter()
    try:
        servers = start_local(env)
        print(
            f"own servers (PostgreSQL + FerretDB + Kafka, data in {data_dir.relative_to(ROOT)}) started in "
            f"{time.perf_counter() - began:.0f} s",
            flush=True,
        )
        yield BenchServers(servers, "own")
    finally:
        subprocess.run(["bash", str(servers_script()), "stop"], check=False, env=env, capture_output=True)
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def bench_system(kind: str, env: dict[str, str]) -> Iterator[tuple[System, BenchServers]]:
    """The five services (and the pages) as processes with ``env``, on servers from ``bench_servers``, in a
    namespace of their own whose databases are dropped afterwards."""
    with bench_servers(kind) as servers:
        namespace = f"b{uuid.uuid4().hex[:8]}"
        try:
            with running_system(servers.servers, namespace, env) as system:
                yield system, servers
        finally:
            drop_databases(servers.servers.mongodb_uri, namespace)


# --- CPU of processes, from /proc ---------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its children it has waited for)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    # after the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17), numbered from 1
    ppid = int(fields[1])
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ppid, ticks / CLOCK_TICKS


def process_tree(root: int) -> set[int]:
    """``root`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def cpu_of_trees(roots: dict[str, int]) -> dict[str, dict[int, float]]:
    """Per name, the CPU seconds so far of each process in the tree under its root pid."""
    return {
        name: {pid: stat[1] for pid in process_tree(root) if (stat := _stat(pid)) is not None}
        for name, root in roots.items()
    }


def cpu_percent(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], seconds: float
) -> dict[str, tuple[float, int]]:
    """Per name: % of one core over ``seconds`` (processes born in between count whole), and how many processes."""
    result: dict[str, tuple[float, int]] = {}
    for name, now in after.items():
        then = before.get(name, {})
        used = sum(max(0.0, cpu - then.get(pid, 0.0)) for pid, cpu in now.items())
        result[name] = (100 * used / seconds, len(now))
    return result


def prioritise() -> str:
    """Join the cpu group where niceness counts (as the services' launcher does; the generator then shares it with
    the system it measures), and say how the system under test is prioritised (cli/stack.py, servers.sh)."""
    join_cpu_group()
    services = os.environ.get("BORGERPLAN_SERVICE_NICE", "5")
    servers = os.environ.get("BORGERPLAN_SERVER_NICE", "5")
    note = f"gateway and pages at nice 0, services at nice {services}, servers at nice {servers}"
    if not niceness_counts():
        note += " (no effect here: each session is weighed alike, see deploy/local/servers.sh)"
    return note


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"machine load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {os.cpu_count()} cores"
    )


# --- requests at a fixed rate -------------------------------------------------------------------------------


@dataclass
class Samples:
    """One operation's answers: the latency of each 2xx, and every status (or error) seen."""

    ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    def p(self) -> tuple[float, float]:
        return percentiles(self.ms) if len(self.ms) >= 2 else (float("nan"), float("nan"))

    def status_line(self) -> str:
        return " ".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))


# An operation sends one request and returns (status, milliseconds of that request); it may do untimed work after.
Op = Callable[[], Awaitable[tuple[int, float]]]


@dataclass
class Machine:
    """The whole machine's CPU over a run (``/proc/stat``), and the benchmark client's own share of it."""

    busy: float  # % of all cores, steal included
    steal: float  # % of all cores the hypervisor gave to others: a neighbour's load, not this system's
    client: float  # % of one core used by this benchmark's own process (the load generator)

    def line(self) -> str:
        return (
            f"machine busy {self.busy:.0f} % of {os.cpu_count()} cores (of which steal {self.steal:.1f} %); "
            f"the benchmark's client {self.client:.0f} % of one core"
        )


def _cpu_ticks() -> list[int]:
    """user nice system idle iowait irq softirq steal, summed over the cores, in ticks."""
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


class MachineClock:
    """Started now; ``read`` gives the machine's CPU since then."""

    def __init__(self) -> None:
        self.ticks, self.client, self.began = _cpu_ticks(), time.process_time(), time.perf_counter()

    def read(self) -> Machine:
        spent = [b - a for a, b in zip(self.ticks, _cpu_ticks(), strict=True)]
        total = sum(spent) or 1
        idle = spent[3] + spent[4]
        elapsed = time.perf_counter() - self.began
        return Machine(
            100 * (total - idle) / total,
            100 * spent[7] / total,
            100 * (time.process_time() - self.client) / elapsed,
        )


@dataclass
class RateRun:
    samples: dict[str, Samples]
    seconds: float
    send_lag_p99_ms: float  # how late the generator sent (it shares the machine): should stay a few ms
    machine: Machine
    # The latest send of the measured part: the generator's loop is lightly loaded, so tens of ms mean it got no CPU
    # for about that long (the machine stood still or was full), and the requests it then sent at once queue.
    send_lag_max_ms: float = 0.0

    def send_lag_line(self) -> str:
        return f"generator send lag p99 {self.send_lag_p99_ms:.1f} ms, at most {self.send_lag_max_ms:.1f} ms"


async def fixed_rate(
    ops: dict[str, Op],
    rate_each: float,
    seconds: float,
    warmup_seconds: float = 3.0,
    rates: dict[str, float] | None = None,
) -> RateRun:
    """Open loop: each operation ``rate_each`` times a second (or its own rate from ``rates``), interleaved, each
    request sent at its time whether or not earlier ones have answered; the first ``warmup_seconds`` are not
    counted."""
    per_op = {name: (rates or {}).get(name, rate_each) for name in ops}
    # Every operation's send times over warm-up and measurement, merged into one schedule; operation j of n starts
    # j/n of its interval late, so equal rates alternate instead of leaving together.
    schedule = sorted(
        ((k + j / len(per_op)) / rate, name)
        for j, (name, rate) in enumerate(per_op.items())
        for k in range(int((warmup_seconds + seconds) * rate))
    )
    samples = {name: Samples() for name in ops}
    lags: list[float] = []
    counted_lag_max = 0.0
    tasks: set[asyncio.Task[None]] = set()

    async def one(name: str, counted: bool) -> None:
        try:
            status, ms = await ops[name]()
        except (TimeoutError, aiohttp.ClientError) as exc:
            if counted:
                samples[name].statuses[type(exc).__name__] += 1
            return
        if counted:
            samples[name].statuses[str(status)] += 1
            if 200 <= status < 300:
                samples[name].ms.append(ms)

    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    clock: MachineClock | None = None
    for at, name in schedule:
        target = start + at
        if (delay := target - loop.time()) > 0:
            await asyncio.sleep(delay)
        counted = at >= warmup_seconds
        if clock is None and counted:
            clock = MachineClock()  # from the first counted request
        lags.append(max(0.0, loop.time() - target) * 1000)
        if counted:
            counted_lag_max = max(counted_lag_max, lags[-1])
        task = asyncio.create_task(one(name, counted))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    machine = (clock or MachineClock()).read()
    p99 = percentiles(lags)[1] if len(lags) > 1 else 0.0
    return RateRun(samples, seconds, p99, machine, counted_lag_max)


# --- the services' own numbers ------------------------------------------------------------------------------


async def service_metrics(urls: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per service: requests shed, in flight, waiting, and consumer lag in messages (summed), from ``/metrics``."""
    found: dict[str, dict[str, float]] = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        for name, url in urls.items():
            values = {
                "shed": 0.0,
                "in_flight": 0.0,
                "waiting": 0.0,
                "lag": 0.0,
                "dead_lettered": 0.0,
                "outbox": 0.0,
            }
            try:
                async with session.get(f"{url}/metrics") as response:
                    text = await response.text()
            except (TimeoutError, aiohttp.ClientError):
                found[name] = {**values, "unreachable": 1.0}
                continue
            for line in text.splitlines():
                if line.startswith("#") or " " not in line:
                    continue
                metric, value = line.rsplit(" ", 1)
                for key, prefix in (
                    ("shed", "borgerplan_http_requests_shed_total"),
                    ("in_flight", "borgerplan_http_requests_in_flight"),
                    ("waiting", "borgerplan_http_requests_waiting"),
                    ("lag", "borgerplan_consumer_lag_messages"),
                    ("dead_lettered", "borgerplan_consumer_dead_lettered_total"),
                    ("outbox", "borgerplan_outbox_pending_documents"),
                ):
                    if metric.startswith(prefix):
                        values[key] += float(value)
            found[name] = values
    return found


async def wait_settled(
    urls: dict[str, str], timeout: float = 300.0
) -> tuple[float, dict[str, tuple[float, float]]]:
    """Wait until every outbox has published its events and no consumer has a message left to handle (twice in a
    row), at most ``timeout`` seconds; returns the seconds waited and what each service still had at the end:
    (documents with unpublished events, messages not yet consumed), all zero when everything caught up."""
    began = time.perf_counter()
    calm = 0
    behind: dict[str, tuple[float, float]] = {}
    while time.perf_counter() - began < timeout:
        metrics = await service_metrics(urls)
        behind = {name: (m["outbox"], m["lag"]) for name, m in metrics.items()}
        calm = calm + 1 if not any(any(b) for b in behind.values()) else 0
        if calm >= 2:
            break
        await asyncio.sleep(1.0)
    return time.perf_counter() - began, behind


def _psql(postgres_url: str, sql: str) -> str | None:
    done = subprocess.run(
        ["psql", "-X", "-At", postgres_url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _autovacuum_now(postgres_url: str) -> list[str] | None:
    """What PostgreSQL's autovacuum workers are doing right now (one line each; none when it is idle; None when
    PostgreSQL could not be asked)."""
    found = _psql(postgres_url, "select query from pg_stat_activity where backend_type = 'autovacuum worker'")
    return None if found is None else [line for line in found.splitlines() if line.strip()]


def database_note(servers: BenchServers) -> str:
    """The local PostgreSQL's size, its cache, and how many page reads its cache answered (since it started)."""
    if servers.postgres_url is None:
        return "database: not a local PostgreSQL"
    found = _psql(
        servers.postgres_url,
        "select pg_size_pretty(sum(pg_database_size(datname))::bigint), current_setting('shared_buffers'), "
        "round(100.0 * sum(blks_hit) / nullif(sum(blks_hit) + sum(blks_read), 0), 2) from pg_stat_database "
        "where datname is not null",
    )
    if not found:
        return "database: PostgreSQL could not be asked (psql failed)"
    size, cache, hits = found.split("|")
    return f"database: {size} on disk, PostgreSQL's cache (shared_buffers) {cache}, {hits} % of page reads hit it"


_COUNTERS_SQL = (
    "select (select sum(tup_returned) from pg_stat_database), (select sum(tup_fetched) from pg_stat_database), "
    "(select sum(xact_commit) from pg_stat_database), "
    "(select checkpoints_timed + checkpoints_req from pg_stat_bgwriter)"
)
# Rows each table gave out, by where they came from: its sequential scans ("sequential") and each of its indexes
# (index entries read), named as FerretDB's collections and indexes where they are ones.
_SCANS_SQL = (
    "with t as (select t.*, coalesce(c.database_name || '.' || c.collection_name, t.schemaname || '.' || t.relname) "
    "as name from pg_stat_user_tables t left join documentdb_api_catalog.collections c "
    "on t.schemaname = 'documentdb_data' and t.relname = 'documents_' || c.collection_id) "
    "select t.name, 'sequential', t.seq_scan, t.seq_tup_read, t.n_live_tup, t.n_dead_tup from t "
    "union all select t.name, coalesce((ci.index_spec).index_name, case when i.indexrelname like 'collection_pk_%' "
    "then '_id_' else i.indexrelname end), i.idx_scan, i.idx_tup_read, t.n_live_tup, t.n_dead_tup "
    "from t join pg_stat_user_indexes i on i.relid = t.relid left join documentdb_api_catalog.collection_indexes ci "
    "on i.indexrelname = 'documents_rum_index_' || ci.index_id"
)


@dataclass(frozen=True)
class TableReads:
    scans: dict[str, int]  # by source ("sequential" or an index's name): scans since PostgreSQL started
    rows: dict[str, int]  # by source: rows (or index entries) those scans gave out
    live: int  # row versions now: live and dead (not yet vacuumed)
    dead: int

    def since(self, was: TableReads | None) -> tuple[int, int, list[tuple[int, int, str]]]:
        """Rows and scans since ``was``, and by source: (rows, scans, source), most rows first."""
        by_source = sorted(
            (
                self.rows[source] - (was.rows.get(source, 0) if was else 0),
                self.scans[source] - (was.scans.get(source, 0) if was else 0),
                source,
            )
            for source in self.rows
        )[::-1]
        return sum(r for r, _, _ in by_source), sum(s for _, s, _ in by_source), by_source


class DatabaseWatch:
    """What the local PostgreSQL did during a measured run: autovacuum workers seen (sampled each second),
    checkpoints, rows read per transaction and the tables (collections) that gave out the most rows. A run whose
    figures stand out can then be told apart from one that measured the system alone, and a query whose cost grows
    with the data shows as rows read. Its own cost: one ``psql`` a second."""

    def __init__(self, servers: BenchServers) -> None:
        self.url = servers.postgres_url
        self.autovacuum: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._before: list[float] = []
        self._tables: dict[str, TableReads] = {}

    def _counters(self) -> list[float]:
        found = _psql(self.url, _COUNTERS_SQL) if self.url else None
        return [float(v or 0) for v in found.split("|")] if found else []

    def _table_reads(self) -> dict[str, TableReads]:
        found = _psql(self.url, _SCANS_SQL) if self.url else None
        reads: dict[str, TableReads] = {}
        for line in (found or "").splitlines():
            name, source, scans, rows, live, dead = line.split("|")
            table = reads.setdefault(name, TableReads({}, {}, int(live), int(dead)))
            table.scans[source], table.rows[source] = int(scans or 0), int(rows or 0)
        return reads

    async def _sample(self) -> None:
        assert self.url is not None
        while True:
            working = await asyncio.to_thread(_autovacuum_now, self.url) or []
            self.autovacuum.update(" ".join(w.split()[1:4]) for w in working)  # "VACUUM schema.table", ...
            await asyncio.sleep(1.0)

    async def start(self) -> None:
        if self.url is None:
            return
        self._before = await asyncio.to_thread(self._counters)
        self._tables = await asyncio.to_thread(self._table_reads)
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> str:
        if self._task is None:
            return "database during the run: not a local PostgreSQL, not watched"
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        after = await asyncio.to_thread(self._counters)
        tables = await asyncio.to_thread(self._table_reads)
        if not after or not self._before:
            return "database during the run: PostgreSQL could not be asked (psql failed)"
        returned, fetched, commits, checkpoints = (b - a for a, b in zip(self._before, after, strict=True))
        read = []
        for name, now in tables.items():
            rows, scans, by_source = now.since(self._tables.get(name))
            if rows > 0:
                sources = ", ".join(f"{s} {r:,}/{n:,}" for r, n, s in by_source[:3] if r > 0)
                read.append(
                    (rows, scans, name, f"({now.live:,} live, {now.dead:,} dead; rows/scans by {sources})")
                )
        top = ", ".join(
            f"{name} {rows:,} rows in {scans:,} scans {detail}"
            for rows, scans, name, detail in sorted(read, reverse=True)[:3]
        )
        return (
            f"database during the run: autovacuum {', '.join(sorted(self.autovacuum)) or 'none seen'}; "
            f"checkpoints {int(checkpoints)}; {int(commits):,} transactions, rows per transaction: "
            f"{returned / (commits or 1):.1f} returned, {fetched / (commits or 1):.1f} fetched; "
            f"most rows read: {top or 'none'}"
        )


async def wait_database_settled(servers: BenchServers, timeout: float = 600.0) -> str:
    """After a bulk load PostgreSQL's autovacuum may vacuum and analyse the tables it filled (inserted rows count
    too), on the same two cores as everything else. A municipality's database is not always just bulk loaded, so
    the reads are measured once that is done: wait until no autovacuum worker runs (twice in a row, a second
    apart), at most ``timeout``. Returns what was waited for, to print."""
    if servers.postgres_url is None:
        return "database: not a local PostgreSQL, not waited for"
    began = time.perf_counter()
    seen: set[str] = set()
    calm = 0
    while time.perf_counter() - began < timeout:
        working = await asyncio.to_thread(_autovacuum_now, servers.postgres_url)
        if working is None:
            return "database: PostgreSQL could not be asked about autovacuum (psql failed), not waited for"
        seen.update(" ".join(w.split()[:2]) for w in working)  # "autovacuum: VACUUM", "... ANALYZE"
        calm = calm + 1 if not working else 0
        if calm >= 2:
            break
        await asyncio.sleep(1.0)
    waited = time.perf_counter() - began
    if calm < 2:
        return f"database: autovacuum still running after {waited:.0f} s; measured anyway"
    if not seen:
        return "database: no autovacuum running"
    return f"database: waited {waited:.0f} s for autovacuum after the load ({', '.join(sorted(seen))})"


def settled_note(waited: float, behind: dict[str, tuple[float, float]]) -> str:
    left = {name: b for name, b in behind.items() if any(b)}
    if not left:
        return f"events published and consumers caught up {waited:.0f} s after seeding"
    return (
        f"NOT caught up {waited:.0f} s after seeding, still behind: "
        + ", ".join(
            f"{name} {int(outbox):,} documents to publish, {int(lag):,} messages to consume"
            for name, (outbox, lag) in left.items()
        )
        + "; measured anyway, with that backlog being worked off"
    )
