"""Every rule of the domain has its Danish words, next to the field it is about (issue 34).

The rules are found where they are written: each ``RuleViolation`` a service raises (``PlanRuleError``,
``MeetingRuleError``, ``ConsentRuleError``, ...) and each ``ValueError`` a validator of the public models raises.
A rule added without its line in ``wording.RULES`` fails here; so does a line no rule uses any more.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unit.web.conftest import Browser
from tests.unit.web.fakes import CITIZEN_ID, GOAL_HOUSING, PLAN_ID
from web_service import wording as W
from web_service.forms import Form
from web_service.gateway import ApiProblem
from web_service.plan_forms import SCORE_API_FIELDS

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [
    *sorted(ROOT.glob("services/*/src/*_service/**/*.py")),
    *sorted(ROOT.glob("libs/api/src/borgerplan_api/*.py")),
    *sorted(ROOT.glob("libs/rules/src/borgerplan_rules/*.py")),
]


@dataclass(frozen=True)
class Found:
    where: str
    message: str  # the message with "{}" where it varies

    def example(self) -> str:
        """The message as the API could write it: every varying part filled in."""
        return self.message.replace("{}", "7")


def _template(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)  # type: ignore[misc]
    return None


def rules_in_the_code() -> list[Found]:
    found = []
    for path in SOURCES:
        if "web_service" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name.endswith("RuleError") or name == "RuleViolation":
                argument = node.args[1] if len(node.args) > 1 else None
            elif name == "ValueError" and "borgerplan_api" in path.parts:
                argument = node.args[0] if node.args else None
            else:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            message = _template(argument) if argument is not None else None
            assert message is not None, f"{where}: a rule's message is written out where it is raised"
            found.append(Found(where, message))
    return found


FOUND = rules_in_the_code()


def test_the_rules_are_found() -> None:
    """The search itself works: the rules of every service and of the public models."""
    places = {f.where.split("/")[1] for f in FOUND}
    assert {"plan", "meetings", "consent", "api"} <= places, places
    assert len(FOUND) > 60


@pytest.mark.parametrize("rule", FOUND, ids=lambda f: f.where)
def test_every_rule_has_its_danish_words(rule: Found) -> None:
    refusal = W.rule_refusal(rule.example())
    assert refusal is not None, f"{rule.where}: «{rule.message}» has no line in wording.RULES"
    assert refusal.danish and not re.search(r"[{}]", refusal.danish), refusal.danish
    matching = [r for r in W.RULES if r.read(rule.example()) is not None]
    assert len(matching) == 1, f"{rule.where}: «{rule.message}» matches {len(matching)} lines"


def test_every_line_of_the_table_is_a_rule_of_the_code() -> None:
    used = {id(r) for f in FOUND for r in W.RULES if r.read(f.example()) is not None}
    unused = [r.message for r in W.RULES if id(r) not in used]
    assert not unused, f"lines no rule writes any more: {unused}"


@pytest.mark.parametrize(
    ("field", "message", "form_field", "danish"),
    [
        (
            "score",
            "Value error, the citizen's own score and view are recorded only when the citizen disagrees",
            "citizen_score",
            W.E_CITIZEN_OWN_ONLY_WHEN_DISAGREES,
        ),
        (
            "score",
            "Value error, when the citizen disagrees, record their own score or view",
            "citizen_score",
            W.E_CITIZEN_OWN_MISSING,
        ),
        (
            "score",
            "Value error, expected must be between 1 and 10 on the 1-10 scale",
            "expected",
            "Vælg et tal fra 1 til 10.",
        ),
        ("score", "Value error, a score on the 0-4 scale needs now", "now", W.E_SCORE_NOW_MISSING),
    ],
)
def test_a_refusal_lands_on_the_field_it_is_about(
    field: str, message: str, form_field: str, danish: str
) -> None:
    form = Form()
    problem = ApiProblem(422, "Invalid request", "invalid", errors=[{"field": field, "message": message}])
    form.apply_problem(problem, SCORE_API_FIELDS)
    assert form.errors == {form_field: danish}


def test_the_pages_refuse_the_citizens_own_score_without_disagreement_before_the_api(
    browser: Browser,
) -> None:
    browser.sign_in()
    browser.get(f"/borgere/{CITIZEN_ID}/netvaerksmoede")
    response = browser.post(
        f"/planer/{PLAN_ID}/maal/{GOAL_HOUSING}/scoring",
        {"citizen_id": CITIZEN_ID, "scale": "1-10", "now": "4", "citizen_score": "6", "etag": '"7"'},
    )
    assert response.status_code == 422
    assert W.E_CITIZEN_OWN_ONLY_WHEN_DISAGREES in response.text
    assert f'id="score-{GOAL_HOUSING}-citizen_score-error"' in response.text
    assert f'id="score-{GOAL_HOUSING}-now-error"' not in response.text
    assert not browser.gateway.sent("PATCH", f"/plans/{PLAN_ID}/goals/{GOAL_HOUSING}"), "nothing sent"
