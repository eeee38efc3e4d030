"""Base classes of the public models and the problem detail every error answer is."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.fields import FieldInfo

# A field that takes this many characters or more is free text: it keeps tabs and line breaks.
FREE_TEXT_LENGTH = 1000
# Control characters (Unicode's Cc: C0, DEL, C1) and lone surrogates, which no text of a person holds and which
# break what reads the text later (C strings end at NUL, a surrogate cannot be encoded for the database).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def refuse_control_characters(value: str, *, free_text: bool = False) -> str:
    """``value`` when it holds no control character (free text may hold tabs and line breaks), else ValueError."""
    found = (_CONTROL_IN_FREE_TEXT if free_text else _CONTROL).search(value)
    if found:
        raise ValueError(f"must not contain control characters (found U+{ord(found.group()):04X})")
    return value


def _is_free_text(field: FieldInfo | None) -> bool:
    return field is not None and any(
        (getattr(m, "max_length", None) or 0) >= FREE_TEXT_LENGTH for m in field.metadata
    )


def _refuse_in(value: Any, free_text: bool) -> None:
    if isinstance(value, str):
        refuse_control_characters(value, free_text=free_text)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _refuse_in(item, free_text)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_in(key, False)
            _refuse_in(item, free_text)
    # a nested model is an In of its own and has checked its fields already


class In(BaseModel):
    """A request body: unknown fields are refused, text is trimmed, and no string anywhere in it holds a control
    character (free text, a field of ``FREE_TEXT_LENGTH`` characters or more, may hold tabs and line breaks)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is not None:
            _refuse_in(value, _is_free_text(cls.model_fields.get(info.field_name)))
        return value


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
