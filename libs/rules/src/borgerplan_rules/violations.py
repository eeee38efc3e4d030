"""A refusal by a domain rule."""

from __future__ import annotations


class RuleViolation(ValueError):
    """A domain rule refused a change; nothing was stored. ``field`` names what is wrong.

    Services subclass it for their rules; the handler answers 422 (or the rule's own status, e.g. 409 for a
    state that no longer allows the change, 404 for a missing part) with the field in ``errors``.
    """

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status
