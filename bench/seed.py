"""A municipality's worth of data, seeded through the public API (a helper of the benchmarks, not one itself).

For each citizen: a registration (a well-formed, made-up CPR number), a plan with three goals of different
information categories and one or two actors (provider units), one or two consents for those units (every fifth
narrowed, every tenth second one revoked), a network meeting, a score on a goal, and two reads of the composed view
(the responsible caseworker's and the provider's, on consent), so the access log and the disclosures grow as they
would. Citizens are spread over 20 authority units and 40 provider units, so at 10,000 citizens a unit's caseload
is a few hundred, like a municipality's.

Everything goes through the gateway with development tokens (one caseworker per authority unit, one contact person
per provider unit) and Idempotency-Keys, ``concurrency`` citizens at a time. A write the system refuses (429, 503
or another 5xx) is counted and retried after its Retry-After; the target is none at concurrency 16.

Use: ``world = await seed(api_url, settings, 1000)``, later ``await seed(api_url, settings, 10_000, world=world)``
to grow the same world. CPR numbers are never printed.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp

from borgerplan_plumbing.auth import Role, UnitKind, issue_development_token
from borgerplan_plumbing.settings import Settings

AUTHORITY_UNITS = tuple(f"bench-myndighed-{i:02d}" for i in range(1, 21))
PROVIDER_UNITS = tuple(f"bench-leverandoer-{i:02d}" for i in range(1, 41))
GOAL_SETS = (
    ("general", "housing", "substance_use"),
    ("general", "health", "employment"),
    ("general", "housing", "health"),
    ("general", "substance_use", "employment"),
)
REFUSED = (429, 503)


def cpr(n: int) -> str:
    """A distinct, well-formed CPR number per n < 80,000: a birth date 1940-1994 and a serial (7th digit 0-3)."""
    day = date(1940, 1, 1) + timedelta(days=n % 20_000)
    return f"{day:%d%m%y}{(n // 20_000) % 4}{(n * 7) % 1000:03d}"


class RefusedError(Exception):
    """The system would not take a request even after retries."""


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    ms: float


class Api:
    """A small async client of the public API (aiohttp: less client CPU than httpx on a shared 2-core machine)."""

    def __init__(self, api_url: str, *, connections: int = 100, timeout: float = 30.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.connections = connections
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Api:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.connections, limit_per_host=self.connections),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        *,
        timeout: float | None = None,
        url: str | None = None,
    ) -> Answer:
        assert self._session is not None
        sent = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        began = time.perf_counter()
        async with self._session.request(
            method,
            url or f"{self.api_url}{path}",
            data=data,
            headers=sent,
            timeout=aiohttp.ClientTimeout(total=timeout) if timeout else None,
        ) as response:
            raw = await response.read()
            ms = (time.perf_counter() - began) * 1000
            parsed: Any = None
            if raw and response.content_type.endswith("json"):
                parsed = json.loads(raw)
            return Answer(response.status, parsed, dict(response.headers), ms)


@dataclass
class SeededCitizen:
    n: int
    citizen_id: str
    plan_id: str
    goal_ids: list[str]
    categories: list[str]
    authority: str  # the plan's responsible unit
    providers: list[str]  # the provider units on the plan's network map (actors)
    consents: dict[str, str]  # grantee unit -> consent id
    consent_state: dict[str, str]  # grantee unit -> "active" | "narrowed" | "revoked"
    meeting_id: str
    plan_version: int

    @property
    def provider(self) -> str:
        """The provider unit whose consent always covers view_plan (general at least)."""
        return self.providers[0]


@dataclass
class SeedStats:
    citizens: int = 0
    writes: int = 0
    reads: int = 0
    seconds: float = 0.0
    # "POST /plans 503 overloaded (The service is busy; try again shortly.)" -> count
    refused: Counter[str] = field(default_factory=Counter)
    in_progress: int = 0  # a retried write answered 409: its first try was still running (retried)
    stuck_keys: int = 0  # an Idempotency-Key still "running" after 15 s: retried with a new key
    no_answer: int = 0  # no answer within the client's 30 s (retried with the same key)

    @property
    def refused_writes(self) -> int:
        return sum(v for k, v in self.refused.items() if not k.startswith("GET"))

    @property
    def refused_reads(self) -> int:
        return sum(v for k, v in self.refused.items() if k.startswith("GET"))

    def line(self) -> str:
        rate = self.citizens / self.seconds if self.seconds else 0.0
        requests = (self.writes + self.reads) / self.seconds if self.seconds else 0.0
        refused = ", ".join(f"{k}: {v}" for k, v in sorted(self.refused.items())) or "none"
        return (
            f"{self.citizens} citizens in {self.seconds:.0f} s: {rate:.1f} citizens/s, {requests:.0f} requests/s "
            f"({self.writes} writes, {self.reads} reads); refused writes {self.refused_writes}, refused reads "
            f"{self.refused_reads} ({refused})"
            + (f"; {self.in_progress} retries found the first try still running" if self.in_progress else "")
            + (
                f"; {self.stuck_keys} Idempotency-Keys stuck 'running' (new key used)"
                if self.stuck_keys
                else ""
            )
            + (f"; {self.no_answer} requests without an answer in 30 s (retried)" if self.no_answer else "")
        )


@dataclass
class SeededWorld:
    api_url: str
    settings: Settings
    key: str  # the Idempotency-Key prefix of this world
    citizens: list[SeededCitizen] = field(default_factory=list)
    phases: list[SeedStats] = field(default_factory=list)
    _tokens: dict[tuple[str, ...], str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.citizens)

    @property
    def authority_units(self) -> Sequence[str]:
        return AUTHORITY_UNITS

    @property
    def provider_units(self) -> Sequence[str]:
        return PROVIDER_UNITS

    def token(
        self, *, sub: str, unit: str, unit_kind: UnitKind, roles: list[Role], name: str = "Bench Person"
    ) -> str:
        """A development token, as ``System.token`` makes them (cached per caller)."""
        cache_key = (sub, unit, unit_kind, *roles)
        if cache_key not in self._tokens:
            self._tokens[cache_key] = issue_development_token(
                self.settings, sub=sub, name=name, unit=unit, unit_kind=unit_kind, roles=roles
            )
        return self._tokens[cache_key]

    def caseworker(self, unit: str, person: int = 0) -> str:
        """A caseworker of an authority unit (``person`` picks one of several people of the unit)."""
        return self.token(
            sub=f"bench-sagsbehandler-{unit}-{person}",
            unit=unit,
            unit_kind="authority",
            roles=["caseworker"],
            name="Bench Sagsbehandler",
        )

    def contact_person(self, unit: str, person: int = 0) -> str:
        """A contact person of a provider unit."""
        return self.token(
            sub=f"bench-kontaktperson-{unit}-{person}",
            unit=unit,
            unit_kind="provider",
            roles=["contact_person"],
            name="Bench Kontaktperson",
        )

    def sample(self, k: int, rng: random.Random | None = None) -> list[SeededCitizen]:
        rng = rng or random.Random(7)
        return rng.sample(self.citizens, min(k, len(self.citizens)))


def _units_of(n: int) -> tuple[str, list[str]]:
    authority = AUTHORITY_UNITS[n % len(AUTHORITY_UNITS)]
    first = PROVIDER_UNITS[(n * 7) % len(PROVIDER_UNITS)]
    providers = [first]
    if n % 2 == 0:
        providers.append(PROVIDER_UNITS[(n * 7 + 13) % len(PROVIDER_UNITS)])
    return authority, providers


def _why(body: Any) -> str:
    """The refusal's problem type and detail, so a run says which limit refused (busy, a deadline, a dependency)."""
    if not isinstance(body, dict):
        return ""
    kind = str(body.get("type", "")).rsplit(":", 1)[-1]
    return f" {kind} ({str(body.get('detail', ''))[:80]})" if kind else ""


class _Seeder:
    def __init__(self, api: Api, world: SeededWorld, stats: SeedStats) -> None:
        self.api = api
        self.world = world
        self.stats = stats

    async def _send(
        self, method: str, path: str, token: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """One request; a refusal (429, 503, another 5xx) is counted and retried after its Retry-After, as are no
        answer within the client's timeout and a 409 while the first try with the same key still runs."""
        label = f"{method} /{path.split('/')[1]}"
        last, stuck = "", 0
        for attempt in range(90):
            try:
                answer = await self.api.call(method, path, token, body, headers)
            except (TimeoutError, aiohttp.ClientError) as exc:
                last = type(exc).__name__
                self.stats.no_answer += 1
                await asyncio.sleep(min(5.0, 0.5 * (attempt + 1)))
                continue
            if answer.status in REFUSED or answer.status >= 500:
                self.stats.refused[f"{label} {answer.status}{_why(answer.body)}"] += 1
                last = f"{answer.status} {str(answer.body)[:300]}"
                wait = float(answer.headers.get("Retry-After", "0.5") or 0.5)
                await asyncio.sleep(min(5.0, wait * (1 + random.random())))
                continue
            if answer.status == 409 and str((answer.body or {}).get("type", "")).endswith(
                "request-in-progress"
            ):
                # The refused first try is still running in the service: its answer comes with a later retry. A key
                # "running" for 15 s is stuck (its first try failed and could not release it): a new key then.
                self.stats.in_progress += 1
                stuck += 1
                if headers and "Idempotency-Key" in headers and stuck >= 30:
                    headers = {**headers, "Idempotency-Key": f"{headers['Idempotency-Key']}-{attempt}"}
                    self.stats.stuck_keys += 1
                    stuck = 0
                await asyncio.sleep(0.5)
                continue
            if method == "GET":
                self.stats.reads += 1
            else:
                self.stats.writes += 1
            return answer
        raise RefusedError(f"{label} refused 90 times, the last time: {last}")

    async def write(
        self,
        method: str,
        path: str,
        token: str,
        body: Any,
        key: str | None = None,
        if_match: int | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if key:
            headers["Idempotency-Key"] = f"{self.world.key}-{key}"
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        answer = await self._send(method, path, token, body, headers)
        if answer.status >= 300:
            # Never the body of a citizen's registration: it may repeat the CPR number.
            detail = "" if path.startswith("/citizens") else str(answer.body)[:500]
            raise RuntimeError(f"{method} {path.split('/')[1]} answered {answer.status} {detail}")
        result: dict[str, Any] = answer.body
        return result

    async def read_view(self, citizen_id: str, token: str) -> None:
        # The owners' facts decide (the plan service's plans, the consent service's consents): no lag to wait out.
        answer = await self._send("GET", f"/citizens/{citizen_id}/plan-view", token)
        if answer.status != 200:
            raise RuntimeError(f"GET plan-view answered {answer.status} {str(answer.body)[:300]}")

    async def one(self, n: int) -> SeededCitizen:
        world, key = self.world, f"c{n}"
        authority, providers = _units_of(n)
        caseworker = world.caseworker(authority, n % 3)
        today = datetime.now(UTC).date()
        citizen = await self.write(
            "POST",
            "/citizens",
            caseworker,
            {"cpr": cpr(n), "name": f"Bench Borger {n:05d}"},
            f"{key}-citizen",
        )
        citizen_id = citizen["citizen_id"]
        categories = list(GOAL_SETS[n % len(GOAL_SETS)])
        plan = await self.write(
            "POST",
            "/plans",
            caseworker,
            {
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": authority,
                "legal_bases": ["SEL §141"],
                "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=365)).isoformat(),
                "overview": {
                    "purpose": "Fra herberget til egen bolig med den støtte, der skal til.",
                    "own_words": {"dreams": "Min egen lejlighed."},
                },
                "goals": [
                    {
                        "title": f"Mål {i + 1}",
                        "category": category,
                        "description": "Et mål fra netværksmødet.",
                        "sub_goals": [{"title": "Første skridt"}, {"title": "Andet skridt"}],
                        "agreements": [{"who": "Kontaktperson", "what": "Hjælper", "when": "hver tirsdag"}],
                    }
                    for i, category in enumerate(categories)
                ],
                "actors": [
                    {
                        "name": f"Kontaktperson {j + 1}",
                        "role": "Kontaktperson" if j == 0 else "Behandler",
                        "unit": unit,
                        "kind": "provider",
                        "network_category": "housing" if j == 0 else "health_treatment",
                    }
                    for j, unit in enumerate(providers)
                ],
            },
            f"{key}-plan",
        )
        consents: dict[str, str] = {}
        state: dict[str, str] = {}
        for j, unit in enumerate(providers):
            granted = await self.write(
                "POST",
                "/consents",
                caseworker,
                {
                    "citizen_id": citizen_id,
                    "grantee_unit": unit,
                    "categories": categories if j == 0 else ["general", categories[1]],
                    "purposes": ["view_plan", "meeting_invitation", "receive_minutes"],
                    "form": {"kind": "written", "document_reference": "Samtykkeerklæring"},
                    "valid_from": today.isoformat(),
                    "valid_until": (today + timedelta(days=365)).isoformat(),
                },
                f"{key}-consent-{j}",
            )
            consents[unit], state[unit] = granted["consent_id"], "active"
            if n % 5 == 1 and j == 0:  # the citizen narrows it: the provider keeps general and one more
                await self.write(
                    "PATCH",
                    f"/consents/{granted['consent_id']}",
                    caseworker,
                    {"categories": categories[:2]},
                    if_match=granted["version"],
                )
                state[unit] = "narrowed"
            if n % 10 == 0 and j == 1:  # the citizen withdraws the second one
                await self.write(
                    "POST",
                    f"/consents/{granted['consent_id']}/revocation",
                    caseworker,
                    {"reason": "Borgeren trækker samtykket tilbage."},
                )
                state[unit] = "revoked"
        start = datetime.combine(today + timedelta(days=14 + n % 60), datetime.min.time(), UTC).replace(
            hour=8 + n % 6
        )
        meeting = await self.write(
            "POST",
            "/meetings",
            caseworker,
            {
                "plan_id": plan["plan_id"],
                "kind": "network",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "place": "Herberget, mødelokale 2",
                "coordinator_unit": authority,
                "participants": [
                    {"name": f"Bench Borger {n:05d}", "kind": "citizen"},
                    {
                        "name": "Sagsbehandler",
                        "kind": "authority",
                        "unit": authority,
                        "role": "Sagsbehandler",
                    },
                    {
                        "name": "Kontaktperson 1",
                        "kind": "provider",
                        "unit": providers[0],
                        "role": "Kontaktperson",
                    },
                ],
            },
            f"{key}-meeting",
        )
        goal_ids = [g["goal_id"] for g in plan["goals"]]
        scored = await self.write(
            "PATCH",
            f"/plans/{plan['plan_id']}/goals/{goal_ids[0]}",
            caseworker,
            {"score": {"scale": "1-10", "now": 3 + n % 4, "expected": 7}},
            if_match=plan["version"],
        )
        await self.read_view(citizen_id, caseworker)
        await self.read_view(citizen_id, world.contact_person(providers[0], n % 2))
        return SeededCitizen(
            n=n,
            citizen_id=citizen_id,
            plan_id=plan["plan_id"],
            goal_ids=goal_ids,
            categories=categories,
            authority=authority,
            providers=providers,
            consents=consents,
            consent_state=state,
            meeting_id=meeting["meeting_id"],
            plan_version=scored["version"],
        )


async def seed(
    api_url: str,
    settings: Settings,
    count: int,
    concurrency: int = 16,
    *,
    world: SeededWorld | None = None,
    progress_every: int = 1000,
) -> SeededWorld:
    """Grow ``world`` (a new one when None) to ``count`` citizens through the public API at ``api_url``
    (``…/api/v1``); the phase's throughput and refusals are appended to ``world.phases``."""
    world = world or SeededWorld(api_url, settings, f"seed-{uuid.uuid4().hex[:8]}")
    first = world.count
    stats = SeedStats()
    numbers = iter(range(first, count))
    seeded: list[SeededCitizen] = []
    began = time.perf_counter()

    async def worker(seeder: _Seeder) -> None:
        for n in numbers:
            seeded.append(await seeder.one(n))
            stats.citizens += 1
            if progress_every and stats.citizens % progress_every == 0:
                print(
                    f"  seeded {first + stats.citizens} citizens ({time.perf_counter() - began:.0f} s)",
                    flush=True,
                )

    async with Api(api_url, connections=concurrency * 2) as api:
        seeder = _Seeder(api, world, stats)
        await asyncio.gather(*(worker(seeder) for _ in range(concurrency)))
    stats.seconds = time.perf_counter() - began
    world.citizens.extend(sorted(seeded, key=lambda c: c.n))
    world.phases.append(stats)
    return world
