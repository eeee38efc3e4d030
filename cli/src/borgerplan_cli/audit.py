"""``borgerplan audit verify``: check the access log's hash chains in the gateway's database."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from borgerplan_plumbing.access_log import AccessLog, ChainProblem
from borgerplan_plumbing.mongo import make_client, service_database
from borgerplan_plumbing.settings import Settings


async def check(settings: Settings, citizen_id: str | None) -> tuple[int, list[ChainProblem]]:
    """(entries checked, problems) of every chain in the gateway's database, or of one citizen's."""
    client = make_client(settings)
    try:
        db = service_database(client, settings, "gateway")
        return await AccessLog(db["access_log"], db["access_log_heads"]).verify(citizen_id)
    finally:
        await client.close()


async def verify(settings: Settings, citizen_id: str | None) -> int:
    checked, problems = await check(settings, citizen_id)
    for problem in problems:
        chain = f" chain={problem.chain}" if problem.chain else ""
        print(f"BROKEN citizen={problem.citizen_id}{chain} entry={problem.seq}: {problem.problem}")
    print(f"{checked} access-log entries checked, {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_verify(args: argparse.Namespace) -> int:
    return asyncio.run(verify(Settings(), args.citizen_id))


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the access log")
    verbs = audit.add_subparsers(dest="audit_command", required=True)
    check = verbs.add_parser("verify", help="detect altered, missing or removed access-log entries (exit 1)")
    check.add_argument("--citizen-id", help="only this citizen's chain")
    check.set_defaults(func=cmd_verify)
