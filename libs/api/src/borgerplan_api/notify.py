"""The notify service's public models: delivery status per recipient, and how a professional or the citizen wants to
be told (decision 0023).

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
# The citizen's choice: Digital Post (the default), e-mail, SMS, or nothing from Borgerplan (decision 0023: letters the
# law requires still come by Digital Post from the systems that send them).
CitizenChannel = Literal["digital_post", "email", "sms", "none"]
PHONE = r"^\+?[0-9 ]{8,16}$"


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
    """A professional's preferred channel and language, for the work address their sign-in carries (the token's
    ``email``: nobody sets another's). SMS needs a phone number."""

    channel: PreferredChannel = "email"
    phone: str | None = Field(default=None, pattern=PHONE)
    language: Language = Field(default="da", description="Danish unless the professional chooses English")

    @model_validator(mode="after")
    def _sms_needs_a_phone(self) -> PreferenceIn:
        if self.channel == "sms" and not self.phone:
            raise ValueError("phone is required when the channel is sms")
        return self


class PreferencePublic(Out):
    email: str = Field(description="the work address from the sign-in: the preference's key")
    channel: PreferredChannel
    phone: str | None = None
    language: Language
    set_at: datetime | None = Field(default=None, description="None: nothing chosen, e-mail in Danish")


class CitizenPreferenceIn(In):
    """How the citizen wants to be told that something is waiting. E-mail needs an address, SMS a phone number; only
    the contact detail the chosen channel needs is kept."""

    channel: CitizenChannel = Field(description="digital_post unless the citizen chooses otherwise")
    email: EmailStr | None = Field(default=None, description="the citizen's own address, for channel email")
    phone: str | None = Field(
        default=None, pattern=PHONE, description="the citizen's own number, for channel sms"
    )

    @model_validator(mode="after")
    def _contact_for_the_channel(self) -> CitizenPreferenceIn:
        if self.channel == "email" and not self.email:
            raise ValueError("email is required when the channel is email")
        if self.channel == "sms" and not self.phone:
            raise ValueError("phone is required when the channel is sms")
        return self


class CitizenPreferencePublic(Out):
    """The citizen's choice as it stands; ``set_at`` is None while they have chosen nothing (Digital Post)."""

    citizen_id: str
    channel: CitizenChannel
    email: str | None = None
    phone: str | None = None
    set_at: datetime | None = None
