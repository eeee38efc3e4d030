"""Base of all event payloads.

Payloads carry identifiers, kinds, statuses, dates and professional contact data only: never a CPR
number and never free text about the citizen. Subscribers fetch content through the gateway, where
consent applies. Changes within a major version are additive.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """One kind of event. Subclasses set ``service``, ``name`` and ``version``."""

    # Extra fields are allowed so that a subscriber built against an older minor version keeps working
    # when a producer adds a field (additive changes within a major version).
    model_config = ConfigDict(extra="allow", frozen=True)

    service: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[int] = 1

    @classmethod
    def event_type(cls) -> str:
        return f"dk.borgerplan.{cls.service}.{cls.name}.v{cls.version}"

    @classmethod
    def schema_uri(cls) -> str:
        return f"urn:borgerplan:schema:{cls.event_type()}"
