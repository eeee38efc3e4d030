"""The CloudEvents 1.0 JSON envelope every Borgerplan event travels in.

Key on Kafka is the ``subject`` (the ``citizen_id``), so one citizen's events keep their order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from borgerplan_contracts.events.base import EventData

SPEC_VERSION: Literal["1.0"] = "1.0"


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope in structured JSON mode."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = SPEC_VERSION
    id: str = Field(min_length=1, max_length=200, description="Unique per event; consumers deduplicate on it")
    source: str = Field(pattern=r"^/services/[a-z]+$", description="/services/<name> of the producer")
    type: str = Field(
        pattern=r"^dk\.borgerplan\.[a-z]+\.[a-z_]+\.v[0-9]+$",
        description="dk.borgerplan.<service>.<event-name>.v<N>",
    )
    subject: str = Field(min_length=1, max_length=100, description="The citizen_id; also the Kafka key")
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    data: dict[str, Any]

    content_type: ClassVar[str] = "application/cloudevents+json"

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> CloudEvent:
        return cls.model_validate_json(raw)

    def parse_data(self) -> EventData:
        """The typed payload, looked up by ``type`` in the registry of known events."""
        from borgerplan_contracts.events import EVENT_TYPES

        model = EVENT_TYPES.get(self.type)
        if model is None:
            raise UnknownEventTypeError(self.type)
        return model.model_validate(self.data)


class UnknownEventTypeError(ValueError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


def new_event(
    data: EventData, *, subject: str, time: datetime | None = None, event_id: str | None = None
) -> CloudEvent:
    """Wrap ``data`` in an envelope with a fresh id and the producer taken from the event class."""
    return CloudEvent(
        id=event_id or str(uuid.uuid4()),
        source=f"/services/{data.service}",
        type=data.event_type(),
        subject=subject,
        time=time or datetime.now(UTC),
        dataschema=data.schema_uri(),
        data=data.model_dump(mode="json"),
    )
