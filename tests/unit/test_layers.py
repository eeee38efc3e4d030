"""The import contracts (``[tool.importlinter]`` in pyproject.toml, run by ``make lint``) hold, and break.

``lint-imports`` runs on the checkout as it is (every contract kept), then on trees where one package is a copy with
one import added that a contract forbids: the copy comes first on the path, so the linter reads it instead of the
installed package, under the very contracts the project has. Each must fail and name the contract and the import.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(path_first: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The contracts of pyproject.toml checked as ``make lint`` does, with ``path_first`` ahead on the path (the
    linter puts its working folder first; the checkout's root, where ``bench`` is, comes after)."""
    first = path_first or ROOT
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(first), str(ROOT)])}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        check=False,
        cwd=first,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_checkout_keeps_every_contract() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


# (the package, where it lives, the module to change, the import added, the contract that must break)
VIOLATIONS = [
    (
        "plan_service",
        "services/plan/src",
        "domain.py",
        "import pymongo",
        "Domains are pure: no store, no HTTP, no tokens, no broker",
        "plan_service.domain -> pymongo",
    ),
    (
        "notify_service",
        "services/notify/src",
        "domain.py",
        "from borgerplan_plumbing import change",
        "Domains are pure: no store, no HTTP, no tokens, no broker",
        "notify_service.domain -> borgerplan_plumbing.change",
    ),
    (
        "outreach_service",
        "services/outreach/src",
        "domain.py",
        "import httpx",
        "Domains are pure: no store, no HTTP, no tokens, no broker",
        "outreach_service.domain -> httpx",
    ),
    (
        "meetings_service",
        "services/meetings/src",
        "changes.py",
        "from plan_service import queries",
        "No service imports another",
        "meetings_service.changes -> plan_service.queries",
    ),
    (
        "borgerplan_plumbing",
        "libs/plumbing/src",
        "change.py",
        "import consent_service",
        "Libraries import no service",
        "borgerplan_plumbing.change -> consent_service",
    ),
    (
        "borgerplan_cli",
        "cli/src",
        "stack.py",
        "from gateway_service import routes",
        "The command imports no service",
        "borgerplan_cli.stack -> gateway_service.routes",
    ),
    (
        "bench",
        ".",
        "pages.py",
        "from tests.support import kafka",
        "The benchmarks import only public packages",
        "bench.pages -> tests",
    ),
    (
        "bench",
        ".",
        "scale.py",
        "from plan_service import changes",
        "The benchmarks import only public packages",
        "bench.scale -> plan_service.changes",
    ),
]


@pytest.mark.parametrize(
    ("package", "home", "module", "added", "contract", "chain"), VIOLATIONS, ids=[v[5] for v in VIOLATIONS]
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, package: str, home: str, module: str, added: str, contract: str, chain: str
) -> None:
    copy = tmp_path / package
    shutil.copytree(
        ROOT / home / package, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "templates")
    )
    target = copy / module
    target.write_text(target.read_text() + f"\n{added}  # added by tests/unit/test_layers.py\n")

    result = lint_imports(path_first=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    # the summary says this contract is the one broken (its name may wrap before "BROKEN")
    summary = result.stdout.replace("\n", " ")
    assert re.search(re.escape(contract) + r"(?:(?!KEPT).)*? BROKEN", summary), result.stdout
    # the report names the import that broke it (module -> imported), as a developer reads it
    source, imported = chain.split(" -> ")
    assert any(source in line and imported in line for line in result.stdout.splitlines()), result.stdout
