"""CPR numbers (personnummer): validated at the edge, stored only in the plan service."""

from __future__ import annotations

import re
from datetime import date

_CPR = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")


def normalise_cpr(value: str) -> str:
    """``DDMMYYSSSS`` for a well-formed CPR number with a real birth date; ``ValueError`` otherwise.

    The modulus-11 check is not applied: numbers issued since 2007 need not satisfy it.
    """
    match = _CPR.match(value.strip())
    if match is None:
        raise ValueError("a CPR number has 10 digits, DDMMYY-SSSS")
    birth_date_of("".join(match.groups()))
    return "".join(match.groups())


def birth_date_of(cpr: str) -> date:
    """The birth date a CPR number encodes; the 7th digit and the year decide the century."""
    day, month, yy, seventh = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if seventh in (0, 1, 2, 3):
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:  # 5-8
        century = 2000 if yy <= 57 else 1800
    try:
        return date(century + yy, month, day)
    except ValueError as exc:
        raise ValueError("the CPR number does not hold a valid birth date") from exc
