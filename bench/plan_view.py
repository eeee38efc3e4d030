"""The composed view's latency at a fixed request rate, beside the floor: the plan service's own GET /plans/{id}.

Runs the five services as processes against the real local servers, seeds one citizen with a plan, goals, actors,
consents and a meeting, then sends both requests at a fixed rate, interleaved, and prints p50/p99 and the ratio
(target from issue 7: view p99 <= 3x the floor's p99). The view is read as the treatment provider, the heaviest
path: consent decision, filtering, the access-log append and the disclosure record.
Run: uv run python bench/plan_view.py [--rate 10] [--seconds 20]
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from _support import drop_databases, report
from tests.support.servers import Servers, discover
from tests.support.system import running_system

from borgerplan_plumbing.auth import Caller, sign_caller
from borgerplan_plumbing.settings import Settings

AUTHORITY, TREATMENT = "bench-myndighed", "bench-rusmiddel"


def seed(api: httpx.Client, token: str) -> tuple[str, str]:
    auth = {"Authorization": f"Bearer {token}"}
    citizen = api.post("/citizens", json={"cpr": "1504827611", "name": "Bench Borger"}, headers=auth).json()
    plan = api.post(
        "/plans",
        headers=auth,
        json={
            "citizen_id": citizen["citizen_id"],
            "kind": "adult",
            "responsible_unit": AUTHORITY,
            "goals": [
                {"title": f"Mål {i}", "category": c}
                for i, c in enumerate(["general", "substance_use", "health", "housing"])
            ],
            "actors": [
                {
                    "name": "Behandler",
                    "role": "Behandler",
                    "unit": TREATMENT,
                    "kind": "provider",
                    "network_category": "health_treatment",
                }
            ],
        },
    ).json()
    api.post(
        "/consents",
        headers=auth,
        json={
            "citizen_id": citizen["citizen_id"],
            "grantee_unit": TREATMENT,
            "categories": ["general", "substance_use"],
            "purposes": ["view_plan"],
            "form": {"kind": "written", "document_reference": "bench"},
            "valid_from": datetime.now(UTC).date().isoformat(),
        },
    ).raise_for_status()
    start = datetime.now(UTC) + timedelta(days=14)
    for _ in range(100):
        meeting = api.post(
            "/meetings",
            headers=auth,
            json={
                "plan_id": plan["plan_id"],
                "kind": "network",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "coordinator_unit": AUTHORITY,
                "participants": [{"name": "Borger", "kind": "citizen"}],
            },
        )
        if meeting.status_code == 201:
            break
        time.sleep(0.2)
    return citizen["citizen_id"], plan["plan_id"]


def main(rate: float, seconds: float) -> None:
    servers = discover()
    namespace = f"b{uuid.uuid4().hex[:8]}"
    try:
        run(servers, namespace, rate, seconds)
    finally:
        drop_databases(servers.mongodb_uri, namespace)


def run(servers: Servers, namespace: str, rate: float, seconds: float) -> None:
    with running_system(
        servers,
        namespace,
        {
            # The services as deployed: the test stack's faster outbox polling and its low rate limit off.
            "BORGERPLAN_OUTBOX_POLL_SECONDS": "1.0",
            "BORGERPLAN_RATE_LIMIT_PER_SECOND": "1000",
            "BORGERPLAN_RATE_LIMIT_BURST": "1000",
            "BORGERPLAN_LOG_LEVEL": "WARNING",
        },
    ) as system:
        caseworker = system.token(sub="bench-cw", unit=AUTHORITY, unit_kind="authority", roles=["caseworker"])
        treatment = system.token(
            sub="bench-tp", unit=TREATMENT, unit_kind="provider", roles=["contact_person"]
        )
        with (
            httpx.Client(base_url=system.api, timeout=30) as api,
            httpx.Client(base_url=system.stack.url("plan"), timeout=30) as plan_service,
        ):
            citizen_id, plan_id = seed(api, caseworker)
            view_headers = {"Authorization": f"Bearer {treatment}"}
            for _ in range(300):  # consent learns of the plan from its event
                if api.get(f"/citizens/{citizen_id}/plan-view", headers=view_headers).status_code == 200:
                    break
                time.sleep(0.2)
            secret = Settings().internal_secret.get_secret_value()
            caller = Caller(
                sub="bench-tp", name="Bench", unit=TREATMENT, unit_kind="provider", roles=["contact_person"]
            )
            floor: list[float] = []
            view: list[float] = []
            interval, total = 1.0 / rate, int(rate * seconds)
            began = time.perf_counter()
            for i in range(total + 20):
                target = began + i * interval
                if (pause := target - time.perf_counter()) > 0:
                    time.sleep(pause)
                t0 = time.perf_counter()
                r1 = plan_service.get(
                    f"/plans/{plan_id}", headers={"X-Borgerplan-Caller": sign_caller(caller, secret)}
                )
                t1 = time.perf_counter()
                r2 = api.get(f"/citizens/{citizen_id}/plan-view", headers=view_headers)
                t2 = time.perf_counter()
                assert r1.status_code == 200 and r2.status_code == 200, (r1.status_code, r2.text)
                if i >= 20:  # warm-up excluded
                    floor.append((t1 - t0) * 1000)
                    view.append((t2 - t1) * 1000)
    print(
        f"composed view vs floor at {rate:g} req/s each for {seconds:g} s (services as processes, local servers)"
    )
    f50, f99 = report("floor: plan service GET /plans/{id}", floor)
    v50, v99 = report("GET /citizens/{id}/plan-view (consent path)", view)
    print(f"ratio view/floor: p50 {v50 / f50:.2f}x  p99 {v99 / f99:.2f}x  (target p99 <= 3.00x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    main(args.rate, args.seconds)
