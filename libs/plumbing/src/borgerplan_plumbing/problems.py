"""RFC 9457 problem details for every error a service or the gateway returns."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import DuplicateKeyError, PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from borgerplan_plumbing.auth import AuthenticationError
from borgerplan_plumbing.store import AlreadyExistsError, NotFoundError, VersionConflictError
from borgerplan_rules.violations import RuleViolation

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:borgerplan:problem:"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem detail."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        kind: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail or title
        self.kind = kind or title.lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"{TYPE_BASE}{self.kind}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class DependencyUnavailableError(Exception):
    """Something this process needs (another service) did not answer in time: 503, try again shortly."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} did not answer")
        self.name = name


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=MEDIA_TYPE, headers=problem.headers
    )


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        errors.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", "invalid"))})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            return problem_response(
                Problem(400, "Bad request", "The body is not valid JSON.", kind="bad-request"),
                request.url.path,
            )
        return problem_response(
            Problem(
                422,
                "Invalid request",
                "The request has fields that are missing or invalid.",
                kind="validation",
                errors=validation_errors(exc),
            ),
            request.url.path,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        title = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}.get(
            exc.status_code, "Error"
        )
        return problem_response(
            Problem(exc.status_code, title, str(exc.detail), headers=dict(exc.headers or {})),
            request.url.path,
        )

    async def on_not_found(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, NotFoundError)
        return problem_response(Problem(404, "Not found", f"No {exc.kind} with that id."), request.url.path)

    async def on_conflict(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            Problem(
                412,
                "Precondition failed",
                "The resource changed since you read it. Read it again and re-apply your change.",
                kind="stale-version",
            ),
            request.url.path,
        )

    async def on_exists(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(Problem(409, "Conflict", "The resource exists already."), request.url.path)

    async def on_auth(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            Problem(
                401,
                "Unauthorized",
                "A valid bearer token is required.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ),
            request.url.path,
        )

    async def on_rule(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleViolation)
        title = {409: "Conflict", 404: "Not found"}.get(exc.status, "Invalid request")
        return problem_response(
            Problem(
                exc.status,
                title,
                exc.message,
                kind="validation" if exc.status == 422 else "rule",
                errors=[{"field": exc.field, "message": exc.message}],
            ),
            request.url.path,
        )

    async def on_dependency(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DependencyUnavailableError)
        return problem_response(
            Problem(
                503,
                "Service unavailable",
                f"The {exc.name} service did not answer; try again shortly.",
                kind="unavailable",
                headers={"Retry-After": "2"},
            ),
            request.url.path,
        )

    async def on_database(request: Request, exc: Exception) -> JSONResponse:
        # A timeout (the request's deadline ran out) or the database away: nothing was half-applied, since every
        # write is one atomic document write; the caller may try again.
        log.warning("database call failed", extra={"path": request.url.path, "error": type(exc).__name__})
        return problem_response(
            Problem(
                503,
                "Service unavailable",
                "The database did not answer in time; try again shortly.",
                kind="unavailable",
                headers={"Retry-After": "2"},
            ),
            request.url.path,
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"path": request.url.path, "error": type(exc).__name__})
        return problem_response(
            Problem(500, "Internal error", "Something went wrong on our side."), request.url.path
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(VersionConflictError, on_conflict)
    app.add_exception_handler(AlreadyExistsError, on_exists)
    app.add_exception_handler(DuplicateKeyError, on_exists)
    app.add_exception_handler(AuthenticationError, on_auth)
    app.add_exception_handler(RuleViolation, on_rule)
    app.add_exception_handler(DependencyUnavailableError, on_dependency)
    app.add_exception_handler(PyMongoError, on_database)
    app.add_exception_handler(Exception, on_unexpected)
