"""Fakes only in unit tests: integration, end-to-end and browser tests (and what they share) run real parts.

The README promises it; this holds it. A test outside ``tests/unit`` that stubs a transport, mocks an object or
patches one in place is found by name.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REAL = ("integration", "e2e", "browser", "resilience", "support")
FAKES = re.compile(
    r"\b(MockTransport|MagicMock|AsyncMock|unittest\.mock|unittest import mock|monkeypatch|TestKafkaBroker)\b"
)


def fakes_outside_unit_tests() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for layer in REAL:
        for path in sorted((TESTS / layer).rglob("*.py")):
            lines = [
                f"{n}: {line.strip()}"
                for n, line in enumerate(path.read_text().splitlines(), 1)
                if FAKES.search(line)
            ]
            if lines:
                found[str(path.relative_to(TESTS))] = lines
    return found


def test_no_fake_outside_the_unit_tests() -> None:
    assert fakes_outside_unit_tests() == {}


def test_the_search_finds_a_fake() -> None:
    assert FAKES.search("transport = httpx.MockTransport(handler)")
    assert FAKES.search("def test_x(monkeypatch):")
    assert not FAKES.search("ScriptedSmtp()  # a real SMTP server the test scripts")
