"""The public API's operations that the gateway composes or filters itself; the rest is the forwarding table
(``gateway_service.routes``)."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from borgerplan_api.consent import ConsentPublic
from borgerplan_api.plan import CPR_PATTERN, CitizenPublic, OpenRequest
from borgerplan_api.views import (
    AccessLogPage,
    Health,
    MeetingShown,
    MyCitizen,
    MyDeadline,
    PlanShown,
    PlanView,
    Readiness,
)
from borgerplan_plumbing import access as owners
from borgerplan_plumbing import pages
from borgerplan_plumbing.access_log import AccessLog
from borgerplan_plumbing.auth import Caller
from borgerplan_plumbing.internal import InternalClient, UnavailableError, path
from borgerplan_plumbing.problems import Problem
from borgerplan_rules.access import Disclosure, Relation
from gateway_service import composition, policy, worklists
from gateway_service import facts as facts_of
from gateway_service.auth import Authenticated
from gateway_service.forwarding import check_ids
from gateway_service.problems import problem_responses
from gateway_service.upstream import relay_response

router = APIRouter(prefix="/api/v1")
Id = Annotated[str, Path(json_schema_extra={"format": "uuid"})]
READ = problem_responses(body=False, change=False, if_match=False)


def _client(request: Request) -> InternalClient:
    client: InternalClient = request.app.state.runtime.internal
    return client


async def _audit(
    request: Request, caller: Caller, citizen_id: str, purpose: str, sections: list[str]
) -> None:
    log: AccessLog = request.app.state.access_log
    await log.append(caller, citizen_id, purpose, sections, request.headers.get("x-request-id"))


async def _disclose(request: Request, caller: Caller, disclosure: Disclosure | None) -> None:
    """Data leaves on another unit's consent: recorded by the consent service before it leaves, or not sent."""
    if disclosure is None:
        return
    try:
        await owners.record_disclosure(_client(request), caller, disclosure)
    except owners.DisclosureNotRecordedError as exc:
        raise Problem(
            503,
            "Service unavailable",
            "The disclosure could not be recorded; nothing was sent.",
            headers={"Retry-After": "2"},
        ) from exc


async def _nothing() -> None:
    return None


@router.get(
    "/citizens",
    operation_id="find_citizen_by_cpr",
    tags=["citizens"],
    summary="Look up a citizen by CPR (authority roles; always audited)",
    response_model=list[CitizenPublic],
    responses=READ,
)
async def find_citizen(
    request: Request,
    caller: Authenticated,
    cpr: Annotated[str, Query(min_length=10, max_length=11, pattern=CPR_PATTERN, examples=["0101901234"])],
) -> Response:
    if policy.decide("lookup_by_cpr", caller) != "allow":
        raise Problem(403, "Forbidden", "Only authority caseworkers look up by CPR.", kind="forbidden")
    try:
        upstream = await _client(request).get("plan", "/citizens", caller, params={"cpr": cpr})
    except UnavailableError as exc:
        raise facts_of.unavailable("plan") from exc
    if upstream.status_code == 200:
        for found in upstream.json():
            await _audit(request, caller, found["citizen_id"], "lookup_by_cpr", ["citizen"])
    return relay_response(upstream)


@router.get(
    "/citizens/{citizen_id}/plan-view",
    operation_id="get_plan_view",
    tags=["view"],
    summary="The single composed view of the citizen's plan, as the caller may see it (audited)",
    response_model=PlanView,
    responses=READ,
)
async def plan_view(citizen_id: Id, request: Request, caller: Authenticated) -> Response:
    check_ids({"citizen_id": citizen_id})
    began = time.perf_counter()

    async def disclose(disclosure: Disclosure) -> None:
        await _disclose(request, caller, disclosure)

    view = await composition.compose(_client(request), caller, citizen_id, disclose)
    composed = time.perf_counter()
    sections = [s for s in ("citizen", "plans", "meetings", "consent_summary") if view.body.get(s)]
    # Both records are written before the response leaves; they are independent, so at the same time (the
    # disclosure began while the view was composed).
    await asyncio.gather(
        _audit(request, caller, citizen_id, "view_plan", sections), view.recorded or _nothing()
    )
    recorded = time.perf_counter()
    # Server-Timing (W3C) tells an operator where the time went: fetching and composing, then the records.
    timing = ", ".join(
        [
            f"compose;dur={(composed - began) * 1000:.1f}",
            *(f"{name};dur={ms:.1f}" for name, ms in view.timings.items()),
            f"record;dur={(recorded - composed) * 1000:.1f}",
        ]
    )
    # orjson: the same compact UTF-8 JSON as JSONResponse's; for a view of 2.5 kB 11 µs instead of 188 µs.
    return Response(orjson.dumps(view.body), media_type="application/json", headers={"Server-Timing": timing})


@router.get(
    "/plans/{plan_id}",
    operation_id="get_plan",
    tags=["plans"],
    summary="One plan as the caller may see it (consent applies as in the composed view; audited)",
    response_model=PlanShown,
    responses=READ,
)
async def get_plan(plan_id: Id, request: Request, caller: Authenticated) -> JSONResponse:
    check_ids({"plan_id": plan_id})
    plan, seen, etag = await composition.one_plan(_client(request), caller, plan_id)
    citizen_id = plan["citizen_id"]
    await asyncio.gather(
        _audit(request, caller, citizen_id, "view_plan", ["plan"]),
        _disclose(request, caller, Disclosure.of(seen, citizen_id, caller.unit, "view_plan", "plan")),
    )
    return JSONResponse(plan, headers={"ETag": etag} if etag else {})


@router.get(
    "/meetings/{meeting_id}",
    operation_id="get_meeting",
    tags=["meetings"],
    summary="One meeting as the caller may see it (the citizen, the coordinator, the responsible unit, an "
    "invited unit, a unit with consent to see the plan; audited)",
    response_model=MeetingShown,
    responses=READ,
)
async def get_meeting(meeting_id: Id, request: Request, caller: Authenticated) -> JSONResponse:
    check_ids({"meeting_id": meeting_id})
    meeting, citizen_id, etag = await composition.one_meeting(_client(request), caller, meeting_id)
    sections = ["meeting", *(["minutes"] if meeting.get("minutes") else [])]
    await _audit(request, caller, citizen_id, "view_meeting", sections)
    return JSONResponse(meeting, headers={"ETag": etag} if etag else {})


@router.get(
    "/meetings/{meeting_id}/invitation.ics",
    operation_id="get_invitation_ics",
    tags=["meetings"],
    summary="The invitation as iCalendar (same UID on updates, SEQUENCE raised; the meeting's readers; audited)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}, **READ},
)
async def invitation_ics(meeting_id: Id, request: Request, caller: Authenticated) -> Response:
    check_ids({"meeting_id": meeting_id})
    client = _client(request)
    _, citizen_id, _ = await composition.one_meeting(client, caller, meeting_id)
    try:
        upstream = await client.get("meetings", path("/meetings/{}/invitation.ics", meeting_id), caller)
    except UnavailableError as exc:
        raise facts_of.unavailable("meetings") from exc
    if upstream.status_code == 200:
        await _audit(request, caller, citizen_id, "export_calendar", ["meeting"])
    return relay_response(upstream)


@router.get(
    "/citizens/{citizen_id}/consents",
    operation_id="list_consents",
    tags=["consents"],
    summary="The citizen's consents: all for the citizen and the responsible unit, a unit's own otherwise (audited)",
    response_model=list[ConsentPublic],
    responses=READ,
)
async def list_consents(
    citizen_id: Id,
    request: Request,
    caller: Authenticated,
    limit: pages.Limit = pages.MAX_LIMIT,
    cursor: pages.Cursor = None,
) -> Response:
    check_ids({"citizen_id": citizen_id})
    client = _client(request)
    found = await facts_of.about_citizen(client, caller, citizen_id, consents=True)
    verdict = policy.decide("list_consents", caller, found.facts)
    if verdict == "forbidden":
        raise Problem(403, "Forbidden", "Your role does not handle consents.", kind="forbidden")
    if verdict == "not_found":
        # Not related, or not known to be: the consents name every unit related by consent alone.
        if found.citizen is not None and found.citizen.consents is None:
            raise composition.consent_unavailable()
        raise facts_of.not_found("citizen")
    params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
    if verdict != "allow":
        params["unit"] = caller.unit  # the consents it received or registered
    try:
        upstream = await client.get(
            "consent", path("/citizens/{}/consents", citizen_id), caller, params=params
        )
    except UnavailableError as exc:
        raise facts_of.unavailable("consent") from exc
    if upstream.status_code == 200:
        await _audit(request, caller, citizen_id, "view_consents", ["consents"])
    return relay_response(upstream)


@router.get(
    "/citizens/{citizen_id}/access-log",
    operation_id="get_access_log",
    tags=["access log"],
    summary="Who read this citizen's data, when, what and why (the citizen; administrators also see the person)",
    response_model=AccessLogPage,
    responses=READ,
)
async def access_log(
    citizen_id: Id,
    request: Request,
    caller: Authenticated,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^[0-9a-f:]+$",
            description="page: entries older than this one (next_before)",
        ),
    ] = None,
) -> JSONResponse:
    check_ids({"citizen_id": citizen_id})
    relation: Relation = "self" if caller.citizen_id == citizen_id else "none"
    verdict = policy.decide("read_access_log", caller, policy.Facts(relation=relation))
    if verdict == "not_found":
        raise facts_of.not_found("citizen")
    if verdict != "allow":
        raise Problem(
            403, "Forbidden", "Only the citizen and administrators read the access log.", kind="forbidden"
        )
    log: AccessLog = request.app.state.access_log
    entries = await log.read(citizen_id, limit, before)
    admin = caller.has_role("admin")
    items: list[dict[str, Any]] = [
        {
            "seq": e["seq"],
            "at": e["at"].isoformat(),
            "unit": e["unit"],
            "purpose": e["purpose"],
            "sections": e["sections"],
            **({"sub": e["sub"], "name": e["name"], "request_id": e["request_id"]} if admin else {}),
        }
        for e in entries
    ]
    next_page = entries[-1].get("order") if len(items) == limit else None
    return JSONResponse({"items": items, "next_before": next_page})


@router.get(
    "/me/citizens",
    operation_id="list_my_citizens",
    tags=["worklists"],
    summary="Mine borgere: the citizens my unit is responsible for or takes part in, with their next meeting; "
    "those with something overdue first (most first), then by name (paged: the next page in Link)",
    response_model=list[MyCitizen],
    responses=READ,
)
async def my_citizens(
    request: Request,
    caller: Authenticated,
    name: Annotated[str | None, Query(max_length=200, description="only names containing this")] = None,
    limit: Annotated[int, Query(ge=1, le=pages.MAX_LIMIT, description="rows per page")] = 50,
    cursor: pages.Cursor = None,
) -> JSONResponse:
    if policy.decide("read_worklist", caller) != "allow":
        raise Problem(403, "Forbidden", "Worklists are for staff.", kind="forbidden")
    rows, following = await worklists.my_citizens(_client(request), caller, name, limit, _position(cursor))
    headers = {}
    if following is not None:
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        params["cursor"] = pages.encode_cursor(following[1], following[0])
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return JSONResponse(rows, headers=headers)


def _position(cursor: str | None) -> worklists.Position:
    """Where a worklist cursor points: into the overdue block (an offset) or after a citizen in the rest."""
    if not cursor:
        return worklists.START
    value, kind = pages.decode_cursor(cursor)
    if kind == "overdue" and isinstance(value, int) and value >= 0:
        return ("overdue", value)
    if kind == "after" and isinstance(value, str) and len(value) <= 100:
        return ("after", value)
    raise pages.unknown_cursor()


@router.get(
    "/me/deadlines",
    operation_id="list_my_deadlines",
    tags=["worklists"],
    summary="My unit's deadlines and tasks, overdue first (Danish working days)",
    response_model=list[MyDeadline],
    responses=READ,
)
async def my_deadlines(request: Request, caller: Authenticated) -> JSONResponse:
    if policy.decide("read_worklist", caller) != "allow":
        raise Problem(403, "Forbidden", "Worklists are for staff.", kind="forbidden")
    return JSONResponse(await worklists.my_deadlines(_client(request), caller))


@router.get(
    "/me/requests",
    operation_id="list_my_requests",
    tags=["worklists"],
    summary="The citizens' requests for a change waiting for my unit's answer, oldest first (decision 0061)",
    response_model=list[OpenRequest],
    responses=READ,
)
async def my_requests(request: Request, caller: Authenticated) -> JSONResponse:
    if policy.decide("read_worklist", caller) != "allow":
        raise Problem(403, "Forbidden", "Worklists are for staff.", kind="forbidden")
    return JSONResponse(await worklists.my_requests(_client(request), caller))


@router.get(
    "/healthz",
    operation_id="gateway_healthz",
    tags=["health"],
    summary="Liveness",
    response_model=Health,
    openapi_extra={"security": []},
)
async def healthz() -> Health:
    return Health(status="ok", service="gateway")


@router.get(
    "/readyz",
    operation_id="gateway_readyz",
    tags=["health"],
    summary="Readiness: the database and the services answer",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "not ready: see which check failed"}},
    openapi_extra={"security": []},
)
async def readyz(request: Request) -> JSONResponse:
    checks = await request.app.state.runtime.ready()
    ok = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503
    )
