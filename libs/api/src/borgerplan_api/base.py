"""Base classes of the public models and the problem detail every error answer is."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator


class In(BaseModel):
    """A request body: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Update(In):
    """A partial update: fields left out stay; ``null`` clears a field, except those that always have a value."""

    never_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Any:
        for name in self.never_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


class Out(BaseModel):
    """An answer: fields a newer server adds are ignored by older readers."""

    model_config = ConfigDict(extra="ignore")


class FieldError(BaseModel):
    field: str = Field(description="the request field, dotted for nested ones (goals.0.title)")
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details (application/problem+json): every error the API answers."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["urn:borgerplan:problem:validation"])
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="for 422: what is wrong with which field"
    )


class Empty(In):
    """An action that needs nothing beyond its path and headers: send ``{}`` or no body."""
