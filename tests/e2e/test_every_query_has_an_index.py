"""Every query the services send has its index: the running system records the shape of each database query while
the shelter case goes through the API and the background passes run (``BORGERPLAN_QUERY_LOG``); each distinct shape
is then explained on a collection of a municipality's size, and a collection scan fails the test.

On FerretDB v2 the plan is PostgreSQL's. A scan shows as ``Seq Scan``, or as an index scan of ``_id_`` whose only
condition is the collection's shard key (every row): both fail. On MongoDB (testcontainers) it is ``COLLSCAN``.
A find-and-modify is explained as the find it starts with, with ``limit: 1``, as the server runs it.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from borgerplan_cli.servers import Servers
from borgerplan_cli.system import System, running_system
from consent_service.bootstrap import build as build_consent
from consent_service.changes import run_expiry
from meetings_service.bootstrap import build as build_meetings
from meetings_service.changes import run_overdue
from tests.conftest import drop_namespace, make_settings

pytestmark = pytest.mark.e2e
FILLED = 1500  # documents per collection when explained: a planner prefers a scan on a handful
# Queries that read a whole collection on purpose, once: a migration at start-up (then marked done).
ONCE = {("borgerplan_plan", "plans", json.dumps({"goals.scores.now": {"$type": "str"}}))}
AUTHORITY, TREATMENT = "e2e-ix-myndighed", "e2e-ix-rusmiddel"


def _drive(system: System) -> None:
    """The shelter case through the API: every kind of read and write a caseworker, a provider and a citizen do."""

    bearer = system.bearer

    worker = bearer(sub="e2e-ix-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
    provider = bearer(sub="e2e-ix-tp", unit=TREATMENT, unit_kind="provider", roles=["contact_person"])
    admin = bearer(sub="e2e-ix-admin", unit="e2e-ix-it", unit_kind="authority", roles=["admin"])
    with httpx.Client(base_url=system.api, timeout=20) as api:
        citizen_id = api.post(
            "/citizens", json={"cpr": "1011721234", "name": "Indeks Borger"}, headers=worker
        ).json()["citizen_id"]
        citizen = bearer(
            sub="e2e-ix-b", unit="borger", unit_kind="external", roles=["citizen"], citizen_id=citizen_id
        )
        api.get("/citizens", params={"cpr": "101172-1234"}, headers=worker)
        plan = api.post(
            "/plans",
            headers=worker,
            json={
                "citizen_id": citizen_id,
                "kind": "adult",
                "responsible_unit": AUTHORITY,
                "goals": [
                    {"title": "Bolig", "category": "housing"},
                    {"title": "Behandling", "category": "substance_use"},
                ],
                "actors": [
                    {
                        "name": "Be Handler",
                        "role": "Behandler",
                        "kind": "provider",
                        "unit": TREATMENT,
                        "network_category": "health_treatment",
                    }
                ],
            },
        ).json()
        path = f"/plans/{plan['plan_id']}"
        goal = plan["goals"][1]["goal_id"]
        read = api.get(path, headers=worker)
        api.patch(
            f"{path}/goals/{goal}",
            json={"score": {"now": 3, "expected": 6}, "status": "in_progress"},
            headers={**worker, "If-Match": read.headers["etag"]},
        )
        api.post(
            f"{path}/goals/{goal}/follow-ups",
            json={"date": "2026-11-20", "text": "Godt i gang"},
            headers=worker,
        )
        api.post(f"{path}/goals", json={"title": "Job"}, headers=worker)
        api.get(f"{path}/history", headers=worker)
        # The citizen writes (decision 0061); the responsible unit's worklist finds the open request.
        api.patch(f"{path}/citizen-words", json={"own_words": {"dreams": "Egen bolig"}}, headers=citizen)
        api.post(f"{path}/goals/{goal}/citizen-scores", json={"agrees": True}, headers=citizen)
        asked = api.post(
            f"{path}/change-requests",
            json={"kind": "new_goal", "title": "Cykle", "text": "Cykle"},
            headers=citizen,
        ).json()
        api.get("/me/requests", headers=worker)
        api.post(
            f"{path}/change-requests/{asked['change_requests'][0]['request_id']}/decision",
            json={"outcome": "accepted", "reason": "Ja"},
            headers=worker,
        )
        today = datetime.now(UTC).date()
        consent = api.post(
            "/consents",
            headers=worker,
            json={
                "citizen_id": citizen_id,
                "grantee_unit": TREATMENT,
                "categories": ["general", "substance_use"],
                "purposes": ["view_plan", "meeting_invitation", "receive_minutes"],
                "form": {"kind": "written"},
                "valid_from": today.isoformat(),
                "valid_until": (today + timedelta(days=10)).isoformat(),
            },
        ).json()
        api.post(
            "/consent-decisions/preview",
            headers=worker,
            json={"citizen_id": citizen_id, "unit": TREATMENT, "purpose": "view_plan"},
        )
        start = datetime.now(UTC) + timedelta(days=20)
        # How the citizen is told (decision 0023), before the meeting's notices look it up; a professional's own.
        told = f"/citizens/{citizen_id}/notification-preference"
        api.put(told, json={"channel": "email", "email": "indeks@e2e-ix.example.dk"}, headers=citizen)
        api.get(told, headers=citizen)
        own = bearer(
            sub="e2e-ix-own",
            unit=AUTHORITY,
            unit_kind="authority",
            roles=["caseworker"],
            email="ix@e2e-ix.dk",
        )
        api.put("/me/notification-preference", json={"channel": "email", "language": "en"}, headers=own)
        api.get("/me/notification-preference", headers=own)
        meeting = api.post(
            "/meetings",
            headers=worker,
            json={
                "plan_id": plan["plan_id"],
                "kind": "network",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "coordinator_unit": AUTHORITY,
                "participants": [
                    {"name": "Borgeren", "kind": "citizen"},
                    {"name": "Be Handler", "kind": "provider", "unit": TREATMENT, "email": "bh@example.dk"},
                ],
            },
        ).json()
        api.post(
            "/meetings/invitation-preview",
            headers=worker,
            json={
                "plan_id": plan["plan_id"],
                "participants": [{"name": "Be Handler", "kind": "provider", "unit": TREATMENT}],
            },
        )
        mpath = f"/meetings/{meeting['meeting_id']}"
        api.post(f"{mpath}/agenda-items", json={"topic": "Bolig"}, headers=provider)
        api.get(f"{mpath}/invitation.ics", headers=provider)
        current = api.get(mpath, headers=worker)
        put = api.put(
            f"{mpath}/minutes",
            headers={**worker, "If-Match": current.headers["etag"]},
            json={
                "citizen_attended": True,
                "tasks": [{"what": "Søg bolig", "responsible_unit": TREATMENT, "due": today.isoformat()}],
            },
        )
        api.post(
            f"{mpath}/minutes/publication", headers={**worker, "If-Match": put.headers.get("etag", '"0"')}
        )
        for reader in (worker, provider):
            api.get(f"/citizens/{citizen_id}/plan-view", headers=reader)
            api.get(f"/citizens/{citizen_id}/consents", headers=reader)
            api.get("/me/citizens", headers=reader)
            api.get("/me/citizens", params={"name": "indeks"}, headers=reader)
            first = api.get("/me/citizens", params={"limit": 1}, headers=reader)
            if "link" in first.headers:  # the next page starts after the first page's citizen
                api.get(
                    first.headers["link"].split(">")[0].strip("<").removeprefix("/api/v1"), headers=reader
                )
            api.get("/me/deadlines", headers=reader)
        # An outreach course (decision 0056): opened unidentified, worked on, joined to the citizen, the board read.
        course = api.post(
            "/outreach/courses",
            headers=worker,
            json={
                "referrer": {"name": "Henviser", "kind": "shelter"},
                "channel": "phone",
                "received_on": today.isoformat(),
                "citizen": {"name": "Indeks Borger", "phone": "12345678"},
                "concern": "Bekymring",
            },
        ).json()
        cpath = f"/outreach/courses/{course['course_id']}"
        at = datetime.now(UTC).isoformat()
        api.post(
            f"{cpath}/attempts", json={"means": "letter", "at": at, "outcome": "no_answer"}, headers=worker
        )
        api.put(
            f"{cpath}/identification", json={"cpr": "1011721234", "name": "Indeks Borger"}, headers=worker
        )
        api.post(
            f"{cpath}/external-requests",
            json={"partner_unit": TREATMENT, "categories": ["general"], "requested_on": today.isoformat()},
            headers=worker,
        )
        api.get(cpath, headers=worker)
        api.get("/outreach/board", headers=worker)
        api.get("/outreach/board", params={"mine": "true"}, headers=worker)
        api.get(f"/citizens/{citizen_id}/plan-view", headers=citizen)
        api.get(f"/citizens/{citizen_id}/access-log", headers=citizen)
        api.get(f"/citizens/{citizen_id}/notifications", headers=citizen)
        api.get(f"/citizens/{citizen_id}/disclosures", headers=admin)
        api.post(f"/consents/{consent['consent_id']}/revocation", headers=citizen)
        api.get(f"/citizens/{citizen_id}/plan-view", headers=provider)
    for service in (
        "plan",
        "meetings",
        "consent",
        "notify",
        "outreach",
    ):  # a scrape counts each outbox's backlog
        assert httpx.get(f"{system.stack.url(service)}/metrics", timeout=20).status_code == 200


async def _passes(servers: Servers, namespace: str, log: str) -> None:
    """The background passes (consent expiry, overdue minutes and tasks) over the same data, recorded too."""
    settings = make_settings(servers, namespace, query_log=log)
    for build, run in ((build_consent, run_expiry), (build_meetings, run_overdue)):
        runtime = build(settings)  # type: ignore[operator]
        ctx = runtime.app.state.consents if build is build_consent else runtime.app.state.meetings
        await run(ctx, on=datetime.now(UTC).date() + timedelta(days=60))
        await runtime.client.close()


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__


def _unique_fields(indexes: list[dict[str, Any]]) -> set[str]:
    return {field for index in indexes if index.get("unique") for field in index["key"] if field != "_id"}


def _revive(value: Any) -> Any:
    """Dates were written as {"$date": iso} by the recorder."""
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return datetime.fromisoformat(value["$date"])
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


def _scans(explained: dict[str, Any]) -> list[str]:
    """What in the plan reads the whole collection (empty when every read is through an index)."""
    planner = explained.get("queryPlanner", {})
    if "winningPlan" in planner:  # MongoDB
        text = json.dumps(planner["winningPlan"])
        return ["COLLSCAN"] if "COLLSCAN" in text else []
    problems = []
    for node in _nodes(planner.get("Plan", {})):
        kind = node.get("Node Type", "")
        if kind == "Seq Scan" and str(node.get("Relation Name", "")).startswith("documents_"):
            problems.append("Seq Scan")
        if node.get("Index Name") == "_id_" and "object_id" not in str(node.get("Index Cond", "")):
            problems.append("_id_ scan over the shard key (every row)")
    return problems


async def _explain_all(servers: Servers, namespace: str, lines: list[str]) -> tuple[int, list[str]]:
    shapes: dict[str, dict[str, Any]] = {}
    for line in lines:
        query = json.loads(line)
        key = json.dumps([query["database"], query["collection"], _shape(query["filter"]), query.get("sort")])
        shapes.setdefault(key, query)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(servers.mongodb_uri, tz_aware=True)
    failures: list[str] = []
    try:
        filled: set[tuple[str, str]] = set()
        for query in shapes.values():
            db = client[f"{namespace}_{query['database']}"]
            collection = db[query["collection"]]
            if (query["database"], query["collection"]) not in filled:
                filled.add((query["database"], query["collection"]))
                unique = _unique_fields(await (await collection.list_indexes()).to_list())
                count = await collection.count_documents({})
                fillers = [
                    {
                        "_id": f"~filler-{uuid.uuid4()}",
                        **{field: f"~filler-{i}-{uuid.uuid4()}" for field in unique},
                    }
                    for i in range(max(0, FILLED - count))
                ]
                if fillers:
                    await collection.insert_many(fillers)
            if (query["database"], query["collection"], json.dumps(_shape(query["filter"]))) in ONCE:
                continue
            find: dict[str, Any] = {
                "find": query["collection"],
                "filter": _revive(query["filter"]),
                "limit": 1,
            }
            if query.get("sort"):
                find["sort"] = dict(query["sort"])  # recorded as pairs, in the order sent
            explained = await db.command({"explain": find, "verbosity": "queryPlanner"})
            scans = _scans(explained)
            if scans:
                failures.append(
                    f"{query['database']}.{query['collection']} {query['command']} {query['filter']}: {scans}"
                )
    finally:
        await client.close()
    return len(shapes), failures


def test_every_query_the_services_send_has_an_index(servers: Servers, session_namespace: str) -> None:
    namespace = f"{session_namespace}ix"
    log = Path(tempfile.mkdtemp(prefix="borgerplan-queries-")) / "queries.ndjson"
    log.touch()
    try:
        with running_system(servers, namespace, {"BORGERPLAN_QUERY_LOG": str(log)}) as system:
            _drive(system)
            asyncio.run(_passes(servers, namespace, str(log)))
        shapes, failures = asyncio.run(_explain_all(servers, namespace, log.read_text().splitlines()))
    finally:
        asyncio.run(drop_namespace(servers, namespace))
    print(f"{shapes} distinct query shapes explained")
    collections = {json.loads(line)["collection"] for line in log.read_text().splitlines()}
    assert (
        shapes >= 40
        and {
            "plans",
            "citizens",
            "consents",
            "meetings",
            "courses",
            "access_log",
            "preferences",
            "notifications",
        }
        <= collections
    ), collections
    assert failures == [], "\n".join(failures)
