"""Forwarding declared as a table: each public operation that the owning service answers as it is.

A ``Route`` says the method and public path, the owning service, the policy action, which resource decides the
caller's relation (``guard``), and the request and answer models, which the OpenAPI documents and the gateway checks
at the door. One handler serves every row: check the ids, read the facts, ask the policy (fed by the one answer,
``borgerplan_rules.access``), forward with every path segment percent-encoded, relay the answer, and write the access
log for reads of citizen data. A row the gateway answers itself from those facts (``here``) is not forwarded.

Operations that compose or filter (the composed view, one plan or meeting as the caller may see it, worklists, the
access log) are written out in ``gateway_service.entrypoints.http``.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from borgerplan_plumbing.access_log import AccessLog
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from borgerplan_plumbing.problems import Problem
from gateway_service import facts as facts_of
from gateway_service import policy
from gateway_service.auth import Authenticated
from gateway_service.problems import problem_responses
from gateway_service.upstream import relay_response

Guard = Literal["none", "citizen", "plan", "plan_in_body", "citizen_in_body", "meeting", "consent", "course"]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
# Every id the services hand out is a UUID; anything else names nothing (and never reaches a service).
ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_ID = re.compile(ID_PATTERN)
PARAM = re.compile(r"{([a-z_]+)}")
WHAT = {
    "citizen_id": "citizen",
    "plan_id": "plan",
    "goal_id": "goal",
    "actor_id": "actor",
    "meeting_id": "meeting",
    "participant_id": "participant",
    "task_id": "task",
    "consent_id": "consent",
    "course_id": "outreach course",
    "request_id": "change request",
}


@dataclass(frozen=True)
class Route:
    method: Method
    path: str  # under /api/v1, with {name} path parameters (all ids)
    service: str
    action: policy.Action
    operation_id: str
    summary: str
    tag: str
    guard: Guard = "none"
    body: type[BaseModel] | None = None
    answer: Any = None  # the 2xx model (or list[...]); None: no JSON body
    status: int = 200
    body_optional: bool = False
    query: dict[str, Any] = field(default_factory=dict)  # name → annotated type, passed through
    if_match: Literal["required", "optional", "ignored", "none"] = "none"
    idempotent: bool = False  # takes Idempotency-Key
    audit: tuple[str, list[str]] | None = None  # (purpose, sections) for reads of citizen data
    examples: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    # Answered by the gateway itself from the facts the guard read, not forwarded (``service`` owns those facts).
    here: Callable[[InternalClient, Request, Caller, facts_of.Found], Awaitable[Response]] | None = None

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)


def _what(route: Route) -> str:
    return {"plan_in_body": "plan", "citizen_in_body": "citizen"}.get(route.guard, "resource")


def check_ids(values: dict[str, str]) -> None:
    """404 for an id that cannot be one: no service is asked about it."""
    for name, value in values.items():
        if not _ID.match(value):
            raise facts_of.not_found(WHAT.get(name, name.removesuffix("_id")))


@dataclass
class Context:
    """What a handler needs from the app, handed over once."""

    client: InternalClient
    access_log: AccessLog


async def guard_facts(
    route: Route, ctx: Context, caller: Caller, ids: dict[str, str], body: dict[str, Any]
) -> facts_of.Found:
    client = ctx.client
    consents = route.action in policy.ASKS_CONSENT
    match route.guard:
        case "none":
            return facts_of.Found(policy.NO_CITIZEN, "", {})
        case "citizen":
            return await facts_of.about_citizen(client, caller, ids["citizen_id"], consents=consents)
        case "plan":
            return await facts_of.about_plan(client, caller, ids["plan_id"], consents=consents)
        case "plan_in_body":
            plan_id = str(body.get("plan_id", ""))
            check_ids({"plan_id": plan_id})
            return await facts_of.about_plan(client, caller, plan_id, consents=consents)
        case "citizen_in_body":
            citizen_id = str(body.get("citizen_id", ""))
            check_ids({"citizen_id": citizen_id})
            return await facts_of.about_citizen(client, caller, citizen_id, consents=consents)
        case "meeting":
            return await facts_of.about_meeting(client, caller, ids["meeting_id"], consents=consents)
        case "consent":
            return await facts_of.about_consent(client, caller, ids["consent_id"])
        case "course":
            return await facts_of.about_course(client, caller, ids["course_id"])


def refuse(verdict: policy.Verdict, what: str) -> Problem:
    if verdict == "not_found":
        return facts_of.not_found(what)
    return Problem(403, "Forbidden", "You may not do this with this resource.", kind="forbidden")


PASS_HEADERS = ("if-match", "idempotency-key", "content-type")


async def forward(
    route: Route, ctx: Context, request: Request, caller: Caller, ids: dict[str, str]
) -> Response:
    upstream_path = PARAM.sub("{}", route.path)
    url = path(upstream_path, *(ids[name] for name in route.params))
    headers = {k: v for k, v in request.headers.items() if k.lower() in PASS_HEADERS}
    if route.if_match == "ignored":
        headers.pop("if-match", None)
    query = {k: v for k, v in request.query_params.items() if k in route.query}
    body = await request.body()
    try:
        upstream = await ctx.client.request(
            route.service,
            route.method,
            url,
            caller,
            content=body or None,
            params=query or None,
            headers=headers,
        )
    except UnavailableError as exc:
        raise facts_of.unavailable(route.service) from exc
    return relay_response(upstream)


async def check_body(route: Route, request: Request) -> None:
    """The body as the contract documents it, strictly: a date is a string, a number is a number, an optional body
    is left out rather than null. The services are lenient readers; the door is where the contract holds."""
    if route.body is None:
        return
    raw = await request.body()
    if not raw.strip() and route.body_optional:
        return
    try:
        route.body.model_validate_json(raw or b"null", strict=True)
    except ValidationError as exc:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        raise RequestValidationError(errors) from exc


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def handler(route: Route, context: Callable[[Request], Context]) -> Callable[..., Awaitable[Response]]:
    """The endpoint of one row, with a signature FastAPI reads for validation and for the OpenAPI.

    Who may do it is decided in a dependency, which FastAPI runs before it checks the body: a caller who may not
    do this learns that (403, or 404 for a stranger), not what is wrong with the body.
    """

    async def authorize(request: Request, caller: Authenticated) -> facts_of.Found:
        ids = {name: request.path_params[name] for name in route.params}
        check_ids(ids)
        body = await _json_body(request) if route.guard.endswith("_in_body") else {}
        if route.guard.endswith("_in_body") and not body:
            # No resource to read the relation from: the token alone must allow the action at all; the body's
            # own problems are answered next (422).
            if not caller.has_role(*policy.HANDLING, "citizen"):  # type: ignore[arg-type]
                raise refuse("forbidden", "resource")
            return facts_of.Found(policy.NO_CITIZEN, "", {})
        found = await guard_facts(route, context(request), caller, ids, body)
        verdict = policy.decide(route.action, caller, found.facts)
        if verdict not in ("allow", "allow_with_consent"):
            raise refuse(verdict, WHAT.get(route.params[0], "resource") if route.params else _what(route))
        await check_body(route, request)
        return found

    async def endpoint(request: Request, caller: Caller, found: facts_of.Found, **kwargs: Any) -> Response:
        ctx = context(request)
        ids = {name: kwargs[name] for name in route.params}
        if route.here is not None:
            response = await route.here(ctx.client, request, caller, found)
        else:
            response = await forward(route, ctx, request, caller, ids)
        if route.audit and 200 <= response.status_code < 300 and found.citizen_id:
            purpose, sections = route.audit
            await ctx.access_log.append(
                caller, found.citizen_id, purpose, sections, request.headers.get("x-request-id")
            )
        return response

    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("caller", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Authenticated),
        inspect.Parameter(
            "found",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[facts_of.Found, Depends(authorize)],
        ),
    ]
    for name in route.params:
        annotation = Annotated[
            str,
            Path(description=f"the {WHAT.get(name, name)}'s id", json_schema_extra={"format": "uuid"}),
        ]
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
    if route.body is not None:
        body_type: Any = route.body | None if route.body_optional else route.body
        examples: Any = {k: {"summary": k, "value": v} for k, v in route.examples.items()} or None
        params.append(
            inspect.Parameter(
                "body",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[body_type, Body(openapi_examples=examples)],
                default=None if route.body_optional else inspect.Parameter.empty,
            )
        )
    for name, annotation in route.query.items():
        params.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=None)
        )
    if route.if_match != "none":
        doc = {
            "required": "the ETag you last read; 428 without it, 412 when the resource changed since",
            "optional": "the ETag you last read, to add only to that version (412 when it changed)",
            "ignored": "not needed: revoking never fails on a version",
        }[route.if_match]
        params.append(
            inspect.Parameter(
                "if_match",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[str | None, Header(alias="If-Match", description=doc)],
                default=None,
            )
        )
    if route.idempotent:
        params.append(
            inspect.Parameter(
                "idempotency_key",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    str | None,
                    Header(
                        alias="Idempotency-Key",
                        max_length=200,
                        description="a retried create with the same key returns the first answer",
                    ),
                ],
                default=None,
            )
        )
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    endpoint.__name__ = route.operation_id
    return endpoint


def router(routes: tuple[Route, ...], context: Callable[[Request], Context]) -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for route in routes:
        api.add_api_route(
            route.path,
            handler(route, context),
            methods=[route.method],
            operation_id=route.operation_id,
            summary=route.summary,
            description=route.description or None,
            tags=[route.tag],
            status_code=route.status,
            response_model=route.answer,
            responses=problem_responses(
                body=route.body is not None,
                change=route.method != "GET",
                if_match=route.if_match in ("required", "optional"),
            ),
        )
    return api


__all__ = ["ID_PATTERN", "Query", "Route", "check_ids", "router"]
