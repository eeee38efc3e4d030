"""A real SMTP server (aiosmtpd) the test controls: it can answer 451 or 550 for chosen recipients."""

from __future__ import annotations

from collections import defaultdict
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from borgerplan_cli.stack import free_port


class ScriptedHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.temporary_failures: dict[str, int] = {}  # recipient → how many 451s before accepting
        self.permanent_failures: set[str] = set()
        self.tries: dict[str, int] = defaultdict(int)
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipient = envelope.rcpt_tos[0]
        self.tries[recipient] += 1
        if recipient in self.permanent_failures:
            return "550 5.1.1 Mailbox unavailable"
        if self.tries[recipient] <= self.temporary_failures.get(recipient, 0):
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class ScriptedSmtp:
    def __init__(self) -> None:
        self.handler = ScriptedHandler()
        self.port = free_port()
        self.handler.port = self.port
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> ScriptedHandler:
        self.controller.start()
        return self.handler

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
