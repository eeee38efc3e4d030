"""The notify service's public models: delivery status per recipient, and a professional's channel preference.

A notification shows who (the recipient id), what kind and how it went; never the address it went to, nor what it
said (its text holds no case content anyway, decision 0009).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field, model_validator

from borgerplan_api.base import In, Out
from borgerplan_contracts.events.notify import Channel, NotificationKind

__all__ = ["Channel", "NotificationKind"]

NotificationStatus = Literal["pending", "sending", "sent", "failed", "cancelled"]
Language = Literal["da", "en"]
PreferredChannel = Literal["email", "sms"]


class NotificationPublic(Out):
    """Delivery status per recipient. The address is not shown: the recipient id names who."""

    notification_id: str
    citizen_id: str
    kind: NotificationKind
    channel: Channel
    recipient_id: str
    meeting_id: str | None = None
    status: NotificationStatus
    attempts: int
    last_code: str | None = Field(default=None, examples=["smtp_250", "smtp_451", "http_503"])
    next_attempt_at: datetime | None = Field(default=None, description="when a pending notification is due")
    created_at: datetime
    sent_at: datetime | None = None


class PreferenceIn(In):
    """A professional's preferred channel and language. SMS needs a phone number."""

    email: EmailStr = Field(description="the professional's work address: the preference's key")
    channel: PreferredChannel = "email"
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{8,16}$")
    language: Language = Field(default="da", description="Danish unless the professional chooses English")

    @model_validator(mode="after")
    def _sms_needs_a_phone(self) -> PreferenceIn:
        if self.channel == "sms" and not self.phone:
            raise ValueError("phone is required when the channel is sms")
        return self


class PreferencePublic(Out):
    email: str
    channel: PreferredChannel
    phone: str | None = None
    language: Language
