"""The tables of ``docs/architecture.md``, read from the code: who owns which collections and publishes which topic,
who consumes which topic as which consumer group, who calls whom over HTTP, each process's routes and the gateway's
route table.

``python -m borgerplan_cli.architecture`` (``make docs``) writes the tables between the file's markers;
``--check`` (``make lint``) exits 1 when the committed file says something else than the code.

Everything is read from the source (``ast``), nothing is imported: the command imports no service (the import
contracts), and the tables come out the same wherever they are made. What is read:
- the routes: functions decorated ``@<router>.<verb>("/path")`` (with the ``APIRouter(prefix=...)`` of their module),
  the shared runtime's own (``borgerplan_plumbing.runtime``) for the services built on it, and the gateway's
  ``ROUTES`` table (``Route("GET", "/path", "service", ...)``);
- the consumers: ``runtime.consume([topics.X, ...], "group", handlers, absolute=...)``;
- the calls: the internal client's ``<client>.get("service", "/path" or path("/x/{}", x), ...)`` (and ``post``,
  ``put``, ``patch``, ``delete``), also through a function of the service that takes the service and the path as
  parameters and passes them on; the pages' ``<ctx>.api.get("/path")`` to the public API likewise;
- what a service owns: ``runtime.store("collection", topics.X, kind)`` (a collection whose changes are published),
  ``runtime.collection("name")``, ``database["name"]``.
A call or a consumer written in a shape this module cannot read is an error, not a row left out.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from borgerplan_cli.stack import ROOT

DOC = ROOT / "docs" / "architecture.md"
SERVICES = ("plan", "meetings", "consent", "notify", "outreach", "gateway", "web")
CALLED = ("plan", "meetings", "consent", "notify", "outreach")  # the names the internal client knows
VERBS = ("get", "post", "put", "patch", "delete")
PUBLIC = "/api/v1"  # the gateway's public prefix (its table's paths are under it)
TOPICS_MODULE = ROOT / "contracts" / "src" / "borgerplan_contracts" / "topics.py"
RUNTIME_MODULE = ROOT / "libs" / "plumbing" / "src" / "borgerplan_plumbing" / "runtime.py"

# The design brief's who-consumes-what and who-asks-whom (../shared/ARCHITECTURE.md), set beside the code's.
BRIEF_CONSUMES: dict[str, tuple[str, ...]] = {
    "plan": (),
    "consent": ("plan",),
    "meetings": ("plan",),
    "notify": ("meetings", "consent"),
    "outreach": (),
    "gateway": (),
    "web": (),
}
BRIEF_ASKS: dict[str, tuple[str, ...]] = {
    "plan": ("consent",),
    "consent": (),
    "meetings": ("consent",),
    "notify": ("plan", "meetings"),
    "outreach": ("plan", "consent"),
    "gateway": ("plan", "meetings", "consent", "notify", "outreach"),
    "web": ("gateway",),
}

# Why the code differs, where it does: (service, "consumes" or "asks", the other service, whether the code does it).
# A note is printed only while its difference is there.
BRIEF_NOTES: dict[tuple[str, str, str, bool], str] = {
    (
        "plan",
        "asks",
        "consent",
        False,
    ): "The plan service never needs consent's state: who may see what of a plan is "
    "decided by `borgerplan_rules.access`, from the plan's own facts and the citizen's consents (decision 0020).",
    (
        "meetings",
        "consumes",
        "plan",
        False,
    ): "Meetings keeps no copy of the plans: scheduling asks the plan service for "
    "the plan's facts, which a write needs current (decision 0020).",
    (
        "plan",
        "consumes",
        "plan",
        True,
    ): "The plan service consumes its own topic: each citizen's caseload (the units "
    "their current plans name, what Mine borgere pages through) is a projection of its own events, so a change "
    "writes once (decision 0021).",
    ("meetings", "asks", "plan", True): "Scheduling or publishing asks the plan service for the plan's facts "
    "(decision 0020).",
    (
        "consent",
        "consumes",
        "plan",
        False,
    ): "Consent answers only what consents exist; relations are decided from the "
    "plan service's facts where they are needed, so it keeps no copy of the plans (decision 0020).",
    (
        "notify",
        "asks",
        "consent",
        True,
    ): "A notification to another unit's professional is made only while the "
    "citizen's consents permit its purpose, read from the consent service (decision 0020).",
    (
        "gateway",
        "asks",
        "notify",
        False,
    ): "The gateway asks the notify service only whether it is ready: no public "
    "route reaches notify's own routes.",
}


class Unreadable(ValueError):
    """A call the tables would need, in a shape this module cannot read: teach it, rather than leave a row out."""


# --- what is read ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Call:
    caller: str
    callee: str
    method: str
    path: str
    where: str  # module.function


@dataclass(frozen=True, order=True)
class Consumer:
    topic: str
    group: str
    service: str
    handlers: str
    absolute: bool
    where: str


@dataclass(frozen=True, order=True)
class Forwarded:
    """One row of the gateway's table: the public operation, the service that answers it, the path it is sent to."""

    method: str
    path: str
    service: str
    upstream: str
    action: str
    guard: str
    here: str | None = None  # the gateway answers the row itself, with this function (nothing is forwarded)


@dataclass
class Service:
    name: str
    routes: set[tuple[str, str]] = field(default_factory=set)  # (method, path)
    collections: set[str] = field(default_factory=set)
    published: set[tuple[str, str]] = field(default_factory=set)  # (topic, collection)
    on_runtime: bool = False  # built on borgerplan_plumbing.runtime.ServiceRuntime


@dataclass
class Code:
    services: dict[str, Service]
    consumers: list[Consumer]
    calls: list[Call]  # between our processes (the internal client); the gateway's table is in ``forwarded``
    forwarded: list[Forwarded]
    guard_reads: dict[str, list[Call]]  # the gateway's guard → what it reads before it decides
    written_out: dict[tuple[str, str], list[Call]]  # the gateway's own routes → the calls they make
    pages: list[Call]  # the pages' calls to the public API (callee "gateway", path under /api/v1)
    runtime_collections: list[str]  # what the shared runtime keeps in every service's database


# --- reading a module ------------------------------------------------------------------------------------------


@dataclass
class Module:
    name: str  # dotted
    path: Path
    tree: ast.Module

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def modules(service: str) -> list[Module]:
    src = ROOT / "services" / service / "src"
    found = []
    for path in sorted((src / f"{service}_service").rglob("*.py")):
        name = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        found.append(Module(name, path, ast.parse(path.read_text(), str(path))))
    return found


def constants(path: Path) -> dict[str, str]:
    """A module's top-level string constants (``PLAN: Final = "borgerplan.plan.v1"``)."""
    values = {}
    for node in ast.parse(path.read_text()).body:
        target, value = None, None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            target, value = node.targets[0].id, node.value
        if target and isinstance(value, ast.Constant) and isinstance(value.value, str):
            values[target] = value.value
    return values


def text(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name(node: ast.AST) -> str:
    """What a value is called: ``plan_id``, ``caller.unit`` → ``unit``, ``doc["meeting_id"]`` → ``meeting_id``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and (key := text(node.slice)):
        return key
    return ast.unparse(node)


def path_of(node: ast.AST | None) -> str | None:
    """A path as the code builds it, parameters named: ``"/plans"``, ``path("/plans/{}", plan_id)`` and
    ``f"/plans/{plan_id}"`` give ``/plans`` and ``/plans/{plan_id}``; anything else None."""
    if node is None:
        return None
    if (found := text(node)) is not None:
        return found if found.startswith("/") else None
    if isinstance(node, ast.Call) and _name(node.func) == "path" and node.args:
        template = text(node.args[0])
        if template is None or not template.startswith("/"):
            return None
        names = iter(_name(arg) for arg in node.args[1:])
        return re.sub(r"\{\}", lambda _: "{" + next(names, "") + "}", template)
    if isinstance(node, ast.JoinedStr):
        parts = [
            str(v.value) if isinstance(v, ast.Constant) else "{" + _name(v.value) + "}"
            for v in node.values
            if isinstance(v, ast.Constant | ast.FormattedValue)
        ]
        joined = "".join(parts)
        return joined if joined.startswith("/") else None
    return None


def _query(call: ast.Call) -> str:
    """``params={"citizen_id": ...}`` as ``?citizen_id=``."""
    for keyword in call.keywords:
        if keyword.arg == "params" and isinstance(keyword.value, ast.Dict):
            keys = [text(k) for k in keyword.value.keys]
            if all(keys):
                return "?" + "&".join(f"{k}=" for k in keys if k)
    return ""


def functions(module: Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The module's top-level functions (a class's methods as ``Class.method``) by qualified name."""
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{module.name}.{node.name}", node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{module.name}.{node.name}.{item.name}", item


def _params(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in [*function.args.posonlyargs, *function.args.args]]


# --- the calls ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wrapper:
    """A function that passes its parameters on to a call: (the method, the service's position, the path's)."""

    method: str
    service_at: int | None  # None: the pages' calls, which name no service
    path_at: int
    method_at: int | None = None  # the method is the caller's argument too (``api.call(method, path)``)


def _verb_call(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) and call.func.attr in VERBS else None


def _is_api(call: ast.Call) -> bool:
    """The pages' client of the public API: ``ctx.api.get(...)``, ``api.call("GET", ...)``."""
    return isinstance(call.func, ast.Attribute) and _name(call.func.value) == "api"


def wrappers(mods: Sequence[Module]) -> dict[str, Wrapper]:
    found: dict[str, Wrapper] = {}
    for module in mods:
        for _, function in functions(module):
            params = _params(function)
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                names = [a.id if isinstance(a, ast.Name) else None for a in call.args[:2]]
                if _is_api(call) and _name(call.func) == "call" and len(names) == 2:
                    if names[0] in params and names[1] in params:  # method and path both the caller's
                        found[function.name] = Wrapper(
                            "?", None, params.index(names[1]), params.index(names[0])
                        )
                    continue
                verb = _verb_call(call)
                if (
                    verb is None
                    or len(call.args) < 1
                    or (function.name in found and found[function.name].method_at)
                ):
                    continue
                if _is_api(call) and names[0] in params:
                    found[function.name] = Wrapper(verb.upper(), None, params.index(names[0]))
                elif len(names) == 2 and names[0] in params and names[1] in params:
                    found[function.name] = Wrapper(
                        verb.upper(), params.index(names[0]), params.index(names[1])
                    )
    return found


def _function_at(module: Module) -> dict[int, str]:
    """Each line of the module → the top-level function (or method) it is in."""
    lines: dict[int, str] = {}
    for qualified, function in functions(module):
        for line in range(function.lineno, (function.end_lineno or function.lineno) + 1):
            lines[line] = qualified
    return lines


class Paths:
    """The paths of one module's calls: as written (``path_of``), or kept in a local name first
    (``unit = path("/units/{}/citizens", caller.unit)``, then ``post(..., unit, ...)``); a name given a path more
    than once in a function has, at a call, the path it was given last before that line."""

    def __init__(self, module: Module) -> None:
        self.local: dict[str, dict[str, list[tuple[int, str]]]] = {}
        for qualified, function in functions(module):
            for node in ast.walk(function):
                if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                    continue
                if isinstance(node.targets[0], ast.Name) and (value := path_of(node.value)) is not None:
                    given = self.local.setdefault(qualified, {}).setdefault(node.targets[0].id, [])
                    given.append((node.lineno, value))
        for names in self.local.values():
            for given in names.values():
                given.sort()

    def of(self, node: ast.AST | None, where: str) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.local.get(where, {}):
            given = self.local[where][node.id]
            before = [value for line, value in given if line <= node.lineno]
            return before[-1] if before else given[0][1]
        return path_of(node)


COMPUTED = "(computed)"  # a path the code computes at run time


# Shared helpers in the plumbing that call the owning services on a service's behalf (the facts of who may see
# what, the one disclosure writer): a service's call to one of them is a call to what it calls.
SHARED_CALLERS = ("borgerplan_plumbing.access",)


def _library_module(dotted: str) -> Module:
    path = ROOT / "libs" / "plumbing" / "src" / Path(*dotted.split(".")).with_suffix(".py")
    return Module(dotted, path, ast.parse(path.read_text(), str(path)))


def shared_calls() -> dict[str, dict[str, list[Call]]]:
    """For each shared helper module, each of its functions → the service calls it makes (through the module's own
    other functions too)."""
    found: dict[str, dict[str, list[Call]]] = {}
    for dotted in SHARED_CALLERS:
        module = _library_module(dotted)
        direct, _ = calls_in("plumbing", [module], shared={})
        own: dict[str, list[Call]] = {}
        for call in direct:
            own.setdefault(call.where.rsplit(".", 1)[-1], []).append(call)
        names = {function.name for _, function in functions(module)}
        uses = {
            function.name: {
                _name(c.func)
                for c in ast.walk(function)
                if isinstance(c, ast.Call) and _name(c.func) in names
            }
            for _, function in functions(module)
        }

        found[dotted] = {name: _reach(name, own, uses) for name in sorted(names)}
    return found


def _reach(
    name: str, own: Mapping[str, list[Call]], uses: Mapping[str, set[str]], seen: frozenset[str] = frozenset()
) -> list[Call]:
    """The calls a function makes itself and through the functions of its module it calls."""
    calls = list(own.get(name, []))
    for other in sorted(uses.get(name, set()) - seen - {name}):
        calls += _reach(other, own, uses, seen | {name})
    return calls


def _aliases(module: Module, shared: Mapping[str, object]) -> dict[str, str]:
    """The names a module gives the shared helper modules (``from borgerplan_plumbing import access as owners``)."""
    names = {}
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if f"{node.module}.{alias.name}" in shared:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def calls_in(
    service: str, mods: Sequence[Module], shared: Mapping[str, Mapping[str, list[Call]]] | None = None
) -> tuple[list[Call], list[Call]]:
    """The service's calls to our other processes (internal client, directly or through a shared helper), and to
    the public API (the pages)."""
    shared = shared_calls() if shared is None else shared
    known = wrappers(mods)
    internal: list[Call] = []
    public: list[Call] = []
    for module in mods:
        at, paths, aliases = _function_at(module), Paths(module), _aliases(module, shared)
        for call in (n for n in ast.walk(module.tree) if isinstance(n, ast.Call)):
            where = at.get(call.lineno, module.name)
            if service == "web":
                public += _page_call(call, module, where, paths, known)
            elif (
                isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id in aliases
            ):
                helper = shared[aliases[call.func.value.id]].get(call.func.attr, [])
                internal += [Call(service, c.callee, c.method, c.path, where) for c in helper]
            else:
                internal += _internal_call(service, call, module, where, paths, known)
    return internal, public


def _page_call(
    call: ast.Call, module: Module, where: str, paths: Paths, known: dict[str, Wrapper]
) -> list[Call]:
    """``ctx.api.get("/path")``, ``ctx.api.call("GET", "/path")``, or a wrapper's caller, as a call to the gateway."""
    args, verb, wrapper = call.args, _verb_call(call), known.get(_name(call.func))
    if _is_api(call) and verb and args:
        if isinstance(args[0], ast.Name) and args[0].id in _params_of(module, where):
            return []  # a wrapper's own call: its callers are read instead
        return [Call("web", "gateway", verb.upper(), paths.of(args[0], where) or COMPUTED, where)]
    if _is_api(call) and _name(call.func) == "call" and len(args) > 1:
        own = _params_of(module, where)
        if any(isinstance(a, ast.Name) and a.id in own for a in args[:2]):
            return []  # a wrapper's own call: its callers are read instead
        return [Call("web", "gateway", text(args[0]) or "?", paths.of(args[1], where) or COMPUTED, where)]
    if wrapper and wrapper.service_at is None and len(args) > max(wrapper.path_at, wrapper.method_at or 0):
        method = wrapper.method if wrapper.method_at is None else text(args[wrapper.method_at]) or "?"
        return [Call("web", "gateway", method, paths.of(args[wrapper.path_at], where) or COMPUTED, where)]
    return []


def _internal_call(
    service: str, call: ast.Call, module: Module, where: str, paths: Paths, known: dict[str, Wrapper]
) -> list[Call]:
    """``client.get("plan", path("/plans/{}", plan_id), ...)``, or a wrapper's caller, as a call to that service."""
    args, verb, wrapper = call.args, _verb_call(call), known.get(_name(call.func))
    if verb and len(args) > 1 and text(args[0]) in CALLED:
        callee, method, target = text(args[0]), verb.upper(), paths.of(args[1], where)
    elif wrapper and wrapper.service_at is not None and len(args) > wrapper.path_at:
        callee, method, target = (
            text(args[wrapper.service_at]),
            wrapper.method,
            paths.of(args[wrapper.path_at], where),
        )
        if callee not in CALLED:
            return []  # a wrapper passing its own parameters on: its callers are read instead
    else:
        _unread(module, call)
        return []
    if target is None:
        raise Unreadable(f"{module.where(call)}: a call to the {callee} service whose path is not read")
    return [Call(service, str(callee), method, target + _query(call), where)]


def _params_of(module: Module, qualified: str) -> list[str]:
    return next((_params(f) for q, f in functions(module) if q == qualified), [])


def _unread(module: Module, call: ast.Call) -> None:
    """A service's name followed by a path in any other call is a call to it in a shape not read here."""
    for first, second in zip(call.args, call.args[1:], strict=False):
        if text(first) in CALLED and path_of(second) is not None:
            raise Unreadable(
                f"{module.where(call)}: `{ast.unparse(call)[:80]}` looks like a call to a service"
            )


# --- routes, consumers, what is owned ----------------------------------------------------------------------------


def handlers_in(mods: Iterable[Module]) -> dict[tuple[str, str], str]:
    """``@router.get("/path")``-decorated functions, with their router's prefix: (method, path) → the function."""
    found = {}
    for module in mods:
        prefixes: dict[str, str] = {}
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and _name(node.value.func) == "APIRouter"
            ):
                prefix = next((text(k.value) for k in node.value.keywords if k.arg == "prefix"), "") or ""
                prefixes.update({_name(target): prefix for target in node.targets})
        at = _function_at(module)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr in VERBS
                    and (route := text(decorator.args[0]) if decorator.args else None) is not None
                ):
                    prefix = prefixes.get(_name(decorator.func.value), "")
                    found[(decorator.func.attr.upper(), prefix + route)] = at.get(node.lineno, module.name)
    return found


def forwarded_in(mods: Iterable[Module]) -> list[Forwarded]:
    rows = []
    for module in mods:
        for call in (n for n in ast.walk(module.tree) if isinstance(n, ast.Call)):
            if _name(call.func) != "Route" or len(call.args) < 4:
                continue
            method, route, service, action = (text(a) for a in call.args[:4])
            keywords = {k.arg: text(k.value) for k in call.keywords}
            if not (method and route and service and action):
                raise Unreadable(
                    f"{module.where(call)}: a Route whose method, path, service or action is not read"
                )
            upstream = keywords.get("upstream") or route
            here = next((ast.unparse(k.value) for k in call.keywords if k.arg == "here"), None)
            rows.append(
                Forwarded(
                    method, PUBLIC + route, service, upstream, action, keywords.get("guard") or "none", here
                )
            )
    return rows


def consumers_in(service: str, mods: Iterable[Module], topics: dict[str, str]) -> list[Consumer]:
    found = []
    for module in mods:
        at = _function_at(module)
        for call in (n for n in ast.walk(module.tree) if isinstance(n, ast.Call)):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "consume"):
                continue
            names = call.args[0] if call.args else None
            group = text(call.args[1]) if len(call.args) > 1 else None
            if not isinstance(names, ast.List | ast.Tuple) or group is None or len(call.args) < 3:
                raise Unreadable(f"{module.where(call)}: a consume call whose topics or group is not read")
            absolute = any(
                k.arg == "absolute" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in call.keywords
            )
            for topic in names.elts:
                if not isinstance(topic, ast.Attribute) or topic.attr not in topics:
                    raise Unreadable(
                        f"{module.where(call)}: a topic that is not one of borgerplan_contracts.topics"
                    )
                where = at.get(call.lineno, module.name)
                found.append(
                    Consumer(topics[topic.attr], group, service, ast.unparse(call.args[2]), absolute, where)
                )
    return found


def owned_in(service: Service, mods: Iterable[Module], topics: dict[str, str]) -> None:
    for module in mods:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and _name(node.func) == "ServiceRuntime":
                service.on_runtime = True
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                name = text(node.args[0])
                if name and node.func.attr in ("store", "collection", "declare_indexes"):
                    service.collections.add(name)
                topic = node.args[1] if len(node.args) > 1 else None
                if (
                    name
                    and node.func.attr == "store"
                    and isinstance(topic, ast.Attribute)
                    and topic.attr in topics
                ):
                    service.published.add((topics[topic.attr], name))
            elif (
                isinstance(node, ast.Subscript)
                and _name(node.value) in ("db", "database")
                and (name := text(node.slice))
            ):
                service.collections.add(name)


# --- the gateway: what its guards read, what its own routes call ---------------------------------------------------


def _callees(node: ast.AST, module: Module, own: set[str]) -> set[str]:
    """The service's own functions called within ``node``, by the names its module imports or defines."""
    aliases = {
        alias.asname or alias.name: f"{n.module}.{alias.name}"
        for n in module.tree.body
        if isinstance(n, ast.ImportFrom) and n.module
        for alias in n.names
    }
    found = set()
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        target = None
        if isinstance(call.func, ast.Name):
            target = aliases.get(call.func.id, f"{module.name}.{call.func.id}")
        elif isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            base = aliases.get(call.func.value.id)
            target = f"{base}.{call.func.attr}" if base else None
        if target in own:
            found.add(str(target))
    return found


def gateway_paths(
    mods: Sequence[Module], calls: list[Call]
) -> tuple[dict[str, list[Call]], dict[tuple[str, str], list[Call]]]:
    """What each guard of the gateway's table reads before the policy decides (``match route.guard``), and which
    calls each of the gateway's own routes makes, directly or through its functions."""
    own = {q for m in mods for q, _ in functions(m)}
    edges = {q: _callees(f, m, own) for m in mods for q, f in functions(m)}
    made: dict[str, list[Call]] = defaultdict(list)
    for call in calls:
        made[call.where].append(call)

    def reach(start: Iterable[str]) -> list[Call]:
        seen, todo, found = set(), list(start), set()
        while todo:
            if (current := todo.pop()) not in seen:
                seen.add(current)
                found.update(made.get(current, []))
                todo.extend(edges.get(current, ()))
        return sorted(found)

    guards: dict[str, list[Call]] = {}
    for module in mods:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Match) and ast.unparse(node.subject) == "route.guard":
                for case in node.cases:
                    values = (
                        case.pattern.patterns if isinstance(case.pattern, ast.MatchOr) else [case.pattern]
                    )
                    for value in values:
                        if isinstance(value, ast.MatchValue) and (guard := text(value.value)):
                            guards[guard] = reach(_callees(ast.Module(case.body, []), module, own))
    written = {route: reach([function]) for route, function in handlers_in(mods).items()}
    return guards, written


# --- all of it ---------------------------------------------------------------------------------------------------


def read() -> Code:
    topics = constants(TOPICS_MODULE)
    runtime = Module("borgerplan_plumbing.runtime", RUNTIME_MODULE, ast.parse(RUNTIME_MODULE.read_text()))
    runtime_routes = set(handlers_in([runtime]))
    runtime_collections = sorted(
        {
            name
            for n in ast.walk(runtime.tree)
            if isinstance(n, ast.Subscript) and _name(n.value) == "db" and (name := text(n.slice))
        }
    )
    services, consumers, calls, pages = {}, [], [], []
    forwarded: list[Forwarded] = []
    guards: dict[str, list[Call]] = {}
    written: dict[tuple[str, str], list[Call]] = {}
    for name in SERVICES:
        mods = modules(name)
        service = Service(name, routes=set(handlers_in(mods)))
        owned_in(service, mods, topics)
        if service.on_runtime:
            service.routes |= runtime_routes
        consumers += consumers_in(name, mods, topics)
        internal, public = calls_in(name, mods)
        calls += internal
        pages += public
        if name == "gateway":
            forwarded = forwarded_in(mods)
            service.routes |= {(f.method, f.path) for f in forwarded}
            guards, written = gateway_paths(mods, internal)
        services[name] = service
    if not consumers:
        raise Unreadable(
            "no consumer found: has the way services subscribe changed? Teach this module to read it"
        )
    return Code(
        services,
        sorted(set(consumers)),
        sorted(set(calls)),
        sorted(forwarded, key=lambda f: (f.path, f.method)),
        guards,
        written,
        sorted(set(pages)),
        runtime_collections,
    )


# --- writing it --------------------------------------------------------------------------------------------------


def _owner(topic: str) -> str:
    return topic.split(".")[1] if topic.count(".") >= 2 else topic


def _cell(items: Iterable[str]) -> str:
    listed = sorted(set(items))
    return ", ".join(listed) if listed else "nothing"


def served_by(method: str, path: str, routes: Iterable[tuple[str, str]], prefix: str = "") -> str | None:
    """The route of ``routes`` that answers ``method prefix+path`` (``/citizens/{citizen_id}?x=`` is served by
    ``/citizens/{citizen_id}`` whatever its parameters are called), or None."""
    asked = re.sub(r"\{[^/]+?\}", "x", prefix + path.split("?", maxsplit=1)[0])
    for m, route in sorted(routes):
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(route)) + "$"
        if m == method and re.match(pattern, asked):
            return route
    return None


def _grouped(calls: Iterable[Call]) -> dict[tuple[str, str, str, str], list[str]]:
    """The same call made in several places, once, with the places."""
    places: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for c in sorted(calls):
        places[(c.caller, c.callee, c.method, c.path)].append(c.where)
    return places


def _where(places: Iterable[str]) -> str:
    return ", ".join(f"`{w}`" for w in places)


def _missing(found: str | None) -> str:
    return "" if found else " **(no such route)**"


def _owners(code: Code) -> list[str]:
    lines = [
        "| service | collections (its own database) | publishes (from the changes of) |",
        "|---|---|---|",
    ]
    for name, service in code.services.items():
        by_topic: dict[str, list[str]] = defaultdict(list)
        for topic, collection in sorted(service.published):
            by_topic[topic].append(collection)
        published = "; ".join(f"`{t}` ({', '.join(c)})" for t, c in by_topic.items()) or "nothing"
        lines.append(f"| {name} | {_where(sorted(service.collections))} | {published} |")
    on_runtime = ", ".join(n for n, v in code.services.items() if v.on_runtime)
    kept = " and ".join(f"`{c}`" for c in code.runtime_collections)
    return [
        *lines,
        "",
        "The shared runtime (`borgerplan_plumbing.runtime`) keeps collections of its own in the database of each",
        f"service built on it ({on_runtime}): {kept}.",
    ]


def _consumers(code: Code) -> list[str]:
    lines = ["| topic | consumer group | service | handlers | kind | in |", "|---|---|---|---|---|---|"]
    for c in code.consumers:
        kind = (
            "a projection of absolute values (no markers)"
            if c.absolute
            else "effects, deduplicated by marker"
        )
        lines.append(f"| `{c.topic}` | `{c.group}` | {c.service} | `{c.handlers}` | {kind} | `{c.where}` |")
    return lines


def _calls(code: Code) -> list[str]:
    lines = ["| from | to | call | in |", "|---|---|---|---|"]
    for (caller, callee, method, path), places in _grouped(code.calls).items():
        missing = _missing(served_by(method, path, code.services[callee].routes))
        lines.append(f"| {caller} | {callee} | `{method} {path}`{missing} | {_where(places)} |")
    return lines


def _reads(found: list[Call]) -> str:
    return "; ".join(f"{c.callee} `{c.method} {c.path}`" for c in found) or "nothing"


def _gateway(code: Code) -> list[str]:
    lines = ["| public operation | service | sent to | action | guard reads first |", "|---|---|---|---|---|"]
    for f in code.forwarded:
        if f.here is not None:
            sent = f"nothing: answered by the gateway (`{f.here}`)"
        else:
            sent = f"`{f.upstream}`" if f.upstream != f.path.removeprefix(PUBLIC) else "the same path"
            sent += _missing(served_by(f.method, f.upstream, code.services[f.service].routes))
        guard = f"{f.guard}: {_reads(code.guard_reads.get(f.guard, []))}" if f.guard != "none" else "nothing"
        lines.append(f"| `{f.method} {f.path}` | {f.service} | {sent} | {f.action} | {guard} |")
    return lines


def _gateway_own(code: Code) -> list[str]:
    lines = ["| public operation | calls (directly or through the gateway's functions) |", "|---|---|"]
    for (method, route), found in sorted(code.written_out.items(), key=lambda r: (r[0][1], r[0][0])):
        lines.append(f"| `{method} {route}` | {_reads(found)} |")
    return lines


def _routes(code: Code) -> list[str]:
    lines = []
    for name, service in code.services.items():
        listed = ", ".join(f"`{m} {p}`" for p, m in sorted((p, m) for m, p in service.routes))
        lines.append(f"- **{name}** ({len(service.routes)}): {listed}")
    return lines


def _pages(code: Code) -> list[str]:
    lines = ["| call | from the pages' |", "|---|---|"]
    for (_, _, method, path), places in _grouped(code.pages).items():
        if path == COMPUTED:
            shown = f"`{method}` (a path computed at run time)"
        else:
            shown = f"`{method} {path}`" + _missing(
                served_by(method, path, code.services["gateway"].routes, PUBLIC)
            )
        lines.append(f"| {shown} | {_where(places)} |")
    return lines


def _brief(code: Code) -> list[str]:
    lines = [
        "| service | consumes, in the brief | consumes, in the code | asks over HTTP, in the brief | asks, in the code |",
        "|---|---|---|---|---|",
    ]
    notes: list[str] = []
    for name in SERVICES:
        consumed = {_owner(c.topic) for c in code.consumers if c.service == name}
        asked = {c.callee for c in code.calls if c.caller == name}
        asked |= {f.service for f in code.forwarded} if name == "gateway" else set()
        asked |= {"gateway"} if name == "web" and code.pages else set()
        cells = []
        for verb, brief_says, code_has in (
            ("consumes", BRIEF_CONSUMES[name], consumed),
            ("asks", BRIEF_ASKS[name], asked),
        ):
            differs = set(brief_says) != code_has
            cells += [_cell(brief_says), f"**{_cell(code_has)}**" if differs else _cell(code_has)]
            for other in sorted(set(brief_says) ^ code_has):
                does = "does" if other in code_has else "does not"
                unexplained = (
                    f"{name} {does} {verb[:-1]} {other}, unlike the brief (no note yet in BRIEF_NOTES)."
                )
                notes.append(BRIEF_NOTES.get((name, verb, other, other in code_has), unexplained))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, "", *(f"- {note}" for note in notes)]


SECTIONS = {
    "owners": _owners,
    "consumers": _consumers,
    "calls": _calls,
    "gateway": _gateway,
    "gateway-own": _gateway_own,
    "routes": _routes,
    "pages": _pages,
    "brief": _brief,
}


def sections(code: Code) -> dict[str, str]:
    return {name: "\n".join(write(code)) for name, write in SECTIONS.items()}


BEGIN = "<!-- generated: {} (python -m borgerplan_cli.architecture) -->"
END = "<!-- end: {} -->"


def apply(document: str, generated: dict[str, str]) -> str:
    """The document with each generated section between its markers replaced; every section must have them."""
    for name, body in generated.items():
        begin, end = BEGIN.format(name), END.format(name)
        if document.count(begin) != 1 or document.count(end) != 1:
            raise Unreadable(f"{DOC.relative_to(ROOT)} needs the markers {begin} and {end} once each")
        head, rest = document.split(begin)
        _, tail = rest.split(end)
        document = f"{head}{begin}\n{body}\n{end}{tail}"
    return document


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    current = DOC.read_text()
    wanted = apply(current, sections(read()))
    if "--check" in args:
        if wanted != current:
            print(f"out of date: {DOC.relative_to(ROOT)} (run: make docs)")
            return 1
        return 0
    DOC.write_text(wanted)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
