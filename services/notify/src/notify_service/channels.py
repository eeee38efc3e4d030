"""Channels behind one interface: email over SMTP, SMS through an HTTP gateway, Digital Post for citizens.

Each ``send`` answers delivered, temporary failure (try again later) or permanent failure (give up and tell).

Contracts of the HTTP adapters (the municipality's providers sit behind them):
- SMS: ``POST {sms_url}/messages`` with JSON ``{"to": "+45…", "text": "…", "reference": "<notification id>"}``;
  2xx delivered, 429 and 5xx temporary, other 4xx permanent.
- Digital Post: ``POST {digital_post_url}/letters`` with JSON ``{"recipient": {"citizen_id": "…"}, "subject": "…",
  "body": "…", "reference": "<notification id>"}``; the provider resolves the citizen to their mailbox (the CPR
  number stays in the plan service and the provider's integration). Same status rules as SMS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import httpx

from notify_service.domain import DeliveryResult

__all__ = ["Channel", "DeliveryResult", "DigitalPostChannel", "EmailChannel", "OutgoingMessage", "SmsChannel"]


@dataclass(frozen=True)
class OutgoingMessage:
    notification_id: str
    address: str  # email address, phone number or citizen id, by channel
    subject: str
    body: str
    attachments: tuple[tuple[str, str, bytes], ...] = field(default=())  # (filename, content type, content)


class Channel(Protocol):
    name: str

    async def send(self, message: OutgoingMessage) -> DeliveryResult: ...

    async def close(self) -> None: ...


class EmailChannel:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["X-Borgerplan-Notification"] = message.notification_id
        mail.set_content(message.body)
        for filename, content_type, content in message.attachments:
            maintype, subtype = content_type.split("/", 1)
            params = {"method": "REQUEST"} if content_type == "text/calendar" else {}
            mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename, params=params)
        try:
            await aiosmtplib.send(mail, hostname=self.host, port=self.port, timeout=self.timeout)
        except aiosmtplib.SMTPResponseException as exc:
            # RFC 5321: 4xx is a transient failure, 5xx a permanent one.
            return DeliveryResult("temporary" if 400 <= exc.code < 500 else "permanent", f"smtp_{exc.code}")
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            return DeliveryResult("temporary", type(exc).__name__)
        return DeliveryResult("delivered", "smtp_250")

    async def close(self) -> None:
        pass  # one connection per message: nothing held open


class _HttpChannel:
    name = "http"
    path = "/"

    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10.0)

    def payload(self, message: OutgoingMessage) -> dict[str, object]:
        raise NotImplementedError

    async def send(self, message: OutgoingMessage) -> DeliveryResult:
        try:
            response = await self.client.post(self.path, json=self.payload(message))
        except httpx.HTTPError as exc:
            return DeliveryResult("temporary", type(exc).__name__)
        code = f"http_{response.status_code}"
        if response.is_success:
            return DeliveryResult("delivered", code)
        if response.status_code == 429 or response.status_code >= 500:
            return DeliveryResult("temporary", code)
        return DeliveryResult("permanent", code)

    async def close(self) -> None:
        await self.client.aclose()


class SmsChannel(_HttpChannel):
    name = "sms"
    path = "/messages"

    def payload(self, message: OutgoingMessage) -> dict[str, object]:
        # An SMS carries the subject only: that something is waiting, and the link.
        link = message.body.strip().splitlines()[-1]
        return {
            "to": message.address,
            "text": f"{message.subject} {link}",
            "reference": message.notification_id,
        }


class DigitalPostChannel(_HttpChannel):
    name = "digital_post"
    path = "/letters"

    def payload(self, message: OutgoingMessage) -> dict[str, object]:
        return {
            "recipient": {"citizen_id": message.address},
            "subject": message.subject,
            "body": message.body,
            "reference": message.notification_id,
        }
