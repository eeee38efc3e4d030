"""Who may see what is decided in one place, ``borgerplan_rules.access``: this fails when another module decides it on
its own.

A visibility decision reads a consent's terms (its categories, purposes, receiving or registering unit, validity)
and compares them with something: a purpose, a unit, a category, a day. The scan reads every module of the services
and libraries (their syntax trees, not their text) and reports each comparison that involves such a term, and every
literal list of the professional kinds of unit, outside the one module. The few modules that compare these terms for
another reason are named below, each with why; anything new must go through ``access`` or be named here with its
reason, in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from borgerplan_rules import access as rules

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    p
    for base in ("services", "libs", "contracts", "cli")
    for p in sorted((ROOT / base).glob("**/src/**/*.py"))
    if ".venv" not in p.parts
]
THE_ONE = ROOT / "libs/rules/src/borgerplan_rules/access.py"
# A consent's terms: what it covers, for whom, from when until when.
TERMS = frozenset({"categories", "purposes", "grantee_unit", "granted_by_unit", "valid_until"})
# Modules that compare a consent's terms without deciding who may see what, and why.
NOT_DECIDING = {
    # The models' own field rules: a consent's end is not before its start.
    "libs/api/src/borgerplan_api/consent.py": "field rules of the models (valid_until after valid_from)",
}


def _module(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _term(node: ast.AST) -> str | None:
    """The consent term ``node`` reads (``x.purposes``, ``x["purposes"]``, ``x.get("purposes")``), or None."""
    if isinstance(node, ast.Attribute) and node.attr in TERMS:
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value in TERMS:
        return str(node.slice.value)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in TERMS
    ):
        return str(node.args[0].value)
    return None


def _reads_a_term(node: ast.AST) -> str | None:
    for inner in ast.walk(node):
        found = _term(inner)
        if found:
            return found
    return None


def decisions_outside(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each comparison over a consent's terms and each literal list of the professional kinds."""
    found: list[tuple[int, str]] = []
    literal_slices = {
        id(n.slice)
        for n in ast.walk(tree)
        if isinstance(n, ast.Subscript) and getattr(n.value, "id", "") == "Literal"
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                term = _reads_a_term(side)
                if term:
                    found.append((node.lineno, f"compares a consent's {term}"))
                    break
        elif isinstance(node, ast.Set | ast.Tuple | ast.List) and id(node) not in literal_slices:
            values = {e.value for e in node.elts if isinstance(e, ast.Constant)}
            if values >= rules.PROFESSIONAL_KINDS:
                found.append(
                    (node.lineno, "lists the professional kinds (borgerplan_rules.access.PROFESSIONAL_KINDS)")
                )
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[_module(p) for p in SOURCES])
def test_no_module_decides_visibility_on_its_own(path: Path) -> None:
    if path == THE_ONE or _module(path) in NOT_DECIDING:
        return
    found = decisions_outside(ast.parse(path.read_text(), str(path)))
    assert not found, "\n".join(
        f"{_module(path)}:{line}: {what}; ask borgerplan_rules.access" for line, what in found
    )


def test_the_scan_sees_a_decision_of_its_own() -> None:
    """The check can fail: the kinds of code the old seams held are caught (a gateway override, a consent decision,
    a list of professional kinds)."""
    caught = [
        'if purpose in consent["purposes"] and consent["grantee_unit"] == unit: permit = True',
        "covered = [c for c in consents if c.get('grantee_unit') == caller.unit]",
        "ok = today <= consent.valid_until",
        'PROFESSIONAL = ("authority", "provider", "external")',
    ]
    for source in caught:
        assert decisions_outside(ast.parse(source)), source
    fine = [
        'UnitKind = Literal["authority", "provider", "external"]',
        "seen = access(unit, kind, purpose, facts, today)",
        "shown = [g for g in goals if seen.may_see(g['category'])]",
    ]
    for source in fine:
        assert not decisions_outside(ast.parse(source)), source


def test_the_named_exceptions_exist_and_still_need_naming() -> None:
    for module in NOT_DECIDING:
        path = ROOT / module
        assert path.exists(), module
        assert decisions_outside(ast.parse(path.read_text())), f"{module} no longer needs to be named"
