"""A local SMTP sink: accepts every message and keeps it as an .eml file for people and tests to read."""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(envelope.original_content or envelope.content)
        tmp.rename(self.directory / name)  # atomic: readers never see half a message
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--directory", type=Path, required=True)
    args = parser.parse_args(argv)
    controller = Controller(MaildirHandler(args.directory), hostname=args.host, port=args.port)
    controller.start()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
