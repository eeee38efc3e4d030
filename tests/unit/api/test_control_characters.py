"""No string of any request holds a control character; free text keeps its tabs and line breaks (issue 33)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import ValidationError

import borgerplan_api
from borgerplan_api.base import In, refuse_control_characters
from borgerplan_api.plan import CitizenCreate, GoalCreate


def request_models() -> list[type[In]]:
    for info in pkgutil.iter_modules(borgerplan_api.__path__):
        importlib.import_module(f"borgerplan_api.{info.name}")
    found: set[type[In]] = set()
    pending = [In]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("borgerplan_api.") and sub not in found:
                found.add(sub)
                pending.append(sub)
    return sorted(found, key=lambda m: m.__qualname__)


def _plain_text(annotation: Any) -> bool:
    """``str``, ``str | None`` or a list of those: a field any text goes into."""
    if annotation is str:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return all(a is str or a is type(None) for a in get_args(annotation)) and str in get_args(annotation)
    if get_origin(annotation) is list:
        return get_args(annotation) == (str,)
    return False


def string_fields() -> list[tuple[type[In], str, bool]]:
    cases = []
    for model in request_models():
        own = {
            f
            for d in model.__pydantic_decorators__.field_validators.values()
            if d.info.fields != ("*",)
            for f in d.info.fields
        }
        for name, field in model.model_fields.items():
            if _plain_text(field.annotation) and name not in own:
                listed = get_origin(field.annotation) is list
                cases.append((model, name, listed))
    return cases


def _errors_for(model: type[In], data: dict[str, Any], name: str) -> list[str]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [str(e["msg"]) for e in exc.errors() if e["loc"][:1] == (name,)]
    return []


def test_every_request_model_is_swept() -> None:
    # the sweep below would prove nothing if it found no fields
    assert len(request_models()) > 40
    assert len(string_fields()) > 50


@pytest.mark.parametrize(
    ("model", "name", "listed"), string_fields(), ids=lambda v: getattr(v, "__name__", str(v))
)
def test_nul_is_refused_in_every_string_field(model: type[In], name: str, listed: bool) -> None:
    value: Any = ["ok", "a\x00b"] if listed else "a\x00b"
    messages = _errors_for(model, {name: value}, name)
    if any(getattr(m, "pattern", None) for m in model.model_fields[name].metadata):
        assert messages, (model.__name__, name)  # its pattern refuses it first, naming the field
        return
    assert any("control characters (found U+0000)" in m for m in messages), (model.__name__, name, messages)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\ud800"])
def test_control_characters_are_refused_in_free_text(char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        refuse_control_characters(f"før{char}efter", free_text=True)


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tabs_and_line_breaks_only_in_free_text(char: str) -> None:
    assert refuse_control_characters(f"linje 1{char}linje 2", free_text=True) == f"linje 1{char}linje 2"
    with pytest.raises(ValueError, match="control characters"):
        refuse_control_characters(f"linje 1{char}linje 2")
    goal = GoalCreate(title="Bolig", description=f"Første{char}anden")
    assert goal.description == f"Første{char}anden"
    assert _errors_for(GoalCreate, {"title": f"Bo{char}lig"}, "title")


def test_danish_text_and_other_scripts_pass() -> None:
    text = "Æbleø på Ærø — «citat» 😀 ẞ ﬁ \u00a0"
    assert refuse_control_characters(text) == text
    citizen = CitizenCreate(cpr="0101901234", name="Søren Ærø")
    assert citizen.name == "Søren Ærø"


def test_the_refusal_names_a_nested_field() -> None:
    try:
        GoalCreate.model_validate({"title": "Bolig", "sub_goals": [{"title": "ok"}, {"title": "x\x00"}]})
    except ValidationError as exc:
        locs = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
    else:
        pytest.fail("a NUL in a sub-goal's title was accepted")
    assert "sub_goals.1.title" in locs, locs


def test_the_sweep_sees_inspected_models() -> None:
    assert all(inspect.isclass(m) and issubclass(m, In) for m in request_models())
