"""Waiting for the running system: what happens after an event was relayed, consumed and acted on."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """``check()``'s first truthy answer, asked every 0.3 s; fails naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what}: not in time"
        time.sleep(0.3)
    return result
