"""The five services and the pages as real processes on free ports, against the real servers, with a mail sink.

What the end-to-end tests, the browser suite and the benchmarks run against (``running_system``), in a namespace of
their own (topic and database prefixes), so several share one broker and one database server.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from borgerplan_cli.servers import Servers
from borgerplan_cli.smtp_sink import MaildirHandler
from borgerplan_cli.stack import SERVICES, ServiceStack, free_port
from borgerplan_plumbing.auth import Role, UnitKind, issue_development_token
from borgerplan_plumbing.settings import Settings


@dataclass
class System:
    stack: ServiceStack
    settings: Settings
    mail_dir: Path

    @property
    def api(self) -> str:
        return f"{self.stack.url('gateway')}/api/v1"

    @property
    def web(self) -> str:
        """The pages (services/web), a client of the gateway above."""
        return self.stack.url("web")

    def token(
        self,
        *,
        sub: str,
        unit: str,
        unit_kind: UnitKind,
        roles: list[Role],
        name: str = "Test Person",
        citizen_id: str | None = None,
        email: str | None = None,
    ) -> str:
        return issue_development_token(
            self.settings,
            sub=sub,
            name=name,
            unit=unit,
            unit_kind=unit_kind,
            roles=roles,
            citizen_id=citizen_id,
            email=email,
        )

    def bearer(self, **claims: Any) -> dict[str, str]:
        """The Authorization header of a development token with these claims (see ``token``)."""
        return {"Authorization": "Bearer " + self.token(**claims)}

    def mails(self) -> list[EmailMessage]:
        return [
            message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(self.mail_dir.glob("*.eml"))
        ]

    def subjects_to(self, address: str) -> list[str]:
        """The subjects of the mails to ``address`` (compared without case), oldest first."""
        return [str(m["Subject"]) for m in self.mails() if address.casefold() in str(m["To"]).casefold()]


@contextmanager
def running_system(
    servers: Servers, namespace: str, extra_env: dict[str, str] | None = None
) -> Iterator[System]:
    mail_dir = Path(tempfile.mkdtemp(prefix="borgerplan-mail-"))
    smtp_port = free_port()
    controller = Controller(MaildirHandler(mail_dir), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {
        "BORGERPLAN_ENVIRONMENT": "test",
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap_servers,
        "MONGODB_URI": servers.mongodb_uri,
        "BORGERPLAN_TOPIC_PREFIX": f"{namespace}.",
        "BORGERPLAN_DATABASE_PREFIX": f"{namespace}_",
        "BORGERPLAN_SMTP_HOST": "127.0.0.1",
        "BORGERPLAN_SMTP_PORT": str(smtp_port),
        "BORGERPLAN_OUTBOX_POLL_SECONDS": "0.2",
        "BORGERPLAN_LOG_LEVEL": "INFO",
        # Low enough that a test can hit it in a burst, high enough for every other test's polling.
        "BORGERPLAN_RATE_LIMIT_PER_SECOND": "5",
        "BORGERPLAN_RATE_LIMIT_BURST": "40",
        **(extra_env or {}),
    }
    run_dir = Path(tempfile.mkdtemp(prefix=f"borgerplan-{uuid.uuid4().hex[:6]}-"))
    stack = ServiceStack(
        env=env, ports={s: free_port() for s in SERVICES}, run_dir=run_dir / "run", log_dir=run_dir / "logs"
    )
    settings = Settings(environment="test")
    try:
        stack.start_all()
        stack.wait_ready(timeout=120)
        yield System(stack=stack, settings=settings, mail_dir=mail_dir)
    finally:
        stack.stop_all()
        controller.stop()
