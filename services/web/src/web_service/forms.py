"""Forms: what the person typed, what is wrong with it in Danish next to the field, and nothing of it lost.

A ``Form`` keeps every value as typed, so a refused form is shown again exactly as it was. Pages check what they
can themselves (required fields, dates, times, numbers) before calling the API; whatever the API still refuses
(``errors[]`` of its problem detail, in English, with the API's field names) is mapped onto the form's fields and
put into Danish by ``wording``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from starlette.datastructures import FormData

from web_service import wording as W
from web_service.gateway import ApiProblem
from web_service.wording import COPENHAGEN

# Fields every form carries that are not the person's input.
HIDDEN = ("csrf_token", "etag", "base", "idempotency_key", "action")


@dataclass
class Form:
    values: dict[str, str | list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, data: FormData | Mapping[str, Any]) -> Form:
        values: dict[str, str | list[str]] = {}
        if isinstance(data, FormData):
            for key in data:
                items = [v for v in data.getlist(key) if isinstance(v, str)]
                values[key] = items if len(items) > 1 else (items[0] if items else "")
        else:
            for key, value in data.items():
                if isinstance(value, list | tuple):
                    values[key] = [str(v) for v in value]
                elif value is None:
                    values[key] = ""
                else:
                    values[key] = str(value)
        return cls(values=values)

    # --- reading ---------------------------------------------------------------------------------------------
    def get(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        if isinstance(value, list):
            return value[0] if value else default
        return value

    def getlist(self, name: str) -> list[str]:
        value = self.values.get(name)
        if value is None or value == "":
            return []
        return value if isinstance(value, list) else [value]

    def checked(self, name: str, value: str = "on") -> bool:
        return value in self.getlist(name)

    # --- errors ----------------------------------------------------------------------------------------------
    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def summary(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary at the top of the form."""
        return list(self.errors.items())

    # --- typed reads that record a Danish error when the text is not what they need ---------------------------
    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.get(name).strip()
        if not value:
            if required:
                self.add_error(name, W.E_REQUIRED)
            return None
        if max_length is not None and len(value) > max_length:
            self.add_error(name, W.E_TOO_LONG.format(n=max_length))
        return value

    def choice(self, name: str, allowed: Mapping[str, Any], *, required: bool = False) -> str | None:
        value = self.get(name).strip()
        if not value:
            if required:
                self.add_error(name, W.E_CHOOSE)
            return None
        if value not in allowed:
            self.add_error(name, W.E_CHOOSE)
            return None
        return value

    def choices(self, name: str, allowed: Mapping[str, Any], *, required: bool = False) -> list[str]:
        values = [v for v in self.getlist(name) if v]
        if required and not values:
            self.add_error(name, W.E_CHOOSE_ONE_OR_MORE)
        if any(v not in allowed for v in values):
            self.add_error(name, W.E_CHOOSE)
        return [v for v in values if v in allowed]

    def date(self, name: str, *, required: bool = False) -> date | None:
        value = self.get(name).strip()
        if not value:
            if required:
                self.add_error(name, W.E_REQUIRED)
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.add_error(name, W.E_DATE)
        return parsed

    def time(self, name: str, *, required: bool = False) -> time | None:
        value = self.get(name).strip()
        if not value:
            if required:
                self.add_error(name, W.E_REQUIRED)
            return None
        match = re.fullmatch(r"(\d{1,2})[:.]?(\d{2})", value)
        if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            self.add_error(name, W.E_TIME)
            return None
        return time(int(match.group(1)), int(match.group(2)))

    def integer(
        self, name: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self.get(name).strip()
        if not value:
            if required:
                self.add_error(name, W.E_REQUIRED)
            return None
        if not re.fullmatch(r"-?\d+", value):
            self.add_error(name, W.E_NUMBER)
            return None
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            self.add_error(name, W.E_SCALE.format(low=low, high=high))
            return None
        return number

    def lines(self, name: str, *, max_length: int | None = None) -> list[str]:
        result = [line.strip() for line in self.get(name).splitlines() if line.strip()]
        if max_length is not None and any(len(line) > max_length for line in result):
            self.add_error(name, W.E_TOO_LONG.format(n=max_length))
        return result

    # --- the API's refusals -----------------------------------------------------------------------------------
    def apply_problem(
        self, problem: ApiProblem, fields: Mapping[str, str], fallback: str | None = None
    ) -> None:
        """Put the API's field errors next to the form's fields, in Danish.

        ``fields`` maps the API's field names (``cpr``, ``form.recorded_by``, ``goals.0.title``; a prefix
        matches its sub-fields) to the form's. An error no field can hold goes to the top of the form.
        """
        if problem.kind == "idempotency-key-reused":
            self.general.append(W.E_IDEMPOTENCY_REUSED)
            return
        if not problem.errors:
            self.general.append(_problem_sentence(problem))
            return
        for error in problem.errors:
            api_field, message = error.get("field", ""), error.get("message", "")
            refusal = W.rule_refusal(message, api_field)
            if refusal is not None:
                api_field, danish = refusal.field, refusal.danish
            elif problem.status == 409:
                danish = W.E_NOT_ALLOWED_NOW.format(detail=message)
            else:
                danish = W.field_message(message)
            target = map_field(api_field, fields) or fallback
            if target is None:
                self.general.append(danish)
            else:
                self.add_error(target, danish)


def map_field(api_field: str, fields: Mapping[str, str]) -> str | None:
    """The form field for an API field: an exact name first, then the longest prefix (``score.now`` → ``score``)."""
    if api_field in fields:
        return fields[api_field]
    parts = api_field.split(".")
    for length in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:length])
        if prefix in fields:
            return fields[prefix]
    return None


def _problem_sentence(problem: ApiProblem) -> str:
    known = W.rule_refusal(problem.detail)
    if known is not None:
        return known.danish
    if problem.status == 409:
        return W.E_NOT_ALLOWED_NOW.format(detail=problem.detail)
    return W.ERROR_TITLES.get(problem.status, W.E_INVALID)


def parse_date(value: str) -> date | None:
    """A date as typed: ``2026-12-24`` (a date field) or ``24-12-2026`` / ``24.12.2026`` / ``24/12/2026``."""
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        match = re.fullmatch(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", value)
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None
    return None


def local_moment(day: date, at: time) -> datetime:
    """A date and a clock time in Copenhagen, as the aware datetime the API takes."""
    return datetime.combine(day, at, tzinfo=COPENHAGEN)


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")


def check_cpr(form: Form, name: str = "cpr") -> str | None:
    """A CPR number as the plan service will take it (10 digits, a real birth date), or a Danish error."""
    value = form.get(name).strip().replace(" ", "")
    if not value:
        form.add_error(name, W.E_REQUIRED)
        return None
    match = _CPR.match(value)
    if match is None:
        form.add_error(name, W.E_CPR)
        return None
    day, month, yy, serial = (int(g) for g in match.groups())
    seventh = int(match.group(4)[0])
    century = (
        1900
        if seventh <= 3
        else (2000 if yy <= 36 else 1900)
        if seventh in (4, 9)
        else (2000 if yy <= 57 else 1800)
    )
    try:
        date(century + yy, month, day)
    except ValueError:
        form.add_error(name, W.E_CPR_DATE)
        return None
    del serial
    return "".join(match.groups())


class FormsByKey(dict[str, Form]):
    """Forms of a page by key (a goal's, a request's): a key no form was given for is an empty form."""

    def __missing__(self, key: str) -> Form:
        return Form()
