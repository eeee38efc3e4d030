"""The browser suite: the whole system (five services and the pages) on test ports, and Debian's Chromium.

Chromium is ``/usr/bin/chromium`` (``make test`` installs it); without it the suite is skipped on a developer's
machine and fails under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright, sync_playwright

from borgerplan_cli.servers import Servers
from borgerplan_cli.system import System, running_system
from tests.browser.support import ARTIFACTS, CHROMIUM, Journal
from tests.conftest import drop_namespace

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (make test installs Debian's chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_file() -> Path:
    """The file the pages' development sign-in reads the demo citizen from; the suite writes its citizen there."""
    path = Path(tempfile.mkdtemp(prefix="borgerplan-web-")) / "demo.json"
    path.write_text(json.dumps({}))
    return path


@pytest.fixture(scope="module")
def web_system(servers: Servers, session_namespace: str, demo_file: Path, chromium: Path) -> Iterator[System]:
    namespace = f"{session_namespace}web"
    extra = {
        "BORGERPLAN_WEB_DEMO_FILE": str(demo_file),
        # a person at a keyboard makes a few calls a second; the gateway's test limit is for the limit tests
        "BORGERPLAN_RATE_LIMIT_PER_SECOND": "100",
        "BORGERPLAN_RATE_LIMIT_BURST": "400",
    }
    with running_system(servers, namespace, extra_env=extra) as running:
        yield running
    # in a thread of its own: Playwright's sync API may still hold this thread's event loop
    worker = threading.Thread(target=asyncio.run, args=(drop_namespace(servers, namespace),))
    worker.start()
    worker.join(timeout=60)


@pytest.fixture(scope="module")
def playwright_session(chromium: Path) -> Iterator[Playwright]:
    """Module-scoped: Playwright's sync API holds this thread's event loop while it runs, so it must be gone
    before the tests after this suite (which run their own loops)."""
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def journal() -> Journal:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return Journal(ARTIFACTS)
