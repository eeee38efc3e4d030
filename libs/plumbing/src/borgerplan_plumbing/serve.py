"""Run one app of ours under uvicorn with the guarded door (``borgerplan_plumbing.door``): ``python -m
borgerplan_plumbing.serve package.module:create_app --host H --port P``. uvicorn's own command takes only its named
protocols, so the services, the pages and the container's ``borgerplan serve`` start through this instead."""

from __future__ import annotations

import argparse

import uvicorn

from borgerplan_plumbing.door import guarded_protocol
from borgerplan_plumbing.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m borgerplan_plumbing.serve")
    parser.add_argument("factory", help="module:callable that returns the ASGI app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout-graceful-shutdown", type=int, default=None)
    args = parser.parse_args(argv)
    settings = Settings()
    uvicorn.run(
        args.factory,
        factory=True,
        host=args.host,
        port=args.port,
        http=guarded_protocol(settings.read_timeout_seconds, settings.max_header_bytes),
        access_log=False,
        timeout_graceful_shutdown=args.timeout_graceful_shutdown,
    )


if __name__ == "__main__":
    main()
