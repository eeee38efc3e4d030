"""What every page shares: the session around each request, who is signed in, the CSRF check, rendering, and
the Danish error pages.

Routes ask for ``Staff``, ``Citizen`` or ``Visitor`` (FastAPI dependencies) and get a ``Ctx``: the session, the
public API as this person (``ctx.api``), the unit directory and ``ctx.render``. A POST route asks for
``PostedForm``: the form as typed, already checked for its CSRF token.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from borgerplan_rules.workdays import today
from web_service import pictures
from web_service import wording as W
from web_service.forms import Form
from web_service.gateway import ApiProblem, Gateway, PersonApi
from web_service.plan_forms import agreement_rows
from web_service.roles import May
from web_service.sessions import COOKIE, SECURE_COOKIE, Session, SessionStore, token_expired
from web_service.settings import WebSettings
from web_service.units import UnitDirectory

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# What the pages allow a browser to do: only this origin's own files, no inline script, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


class RedirectError(Exception):
    """Leave the page for another (303): not signed in, signed in as someone who belongs elsewhere."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class CsrfRefusedError(Exception):
    """A POST without the session's CSRF token: refused (403), nothing done."""


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg", "xml"], default_for_string=True),
        undefined=ChainableUndefined,  # the API leaves optional fields out; a missing one shows as nothing
        trim_blocks=True,
        lstrip_blocks=True,
    )
    stamp_file = STATIC / "vendor" / ".build-stamp"
    version = stamp_file.read_text()[:12] if stamp_file.exists() else "dev"
    env.globals.update(
        W=W,
        pictures=pictures,
        static=lambda path: f"/static/{path}?v={version}",
        quote=lambda text: quote(str(text), safe=""),
        new_key=lambda: uuid.uuid4().hex,
        plan_forms_rows=agreement_rows,
        empty_form=Form,
        today=today,
    )
    env.tests["iso_date_text"] = lambda value: bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value or "")))
    env.filters.update(
        long_date=W.long_date,
        short_date=W.short_date,
        date_time=W.date_time,
        time_span=W.time_span,
        clock=W.clock,
        categories=W.categories,
        purposes=W.purposes,
        capital=W.capital,
        iso_date=lambda v: str(v)[:10] if v else "",
        roman=roman,
    )
    return env


def roman(number: int) -> str:
    """MÅL I, II, III as in the template."""
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, letters in numerals:
        while number >= value:
            out, number = out + letters, number - value
    return out


@dataclass
class Ctx:
    """One request's view of the world: who, their API, the unit names, and how to answer with a page."""

    request: Request
    session: Session | None
    settings: WebSettings
    units: UnitDirectory
    api_: PersonApi | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> PersonApi:
        if self.api_ is None:
            raise RedirectError("/log-ind")
        return self.api_

    @property
    def caller(self) -> dict[str, Any]:
        return (self.session.caller if self.session else None) or {}

    @property
    def is_citizen(self) -> bool:
        return self.session is not None and self.session.is_citizen()

    @property
    def unit(self) -> str:
        return str(self.caller.get("unit", ""))

    @property
    def may(self) -> May:
        return May.of(self.caller)

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, template, status, ctx=self, **context)


def render(
    request: Request, template: str, status: int = 200, ctx: Ctx | None = None, **context: Any
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    session: Session | None = ctx.session if ctx else getattr(request.state, "session", None)
    units: UnitDirectory = ctx.units if ctx else request.app.state.units
    notice = W.DONE.get(request.query_params.get("ok", ""))
    html = env.get_template(template).render(
        request=request,
        session=session,
        person=(session.caller if session else None) or {},
        may=May.of(session.caller if session else None),
        csrf_token=session.csrf if session else "",
        units=context.pop("units", units),
        notice=notice,
        path=request.url.path,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if status >= 400 and request.headers.get("hx-request") == "true":
        # an error page replaces the whole main content, not the part the form meant to refresh
        response.headers.update(
            {"HX-Retarget": "#main-content", "HX-Reselect": "#main-content", "HX-Reswap": "outerHTML"}
        )
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- the session around each request -----------------------------------------------------------------------------


class SessionMiddleware(BaseHTTPMiddleware):
    """Loads the session named by the cookie before the route, saves what changed after it, sets the cookie
    (HttpOnly, SameSite=Lax, Secure outside development) and the headers every page gets."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path.startswith("/static/") or request.url.path in ("/healthz", "/readyz"):
            return await call_next(request)
        began = time.perf_counter()
        store: SessionStore = request.app.state.sessions
        settings: WebSettings = request.app.state.settings
        cookie = SECURE_COOKIE if settings.cookie_secure else COOKIE
        session, expired = await store.load(request.cookies.get(cookie))
        request.state.session = session
        request.state.session_expired = expired
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        response = await call_next(request)
        current: Session | None = request.state.session
        if current is not None:
            await store.save(current)
        if current is not None and (session is None or current.id != session.id):
            response.set_cookie(
                cookie,
                current.id,
                httponly=True,
                secure=settings.cookie_secure,
                samesite="lax",
                path="/",
                max_age=None,
            )
        elif (current is None and session is not None) or (current is None and expired):
            response.delete_cookie(cookie, path="/", secure=settings.cookie_secure, httponly=True)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # the whole page, and the part of it spent waiting for the gateway (the rest is the pages' own)
        api: PersonApi | None = getattr(request.state, "api", None)
        timing = f"page;dur={(time.perf_counter() - began) * 1000:.1f}"
        if api is not None:
            timing += f", gateway;dur={api.spent_ms:.1f}"
        response.headers["Server-Timing"] = timing
        return response


async def ensure_session(request: Request) -> Session:
    """The visitor's session, made now if they have none (a form needs its CSRF token)."""
    session: Session | None = request.state.session
    if session is None:
        store: SessionStore = request.app.state.sessions
        session = await store.create()
        request.state.session = session
    return session


# --- who is asking --------------------------------------------------------------------------------------------------

TokenRefresher = Callable[[Request, Session], Awaitable[bool]]


async def _ctx(request: Request) -> Ctx:
    settings: WebSettings = request.app.state.settings
    session: Session | None = request.state.session
    api = None
    if session is not None and session.signed_in:
        if token_expired(session):
            refresher: TokenRefresher = request.app.state.refresh_token
            if not await refresher(request, session):
                await request.app.state.sessions.delete(session)
                request.state.session = None
                raise RedirectError("/log-ind?udloebet=1")
        gateway: Gateway = request.app.state.gateway
        api = gateway.as_person(session.token or "", request.state.request_id)
        request.state.api = api
    return Ctx(request=request, session=session, settings=settings, units=request.app.state.units, api_=api)


def _sign_in_url(request: Request) -> str:
    expired = "udloebet=1&" if getattr(request.state, "session_expired", False) else ""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/log-ind?{expired}naeste={quote(target, safe='')}"


async def visitor(request: Request) -> Ctx:
    return await _ctx(request)


async def signed_in(request: Request) -> Ctx:
    ctx = await _ctx(request)
    if ctx.api_ is None:
        raise RedirectError(_sign_in_url(request))
    return ctx


async def staff(request: Request) -> Ctx:
    ctx = await signed_in(request)
    if ctx.is_citizen:
        raise RedirectError("/min-plan")
    return ctx


async def citizen(request: Request) -> Ctx:
    ctx = await signed_in(request)
    if not ctx.is_citizen:
        raise RedirectError("/borgere")
    return ctx


async def posted_form(request: Request) -> Form:
    """The form as typed, refused unless it carries this session's CSRF token."""
    data = await request.form()
    form = Form.of(data)
    session: Session | None = request.state.session
    if session is None or not session.csrf_ok(form.get("csrf_token")):
        raise CsrfRefusedError
    return form


Visitor = Annotated[Ctx, Depends(visitor)]
SignedIn = Annotated[Ctx, Depends(signed_in)]
Staff = Annotated[Ctx, Depends(staff)]
Citizen = Annotated[Ctx, Depends(citizen)]
PostedForm = Annotated[Form, Depends(posted_form)]


# --- Danish error pages ---------------------------------------------------------------------------------------------


def error_page(
    request: Request, status: int, text: str | None = None, title: str | None = None
) -> HTMLResponse:
    status_shown = status if status in W.ERROR_TITLES else (500 if status >= 500 else 400)
    response = render(
        request,
        "error.html",
        status_shown,
        title=title or W.ERROR_TITLES[status_shown],
        text=text or W.ERROR_TEXTS.get(status_shown, ""),
        code=status_shown,
    )
    return response


def install_error_pages(app: FastAPI) -> None:
    async def on_redirect(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RedirectError)
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": exc.url})
        return redirect(exc.url)

    async def on_csrf(request: Request, exc: Exception) -> Response:
        return error_page(request, 403, W.CSRF_FAILED)

    async def on_api_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiProblem)
        if exc.status == 401:
            session: Session | None = request.state.session
            if session is not None:
                await request.app.state.sessions.delete(session)
                request.state.session = None
            return redirect("/log-ind?udloebet=1")
        if exc.consent_missing:
            return error_page(request, 403, W.CONSENT_MISSING)
        response = error_page(request, exc.status)
        if exc.status in (429, 503) and exc.retry_after:
            response.headers["Retry-After"] = exc.retry_after
        return response

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_page(request, exc.status_code)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", extra={"path": request.url.path}, exc_info=exc)
        return error_page(request, 500)

    app.add_exception_handler(RedirectError, on_redirect)
    app.add_exception_handler(CsrfRefusedError, on_csrf)
    app.add_exception_handler(ApiProblem, on_api_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
