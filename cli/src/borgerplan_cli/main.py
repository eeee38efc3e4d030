"""``borgerplan``: run the whole system locally, issue development tokens, stop it again."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from borgerplan_cli import demo, stack
from borgerplan_plumbing.auth import issue_development_token
from borgerplan_plumbing.settings import Settings
from borgerplan_rules.access import PROFESSIONAL_KINDS


def cmd_dev(args: argparse.Namespace) -> int:
    print("Starting the local servers (Kafka, FerretDB, SMTP sink, the edge)…", flush=True)
    stack.servers("start")
    env = stack.server_env()
    # people reach the API and the pages through the edge (decision 0040): links and sign-in point there
    edge = {"gateway": env["BORGERPLAN_EDGE_API_URL"], "web": env["BORGERPLAN_EDGE_PAGES_URL"]}
    services = stack.ServiceStack(env=env, public_urls=edge)
    to_start = [s for s in stack.SERVICES if not services.running(s)]
    for service in to_start:
        services.start(service)
    print(f"Starting services: {', '.join(to_start) or 'all already running'}…", flush=True)
    services.wait_ready(timeout=args.timeout)
    gateway = services.url("gateway").replace("127.0.0.1", "localhost")
    api, pages = edge["gateway"], edge["web"]
    print(f"Every service is ready. API: {api}/api/v1  (OpenAPI: {api}/docs)")
    print(f"The pages: {pages}/  (sign in as a demo persona)")
    print(
        f"Both through the edge (HAProxy); behind it the gateway on {gateway}, "
        f"the pages on {services.url('web').replace('127.0.0.1', 'localhost')}"
    )
    if not args.no_demo:
        state = demo.load(gateway, Settings(), stack.data_dir() / "demo.json")
        print(f"Demo citizen loaded: citizen_id={state['citizen_id']}")
        token = demo.token_for(Settings(), "caseworker")
        print("\nRead the demo citizen's composed view as the responsible caseworker:")
        print(
            f"  curl -H 'Authorization: Bearer {token}' \\\n    {api}/api/v1/citizens/{state['citizen_id']}/plan-view"
        )
        print(
            "Other personas: uv run borgerplan token --persona treatment|contact_person|addiction_caseworker|citizen"
        )
    print(f"Mail sent by the system lands in {env['BORGERPLAN_MAIL_DIR']}. Stop everything with: make stop")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    stack.ServiceStack(env={}).stop_all()
    if not args.services_only:
        stack.servers("stop")
    print("stopped")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    services = stack.ServiceStack(env={})
    for service in stack.SERVICES:
        print(f"{service}: {'running' if services.running(service) else 'stopped'}")
    print(stack.servers("status"), end="")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.persona:
        citizen_id = args.citizen_id
        if args.persona == "citizen" and not citizen_id:
            state_file = stack.data_dir() / "demo.json"
            citizen_id = json.loads(state_file.read_text())["citizen_id"] if state_file.exists() else None
        print(demo.token_for(settings, args.persona, citizen_id))
        return 0
    missing = [n for n in ("sub", "name", "unit", "unit_kind", "roles") if not getattr(args, n)]
    if missing:
        print(
            f"borgerplan token: missing --{' --'.join(m.replace('_', '-') for m in missing)} (or use --persona)",
            file=sys.stderr,
        )
        return 2
    print(
        issue_development_token(
            settings,
            sub=args.sub,
            name=args.name,
            unit=args.unit,
            unit_kind=args.unit_kind,
            roles=[r.strip() for r in args.roles.split(",") if r.strip()],
            citizen_id=args.citizen_id,
            email=args.email,
            ttl_seconds=args.ttl,
        )
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """One service in the foreground, configured from the environment (as in a container)."""
    port = args.port or stack.DEFAULT_PORTS[args.service]
    os.environ.setdefault("BORGERPLAN_SERVICE_NAME", args.service)
    return subprocess.call(
        [
            sys.executable,
            "-m",
            "borgerplan_plumbing.serve",  # uvicorn with the guarded door (decision 0041)
            f"{args.service}_service.bootstrap:create_app",
            "--host",
            args.host,
            "--port",
            str(port),
        ]
    )


def cmd_demo(args: argparse.Namespace) -> int:
    state = demo.load(args.gateway, Settings(), stack.data_dir() / "demo.json")
    print(json.dumps(state, indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="borgerplan", description="Borgerplan: one shared plan for the citizen.")
    sub = p.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="start servers and all services locally, then load the demo citizen")
    dev.add_argument("--no-demo", action="store_true")
    dev.add_argument("--timeout", type=float, default=120.0)
    dev.set_defaults(func=cmd_dev)

    stop = sub.add_parser("stop", help="stop the services and the local servers")
    stop.add_argument("--services-only", action="store_true")
    stop.set_defaults(func=cmd_stop)

    sub.add_parser("status", help="what is running").set_defaults(func=cmd_status)

    token = sub.add_parser("token", help="print a development token the local gateway accepts")
    token.add_argument("--persona", choices=[*demo.PERSONAS, "citizen"])
    token.add_argument("--sub")
    token.add_argument("--name")
    token.add_argument("--unit")
    token.add_argument("--unit-kind", choices=sorted(PROFESSIONAL_KINDS))
    token.add_argument("--roles", help="comma-separated: caseworker,contact_person,citizen,case_system,admin")
    token.add_argument("--citizen-id")
    token.add_argument("--email", help="a professional's work address (their notification preference's key)")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    token.set_defaults(func=cmd_token)

    serve = sub.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=stack.SERVICES)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    demo_p = sub.add_parser("demo", help="load the demo citizen into a running system")
    demo_p.add_argument("--gateway", default="http://localhost:8000")
    demo_p.set_defaults(func=cmd_demo)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return p


# Further subcommands: modules of this package with a ``register(subparsers)`` function.
EXTRA_COMMAND_MODULES = ("audit", "dlt")
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []
for _name in EXTRA_COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"borgerplan_cli.{_name}")
    except ModuleNotFoundError:
        continue
    _EXTRA_COMMANDS.append(_module.register)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except subprocess.CalledProcessError as exc:
        print(f"borgerplan: {exc}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    raise SystemExit(main())
